"""Content facts of the shipped instruments (SIPAS 2023, PAPI mirror, PAR survey, one-stop SIPAS).

These tests pin what the domain notes (shared/domain/*.md) say is known, and that everything they
say is unknown is declared ``verified: false``: the toolkit never presents a guess as the official
rule. They also check that every text is bilingual, NFC and written with Vietnamese diacritics.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cchc_survey import QUESTIONNAIRES
from cchc_survey.instrument import Instrument, load_all, load_instrument
from cchc_survey.instrument.model import Item, Provenance, ScoreFunction

MINE = ("sipas_2023", "papi_mirror", "par_survey")
ALL = (*MINE, "sipas_one_stop")

# Letters that only Vietnamese writing uses (a text with none of them has lost its diacritics).
VI_DIACRITIC = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE
)


@pytest.fixture(scope="module")
def insts() -> dict[str, Instrument]:
    return load_all(QUESTIONNAIRES)


def _path(iid: str) -> Path:
    return QUESTIONNAIRES / f"{iid}.yaml"


def _score_values(inst: Instrument, item: Item) -> dict[Any, float]:
    """code -> score of ``item`` as its declared score function gives it (test's own evaluator)."""
    sf = inst.score_function(item)
    assert sf is not None, item.id
    scale = inst.scale_of(item)
    assert scale is not None, item.id
    if sf.method == "indicator":
        hit = sf.codes if sf.codes is not None else (scale.satisfied.codes if scale.satisfied else [])
        return {c: (sf.value if c in hit else 0.0) for c in scale.codes}
    if sf.method == "map":
        return {c: float(sf.values[c]) for c in scale.codes}
    assert sf.from_ is not None and sf.to is not None
    (f0, f1), (t0, t1) = sf.from_, sf.to
    return {c: t0 + (t1 - t0) * (float(c) - f0) / (f1 - f0) for c in scale.codes}


def _pair(value: object) -> tuple[float, float]:
    """A constant that holds a [low, high] range, as floats."""
    assert isinstance(value, list) and len(value) == 2, value
    lo, hi = value
    assert isinstance(lo, int | float) and isinstance(hi, int | float), value
    return float(lo), float(hi)


def _provenances(inst: Instrument) -> Iterator[tuple[str, Provenance]]:
    m = inst.methodology
    yield "methodology", m
    for name, sf in m.scores.items():
        yield f"scores.{name}", sf
    for name, sc in inst.spec.scales.items():
        if sc.satisfied is not None:
            yield f"scales.{name}.satisfied", sc.satisfied
    for v in m.aggregation.variants:
        yield f"variants.{v.id}", v
    for name, c in m.constants.items():
        yield f"constants.{name}", c


# --- every instrument -------------------------------------------------------------------------------


def test_all_four_instruments_load_without_warnings(insts: dict[str, Instrument]) -> None:
    assert set(ALL) <= set(insts)
    for iid in ALL:
        assert insts[iid].warnings == [], iid
    assert {iid: insts[iid].methodology.index for iid in MINE} == {
        "sipas_2023": "SIPAS", "papi_mirror": "PAPI", "par_survey": "PAR"}
    assert {iid: len(insts[iid].items) for iid in MINE} == {
        "sipas_2023": 104, "papi_mirror": 97, "par_survey": 46}


@pytest.mark.parametrize("iid", ALL)
def test_file_is_nfc_utf8(iid: str) -> None:
    text = _path(iid).read_bytes().decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)


