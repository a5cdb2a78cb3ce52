"""Index scoring: the methodology-driven engine reproduces R's survey oracle and hand counts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_survey import QUESTIONNAIRES
from cchc_survey.design import SurveyDesign
from cchc_survey.errors import MethodologyError
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.indices.linear import build_aggregation
from cchc_survey.indices.score import add_wave, coverage, design_from_tidy, score
from cchc_survey.instrument import load_instrument
from cchc_survey.tidy import read_export

FIX = Path(__file__).parent / "fixtures"
ORACLE = json.loads((FIX / "oracle" / "oracle_public.json").read_text(encoding="utf-8"))
ELEMENTS = ["access", "procedure", "staff", "result", "feedback"]


@pytest.fixture(scope="module")
def oracle_inst():
    return load_instrument(FIX / "instruments" / "oracle_sipas.yaml")


@pytest.fixture(scope="module")
def oracle_df() -> pd.DataFrame:
    return pd.read_csv(FIX / "oracle" / "sipas_public.csv")


@pytest.fixture(scope="module")
def oracle_design(oracle_df: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign.from_frame(oracle_df, weights="w", strata="stratum", cluster="psu", nest=True)


def _get(table: pd.DataFrame, code: str, group_value: str = "") -> pd.Series:
    row = table[(table["code"] == code) & (table["group_value"] == group_value)]
    assert len(row) == 1, (code, group_value)
    return row.iloc[0]


def test_element_and_index_match_r_survey(oracle_inst, oracle_design) -> None:
    t = score(oracle_design, oracle_inst)
    ref = ORACLE["design_weighted"]["element_index_A"]
    for e in ELEMENTS:
        r = _get(t, e)
        assert r["estimate"] == pytest.approx(ref[e]["estimate"], abs=1e-9)
        assert r["se"] == pytest.approx(ref[e]["se"], abs=1e-9)
        assert r["unit"] == "proportion"
        assert r["level"] == "element"
    r = _get(t, "SIPAS")
    assert r["estimate"] == pytest.approx(ref["SIPAS_index_mean_of_elements"]["estimate"], abs=1e-9)
    assert r["se"] == pytest.approx(ref["SIPAS_index_mean_of_elements"]["se"], abs=1e-9)
    # criteria = single items: R's svymean of sat_<item>
    items = ORACLE["design_weighted"]["items"]
    for item, ref_item in items.items():
        if item == "overall":
            continue
        r = _get(t, f"{item}c")
        assert r["estimate"] == pytest.approx(ref_item["estimate"], abs=1e-9)
        assert r["se"] == pytest.approx(ref_item["se"], abs=1e-9)
        assert r["n"] == ref_item["n_valid"]
        assert r["deff"] == pytest.approx(ref_item["deff"], abs=1e-6)
        assert r["df"] == 46


def test_overall_question_variant_matches_r(oracle_inst, oracle_design) -> None:
    t = score(oracle_design, oracle_inst, variant="overall")
    ref = ORACLE["design_weighted"]["items"]["overall"]
    r = _get(t, "SIPAS")
    assert r["estimate"] == pytest.approx(ref["estimate"], abs=1e-9)
    assert r["se"] == pytest.approx(ref["se"], abs=1e-9)
    assert r["variant"] == "overall"


def test_domains_match_r_svyby(oracle_inst, oracle_design) -> None:
    t = score(oracle_design, oracle_inst, by="area")
    for level in ("rural", "urban"):
        ref = ORACLE["design_weighted"]["by_area"]["element_index_A"][level]
        for e in ELEMENTS:
            r = _get(t, e, level)
            assert r["estimate"] == pytest.approx(ref[e]["estimate"], abs=1e-9)
            assert r["se"] == pytest.approx(ref[e]["se"], abs=1e-9)
            assert r["group_var"] == "area"


def test_raked_scores_carry_calibration_into_se(oracle_inst, oracle_df, oracle_design) -> None:
    meta = json.loads((FIX / "oracle" / "sipas_public_meta.json").read_text(encoding="utf-8"))
    margins = [pd.DataFrame(meta["margins"]["gender_age"]), pd.DataFrame(meta["margins"]["area"])]
    raked = oracle_design.rake(margins, maxit=100, epsilon=1e-12)
    t = score(raked, oracle_inst)
    ref = ORACLE["raked"]["element_index_A"]
    for e in ELEMENTS:
        r = _get(t, e)
        assert r["estimate"] == pytest.approx(ref[e]["estimate"], abs=1e-9)
        assert r["se"] == pytest.approx(ref[e]["se"], abs=1e-8)


def test_aggregation_matrix_is_the_declared_formula() -> None:
    inst = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
    agg = build_aggregation(inst, "criteria")
    rows = dict(zip(agg.components, agg.A, strict=True))
    col = {c: j for j, c in enumerate(agg.items)}
    assert rows["E3"][col["cc_c1"]] == pytest.approx(1 / 6)
    assert rows["SIPAS"][col["cc_c1"]] == pytest.approx(1 / 30)
    assert rows["SIPAS"][col["kq_c1"]] == pytest.approx(1 / 15)
    assert rows["SIPAS"][col["hailong"]] == 0
    over = build_aggregation(inst, "overall_questions")
    r = dict(zip(over.components, over.A, strict=True))
    assert r["SIPAS"][col["hailong"]] == 1 and r["SIPAS"].sum() == 1
    assert r["E2"][col["ttchung"]] == 1 and r["E2"].sum() == 1
    with pytest.raises(MethodologyError, match="no aggregation variant"):
        build_aggregation(inst, "nope")
    cov = coverage(inst)
    assert cov["covered"].all() and len(cov) == 28


@pytest.fixture(scope="module")
def demo_tidy(tmp_path_factory):
    inst = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
    demo = generate(inst, DemoDesign(n=900, seed=11))
    path = write_limesurvey_csv(demo.export, tmp_path_factory.mktemp("demo") / "export.csv")
    return inst, read_export(path, inst).frame


def test_unweighted_scores_equal_an_independent_count(demo_tidy) -> None:
    inst, frame = demo_tidy
    frame = frame[frame["complete"]]
    t = score(design_from_tidy(frame, inst, weighted=False), inst, by=[None, "donvi"])
    assert set(t["method"]) == {"unweighted"}

    def share(df: pd.DataFrame, col: str) -> float:
        v = pd.to_numeric(df[col], errors="coerce").dropna()
        return 100.0 * float((v >= 4).mean())

    crit = {c.id: inst.mirroring_items(c.id)[0].id for c in inst.components.values()
            if c.level == "criterion"}
    for sub, gv in [(frame, "")] + [(frame[frame["donvi"] == u], u) for u in ["U01", "U04"]]:
        expect_c = {cid: share(sub, item) for cid, item in crit.items()}
        for cid, val in expect_c.items():
            r = _get(t, cid, gv)
            assert r["estimate"] == pytest.approx(val, abs=1e-9)
            assert r["n"] == pd.to_numeric(sub[crit[cid]], errors="coerce").notna().sum()
        elements = {}
        for e in ("E1", "E2", "E3", "E4", "E5"):
            kids = [c for c in expect_c if c.startswith(e + ".")]
            elements[e] = float(np.mean([expect_c[k] for k in kids]))
            assert _get(t, e, gv)["estimate"] == pytest.approx(elements[e], abs=1e-9)
        assert _get(t, "SIPAS", gv)["estimate"] == pytest.approx(np.mean(list(elements.values())),
                                                                 abs=1e-9)
    u = _get(t, "E1", "U01")
    assert u["group_label_vi"] == "Sở Tài chính"
    assert u["label_vi"] == "Tiếp cận dịch vụ hành chính công"
    assert not u["verified"] and "chưa" in u["note_vi"]
    assert 0 <= t["ci_low"].min() and t["ci_high"].max() <= 100


def test_weighted_scores_equal_an_independent_ratio(demo_tidy) -> None:
    inst, frame = demo_tidy
    frame = frame[frame["complete"]]
    t = score(design_from_tidy(frame, inst), inst, variant="overall_questions")
    w = frame["trongso"].astype(float).to_numpy()
    v = pd.to_numeric(frame["hailong"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(v)
    expect = 100 * np.sum(w[ok] * (v[ok] >= 4)) / np.sum(w[ok])
    r = _get(t, "SIPAS")
    assert r["estimate"] == pytest.approx(expect, abs=1e-9)
    assert r["method"] == "taylor" and r["se"] > 0


def test_waves_are_calendar_periods(demo_tidy) -> None:
    inst, frame = demo_tidy
    w = add_wave(frame, inst)["wave"]
    assert set(w.dropna()) == {f"2026-0{m}" for m in range(1, 7)}
    assert w[~frame["complete"]].isna().all()
    done = frame["complete"].to_numpy()  # each row's own month, not just the right set of labels
    assert (w[done] == frame.loc[done, "submitdate"].dt.strftime("%Y-%m")).all()


def test_unit_by_wave_cells_equal_an_independent_count(demo_tidy) -> None:
    from cchc_survey.indices.score import pivot_units_waves, unit_wave_table

    inst, frame = demo_tidy
    frame = frame[frame["complete"]]
    design = design_from_tidy(frame, inst, weighted=False)
    t = unit_wave_table(design, inst, codes=["E1"])
    wave = add_wave(frame, inst)["wave"]
    assert set(t["unit"]) == {f"U0{k}" for k in range(1, 7)}
    assert len(t) == 6 * 6
    for unit, w in [("U02", "2026-03"), ("U05", "2026-06")]:
        cell = frame[(frame["donvi"] == unit) & (wave == w)]
        shares = [100 * (pd.to_numeric(cell[c]).dropna() >= 4).mean() for c in
                  ("tc_c1", "tc_c2", "tc_c3", "tc_c4")]
        row = t[(t["unit"] == unit) & (t["wave"] == w)].iloc[0]
        assert row["estimate"] == pytest.approx(np.mean(shares), abs=1e-9)
        assert row["n"] == len(cell[["tc_c1", "tc_c2", "tc_c3", "tc_c4"]].dropna(how="all"))
    grid = pivot_units_waves(t, "E1")
    assert grid.shape == (6, 6) and "Sở Nội vụ" in grid.index


def _independent_scores(inst, frame: pd.DataFrame) -> dict[str, float]:
    """Each item's mean score, then the declared rules, computed without the engine."""
    from cchc_survey.indices.linear import score_codes

    item_mean: dict[str, float] = {}
    for it in inst.items:
        sf = inst.score_function(it)
        if sf is None or not it.mirrors or it.id not in frame.columns:
            continue
        mapping = {str(k): v for k, v in score_codes(sf, inst, it).items()}
        vals = frame[it.id].astype("string").map(mapping).dropna().astype(float)
        item_mean[it.id] = float(vals.mean())
    rules = inst.methodology.aggregation.variant().rules
    out: dict[str, float] = {}

    def walk(c) -> float:
        if c.children:
            kids = [walk(ch) for ch in c.children]
        else:
            kids = [item_mean[it.id] for it in inst.mirroring_items(c.id)]
        rule = rules.get(c.level)
        v = float(np.sum(kids)) if rule is not None and rule.combine == "sum" else float(np.mean(kids))
        if rule is not None and rule.rescale_from is not None:
            (f0, f1), (r0, r1) = rule.rescale_from, c.range
            v = r0 + (r1 - r0) * (v - f0) / (f1 - f0)
        out[c.id] = v
        return v

    for top in inst.methodology.components:
        walk(top)
    return out


