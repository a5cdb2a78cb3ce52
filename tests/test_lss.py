"""The .lss writer and reader: structure against LimeSurvey 6.2.1's own export, round trips for
every instrument, importer rules, and XML safety."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from cchc_survey import CchcSurveyError, load_instrument
from cchc_survey.codebook import Codebook, codebook_from_instrument, read_lss
from cchc_survey.limesurvey.lss import (
    DB_VERSION,
    FIELDS,
    LssFormatError,
    LssUnsafeXmlError,
    LssWriteError,
    build_lss,
    survey_id_for,
    write_lss,
)

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
QDIR = Path(__file__).parent.parent / "questionnaires"
INSTRUMENTS = sorted(QDIR.glob("*.yaml"))


def _root(data: bytes | Path) -> ET.Element:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return ET.fromstring(raw)  # our own output and committed fixtures


def _rowtags(root: ET.Element, section: str) -> set[tuple[str, ...]]:
    return {tuple(c.tag for c in row) for row in root.findall(f"{section}/rows/row")}


@pytest.fixture(scope="module")
def sipas_xml() -> bytes:
    return write_lss(load_instrument(QDIR / "sipas_one_stop.yaml"))


# --- the structure of LimeSurvey's own export -----------------------------------------------
def test_sections_and_fields_match_limesurvey_export(sipas_xml: bytes) -> None:
    ours, lime = _root(sipas_xml), _root(FIX / "survey.lss")
    assert ours.findtext("LimeSurveyDocType") == "Survey"
    assert ours.findtext("DBVersion") == lime.findtext("DBVersion") == str(DB_VERSION) == "612"
    # same top-level sections in the same order; the export's theme sections are not written
    lime_tags = [c.tag for c in lime]
    assert [c.tag for c in ours] == [t for t in lime_tags if t not in {"themes",
                                                                       "themes_inherited"}]
    for sec in ours:
        fields = [f.text for f in sec.findall("fields/fieldname")]
        if sec.tag in {"LimeSurveyDocType", "DBVersion", "languages"}:
            continue
        assert fields == [f.text for f in lime.findall(f"{sec.tag}/fields/fieldname")], sec.tag
        assert fields == list(FIELDS[sec.tag])


@pytest.mark.parametrize("section", ["answers", "answer_l10ns", "groups", "group_l10ns",
                                     "questions", "subquestions", "question_l10ns",
                                     "question_attributes", "surveys"])
def test_rows_hold_the_elements_limesurvey_exports(sipas_xml: bytes, section: str) -> None:
    # every row carries exactly the elements of LimeSurvey's export rows (NULLs left out)
    assert _rowtags(_root(sipas_xml), section) == _rowtags(_root(FIX / "survey.lss"), section)


def test_language_settings_rows_as_the_import_source(sipas_xml: bytes) -> None:
    # the row elements of the file a real LimeSurvey 6.2.1 accepted through import_survey;
    # the e-mail templates stay NULL so that LimeSurvey fills its defaults (as it did there)
    assert (_rowtags(_root(sipas_xml), "surveys_languagesettings")
            == _rowtags(_root(FIX / "survey_source.lss"), "surveys_languagesettings"))


def test_written_content_sipas(sipas_xml: bytes) -> None:
    root = _root(sipas_xml)
    assert [x.text for x in root.findall("languages/language")] == ["vi", "en"]
    survey = {c.tag: c.text or "" for c in root.find("surveys/rows/row")}  # type: ignore[union-attr]
    assert survey["sid"] == str(survey_id_for("sipas_one_stop"))
    assert (survey["language"], survey["additional_languages"]) == ("vi", "en")
    assert survey["format"] == "G" and survey["template"] == "inherit"
    qs = {r.findtext("title"): {c.tag: c.text or "" for c in r}
          for r in root.findall("questions/rows/row")}
    assert len(qs) == 25
    assert qs["PA"]["relevance"] == '((COPHANANH.NAOK == "Y"))'
    assert qs["HAILONG"]["mandatory"] == "Y" and qs["TC"]["mandatory"] == "N"
    assert qs["NGHENGHIEP"]["other"] == "Y" and qs["MONGDOI"]["other"] == "Y"
    assert {k: v["question_theme_name"] for k, v in qs.items() if k in {
        "DONVI", "TC", "COPHANANH", "MONGDOI", "TRONGSO", "TANG", "YKIEN", "GIOITINH"}} == {
        "DONVI": "listradio", "TC": "arrays/array", "COPHANANH": "yesno",
        "MONGDOI": "multiplechoice", "TRONGSO": "numerical", "TANG": "shortfreetext",
        "YKIEN": "longfreetext", "GIOITINH": "gender"}
    attrs = sorted((r.findtext("qid"), r.findtext("attribute"), r.findtext("value"))
                   for r in root.findall("question_attributes/rows/row"))
    ids = {v["qid"]: k for k, v in qs.items()}
    assert [(ids[q], a, v) for q, a, v in attrs] == [
        ("TANG", "hidden", "1"), ("CUM", "hidden", "1"), ("TRONGSO", "hidden", "1"),
        ("TRONGSO", "min_num_value_n", "0")]
    # no answers rows for G/Y/M and no -oth- row: LimeSurvey fixes those codes itself
    answers = root.findall("answers/rows/row")
    assert {r.findtext("code") for r in answers} >= {"1", "6", "U01", "LV7"}
    assert "-oth-" not in {r.findtext("code") for r in answers}
    per_q = Counter(ids[r.findtext("qid") or ""] for r in answers)
    assert per_q["TC"] == 6 and per_q["DONVI"] == 6 and per_q["NGHENGHIEP"] == 6
    assert "GIOITINH" not in per_q and "MONGDOI" not in per_q and "COPHANANH" not in per_q


def test_ids_are_consistent(sipas_xml: bytes) -> None:
    root = _root(sipas_xml)
    gids = {r.findtext("gid") for r in root.findall("groups/rows/row")}
    mains = {r.findtext("qid"): r for r in root.findall("questions/rows/row")}
    subs = {r.findtext("qid"): r for r in root.findall("subquestions/rows/row")}
    assert not set(mains) & set(subs)
    assert all(r.findtext("gid") in gids for r in [*mains.values(), *subs.values()])
    assert all(r.findtext("parent_qid") in mains for r in subs.values())
    assert all(mains[r.findtext("parent_qid")].findtext("gid") == r.findtext("gid")  # type: ignore[index]
               for r in subs.values())
    aids = {r.findtext("aid") for r in root.findall("answers/rows/row")}
    assert all(r.findtext("qid") in mains for r in root.findall("answers/rows/row"))
    # one l10n row per language for every group, question, sub-question and answer
    for sec, key, owners in (("group_l10ns", "gid", gids),
                             ("question_l10ns", "qid", set(mains) | set(subs)),
                             ("answer_l10ns", "aid", aids)):
        rows = root.findall(f"{sec}/rows/row")
        assert Counter((r.findtext(key), r.findtext("language")) for r in rows) == Counter(
            {(o, lg): 1 for o in owners for lg in ("vi", "en")}), sec
        assert len({r.findtext("id") for r in rows}) == len(rows)
    assert len(subs) == 4 + 5 + 6 + 3 + 4 + 8


def test_writer_is_deterministic(sipas_xml: bytes) -> None:
    assert write_lss(load_instrument(QDIR / "sipas_one_stop.yaml")) == sipas_xml
    assert sipas_xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<document>\n')


# --- round trips ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", INSTRUMENTS, ids=[p.stem for p in INSTRUMENTS])
def test_round_trip_every_instrument(path: Path) -> None:
    inst = load_instrument(path)
    expected = codebook_from_instrument(inst)
    data = write_lss(inst)
    back = read_lss(data, instrument=inst)
    assert back == expected
    assert list(back.columns()["column"]) == [it.column for it in inst.items]
    # without the instrument only the instrument's own names are missing
    plain = read_lss(data)
    assert [q.code for q in plain.questions] == [q.code for q in expected.questions]
    assert [q.texts for q in plain.questions] == [q.texts for q in expected.questions]
    assert [q.answers for q in plain.questions] != [] and plain.sid == survey_id_for(inst.id)


@pytest.mark.parametrize("path", INSTRUMENTS, ids=[p.stem for p in INSTRUMENTS])
def test_committed_lss_files_are_up_to_date(path: Path) -> None:
    inst = load_instrument(path)
    committed = QDIR / f"{inst.id}.lss"
    assert committed.exists(), f"run cchc_survey.limesurvey.lss.build_lss({path.name!r})"
    assert committed.read_bytes() == write_lss(inst), (
        f"{committed.name} is stale: run cchc_survey.limesurvey.lss.build_all_lss('questionnaires')")


@pytest.mark.parametrize("name", ["survey.lss", "survey_source.lss"])
def test_fixture_codebook_round_trips_through_the_writer(name: str) -> None:
    cb = read_lss(FIX / name)
    again = read_lss(write_lss(cb))
    assert again == cb
    assert again.sid == 385924
    assert [c.sgqa for c in again.column_list][:3] == ["385924X1X1", "385924X1X2", "385924X1X3"]


def test_build_lss_writes_the_file(tmp_path: Path) -> None:
    out = build_lss(QDIR / "sipas_one_stop.yaml", tmp_path / "x.lss")
    assert out == tmp_path / "x.lss"
    assert out.read_bytes() == write_lss(load_instrument(QDIR / "sipas_one_stop.yaml"))
    assert not list(tmp_path.glob("*.tmp"))


def test_special_text_survives(sipas_xml: bytes) -> None:
    cb = read_lss(sipas_xml)
    q = cb.questions[0]
    tricky = "a ]]> b < c & d \"e\" — Ông/Bà 👍"
    cb2 = replace(cb, questions=(replace(q, texts={"vi": tricky, "en": "x"}), *cb.questions[1:]))
    assert read_lss(write_lss(cb2)).questions[0].texts == {"vi": tricky, "en": "x"}


# --- what LimeSurvey's importer would reject or rename --------------------------------------
def _with_question(cb: Codebook, **changes: object) -> Codebook:
    q = replace(cb.questions[0], **changes)  # type: ignore[arg-type]
    return replace(cb, questions=(q, *cb.questions[1:]))


@pytest.mark.parametrize(("changes", "message"), [
    ({"code": "1DONVI"}, "starts with a letter"),
    ({"code": "DON_VI"}, "starts with a letter"),
    ({"code": "A" * 21}, "at most 20 characters"),
    ({"code": "SID"}, "reserved word"),
    ({"code": "LINHVUC"}, "used twice"),
    ({"type": "Z"}, "unknown LimeSurvey question type 'Z'"),
])
def test_writer_refuses_bad_question_codes(sipas_xml: bytes, changes: dict, message: str) -> None:
    cb = _with_question(read_lss(sipas_xml), **changes)
    with pytest.raises(LssWriteError, match=message) as err:
        write_lss(cb)
    assert isinstance(err.value, CchcSurveyError)
    assert len(err.value.problems) == 1


def test_writer_refuses_bad_answer_and_subquestion_codes(sipas_xml: bytes) -> None:
    cb = read_lss(sipas_xml)
    q = cb.question("TC")
    bad_answers = (replace(q.answers[0], code="ABCDEF"), replace(q.answers[1], code="3"),
                   *q.answers[2:])
    bad_subs = (replace(q.subquestions[0], code="C-1"), *q.subquestions[1:])
    qs = tuple(replace(x, answers=bad_answers, subquestions=bad_subs) if x.code == "TC" else x
               for x in cb.questions)
    with pytest.raises(LssWriteError) as err:
        write_lss(replace(cb, questions=qs))
    wheres = [p.where for p in err.value.problems]
    assert wheres == ["question TC, sub-question C-1", "question TC, answer code ABCDEF",
                      "question TC, answer code 3"]
    assert "at most 5" in str(err.value)


# --- reading safely -----------------------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<document><LimeSurveyDocType>&lol3;</LimeSurveyDocType></document>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<document><LimeSurveyDocType>Survey</LimeSurveyDocType><x>&xxe;</x></document>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE document SYSTEM "http://example.org/x.dtd">
<document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL, DTD_ONLY],
                         ids=["billion-laughs", "external-entity", "external-dtd"])
def test_unsafe_xml_is_refused(data: bytes) -> None:
    with pytest.raises(LssUnsafeXmlError, match="refused: the XML declares a DTD") as err:
        read_lss(data)
    assert isinstance(err.value, CchcSurveyError)


def test_broken_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(LssFormatError, match="not well-formed XML"):
        read_lss((FIX / "survey.lss").read_bytes()[:5000])
    with pytest.raises(LssFormatError, match="LimeSurveyDocType 'Group'"):
        read_lss(b"<document><LimeSurveyDocType>Group</LimeSurveyDocType></document>")
    with pytest.raises(LssFormatError, match="no <surveys> row"):
        read_lss(b"<document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>")
    with pytest.raises(LssFormatError, match="cannot read the file"):
        read_lss(tmp_path / "missing.lss")
    no_title = (FIX / "survey.lss").read_bytes().replace(b"<title><![CDATA[TUOI]]></title>", b"")
    with pytest.raises(LssFormatError, match="a row of <questions> has no <title>"):
        read_lss(no_title)


OLD_FORMAT = """<?xml version="1.0" encoding="UTF-8"?>
<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>366</DBVersion>
<languages><language>en</language><language>vi</language></languages>
<answers><rows>
<row><qid>5</qid><code>A2</code><answer>Bad</answer><sortorder>2</sortorder>
<language>en</language><scale_id>0</scale_id></row>
<row><qid>5</qid><code>A1</code><answer>Good</answer><sortorder>1</sortorder>
<language>en</language><scale_id>0</scale_id></row>
<row><qid>5</qid><code>A1</code><answer>Tốt</answer><sortorder>1</sortorder>
<language>vi</language><scale_id>0</scale_id></row>
<row><qid>5</qid><code>A2</code><answer>Kém</answer><sortorder>2</sortorder>
<language>vi</language><scale_id>0</scale_id></row>
</rows></answers>
<groups><rows>
<row><gid>7</gid><sid>11</sid><group_name>Part one</group_name><group_order>0</group_order>
<description/><language>en</language><grelevance/></row>
<row><gid>7</gid><sid>11</sid><group_name>Phần một</group_name><group_order>0</group_order>
<description/><language>vi</language><grelevance/></row>
</rows></groups>
<questions><rows>
<row><qid>5</qid><parent_qid>0</parent_qid><sid>11</sid><gid>7</gid><type>F</type>
<title>Q1</title><question>Rate</question><help/><other>N</other><mandatory>Y</mandatory>
<question_order>0</question_order><language>en</language><relevance>1</relevance></row>
<row><qid>5</qid><parent_qid>0</parent_qid><sid>11</sid><gid>7</gid><type>F</type>
<title>Q1</title><question>Đánh giá</question><help/><other>N</other><mandatory>Y</mandatory>
<question_order>0</question_order><language>vi</language><relevance>1</relevance></row>
</rows></questions>
<subquestions><rows>
<row><qid>6</qid><parent_qid>5</parent_qid><sid>11</sid><gid>7</gid><type>T</type>
<title>SQ1</title><question>Speed</question><question_order>1</question_order>
<language>en</language><scale_id>0</scale_id></row>
<row><qid>6</qid><parent_qid>5</parent_qid><sid>11</sid><gid>7</gid><type>T</type>
<title>SQ1</title><question>Tốc độ</question><question_order>1</question_order>
<language>vi</language><scale_id>0</scale_id></row>
</rows></subquestions>
<surveys><rows><row><sid>11</sid><language>en</language>
<additional_languages>vi</additional_languages></row></rows></surveys>
<surveys_languagesettings><rows>
<row><surveyls_survey_id>11</surveyls_survey_id><surveyls_language>en</surveyls_language>
<surveyls_title>Old</surveyls_title></row>
<row><surveyls_survey_id>11</surveyls_survey_id><surveyls_language>vi</surveyls_language>
<surveyls_title>Cũ</surveyls_title></row>
</rows></surveys_languagesettings>
</document>"""


def test_reads_the_pre_l10n_layout_of_limesurvey_3() -> None:
    cb = read_lss(OLD_FORMAT.encode("utf-8"))
    assert cb.languages == ("en", "vi") and cb.sid == 11
    assert cb.title == {"en": "Old", "vi": "Cũ"}
    assert cb.groups[0].titles == {"en": "Part one", "vi": "Phần một"}
    q = cb.question("Q1")
    assert (q.type, q.mandatory, q.texts) == ("F", "Y", {"en": "Rate", "vi": "Đánh giá"})
    assert [(a.code, a.labels["vi"], a.order) for a in q.answers] == [("A1", "Tốt", 1),
                                                                      ("A2", "Kém", 2)]
    assert [(s.code, s.texts["vi"]) for s in q.subquestions] == [("SQ1", "Tốc độ")]
    assert cb.column("11X7X5SQ1").code == "Q1[SQ1]"
    assert cb.label("Q1_SQ1", "A2", "en") == "Bad"
