"""Loading instruments: the real files load; malformed ones fail with file, line, YAML path, fix."""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cchc_survey import QUESTIONNAIRES
from cchc_survey.errors import InstrumentError
from cchc_survey.instrument import load_all, load_instrument

REF = QUESTIONNAIRES / "sipas_one_stop.yaml"


@pytest.fixture(scope="module")
def ref_data() -> dict[str, Any]:
    return yaml.safe_load(REF.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict[str, Any], name: str = "broken.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


def _q(data: dict[str, Any], code: str) -> dict[str, Any]:
    for g in data["groups"]:
        for q in g["questions"]:
            if q["code"] == code:
                return q
    raise KeyError(code)


def test_all_instruments_load() -> None:
    insts = load_all(QUESTIONNAIRES)
    assert "sipas_one_stop" in insts
    for inst in insts.values():
        assert inst.items, inst.id
        assert inst.methodology.source


def test_reference_instrument_structure() -> None:
    inst = load_instrument(REF)
    comps = inst.components
    elements = [c for c in comps.values() if c.level == "element"]
    criteria = [c for c in comps.values() if c.level == "criterion"]
    assert [len(e.children) for e in elements] == [4, 5, 6, 3, 4]
    assert len(criteria) == 22
    # every criterion is mirrored by exactly one item, every element has an overall question
    for c in criteria:
        assert len(inst.mirroring_items(c.id)) == 1, c.id
    for e in elements:
        assert inst.has_item(e.overall_item)
    assert inst.item("tc_c1").column == "TC[C1]"
    assert inst.item("nghenghiep_other").column == "NGHENGHIEP[other]"
    assert inst.item("pa_c1").filter[0].question == "COPHANANH"
    assert inst.methodology.verified is False
    assert inst.scales["sat5"].satisfied is not None
    assert inst.scales["sat5"].satisfied.codes == [4, 5]
    assert inst.warnings == []


def test_text_is_nfc_even_when_the_file_is_nfd(tmp_path: Path, ref_data: dict[str, Any]) -> None:
    data = copy.deepcopy(ref_data)
    data["title"]["vi"] = unicodedata.normalize("NFD", data["title"]["vi"])
    assert not unicodedata.is_normalized("NFC", data["title"]["vi"])
    inst = load_instrument(_write(tmp_path, data))
    assert unicodedata.is_normalized("NFC", inst.title.vi)
    assert inst.title.vi == ref_data["title"]["vi"]


Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[Any], value: Any) -> Mutation:
    def f(d: dict[str, Any]) -> None:
        cur: Any = d
        for k in path[:-1]:
            cur = cur[k]
        cur[path[-1]] = value
    return f


def _dup_item_id(d: dict[str, Any]) -> None:
    _q(d, "TCCHUNG")["id"] = "ttchung"


def _dup_qcode(d: dict[str, Any]) -> None:
    _q(d, "TTCHUNG")["code"] = "tcchung"  # LimeSurvey compares codes without case


def _dup_subcode(d: dict[str, Any]) -> None:
    _q(d, "TC")["subquestions"][1]["code"] = "C1"


def _bad_subcode(d: dict[str, Any]) -> None:
    _q(d, "TC")["subquestions"][0]["code"] = "A-1"  # "1A" is a sub-question code LimeSurvey takes


def _missing_vi(d: dict[str, Any]) -> None:
    del _q(d, "CC")["subquestions"][2]["text"]["vi"]


def _empty_vi(d: dict[str, Any]) -> None:
    _q(d, "HAILONG")["text"]["vi"] = "   "


def _unknown_mirror(d: dict[str, Any]) -> None:
    _q(d, "KQ")["subquestions"][0]["mirrors"] = ["E4.9"]


def _unknown_overall(d: dict[str, Any]) -> None:
    d["methodology"]["components"][0]["children"][0]["overall_item"] = "tc_overall"