@pytest.mark.parametrize("iid", ["papi_mirror", "par_survey"])
def test_papi_and_par_scores_equal_an_independent_computation(iid: str, tmp_path: Path) -> None:
    inst = load_instrument(QUESTIONNAIRES / f"{iid}.yaml")
    demo = generate(inst, DemoDesign(n=500, seed=21))
    frame = read_export(write_limesurvey_csv(demo.export, tmp_path / "x.csv"), inst).frame
    frame = frame[frame["complete"]]
    t = score(design_from_tidy(frame, inst, weighted=False), inst)
    expect = _independent_scores(inst, frame)
    got = t.set_index("code")["estimate"]
    assert set(expect) == set(got.index)
    for code, v in expect.items():
        assert got[code] == pytest.approx(v, abs=1e-9), code
    top = inst.methodology.components[0]
    lo, hi = top.range
    assert lo <= got[top.id] <= hi
    if iid == "papi_mirror":
        assert (lo, hi) == (8, 80)
        dims = [c.id for c in top.children]
        assert got[top.id] == pytest.approx(sum(got[d] for d in dims), abs=1e-9)
        for d in top.children:
            assert got[d.id] == pytest.approx(sum(got[s.id] for s in d.children), abs=1e-9)
            assert 1 <= got[d.id] <= 10


