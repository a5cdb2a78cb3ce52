"""The design object and weighting: hard cases, errors, and the variance formula by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_survey.design import (
    DesignError,
    LonelyPSUError,
    Margin,
    SurveyDesign,
    WeightingError,
    domain_psu_totals,
    margin_from_frame,
)
from cchc_survey.errors import CchcSurveyError

FIX = Path(__file__).parent / "fixtures" / "oracle"
META = json.loads((FIX / "sipas_public_meta.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sipas() -> pd.DataFrame:
    return pd.read_csv(FIX / "sipas_public.csv")


@pytest.fixture(scope="module")
def des(sipas: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign.from_frame(sipas, weights="w", strata="stratum", cluster="psu")


def small(lonely: str = "adjust") -> SurveyDesign:
    df = pd.DataFrame({
        "s": ["A", "A", "A", "A", "B", "B", "C", "C", "C", "C"],
        "p": [1, 1, 2, 2, 1, 1, 1, 1, 2, 2],
        "w": [1.0, 2, 1, 3, 2, 2, 1, 1, 4, 2],
    })
    return SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p",
                                   lonely_psu=lonely)  # type: ignore[arg-type]


X = np.array([1.0, -2, 0.5, 3, 2, -1, 0, 1, 4, -2])


def by_hand(lonely: str) -> float:
    # PSU totals: A1 = -1, A2 = 3.5; B1 = 1 (lonely); C1 = 1, C2 = 2
    va = 2 / 1 * ((-1 - 1.25) ** 2 + (3.5 - 1.25) ** 2)
    vc = 2 / 1 * ((1 - 1.5) ** 2 + (2 - 1.5) ** 2)
    if lonely == "adjust":
        return va + vc + 1.0**2  # the lonely PSU is centred at 0 (the grand mean)
    if lonely in ("remove", "certainty"):
        return va + vc
    if lonely == "average":
        return (va + vc) * 3 / 2
    raise AssertionError


@pytest.mark.parametrize("lonely", ["adjust", "remove", "certainty", "average"])
def test_lonely_psu_variants_match_the_formula(lonely: str) -> None:
    d = small(lonely)
    assert d.degf == 5 - 3
    assert d.variance(X)[0, 0] == pytest.approx(by_hand(lonely), rel=1e-14)


def test_lonely_psu_fail_names_the_stratum() -> None:
    with pytest.raises(LonelyPSUError, match="stratum 'B' has only one PSU"):
        small("fail")


def test_fpc_scales_the_variance() -> None:
    df = pd.DataFrame({"s": ["A"] * 4, "p": [1, 2, 3, 4], "w": [1.0] * 4, "N": [10] * 4})
    d0 = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    d1 = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p", fpc="N")
    x = np.array([1.0, 2, 4, 7])
    assert d0.variance(x)[0, 0] == pytest.approx(4 / 3 * np.sum((x - x.mean()) ** 2))
    assert d1.variance(x)[0, 0] == pytest.approx(d0.variance(x)[0, 0] * (1 - 4 / 10))


def test_stage_probabilities_multiply(sipas: pd.DataFrame) -> None:
    df = sipas.assign(p1=0.5, p2=2 / sipas["w"])
    d = SurveyDesign.from_frame(df, probs=["p1", "p2"], strata="stratum", cluster="psu")
    np.testing.assert_allclose(d.weights, sipas["w"].to_numpy(), rtol=1e-14)
    bad = df.assign(p2=np.where(np.arange(len(df)) == 3, 1.5, df["p2"]))
    with pytest.raises(DesignError, match=r"probs column 'p2' must be in \(0, 1\]; row 3 is 1.5"):
        SurveyDesign.from_frame(bad, probs=["p1", "p2"])


def test_probs_give_inverse_weights_and_degf(sipas: pd.DataFrame) -> None:
    df = sipas.assign(pi=1 / sipas["w"])
    d = SurveyDesign.from_frame(df, probs="pi", strata="stratum", cluster="psu")
    np.testing.assert_allclose(d.weights, sipas["w"].to_numpy(), rtol=1e-14)
    assert (d.n, d.n_psu, d.degf) == (1940, 54, 46)


@pytest.mark.parametrize(("kwargs", "msg"), [
    ({"weights": "nope"}, "weights column 'nope' is not in the data"),
    ({"weights": "wbad"}, "missing at row 1"),
    ({"weights": "wneg"}, "row 2 has -1.0"),
    ({"weights": "w", "probs": "w"}, "not both"),
    ({"weights": "w", "strata": "s", "cluster": "p", "nest": False}, "more than one stratum"),
    ({"weights": "w", "lonely_psu": "drop"}, "lonely_psu='drop'"),
])
def test_bad_design_specifications_raise_clear_errors(kwargs: dict[str, object],
                                                      msg: str) -> None:
    df = pd.DataFrame({"w": [1.0, 2, 3, 4], "wbad": [1.0, np.nan, 1, 1],
                       "wneg": [1.0, 1, -1, 1], "s": ["a", "a", "b", "b"], "p": [1, 2, 1, 2]})
    with pytest.raises(DesignError, match=msg):
        SurveyDesign.from_frame(df, **kwargs)  # type: ignore[arg-type]


def test_design_is_immutable(des: SurveyDesign) -> None:
    with pytest.raises(AttributeError):
        des.weights = np.ones(des.n)  # type: ignore[misc]
    w0 = des.weights.copy()
    des.poststratify("area", pd.DataFrame(META["margins"]["area"]))
    np.testing.assert_array_equal(des.weights, w0)


def test_poststratify_hits_targets_and_reports(des: SurveyDesign) -> None:
    pop = pd.DataFrame(META["margins"]["gender_age"])
    ps = des.poststratify(["gender", "age_group"], pop)
    rep = ps.weighting_report()
    assert list(rep["margin"].unique()) == ["gender+age_group"]
    assert len(rep) == 8
    np.testing.assert_allclose(rep["achieved"], rep["target"], rtol=1e-12)
    assert rep["w_min"].iloc[0] == pytest.approx(ps.weights.min())
    assert rep["kish_deff"].iloc[0] == pytest.approx(
        ps.n * np.sum(ps.weights**2) / ps.weights.sum() ** 2)
    assert rep["n_eff"].iloc[0] == pytest.approx(ps.n / rep["kish_deff"].iloc[0])
    assert ps.calibrated and not des.calibrated


def test_rake_report_and_shares(des: SurveyDesign) -> None:
    ga = pd.DataFrame(META["margins"]["gender_age"])
    area = pd.DataFrame(META["margins"]["area"])
    rk = des.rake({"gender_age": ga, "area": area}, maxit=100, epsilon=1e-12)
    rep = rk.weighting_report()
    assert set(rep["margin"]) == {"gender_age", "area"}
    assert bool(rep["converged"].all())
    assert int(rep["iterations"].iloc[0]) == 6
    np.testing.assert_allclose(rep["achieved"], rep["target"], rtol=1e-10)
    # the same margins as shares with a total give the same weights
    total = float(META["population_total"])
    share = area.assign(share=area["Freq"] / total).drop(columns="Freq")
    rk2 = des.rake({"gender_age": ga, "area": share}, maxit=100, epsilon=1e-12, total=total)
    np.testing.assert_allclose(rk2.weights, rk.weights, rtol=1e-12)
    # start from unit weights (weightipy's behaviour) gives other weights
    rk1 = des.rake({"gender_age": ga, "area": area}, maxit=100, epsilon=1e-12, start="unit")
    assert np.max(np.abs(rk1.weights / rk.weights - 1)) > 0.01


def test_empty_margin_cell_is_a_clear_error(des: SurveyDesign) -> None:
    area = pd.DataFrame({"area": ["urban", "rural", "islands"], "Freq": [5e5, 8e5, 1e4]})
    with pytest.raises(WeightingError, match=r"margin area: cell \{'area': 'islands'\} has "
                                             r"population target > 0 but no respondents"):
        des.rake([area])


def test_sample_cell_without_target_is_a_clear_error(des: SurveyDesign) -> None:
    area = pd.DataFrame({"area": ["urban"], "Freq": [5e5]})
    with pytest.raises(WeightingError, match=r"cell \{'area': 'rural'\} occurs in the sample"):
        des.poststratify("area", area)


def test_non_convergence_names_margin_and_cell(des: SurveyDesign) -> None:
    ga = pd.DataFrame(META["margins"]["gender_age"])
    area = pd.DataFrame(META["margins"]["area"])
    with pytest.raises(WeightingError, match=r"did not converge in 1 sweeps.*margin "
                                             r"gender\+age_group, cell female\|30-44"):
        des.rake([ga, area], maxit=1, epsilon=1e-14)


def test_missing_margin_variable_is_named(sipas: pd.DataFrame) -> None:
    df = sipas.copy()
    df.loc[5, "area"] = np.nan
    d = SurveyDesign.from_frame(df, weights="w")
    with pytest.raises(WeightingError, match="variable 'area' is missing at row 5"):
        d.poststratify("area", pd.DataFrame(META["margins"]["area"]))


def test_margin_tables_are_checked() -> None:
    with pytest.raises(WeightingError, match="no 'Freq'"):
        margin_from_frame(pd.DataFrame({"a": ["x"], "n": [1]}))
    with pytest.raises(WeightingError, match="lists a cell twice"):
        margin_from_frame(pd.DataFrame({"a": ["x", "x"], "Freq": [1, 2]}))
    with pytest.raises(WeightingError, match="no population total"):
        margin_from_frame(pd.DataFrame({"a": ["x"], "share": [1.0]}))
    m = margin_from_frame(pd.DataFrame({"a": ["x", "y"], "share": [1.0, 3.0]}), total=100)
    assert m == Margin(name="a", variables=("a",), targets={("x",): 25.0, ("y",): 75.0})


def test_trim_rule_is_equal_redistribution() -> None:
    df = pd.DataFrame({"w": [1.0, 2, 3, 10, 0.1]})
    d = SurveyDesign.from_frame(df, weights="w")
    t = d.trim(lower=0.5, upper=5)
    # trimmed: 10 -> 5 (+5), 0.1 -> 0.5 (-0.4); 4.6 shared by the 3 inside units
    np.testing.assert_allclose(t.weights, [1 + 4.6 / 3, 2 + 4.6 / 3, 3 + 4.6 / 3, 5, 0.5])
    assert t.weights.sum() == pytest.approx(df["w"].sum())
    # strict: 3 + 1.533 = 4.53 stays inside here, so strict gives the same weights
    np.testing.assert_allclose(d.trim(lower=0.5, upper=5, strict=True).weights, t.weights)
    d2 = SurveyDesign.from_frame(pd.DataFrame({"w": [1.0, 4.8, 10, 1]}), weights="w")
    s = d2.trim(upper=5, strict=True)
    assert s.weights.max() <= 5 and s.weights.sum() == pytest.approx(16.8)
    assert d2.trim(upper=5).weights.max() > 5  # one round pushes 4.8 above the bound
    rep = s.weighting_report()
    assert rep["method"].iloc[-1] == "trim strict" and rep["iterations"].iloc[-1] >= 2
    with pytest.raises(WeightingError, match="lower"):
        d.trim(lower=5, upper=1)


def test_trim_keeps_calibration(des: SurveyDesign) -> None:
    ga = pd.DataFrame(META["margins"]["gender_age"])
    ps = des.poststratify(["gender", "age_group"], ga)
    t = ps.trim(upper=3 * ps.weights.mean())
    assert t.calibrations == ps.calibrations
    assert [h.method for h in t.history] == ["poststratify", "trim"]


def test_linear_calibration_hits_margins(des: SurveyDesign) -> None:
    ga = pd.DataFrame(META["margins"]["gender_age"])
    area = pd.DataFrame(META["margins"]["area"])
    cal = des.calibrate({"gender_age": ga, "area": area}, calfun="linear")
    rep = cal.weighting_report()
    np.testing.assert_allclose(rep["achieved"], rep["target"], rtol=1e-9)
    assert (cal.weights > 0).all()


@pytest.mark.parametrize("how", ["poststratify", "rake", "linear"])
def test_domain_psu_totals_equal_dense_residualisation(des: SurveyDesign, how: str,
                                                       sipas: pd.DataFrame) -> None:
    ga = pd.DataFrame(META["margins"]["gender_age"])
    area = pd.DataFrame(META["margins"]["area"])
    d = {"poststratify": lambda: des.poststratify(["gender", "age_group"], ga),
         "rake": lambda: des.rake([ga, area], maxit=100, epsilon=1e-12),
         "linear": lambda: des.calibrate([ga, area])}[how]()
    rng = np.random.default_rng(3)
    g = rng.normal(size=(d.n, 3)) * d.weights[:, None]
    dom = pd.factorize(sipas["resp_type"], sort=True)[0]
    fast = domain_psu_totals(d, g, dom, 2)
    for k in range(2):
        slow = d.psu_totals(d.residualise(g * (dom == k)[:, None]))
        np.testing.assert_allclose(fast[:, k, :], slow, rtol=1e-9, atol=1e-9 * np.abs(g).sum())


def test_errors_are_package_errors() -> None:
    assert issubclass(WeightingError, CchcSurveyError)
    assert issubclass(DesignError, CchcSurveyError)


def test_weight_checks_say_when_weights_hurt() -> None:
    """Extreme weight ratio, Kish deff and thin raking cells against the declared thresholds
    (weight_checks.yaml), with a trimming bound offered; numbers by hand."""
    rng = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame({"w": np.r_[np.full(n - 4, 1.0), [40.0, 40.0, 40.0, 40.0]],
                       "g": np.r_[np.repeat(["a", "b"], [n - 10, 6]), ["a"] * 4],
                       "y": rng.integers(0, 2, n)})
    des = SurveyDesign.from_frame(df, weights="w")
    chk = des.weight_checks()
    ratio = chk.set_index("check").loc["weight_ratio"]
    assert ratio["value"] == 40.0 and ratio["threshold"] == 10.0 and not ratio["ok"]
    w = df["w"].to_numpy()
    kish = n * np.sum(w**2) / w.sum() ** 2
    k = chk.set_index("check").loc["kish_deff"]
    assert k["value"] == pytest.approx(kish) and k["ok"] == (kish <= 2.0)
    assert ratio["suggestion"].startswith("design.trim(upper=3.5)")  # 3.5 x median 1
    assert "Trọng số lớn nhất gấp 40.0 lần nhỏ nhất" in ratio["message_vi"]
    rk = des.rake([pd.DataFrame({"g": ["a", "b"], "Freq": [500.0, 60.0]})], maxit=20)
    cells = rk.weight_checks()
    thin = cells[cells["check"] == "cell_respondents"]
    assert thin["where"].tolist() == ["rake: g = b"] and thin["value"].tolist() == [6.0]
    assert rk.weighting_report()["n_resp"].tolist() == [394, 6]
