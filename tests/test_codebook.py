"""The codebook: read from LimeSurvey's own .lss files and built from instruments.

The expected structure is the table in tests/fixtures/limesurvey/README.md (LimeSurvey 6.2.1,
survey 385924); labels and headings are checked against LimeSurvey's own response exports.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from cchc_survey import CchcSurveyError, load_instrument
from cchc_survey.codebook import (
    Codebook,
    CodebookError,
    attach_instrument,
    codebook_from_instrument,
    read_lss,
    relevance_from_filters,
)
from cchc_survey.instrument.model import Filter

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
EXPORT = FIX / "survey.lss"
SOURCE = FIX / "survey_source.lss"
QDIR = Path(__file__).parent.parent / "questionnaires"

# README structure table: code, type, group order, qid, SGQA columns, answer codes
STRUCTURE = [
    ("GIOITINH", "G", 1, 1, ["385924X1X1"], ["F", "M"]),
    ("TUOI", "L", 1, 2, ["385924X1X2"], ["1", "2", "3", "4", "5"]),
    ("NGHENGHIEP", "L", 1, 3, ["385924X1X3", "385924X1X3other"],
     ["1", "2", "3", "4", "5", "6", "-oth-"]),
    ("HOCVAN", "L", 1, 4, ["385924X1X4"], ["1", "2", "3", "4", "5", "6"]),
    ("TC", "F", 2, 5, [f"385924X2X5A{i}" for i in range(1, 5)], ["1", "2", "3", "4", "5"]),
    ("CC", "F", 3, 6, [f"385924X3X6A{i}" for i in range(1, 5)], ["1", "2", "3", "4", "5"]),
    ("DUNGHEN", "Y", 4, 7, ["385924X4X7"], ["Y", "N"]),
    ("KENH", "M", 4, 8, [*(f"385924X4X8K{i}" for i in range(1, 6)), "385924X4X8other"], ["Y"]),
    ("SOLAN", "N", 4, 9, ["385924X4X9"], []),
    ("MAHOSO", "S", 4, 10, ["385924X4X10"], []),
    ("NGAYNOP", "D", 4, 11, ["385924X4X11"], []),
    ("GOPY", "T", 4, 12, ["385924X4X12"], []),
]
SUBQ_QIDS = {"TC": [13, 14, 15, 16], "CC": [17, 18, 19, 20], "KENH": [21, 22, 23, 24, 25]}


@pytest.fixture(scope="module")
def export_cb() -> Codebook:
    return read_lss(EXPORT)


@pytest.fixture(scope="module")
def source_cb() -> Codebook:
    return read_lss(SOURCE)


@pytest.fixture(scope="module")
def sipas() -> Codebook:
    return codebook_from_instrument(load_instrument(QDIR / "sipas_one_stop.yaml"))


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / "exports" / "rpc" / name, sep=";", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")


# --- reading LimeSurvey's own export ------------------------------------------------------------
def test_export_survey_level(export_cb: Codebook) -> None:
    assert export_cb.sid == 385924
    assert export_cb.languages == ("vi", "en")  # base first although the file lists en, vi
    assert export_cb.title["vi"] == ("Khảo sát mức độ hài lòng của người dân, tổ chức đối với "
                                     "sự phục vụ của Sở Ngoại vụ")
    assert export_cb.title["en"].startswith("Survey on citizen and organisation satisfaction")
    assert export_cb.description["vi"] == ("Phiếu khảo sát theo phương pháp SIPAS. Thông tin cá "
                                           "nhân được giữ bí mật.")
    assert export_cb.instrument_id == ""
    assert [g.gid for g in export_cb.groups] == [1, 2, 3, 4]
    assert [g.code for g in export_cb.groups] == ["G1", "G2", "G3", "G4"]
    assert export_cb.groups[0].titles == {"vi": "Thông tin chung về người trả lời",
                                          "en": "General information about the respondent"}
    assert export_cb.groups[1].descriptions == {"vi": "", "en": ""}
    assert all(g.relevance == "1" for g in export_cb.groups)


@pytest.mark.parametrize("row", STRUCTURE, ids=[r[0] for r in STRUCTURE])
def test_export_structure_matches_readme(export_cb: Codebook, row: tuple) -> None:
    code, qtype, gorder, qid, sgqa, answers = row
    q = export_cb.question(code)
    assert (q.type, q.qid, q.gid, q.group) == (qtype, qid, gorder, f"G{gorder}")
    cols = [c for c in export_cb.column_list if c.question == code]
    assert [c.sgqa for c in cols] == sgqa
    assert [a.code for a in q.answers] == answers
    assert [s.qid for s in q.subquestions] == SUBQ_QIDS.get(code, [])
    assert q.mandatory == "N" and q.relevance == "1" and not q.hidden
    assert q.other is (code in {"NGHENGHIEP", "KENH"})


def test_export_question_order_and_texts(export_cb: Codebook) -> None:
    assert [q.code for q in export_cb.questions] == [r[0] for r in STRUCTURE]
    assert [q.order for q in export_cb.questions] == [1, 2, 3, 4, 1, 1, 1, 2, 3, 4, 5, 6]
    q = export_cb.question("GIOITINH")
    assert q.texts == {"vi": "Giới tính của Ông/Bà?", "en": "What is your gender?"}
    assert q.help == {"vi": "", "en": ""}
    tc = export_cb.question("TC")
    assert [s.code for s in tc.subquestions] == ["A1", "A2", "A3", "A4"]
    assert [s.order for s in tc.subquestions] == [1, 2, 3, 4]
    assert [s.item_id for s in tc.subquestions] == ["tc_a1", "tc_a2", "tc_a3", "tc_a4"]
    tuoi = export_cb.question("TUOI")
    assert tuoi.answers[0].labels == {"vi": "Dưới 25 tuổi", "en": "Under 25"}
    assert [a.order for a in tuoi.answers] == [1, 2, 3, 4, 5]
    assert [a.fixed for a in export_cb.question("NGHENGHIEP").answers] == [False] * 6 + [True]
    assert export_cb.question("NGAYNOP").attributes == {"date_format": "dd/mm/yyyy",
                                                        "date_min": "2020-01-01"}


def test_source_file_reads_to_the_same_codebook(export_cb: Codebook, source_cb: Codebook) -> None:
    # the hand-written import source and LimeSurvey's export of it differ in every id, the
    # language order and NULL fields: the codebooks are equal, the SGQA names are not
    assert source_cb == export_cb
    assert source_cb.question("TC").qid == 20 and export_cb.question("TC").qid == 5
    assert source_cb.column("TC[A1]").sgqa == "385924X2X20A1"
    assert export_cb.column("TC[A1]").sgqa == "385924X2X5A1"


# --- columns in every naming convention, checked against LimeSurvey's exports ----------------
def test_column_names_match_limesurvey_exports(export_cb: Codebook) -> None:
    code_short = _csv("export_responses__csv_code_short.csv")
    cols = export_cb.columns()
    assert list(cols["column"]) == list(code_short.columns[8:])
    vv2 = (FIX / "exports" / "admin" / "vvexport_385924_v2.csv").read_text("utf-8").splitlines()
    vv1 = (FIX / "exports" / "admin" / "vvexport_385924_v1.csv").read_text("utf-8").splitlines()
    assert list(cols["underscore"]) == vv2[1].split("\t")[8:]
    assert list(cols["sgqa"]) == vv1[1].split("\t")[8:]
    assert list(cols["item_id"][:4]) == ["gioitinh", "tuoi", "nghenghiep", "nghenghiep_other"]
    assert list(cols["kind"]).count("other") == 2
    assert cols.shape == (24, 25)  # + abbreviated_vi, abbreviated_en, value


def test_full_headings_match_limesurvey_full_export(export_cb: Codebook) -> None:
    cols = export_cb.columns()
    vi = _csv("export_responses__csv_full_long.csv")
    en = _csv("export_responses__csv_full_long_en.csv")
    assert list(cols["heading_vi"]) == list(vi.columns[8:])
    assert list(cols["heading_en"]) == list(en.columns[8:])


@pytest.mark.parametrize("column", ["GIOITINH", "TUOI", "NGHENGHIEP", "HOCVAN", "TC[A1]",
                                    "TC[A4]", "CC[A2]", "DUNGHEN"])
def test_labels_equal_limesurvey_long_export(export_cb: Codebook, column: str) -> None:
    code = _csv("export_responses__csv_code_short.csv")
    pos = list(code.columns).index(column)
    for lang, name in (("vi", "export_responses__csv_full_long.csv"),
                       ("en", "export_responses__csv_full_long_en.csv")):
        long = _csv(name).iloc[:, pos]
        pairs = set(zip(code[column], long, strict=True)) - {("", ""), ("", "N/A")}
        assert pairs, "the export holds answers for this column"
        for c, label in pairs:
            assert export_cb.label(column, c, lang) == label


def test_label_lookup_in_every_convention(export_cb: Codebook) -> None:
    for name in ("TC[A1]", "TC_A1", "385924X2X5A1", "tc_a1"):
        assert export_cb.label(name, 5, "en") == "Very satisfied"
        assert export_cb.label(name, "1") == "Rất không hài lòng"
    assert export_cb.label("GIOITINH", "F") == "Nữ"
    assert export_cb.label("NGHENGHIEP", "-oth-", "en") == "Other"
    assert export_cb.label("KENH[K3]", "Y") == "Có"  # as LimeSurvey labels a checked M option
    with pytest.raises(CodebookError, match="no response column 'TC\\[A9\\]'"):
        export_cb.label("TC[A9]", 1)
    with pytest.raises(CodebookError, match="has no answer code '7'; its codes are 1, 2"):
        export_cb.label("TC[A1]", 7)
    with pytest.raises(CodebookError, match=r"GOPY .*free values"):
        export_cb.label("GOPY", "x")
    with pytest.raises(CchcSurveyError, match="no question with code 'XX'"):
        export_cb.question("XX")


def test_to_frame_one_row_per_column_and_code(export_cb: Codebook) -> None:
    df = export_cb.to_frame()
    # 2 + 5 + 7 + 1 + 6 + 4*5 + 4*5 + 2 + 5*1 + 1 + 4 free-value columns
    assert len(df) == 73
    tc = df[df["column"] == "TC[A2]"]
    assert list(tc["code"]) == ["1", "2", "3", "4", "5"]
    assert list(tc["label_en"]) == ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied",
                                    "Very satisfied"]
    assert set(tc["text_vi"]) == {export_cb.question("TC").subquestions[1].texts["vi"]}
    gopy = df[df["column"] == "GOPY"]
    assert list(gopy["code"]) == [""] and list(gopy["label_vi"]) == [""]
    assert list(df.columns[-5:]) == ["code", "order", "label_vi", "label_en", "missing"]


def test_equality_ignores_database_ids(export_cb: Codebook) -> None:
    moved = replace(export_cb, sid=1, questions=tuple(
        replace(q, qid=(q.qid or 0) + 100, gid=9) for q in export_cb.questions))
    assert moved == export_cb
    assert replace(export_cb, languages=("en", "vi")) != export_cb
    changed = replace(export_cb.question("TUOI"), mandatory="Y")
    assert replace(export_cb, questions=(changed, *export_cb.questions[1:])) != export_cb


# --- the instrument's codebook ---------------------------------------------------------------
def test_instrument_codebook_matches_instrument_items(sipas: Codebook) -> None:
    inst = load_instrument(QDIR / "sipas_one_stop.yaml")
    cols = sipas.columns()
    assert list(cols["column"]) == [it.column for it in inst.items]
    assert list(cols["item_id"]) == [it.id for it in inst.items]
    assert list(cols["underscore"][:3]) == ["DONVI", "LINHVUC", "KENHNOP"]
    assert (cols["sgqa"] == "").all()  # no database ids before LimeSurvey imports the file
    assert sipas.instrument_id == "sipas_one_stop" and sipas.instrument_version == "2026.1"
    assert sipas.languages == ("vi", "en")
    assert len(cols) == 51


def test_instrument_codebook_flags_and_attributes(sipas: Codebook) -> None:
    assert sipas.question("PA").relevance == '((COPHANANH.NAOK == "Y"))'
    assert sipas.question("PACHUNG").relevance == '((COPHANANH.NAOK == "Y"))'
    assert sipas.question("TC").relevance == "1"
    assert [q.code for q in sipas.questions if q.is_mandatory] == [
        "DONVI", "LINHVUC", "KENHNOP", "DOITUONG", "HAILONG"]
    assert [q.code for q in sipas.questions if q.hidden] == ["TANG", "CUM", "TRONGSO"]
    assert sipas.question("TRONGSO").attributes == {"hidden": "1", "min_num_value_n": "0"}
    tc = sipas.question("TC")
    assert [a.code for a in tc.answers] == ["1", "2", "3", "4", "5", "6"]
    assert [a.missing for a in tc.answers] == ["", "", "", "", "", "dont_know"]
    assert tc.scale == "sat5"
    assert sipas.question("COPHANANH").scale == "yesno"
    assert [a.code for a in sipas.question("NGHENGHIEP").answers][-1] == "-oth-"
    assert sipas.question("KENHNOP").item_id == "kenh"
    assert sipas.label("kenh", 3, "en") == "Online on the public service portal"
    assert sipas.label("tc_c1", 6) == "Không biết / Không có ý kiến"


def test_relevance_from_filters() -> None:
    assert relevance_from_filters([]) == "1"
    f1 = Filter(question="Q1", **{"in": [1, 2]})
    f2 = Filter(question="Q2", **{"in": ["Y"]})
    assert relevance_from_filters([f1]) == '((Q1.NAOK == "1" or Q1.NAOK == "2"))'
    assert relevance_from_filters([f1, f2]) == (
        '((Q1.NAOK == "1" or Q1.NAOK == "2")) and ((Q2.NAOK == "Y"))')


def test_attach_instrument_gives_instrument_names(export_cb: Codebook) -> None:
    inst = load_instrument(QDIR / "sipas_one_stop.yaml")
    # the fixture survey shares question codes with the instrument's profile group
    cb = attach_instrument(export_cb, inst)
    assert cb.instrument_id == "sipas_one_stop"
    assert cb.question("TUOI").scale == "tuoi"
    assert cb.question("GIOITINH").scale == "gender"
    # the fixture's group 1 holds GIOITINH, TUOI, NGHENGHIEP (instrument: THONGTIN) and HOCVAN
    assert cb.groups[0].code == "THONGTIN"
    assert cb.question("HOCVAN").group == "THONGTIN"
    # what the instrument does not have keeps its derived name
    assert cb.groups[3].code == "G4" and cb.question("DUNGHEN").scale == ""
    assert cb.groups[1].code == "YEUTO1"  # TC is also an instrument question (sub-codes differ)
    assert [s.item_id for s in cb.question("TC").subquestions][:2] == ["tc_a1", "tc_a2"]


def test_columns_agree_with_limesurvey_get_fieldmap(export_cb: Codebook) -> None:
    # README behaviour 29: fieldmap keys are SGQA names; aid = sub-question code or "other"
    import json

    cassette = json.loads((FIX / "rpc" / "115_get_fieldmap.json").read_text("utf-8"))
    fieldmap = json.loads(cassette["response_body_raw"])["result"]
    answer_fields = {k: v for k, v in fieldmap.items() if v.get("qid")}
    assert list(answer_fields) == [c.sgqa for c in export_cb.column_list]
    for name, f in answer_fields.items():
        col = export_cb.column(name)
        q = export_cb.question(col.question)
        assert (q.code, q.type, q.gid, q.qid) == (f["title"], f["type"], f["gid"], f["qid"])
        assert col.subquestion == f.get("aid", "")
        assert q.texts["vi"] == f["question"]
        if col.subquestion:
            assert col.texts["vi"] == f["subquestion"]
        if "sqid" in f:
            assert next(s.qid for s in q.subquestions if s.code == col.subquestion) == f["sqid"]


def test_fixed_answers_are_declared_once() -> None:
    """Có/Không, Nữ/Nam, Khác: the instrument's built-in scales, the codebook's fixed answers and
    the old layout labels all come from cchc_survey.structure.limesurvey."""
    from cchc_survey.instrument.model import BUILTIN_SCALES
    from cchc_survey.limesurvey.exports.layout import GENDER_LABELS, OTHER_LABEL, YES_NO_LABELS
    from cchc_survey.structure import QUESTION_TYPES, fixed_answers

    g = QUESTION_TYPES["G"].fixed
    assert [(f.code, f.labels["vi"], f.labels["en"]) for f in g] == [
        (o.code, o.vi, o.en) for o in BUILTIN_SCALES["gender"].options] == [
        ("F", "Nữ", "Female"), ("M", "Nam", "Male")]
    assert [(o.code, o.vi) for o in BUILTIN_SCALES["yesno"].options] == [("Y", "Có"), ("N", "Không")]
    assert GENDER_LABELS["vi"] == {"F": "Nữ", "M": "Nam"} and YES_NO_LABELS["en"] == {"Y": "Yes", "N": "No"}
    assert OTHER_LABEL == {"vi": "Khác", "en": "Other"}
    other = fixed_answers("L", ("vi", "en"), other=True)
    assert [(a.code, a.labels) for a in other] == [("-oth-", {"vi": "Khác", "en": "Other"})]
    c = fixed_answers("C", ("en",), other=False)
    assert [(a.code, a.labels["en"], a.order) for a in c] == [
        ("Y", "Yes", 1), ("U", "Uncertain", 2), ("N", "No", 3)]


def test_unknown_question_type_in_an_lss_is_a_clear_error() -> None:
    from cchc_survey.limesurvey.lss import LssFormatError

    data = EXPORT.read_bytes().replace(b"<type><![CDATA[N]]></type>", b"<type><![CDATA[W]]></type>", 1)
    assert data != EXPORT.read_bytes()
    with pytest.raises(LssFormatError, match=r"question SOLAN has type 'W', which LimeSurvey 6"):
        read_lss(data)