def _satisfied_outside(d: dict[str, Any]) -> None:
    d["scales"]["sat5"]["satisfied"]["codes"] = [4, 5, 7]


def _filter_unknown_question(d: dict[str, Any]) -> None:
    _q(d, "PA")["filter"] = [{"question": "GOPY", "in": ["Y"]}]


def _filter_bad_code(d: dict[str, Any]) -> None:
    _q(d, "PA")["filter"] = [{"question": "COPHANANH", "in": ["C"]}]


def _typo_field(d: dict[str, Any]) -> None:
    _q(d, "TUOI")["mandatroy"] = True


def _bad_bool(d: dict[str, Any]) -> None:
    _q(d, "TUOI")["mandatory"] = "có lẽ"


def _answer_code_too_long(d: dict[str, Any]) -> None:
    d["scales"]["donvi"]["options"][0]["code"] = "UNIT001"


def _design_unknown(d: dict[str, Any]) -> None:
    d["design"]["unit"] = "phong"


def _variant_unknown_level(d: dict[str, Any]) -> None:
    d["methodology"]["aggregation"]["variants"][0]["rules"]["dimension"] = {"combine": "sum"}


def _default_variant_unknown(d: dict[str, Any]) -> None:
    d["methodology"]["aggregation"]["default"] = "official"


def _score_map_gap(d: dict[str, Any]) -> None:
    d["methodology"]["scores"]["satisfied"] = {
        "method": "map", "values": {1: 0, 2: 0, 3: 0}, "source": "x", "verified": False}


def _mirror_not_leaf(d: dict[str, Any]) -> None:
    _q(d, "TC")["subquestions"][0]["mirrors"] = ["E1"]


def _m_without_subquestions(d: dict[str, Any]) -> None:
    _q(d, "MONGDOI")["subquestions"] = []


def _other_on_array(d: dict[str, Any]) -> None:
    _q(d, "TC")["other"] = True


def _filter_on_later_question(d: dict[str, Any]) -> None:
    _q(d, "TC")["filter"] = [{"question": "COPHANANH", "in": ["Y"]}]


def _unknown_question_type(d: dict[str, Any]) -> None:
    _q(d, "YKIEN")["type"] = "W"  # LimeSurvey 1.x's flexible list: no type of LimeSurvey 6