def _texts(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping with a 'vi' key (texts, labels, scale options) in the raw YAML."""
    if isinstance(node, dict):
        if isinstance(node.get("vi"), str):
            yield where, node
        for k, v in node.items():
            yield from _texts(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _texts(v, f"{where}[{i}]")


# Short labels that are correctly written without diacritics.
NO_DIACRITICS_NEEDED = {"Kinh"}


@pytest.mark.parametrize("iid", ALL)
def test_every_text_is_bilingual_with_vietnamese_diacritics(iid: str) -> None:
    data = yaml.safe_load(_path(iid).read_text(encoding="utf-8"))
    found = list(_texts(data))
    assert len(found) > 50
    for where, t in found:
        vi, en = t["vi"], t.get("en", "")
        assert isinstance(en, str) and en.strip(), f"{iid}{where}: no English text"
        assert vi.strip() == vi.strip().strip('"'), where
        if vi not in NO_DIACRITICS_NEEDED:
            assert VI_DIACRITIC.search(vi), f"{iid}{where}: Vietnamese without diacritics: {vi!r}"
        if len(vi.split()) >= 3:
            assert vi != en, f"{iid}{where}: the English text repeats the Vietnamese"
        # no accidental ASCII quotes left around a Vietnamese quotation
        assert '""' not in vi, where


@pytest.mark.parametrize("iid", ALL)
def test_every_constant_carries_source_and_verified_flag(
        iid: str, insts: dict[str, Instrument]) -> None:
    inst = insts[iid]
    provs = list(_provenances(inst))
    assert len(provs) >= 4
    for where, p in provs:
        assert len(p.source.strip()) >= 20, f"{iid} {where}: source too thin"
        assert isinstance(p.verified, bool), where
    # the instrument as a whole is not verified against an official text
    assert inst.methodology.verified is False
    assert inst.methodology.notes is not None
    assert inst.methodology.notes.vi and inst.methodology.notes.en


@pytest.mark.parametrize("iid", ALL)
def test_every_scored_item_has_a_score_that_fits_its_scale(
        iid: str, insts: dict[str, Instrument]) -> None:
    inst = insts[iid]
    scored = [it for it in inst.items if it.mirrors]
    assert scored
    for it in scored:
        sc = inst.scale_of(it)
        assert sc is not None, it.id
        sf = inst.score_function(it)
        assert isinstance(sf, ScoreFunction), it.id
        if sf.method == "map":
            assert set(sf.values) == set(sc.codes), it.id
        vals = _score_values(inst, it)
        assert set(vals) == set(sc.codes), it.id
        # "don't know" codes are not scored: they become missing
        assert not set(sc.missing_codes) & set(vals), it.id


@pytest.mark.parametrize("iid", ALL)
def test_questions_and_codes_fit_limesurvey(iid: str, insts: dict[str, Instrument]) -> None:
    inst = insts[iid]
    codes = [q.code for _, q in inst.questions()]
    assert len({c.upper() for c in codes}) == len(codes)
    for c in codes:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", c), c
    for name, sc in inst.spec.scales.items():
        for o in sc.all_options:
            assert re.fullmatch(r"[A-Za-z0-9]{1,5}", str(o.code)), (name, o.code)
    # the hidden design questions as in the reference
    for qcode in ("TANG", "CUM", "TRONGSO"):
        q = next(q for _, q in inst.questions() if q.code == qcode)
        assert q.hidden and q.role == "design"
    d = inst.design
    assert (d.stratum, d.cluster, d.weight) == ("tang", "cum", "trongso")
    assert inst.has_item(d.unit)
    assert inst.item(d.unit).type == "L" and inst.item(d.unit).scale
    assert "gioitinh" in d.profile and "tuoi" in d.profile


# --- PAPI -----------------------------------------------------------------------------------------

PAPI_DIMENSIONS = [
    ("D1", "Tham gia của người dân ở cấp cơ sở", "Participation at Local Levels", 4),
    ("D2", "Công khai, minh bạch trong việc ra quyết định ở địa phương",
     "Transparency in Local Decision-making", 4),
    ("D3", "Trách nhiệm giải trình với người dân", "Vertical Accountability Towards Citizens", 3),
    ("D4", "Kiểm soát tham nhũng trong khu vực công", "Control of Corruption in the Public Sector", 4),
    ("D5", "Thủ tục hành chính công", "Public Administrative Procedures", 3),
    ("D6", "Cung ứng dịch vụ công", "Public Service Delivery", 4),
    ("D7", "Quản trị môi trường", "Environmental Governance", 3),
    ("D8", "Quản trị điện tử", "E-Governance", 3),
]


def test_papi_has_8_dimensions_and_28_subdimensions(insts: dict[str, Instrument]) -> None:
    inst = insts["papi_mirror"]
    (top,) = inst.methodology.components
    assert (top.id, top.level, top.range) == ("PAPI", "total", (8.0, 80.0))
    dims = top.children
    assert [(d.id, d.label.vi, d.label.en, len(d.children)) for d in dims] == PAPI_DIMENSIONS
    subs = [s for d in dims for s in d.children]
    assert len(subs) == 28
    assert inst.methodology.constants["n_subdimensions"].value == 28
    assert [s.label.en for s in dims[5].children] == [
        "Public Health", "Public Primary Education", "Basic Infrastructure", "Law and Order"]
    assert [s.label.en for s in dims[0].children] == [
        "Civic Knowledge", "Opportunities for Participation in Elections",
        "Quality of Village Head Elections", "Voluntary Contributions"]
    assert all(s.level == "subdimension" and not s.children for s in subs)


def test_papi_ranges_add_up_to_dimension_and_total(insts: dict[str, Instrument]) -> None:
    inst = insts["papi_mirror"]
    c = inst.methodology.constants
    (top,) = inst.methodology.components
    r4, r3 = _pair(c["subdimension_range_of_4"].value), _pair(c["subdimension_range_of_3"].value)
    assert r4 == (0.25, 2.5)
    assert math.isclose(r3[0], 1 / 3) and math.isclose(r3[1], 10 / 3)
    for d in top.children:
        assert d.range == (1.0, 10.0) == _pair(c["dimension_range"].value)
        want = r4 if len(d.children) == 4 else r3
        assert {s.range for s in d.children} == {want}, d.id
        lo = sum(s.range[0] for s in d.children if s.range)
        hi = sum(s.range[1] for s in d.children if s.range)
        assert math.isclose(lo, 1.0) and math.isclose(hi, 10.0), d.id
    assert sum(d.range[0] for d in top.children if d.range) == 8.0
    assert sum(d.range[1] for d in top.children if d.range) == 80.0
    assert top.range == _pair(c["total_range"].value)
    for name in ("total_range", "dimension_range", "subdimension_range_of_4",
                 "subdimension_range_of_3", "aggregate_is_sum_of_dimensions"):
        assert c[name].verified is False, name
        assert "papi.md" in c[name].source, name
    # the one aggregation fact checked against published tables
    assert c["dimension_is_sum_of_subdimensions"].verified is True


def test_papi_every_subdimension_has_two_citizen_questions_scored_0_to_1(
        insts: dict[str, Instrument]) -> None:
    inst = insts["papi_mirror"]
    subs = [cid for cid, comp in inst.components.items() if comp.level == "subdimension"]
    counts = {cid: len(inst.mirroring_items(cid)) for cid in subs}
    assert min(counts.values()) >= 2, counts
    assert sum(counts.values()) == 79
    for cid in subs:
        for it in inst.mirroring_items(cid):
            vals = _score_values(inst, it)
            assert min(vals.values()) == 0.0 and max(vals.values()) == 1.0, it.id
            assert it.role == "item"


def test_papi_reverse_keyed_questions_score_the_bad_answer_zero(
        insts: dict[str, Instrument]) -> None:
    inst = insts["papi_mirror"]
    # "was a crime victim", "truly poor left off the list", "factory polluted the air": yes -> 0
    for iid in ("p64b", "p22b", "p22c", "p72b", "p43_v1", "p43_v2"):
        assert _score_values(inst, inst.item(iid)) == {"Y": 0.0, "N": 1.0}, iid
    # bribery statements: strongly agree -> 0
    for iid in ("p41_a1", "p41_a3", "p41_a6", "p71b"):
        assert _score_values(inst, inst.item(iid)) == {1: 1.0, 2: 0.75, 3: 0.5, 4: 0.25, 5: 0.0}
    # positive questions the other way round
    assert _score_values(inst, inst.item("p11a")) == {"Y": 1.0, "N": 0.0}
    assert _score_values(inst, inst.item("p61_h1")) == {1: 0.0, 2: 0.25, 3: 0.5, 4: 0.75, 5: 1.0}
    # pollution: "very serious" (code 1) -> 0; every ordinal scale has higher code = better
    assert _score_values(inst, inst.item("p72a")) == pytest.approx({1: 0.0, 2: 1 / 3, 3: 2 / 3, 4: 1.0})
    assert inst.scales["nghiemtrong4"].label(1) == "Rất nghiêm trọng"
    assert _score_values(inst, inst.item("p12_b1")) == {1: 1.0, 2: 0.0, 3: 0.0}
    # no item is flagged reverse on top of a reversing score (that would flip it twice)
    assert not any(it.reverse for it in inst.items)


def test_papi_aggregation_is_declared_and_unverified(insts: dict[str, Instrument]) -> None:
    m = insts["papi_mirror"].methodology
    (v,) = m.aggregation.variants
    assert v.verified is False
    assert v.rules["subdimension"].combine == "mean"
    assert v.rules["subdimension"].rescale_from == (0.0, 1.0)
    assert v.rules["dimension"].combine == "sum"
    assert v.rules["total"].combine == "sum"
    assert all(sf.verified is False for sf in m.scores.values())
    assert m.notes is not None
    assert "bản dịch của bộ công cụ" in m.notes.vi
    assert "toolkit's translation" in m.notes.en
    assert "NOT known" in m.notes.en and "CHƯA được biết" in m.notes.vi


# --- SIPAS 2023 -----------------------------------------------------------------------------------

SIPAS_POLICIES = [
    "Chính sách phát triển kinh tế", "Chính sách khám, chữa bệnh", "Chính sách giáo dục phổ thông",
    "Chính sách nước sinh hoạt", "Chính sách điện sinh hoạt", "Chính sách trật tự, an toàn xã hội",
    "Chính sách giao thông đường bộ", "Chính sách an sinh xã hội",
    "Chính sách cải cách hành chính nhà nước",
]


def test_sipas_2023_has_the_nine_policy_groups(insts: dict[str, Instrument]) -> None:
    inst = insts["sipas_2023"]
    hlcs = inst.components["HLCS"]
    assert [c.label.vi for c in hlcs.children] == SIPAS_POLICIES
    assert inst.methodology.constants["policy_groups_2023"].value == [c.id for c in hlcs.children]
    for c in hlcs.children:
        (it,) = inst.mirroring_items(c.id)
        assert it.scale == "hailong5" and it.text.vi == c.label.vi
    # the same nine policies are asked for interest (1.1), experience (1.8) and priorities (aspect 3)
    for qcode in ("QUANTAM", "TRAINGHIEM", "MDCS"):
        q = next(q for _, q in inst.questions() if q.code == qcode)
        assert [s.text.vi for s in q.subquestions] == SIPAS_POLICIES, qcode


def test_sipas_2023_three_aspects(insts: dict[str, Instrument]) -> None:
    inst = insts["sipas_2023"]
    comps = inst.components
    k1 = sorted(cid for cid in comps if cid.startswith("K1."))
    assert k1 == [f"K1.{i}" for i in range(1, 9)]
    assert comps["K1.1"].label.vi == ("Mức độ quan tâm theo dõi của người dân đối với các chính "
                                      "sách công")
    assert comps["K1.6"].label.vi.startswith("Cảm nhận của người dân về tình trạng phải đưa tiền "
                                             "ngoài quy định")
    for cid in k1:
        assert inst.mirroring_items(cid), cid
    # aspect 2: two contents; the service content has 5 criteria and an overall question
    assert [c.id for c in comps["SIPAS"].children] == ["HLCS", "HLDV"]
    assert [c.id for c in comps["HLDV"].children] == ["DV1", "DV2", "DV3", "DV4", "DV5"]
    assert comps["HLDV"].overall_item == "hldv"
    # the service questions are asked only of those who completed a procedure
    assert all(f.question == "DVTN" for f in inst.item("hltc_a1").filter)
    assert inst.item("hlpa_f1").filter[-1].question == "COPHANANH"
    # aspect 3: needs and expectations as multiple choice, not made into an index
    groups = [g.code for g in inst.spec.groups]
    assert groups[1:5] == ["KHIACANH1", "KHIACANH2A", "KHIACANH2B", "KHIACANH3"]
    k3 = [q for g in inst.spec.groups if g.code == "KHIACANH3" for q in g.questions]
    assert [q.type for q in k3] == ["M", "M", "T"]
    assert not any(it.mirrors for it in inst.items if it.group == "KHIACANH3")


def test_sipas_2023_unknowns_are_declared_unverified(insts: dict[str, Instrument]) -> None:
    inst = insts["sipas_2023"]
    m = inst.methodology
    assert {v.id for v in m.aggregation.variants} == {"two_contents", "ten_areas",
                                                      "service_overall"}
    assert all(v.verified is False for v in m.aggregation.variants)
    assert all(sf.verified is False for sf in m.scores.values())
    sat = {n: s.satisfied for n, s in inst.spec.scales.items() if s.satisfied is not None}
    assert set(sat) == {"hailong5", "quantam4", "phuhop4", "sansang4", "tinhtrang3"}
    assert all(s.verified is False for s in sat.values())
    assert sat["hailong5"].codes == [4, 5]
    assert sat["tinhtrang3"].codes == [3]
    assert inst.scales["tinhtrang3"].label(3) == "Không"
    ten = next(v for v in m.aggregation.variants if v.id == "ten_areas")
    assert ten.rules["index"].weights == {"HLCS": 9.0, "HLDV": 1.0}
    assert m.constants["indicator_counts_2024"].value == [42, 51, 10]
    assert m.constants["indicator_counts_2024"].verified is False
    assert m.notes is not None and "CHƯA xác nhận" in m.notes.vi and "NOT confirmed" in m.notes.en


# --- PAR ------------------------------------------------------------------------------------------

PAR_FIELDS = [
    "Công tác chỉ đạo, điều hành cải cách hành chính",
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính nhà nước",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
    "Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội của tỉnh",
]


def test_par_fields_criteria_and_points(insts: dict[str, Instrument]) -> None:
    inst = insts["par_survey"]
    (top,) = inst.methodology.components
    c = inst.methodology.constants
    assert [f.label.vi for f in top.children] == PAR_FIELDS
    maxp = float(c["max_points_per_criterion"].value)  # type: ignore[arg-type]
    assert maxp == 4.0
    crit = [k for f in top.children for k in f.children]
    assert len(crit) == 25
    for k in crit:
        assert k.range == (0.0, maxp) and k.level == "criterion"
        assert inst.mirroring_items(k.id), k.id
    for f in top.children:
        assert f.range == (0.0, maxp * len(f.children)), f.id
    assert top.range == (0.0, float(c["total_max_points"].value))  # type: ignore[arg-type]
    assert sum(f.range[1] for f in top.children if f.range) == 100.0
    (v,) = inst.methodology.aggregation.variants
    assert v.rules["criterion"].rescale_from == (0.0, 1.0)
    assert (v.rules["field"].combine, v.rules["total"].combine) == ("sum", "sum")
    assert all(x.verified is False for x in (v, c["max_points_per_criterion"],
                                            c["total_max_points"]))


def test_par_answer_conversion_is_a_configurable_unverified_default(
        insts: dict[str, Instrument]) -> None:
    inst = insts["par_survey"]
    m = inst.methodology
    sf = m.scores["par_abcd"]
    assert sf.method == "map" and sf.values == {"A": 1.0, "B": 0.6, "C": 0.2, "D": 0.0}
    assert sf.verified is False
    assert "KHÔNG phải quy định của Bộ Nội vụ" in sf.source
    assert "par_index.md §3.3" in sf.source
    assert set(m.score_by_scale) == {"muc4", "phuhop4", "tinhtrang4", "tacdong4"}
    assert set(m.score_by_scale.values()) == {"par_abcd"}
    assert m.scores["par_abcd_even"].verified is False
    for it in inst.items:
        if it.mirrors:
            assert _score_values(inst, it) == {"A": 1.0, "B": 0.6, "C": 0.2, "D": 0.0}, it.id
            assert inst.scale_of(it).missing_codes == ["K"]  # type: ignore[union-attr]


def test_par_respondent_groups(insts: dict[str, Instrument]) -> None:
    inst = insts["par_survey"]
    assert inst.design.respondent_type == "nhom"
    nhom = inst.item("nhom")
    assert nhom.mandatory and nhom.type == "L"
    labels = [o.vi for o in inst.scales["nhomdt"].options]
    assert labels[0] == "Đại biểu Hội đồng nhân dân tỉnh"
    assert any("Lãnh đạo" in x for x in labels) and any("Công chức" in x for x in labels)
    # direction and management is judged by deputies and leaders only (groups 1-4)
    for it in inst.items:
        if it.group == "LINHVUC1":
            assert [(f.question, f.in_) for f in it.filter] == [("NHOM", [1, 2, 3, 4])]
    assert inst.methodology.constants["ministry_survey_points_qd876"].value == 31.5


def test_loading_a_single_file_gives_the_same_instrument() -> None:
    for iid in MINE:
        inst = load_instrument(_path(iid))
        assert inst.id == iid and inst.version == "2026.1"
        assert inst.spec.languages == ["vi", "en"]


@pytest.mark.parametrize("iid", ["sipas_2023", "papi_mirror"])  # PAR uses letters A-D
def test_numeric_scales_run_from_worse_to_better(iid: str, insts: dict[str, Instrument]) -> None:
    """Convention of these instruments: on a numeric ordinal scale a higher code is better, so
    a scale's default score never falls as the code rises (reverse-keyed questions reverse it
    with an item-level ``score``)."""
    inst = insts[iid]
    checked = 0
    for scale_name, score_name in inst.methodology.score_by_scale.items():
        sc = inst.scales[scale_name]
        if not sc.ordered or not all(isinstance(c, int) for c in sc.codes):
            continue
        items = [it for it in inst.items if it.scale == scale_name and it.mirrors and not it.score]
        for it in items:
            vals = _score_values(inst, it)
            seq = [vals[c] for c in sorted(vals, key=int)]
            assert seq == sorted(seq) and seq[0] < seq[-1], (iid, scale_name, score_name, it.id)
            checked += 1
    assert checked >= 5