def test_score_matrix_is_the_same_for_int64_float_and_text_codes(oracle_inst) -> None:
    """The Int64 lookup path, the float path and the text path give one matrix: codes outside
    the scale (0, 9, -3) and missing answers score NaN; every scale code scores its value."""
    from cchc_survey.indices.linear import score_codes, score_matrix

    items = tuple(build_aggregation(oracle_inst).items[:3])
    raw = [1, 2, 3, 4, 5, None, 0, 9, -3, 5, 4]
    ints = pd.DataFrame({i: pd.array(raw, dtype="Int64") for i in items})
    floats = ints.astype("float64")
    texts = ints.astype("string")
    got = score_matrix(ints, oracle_inst, items)
    np.testing.assert_array_equal(got, score_matrix(floats, oracle_inst, items))
    np.testing.assert_array_equal(got, score_matrix(texts, oracle_inst, items))
    it = oracle_inst.item(items[0])
    table = score_codes(oracle_inst.score_function(it), oracle_inst, it)
    expect = [table.get(v, np.nan) if v is not None else np.nan for v in raw]
    np.testing.assert_array_equal(got[:, 0], expect)
    assert np.isnan(got[5:9, 0]).all() and not np.isnan(got[:5, 0]).any()


def test_item_table_by_several_variables_equals_an_independent_count(demo_tidy) -> None:
    """Every scored item's share satisfied, overall and by unit in one call: the same rows as one
    call per variable, and each equal to a count of the answers (unweighted design)."""
    from cchc_survey.indices.score import item_table

    inst, frame = demo_tidy
    frame = frame[frame["complete"]].reset_index(drop=True)
    design = design_from_tidy(frame, inst, weighted=False)
    both = item_table(design, inst, by=[None, "donvi"])
    one_by_one = pd.concat([item_table(design, inst), item_table(design, inst, by="donvi")],
                           ignore_index=True)
    pd.testing.assert_frame_equal(both.reset_index(drop=True), one_by_one)
    for code, unit in [("tc_c1", ""), ("cc_c3", "U04")]:
        rows = frame if not unit else frame[frame["donvi"] == unit]
        answers = pd.to_numeric(rows[code]).dropna()
        got = both[(both["code"] == code) & (both["group_value"] == unit)].iloc[0]
        assert got["estimate"] == pytest.approx(100 * (answers >= 4).mean(), abs=1e-9)
        assert got["n"] == len(answers)