CASES: list[tuple[str, Mutation, str, str]] = [
    # (name, mutation, expected YAML path fragment, expected message fragment)
    ("unknown scale", lambda d: _q(d, "TUOI").update(scale="tuoi7"),
     "questions[1 TUOI].scale", "unknown scale 'tuoi7'"),
    ("duplicate item id", _dup_item_id, "questions[", "item id 'ttchung' is used 2 times"),
    ("duplicate question code", _dup_qcode, "groups[2 YEUTO2].questions[1 tcchung].code",
     "also used at"),
    ("duplicate sub-question code", _dup_subcode, "subquestions[1 C1].code", "appears more than once"),
    ("illegal sub-question code", _bad_subcode, "subquestions[0 A-1].code",
     "not a code LimeSurvey accepts"),
    ("illegal question code", lambda d: _q(d, "TT").update(code="THU TUC"),
     "questions[0 THU TUC].code", "not a code LimeSurvey accepts"),
    ("missing Vietnamese text", _missing_vi, "subquestions[2 C3].text.vi",
     "Vietnamese text is missing"),
    ("blank Vietnamese text", _empty_vi, "questions[0 HAILONG].text.vi", "Vietnamese text is empty"),
    ("mirrors an undefined component", _unknown_mirror, "subquestions[0 C1].mirrors",
     "'E4.9', which methodology.components does not define"),
    ("mirrors a non-leaf component", _mirror_not_leaf, "subquestions[0 C1].mirrors",
     "not a leaf component"),
    ("aggregation names an unknown item", _unknown_overall,
     "components[0 SIPAS].children[0 E1].overall_item", "unknown overall item 'tc_overall'"),
    ("satisfied code outside its scale", _satisfied_outside, "scales.sat5.satisfied.codes",
     "satisfied code 7 is not a code of scale 'sat5'"),
    ("filter on an unknown question", _filter_unknown_question, "filter[0].question",
     "unknown question 'GOPY'"),
    ("filter code outside the scale", _filter_bad_code, "filter[0].in", "filter code 'C'"),
    ("filter on a later question", _filter_on_later_question, "filter[0].question",
     "comes after the question it filters"),
    ("misspelt field", _typo_field, "questions[1 TUOI].mandatroy", "Extra inputs"),
    ("not a boolean", _bad_bool, "questions[1 TUOI].mandatory", "boolean"),
    ("answer code too long", _answer_code_too_long, "scales.donvi.options[0",
     "not a LimeSurvey answer code"),
    ("design names an unknown item", _design_unknown, "design.unit", "unknown item 'phong'"),
    ("rule for an undefined level", _variant_unknown_level,
     "variants[0 criteria].rules.dimension", "not a level"),
    ("unknown default variant", _default_variant_unknown, "aggregation.default",
     "'official' is not declared"),
    ("score map leaves codes out", _score_map_gap, "methodology.scores.satisfied",
     "gives no value for codes [4, 5]"),
    ("multiple choice without options", _m_without_subquestions,
     "questions[1 MONGDOI].subquestions", "has no sub-questions"),
    ("other on an array", _other_on_array, "questions[0 TC].other", "cannot have 'other'"),
    ("unknown question type", _unknown_question_type, "questions[2 YKIEN].type", "Input should be"),
]


@pytest.mark.parametrize(("name", "mutate", "where", "message"), CASES, ids=[c[0] for c in CASES])
def test_malformed_instrument_names_file_path_and_fix(
    tmp_path: Path, ref_data: dict[str, Any], name: str, mutate: Mutation, where: str, message: str
) -> None:
    data = copy.deepcopy(ref_data)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError) as exc:
        load_instrument(path)
    text = str(exc.value)
    assert str(path) in text
    assert any(where in p.where and message in p.message for p in exc.value.problems), text
    hit = next(p for p in exc.value.problems if where in p.where and message in p.message)
    assert hit.file == str(path)
    assert hit.line is not None and hit.line > 0
    assert hit.fix or "Input should be" in hit.message


def test_line_number_points_at_the_offending_key(tmp_path: Path) -> None:
    text = REF.read_text(encoding="utf-8").replace("scale: tuoi\n", "scale: tuoi9\n")
    p = tmp_path / "x.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as exc:
        load_instrument(p)
    prob = exc.value.problems[0]
    lines = text.splitlines()
    assert prob.line is not None
    assert "tuoi9" in lines[prob.line - 1]


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    p = tmp_path / "syntax.yaml"
    p.write_text("id: x\nversion: '1'\ntitle: {vi: Khảo sát, en: Survey?}\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as exc:
        load_instrument(p)
    assert exc.value.problems[0].line == 3
    assert "YAML syntax" in str(exc.value)


def test_non_utf8_file(tmp_path: Path) -> None:
    p = tmp_path / "cp1258.yaml"
    text = unicodedata.normalize("NFD", "id: x\ntitle: {vi: Khảo sát}\n")
    p.write_bytes(text.encode("cp1258"))
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_instrument(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="cannot read the file"):
        load_instrument(tmp_path / "nope.yaml")


def test_all_problems_reported_at_once(tmp_path: Path, ref_data: dict[str, Any]) -> None:
    data = copy.deepcopy(ref_data)
    _unknown_mirror(data)
    _satisfied_outside(data)
    _design_unknown(data)
    with pytest.raises(InstrumentError) as exc:
        load_instrument(_write(tmp_path, data))
    assert len(exc.value.problems) == 3
