"""Estimators: hard cases, result objects, the score-table shape, and formulas by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cchc_survey import estimate as E
from cchc_survey.design import SurveyDesign
from cchc_survey.estimate import kernels as K
from cchc_survey.scoretable import COLUMNS

FIX = Path(__file__).parent / "fixtures" / "oracle"
META = json.loads((FIX / "sipas_public_meta.json").read_text(encoding="utf-8"))
ORACLE = json.loads((FIX / "oracle_public.json").read_text(encoding="utf-8"))
ITEMS = META["items"]


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    d = pd.read_csv(FIX / "sipas_public.csv")
    for v in [*ITEMS, "overall"]:
        y = d[v].where(d[v] != 6).astype(float)
        d["sat_" + v] = np.where(y.isna(), np.nan, (y >= 4).astype(float))
    return d


@pytest.fixture(scope="module")
def des(df: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign.from_frame(df, weights="w", strata="stratum", cluster="psu")


def test_mean_equals_ratio_and_dense_variance(des: SurveyDesign, df: pd.DataFrame) -> None:
    y = df["sat_acc_1"].to_numpy()
    ok = ~np.isnan(y)
    w = des.weights * ok
    p = np.sum(w * np.nan_to_num(y)) / w.sum()
    x = np.where(ok, w * (np.nan_to_num(y) - p) / w.sum(), 0.0)
    r = E.proportion(des, "sat_acc_1")
    assert r.estimate[0, 0] == pytest.approx(p, rel=1e-14)
    assert r.se[0, 0] == pytest.approx(np.sqrt(des.variance(x)[0, 0]), rel=1e-12)
    assert r.df == 46 and r.n[0, 0] == ok.sum()
    assert r.n_eff[0, 0] == pytest.approx(ok.sum() / r.deff[0, 0])


def test_domain_is_not_a_subset(des: SurveyDesign, df: pd.DataFrame) -> None:
    """A domain keeps every PSU (zeros outside); subsetting the data first gives other SEs."""
    r = E.proportion(des, "sat_acc_1", by="area")
    u = r.domains.labels.index("urban")
    y = df["sat_acc_1"].to_numpy()
    inside = (df["area"] == "urban").to_numpy() & ~np.isnan(y)
    w = des.weights * inside
    p = np.sum(w * np.nan_to_num(y)) / w.sum()
    x = np.where(inside, w * (np.nan_to_num(y) - p) / w.sum(), 0.0)
    assert r.se[u, 0] == pytest.approx(np.sqrt(des.variance(x)[0, 0]), rel=1e-12)
    sub = df[df["area"] == "urban"]
    ds = SurveyDesign.from_frame(sub, weights="w", strata="stratum", cluster="psu")
    wrong = E.proportion(ds, "sat_acc_1")
    assert wrong.estimate[0, 0] == pytest.approx(r.estimate[u, 0], rel=1e-12)
    assert abs(wrong.se[0, 0] - r.se[u, 0]) > 1e-4  # area is a PSU attribute: strata lose PSUs


def test_item_nobody_answered_in_a_domain(des: SurveyDesign, df: pd.DataFrame) -> None:
    Y = df[["sat_acc_1", "sat_acc_2"]].to_numpy().copy()
    urban = (df["area"] == "urban").to_numpy()
    Y[urban, 1] = np.nan
    L = np.array([[1.0, 0], [0, 1], [0.5, 0.5]])
    r = E.linear_ratio_combination(des, Y, L, by="area", codes=["a1", "a2", "mean"])
    u = r.domains.labels.index("urban")
    ru = r.domains.labels.index("rural")
    assert np.isnan(r.estimate[u, 1]) and np.isnan(r.se[u, 1]) and r.n[u, 1] == 0
    assert np.isnan(r.estimate[u, 2]) and np.isnan(r.se[u, 2])
    assert np.isfinite(r.estimate[u, 0]) and np.isfinite(r.se[u, 0])
    assert np.isfinite(r.estimate[ru]).all()
    full = E.proportion(des, "sat_acc_1", by="area")
    assert r.estimate[u, 0] == pytest.approx(full.estimate[u, 0], rel=1e-14)
    assert r.se[u, 0] == pytest.approx(full.se[u, 0], rel=1e-12)
    tab = r.to_frame()
    assert tab.loc[(tab["group_value"] == "urban") & (tab["code"] == "a2"), "n"].iloc[0] == 0


def test_zero_variance_item_has_zero_se(des: SurveyDesign, df: pd.DataFrame) -> None:
    y = np.where(df["sat_acc_1"].isna(), np.nan, 1.0)
    with pytest.warns(E.EstimationWarning, match=r"design effect undefined \(NaN\) for 1 "):
        r = E.proportion(des, y)
    assert r.estimate[0, 0] == 1.0 and r.se[0, 0] == 0.0
    assert np.isnan(r.deff[0, 0]) and np.isnan(r.deff_replace[0, 0]) and np.isnan(r.n_eff[0, 0])


def test_to_frame_is_a_score_table(des: SurveyDesign, df: pd.DataFrame) -> None:
    r = E.proportion(des, ["sat_acc_1", "sat_acc_2"], by="gender")
    t = r.to_frame(level=0.9)
    assert tuple(t.columns) == COLUMNS
    assert len(t) == 4
    q = stats.t.ppf(0.95, 46)
    np.testing.assert_allclose(t["ci_low"], t["estimate"] - q * t["se"], rtol=1e-14)
    np.testing.assert_allclose(t["ci_high"], t["estimate"] + q * t["se"], rtol=1e-14)
    assert set(t["group_var"]) == {"gender"}
    assert list(t["group_value"]) == ["female", "female", "male", "male"]
    assert list(t["code"]) == ["sat_acc_1", "sat_acc_2"] * 2
    np.testing.assert_allclose(t["estimate"], r.estimate.ravel())
    np.testing.assert_allclose(t["n_eff"], r.n.ravel() / r.deff.ravel())
    assert (t["method"] == "taylor").all() and (t["unit"] == "proportion").all()
    one = r.get("sat_acc_2", "male")
    assert one.estimate == r.estimate[1, 1] and one.se == r.se[1, 1]
    lo, hi = one.ci(0.9)
    assert lo == pytest.approx(one.estimate - q * one.se)
    f1 = one.to_frame(0.9)
    assert tuple(f1.columns) == COLUMNS and f1["ci_high"].iloc[0] == pytest.approx(hi)
    with pytest.raises(E.EstimationError, match="no estimate for code 'x'"):
        r.get("x")


def test_totals_by_hand(des: SurveyDesign, df: pd.DataFrame) -> None:
    y = df["sat_acc_1"].to_numpy()
    r = E.total(des, "sat_acc_1")
    g = des.weights * np.nan_to_num(y)
    assert r.estimate[0, 0] == pytest.approx(g.sum(), rel=1e-14)
    assert r.se[0, 0] == pytest.approx(np.sqrt(des.variance(g)[0, 0]), rel=1e-12)
    m = E.proportion(des, "sat_acc_1")
    assert np.isfinite(r.deff[0, 0]) and r.deff[0, 0] > 0
    assert r.n[0, 0] == m.n[0, 0]


def test_proportion_rejects_non_binary(des: SurveyDesign) -> None:
    with pytest.raises(E.EstimationError, match=r"variable .acc_1. has value 5\.0 at row 0"):
        E.proportion(des, "acc_1")


def test_ciprop_asin_beta_by_formula(des: SurveyDesign) -> None:
    m = E.proportion(des, "sat_overall")
    p, se = m.estimate[0, 0], m.se[0, 0]
    t = stats.t.ppf(0.975, 46)
    a = E.ciprop(des, "sat_overall", method="asin")
    h = t * se / (2 * np.sqrt(p * (1 - p)))
    assert a.extra["ci_low"] == pytest.approx(np.sin(np.arcsin(np.sqrt(p)) - h) ** 2, rel=1e-14)
    assert a.ci(0.95) == (a.extra["ci_low"], a.extra["ci_high"])
    assert a.to_frame()["ci_low"].iloc[0] == a.extra["ci_low"]
    h90 = stats.t.ppf(0.95, 46) * se / (2 * np.sqrt(p * (1 - p)))
    assert a.ci(0.9)[0] == pytest.approx(np.sin(np.arcsin(np.sqrt(p)) - h90) ** 2, rel=1e-13)
    assert a.ci(0.9, method="mean")[0] == pytest.approx(p - stats.t.ppf(0.95, 46) * se)
    mean = E.ciprop(des, "sat_overall", method="mean")
    assert mean.extra["ci_high"] == pytest.approx(p + t * se, rel=1e-14)
    with pytest.raises(E.EstimationError, match="not one of"):
        E.ciprop(des, "sat_overall", method="wilson")  # type: ignore[arg-type]


# R 4.2.2 / survey 4.1-1, run locally on the fixture with stratum D01 cut to its PSU C01:
# options(survey.lonely.psu=opt); svymean(~sat, d, na.rm=TRUE), svytotal(~sat, d, na.rm=TRUE),
# svyby(~sat, ~area, d, svymean, na.rm=TRUE) with sat = (acc_1 >= 4), 6 -> NA.
LONELY_R = {
    "adjust": (1.60135821701527e-02, 2.94041114059156e04, 2.00941624299033e-02,
               2.32344062023362e-02),
    "average": (1.60858614636833e-02, 1.85775826286816e04, 2.00905879167988e-02,
                2.32344062023362e-02),
    "remove": (1.50469455920532e-02, 1.73777373177524e04, 1.87930241708804e-02,
               2.32344062023362e-02),
    "certainty": (1.50469455920532e-02, 1.73777373177524e04, 1.87930241708804e-02,
                  2.32344062023362e-02),
}


@pytest.mark.parametrize("opt", list(LONELY_R))
def test_single_psu_stratum_matches_r(df: pd.DataFrame, opt: str) -> None:
    d1 = df[~((df["stratum"] == "D01") & (df["psu"] != "C01"))]  # D01 keeps one PSU
    d = SurveyDesign.from_frame(d1, weights="w", strata="stratum", cluster="psu",
                                lonely_psu=opt)  # type: ignore[arg-type]
    assert d.degf == 50 - 8
    got = (E.proportion(d, "sat_acc_1").se[0, 0], E.total(d, "sat_acc_1").se[0, 0],
           *E.proportion(d, "sat_acc_1", by="area").se[:, 0])
    np.testing.assert_allclose(got, LONELY_R[opt], rtol=1e-12)


def test_bootstrap_is_seeded_and_close_to_taylor(des: SurveyDesign, df: pd.DataFrame) -> None:
    L = np.full((1, 4), 0.25)
    Y = df[["sat_acc_1", "sat_acc_2", "sat_acc_3", "sat_acc_4"]].to_numpy()
    a = E.bootstrap_linear_ratio_combination(des, Y, L, replicates=400, seed=7)
    b = E.bootstrap_linear_ratio_combination(des, Y, L, replicates=400, seed=7)
    t = E.linear_ratio_combination(des, Y, L)
    np.testing.assert_array_equal(a.se, b.se)
    assert a.estimate[0, 0] == t.estimate[0, 0]
    assert a.se[0, 0] == pytest.approx(t.se[0, 0], rel=0.2)
    assert a.method == "bootstrap400"
    with pytest.raises(E.EstimationError, match="at least 2"):
        E.bootstrap_multipliers(des, 1)


def test_bootstrap_multipliers_are_rescaled(des: SurveyDesign) -> None:
    m = E.bootstrap_multipliers(des, 50, seed=1)
    for h, nh in enumerate(des.n_psu_h):
        members = des.psu_stratum == h
        # n_h - 1 draws, each worth n_h / (n_h - 1): the multipliers sum to n_h
        np.testing.assert_allclose(m[members].sum(axis=0), nh)


def test_bad_inputs(des: SurveyDesign) -> None:
    with pytest.raises(E.EstimationError, match="L has 3 columns"):
        E.linear_ratio_combination(des, np.zeros((des.n, 2)), np.ones((1, 3)))
    with pytest.raises(E.EstimationError, match="not in the design"):
        E.mean(des, "nope")
    with pytest.raises(E.EstimationError, match="by= has 3 values"):
        E.mean(des, "acc_1", by=np.array([1, 2, 3]))


# R 4.2.2 / survey 4.1-1, run locally: calibrate(des, ~ga + area, pop, calfun=...) with ga the
# 8 gender x age cells; svymean(~sat, d, na.rm=TRUE, deff=TRUE), svytotal(..., deff=TRUE).
CALIBRATE_R = {
    "linear": (6.63372035704220e-01, 1.46211417660997e-02, 1.81384245062645e00,
               1.91155995716417e04, 1.77902015820712e00, 861.271163400856),
    "raking": (6.64088760558129e-01, 1.46967292749682e-02, 1.83457336499486e00,
               1.92535860910361e04, 1.80683763860449e00, 801.150881019410),
}


@pytest.mark.parametrize("calfun", ["linear", "raking"])
def test_calibrate_matches_r(des: SurveyDesign, calfun: str) -> None:
    m = {"ga": pd.DataFrame(META["margins"]["gender_age"]),
         "area": pd.DataFrame(META["margins"]["area"])}
    d = des.calibrate(m, calfun=calfun)  # type: ignore[arg-type]
    r = E.proportion(d, "sat_acc_1")
    t = E.total(d, "sat_acc_1")
    got = (r.estimate[0, 0], r.se[0, 0], r.deff[0, 0], t.se[0, 0], t.deff[0, 0], d.weights[0])
    # R's calibrate() stops at a relative misfit of 1e-7, hence 1e-6 for its raking weights
    np.testing.assert_allclose(got, CALIBRATE_R[calfun], rtol=1e-12 if calfun == "linear"
                               else 1e-6)


# the one-pass engine against the definition: influence values, dense residualisation -------


def _dense_reference(d: SurveyDesign, Y: np.ndarray, L: np.ndarray, dom: np.ndarray, k: int
                     ) -> tuple[float, ...]:
    """Estimate, SE, deff and n of ``L[0] @ p`` in domain ``k``, straight from the definitions."""
    inside = dom == k
    obs = ~np.isnan(Y) & inside[:, None]
    w = d.weights
    y = np.nan_to_num(Y)
    tobs = (w[:, None] * obs).sum(axis=0)
    p = (w[:, None] * y * obs).sum(axis=0) / tobs
    x = (obs * w[:, None] * (y - p) / tobs) @ L[0]  # the influence values
    var = float(d.variance(x)[0, 0])  # calibration-aware: dense residualisation
    valid = (obs[:, L[0] != 0]).any(axis=1)
    nv, nh = valid.sum(), w[valid].sum()
    svyvar = nv / (nv - 1) * nh * np.sum(x**2 / w)
    return float(L[0] @ p), np.sqrt(var), var / (svyvar * (nh - nv) / (nh * nv)), float(nv)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("how", ["none", "poststratify", "rake", "linear"])
def test_one_pass_over_several_domain_variables_equals_the_definition(
        des: SurveyDesign, df: pd.DataFrame, how: str, threads: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``bys=[None, area, resp_type with gaps]`` in one pass, blocks smaller than a cell, the
    blocks summed by one thread or shared by two."""
    ga = pd.DataFrame(META["margins"]["gender_age"])
    area = pd.DataFrame(META["margins"]["area"])
    d = {"none": lambda: des,
         "poststratify": lambda: des.poststratify(["gender", "age_group"], ga),
         "rake": lambda: des.rake([ga, area], maxit=100, epsilon=1e-12),
         "linear": lambda: des.calibrate([ga, area])}[how]()
    monkeypatch.setattr(K, "CHUNK_ROWS", 97)  # block edges fall inside cells
    monkeypatch.setattr(K, "THREADS", threads)
    Y = df[["sat_acc_1", "sat_acc_2", "sat_acc_3"]].to_numpy().copy()
    L = np.array([[0.5, 0.25, 0.25], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    rtype = df["resp_type"].astype(object).where(np.arange(len(df)) % 7 != 0)  # 1/7 in no domain
    res = E.linear_ratio_combinations(d, Y, L, bys=[None, "area", rtype.to_numpy()],
                                      codes=["idx", "a1", "a3"])
    assert [r.domains.size for r in res] == [1, 2, 2]
    for r, dom in zip(res, [np.zeros(d.n, dtype=int),
                            pd.factorize(df["area"], sort=True)[0],
                            pd.factorize(rtype, sort=True)[0]], strict=True):
        for k in range(r.domains.size):
            est, se, deff, n = _dense_reference(d, Y, L, dom, k)
            assert r.estimate[k, 0] == pytest.approx(est, rel=1e-12)
            assert r.se[k, 0] == pytest.approx(se, rel=1e-9)
            assert r.deff[k, 0] == pytest.approx(deff, rel=1e-9)
            assert r.n[k, 0] == n
    single = E.linear_ratio_combination(d, Y, L, by="area")
    np.testing.assert_allclose(single.se, res[1].se, rtol=1e-12)
    np.testing.assert_allclose(single.cov, res[1].cov, rtol=1e-12, atol=1e-20)
    ref = E.linear_ratio_combinations(d, Y, L, bys=[None, "area", rtype.to_numpy()],
                                      codes=["idx", "a1", "a3"], engine="reference")
    for a, b in zip(res, ref, strict=True):
        np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-13)
        np.testing.assert_allclose(a.se, b.se, rtol=1e-10)
        np.testing.assert_allclose(a.deff, b.deff, rtol=1e-10)
        np.testing.assert_array_equal(a.n, b.n)
        np.testing.assert_array_equal(a.domain_df, b.domain_df)
        np.testing.assert_array_equal(a.n_rows, b.n_rows)


def test_domains_are_the_texts_of_the_values_and_missing_is_in_no_domain(des: SurveyDesign) -> None:
    """Domain levels are the sorted texts of the values (as ``astype(str)`` would make them,
    ``-0.0`` apart from ``0.0``); NaN, None and NA rows belong to no domain."""
    n = des.n
    for values, labels in [
        (pd.Series(["b", "a", None] * (n // 3) + ["a"] * (n % 3), dtype="string[pyarrow]"),
         ("a", "b")),
        (np.array([2.0, np.nan, -0.0, 0.0] * (n // 4) + [2.0] * (n % 4)), ("-0.0", "0.0", "2.0")),
    ]:
        d = E.make_domains(des, values)
        assert d.labels == labels
        missing = pd.isna(pd.Series(values)).to_numpy()
        assert (d.codes[missing] == -1).all() and (d.codes[~missing] >= 0).all()
        text = pd.Series(values)[~missing].astype(str).to_numpy()
        assert (np.asarray(d.labels, dtype=object)[d.codes[~missing]] == text).all()


def test_nchs_flags_by_hand() -> None:
    """The NCHS 2017 rules on small examples, each number by hand (Korn-Graubard with the
    df-adjusted effective sample size)."""
    est = np.array([0.5, 0.5, 0.02, 0.9, 0.9, np.nan])
    se = np.array([0.02, 0.2, 0.02, 0.01, 0.0, np.nan])
    n = np.array([1000.0, 1000, 1000, 200, 500, 0])
    df = np.array([40.0, 40, 40, 5, 40, 40])
    fl = E.presentation_flags(est, se, n, n, df, 0.0, 1.0)
    neff = np.minimum(est * (1 - est) / np.where(se > 0, se, 1) ** 2, n)
    neff[4] = 500  # se = 0: deff undefined, n_eff = n
    np.testing.assert_allclose(fl["n_eff"][:5], neff[:5])
    assert neff[1] == pytest.approx(6.25)  # 0.25 / 0.04
    adj = (stats.t.ppf(0.025, 999) / stats.t.ppf(0.025, 40)) ** 2
    lo = stats.beta.ppf(0.025, neff[0] * adj * 0.5, neff[0] * adj * 0.5 + 1)
    hi = stats.beta.ppf(0.975, neff[0] * adj * 0.5 + 1, neff[0] * adj * 0.5)
    assert hi - lo < 0.30  # 0.5 +- ~0.04: shown
    assert fl["flag"].tolist() == ["ok", "unreliable", "unreliable", "review", "ok", "unreliable"]
    assert fl["flag_reason"][1].startswith("n_eff 6.25 < 30; ci_width")
    assert fl["flag_reason"][2].startswith("rel_ci_width")  # 2 %, n_eff 49: ~11 points wide
    assert fl["flag_reason"][3] == "df 5 < 8"
    assert fl["flag_vi"][3] == "Cần xem xét thêm: bậc tự do 5 < 8"
    assert fl["flag_vi"][1].startswith("Ước lượng kém tin cậy: cỡ mẫu hiệu dụng 6.25 < 30")
    assert fl["flag_reason"][5] == "no_estimate"
    assert "no_variance" in fl["flag_reason"][4]
    # thresholds come from the file: a stricter copy flags the first row too
    std = E.load_standard()
    assert (std.min_n_eff, std.max_abs_width, std.relative_from, std.max_rel_width,
            std.min_df) == (30, 0.30, 0.05, 1.30, 8)
    strict = E.PresentationStandard(**{**std.__dict__, "min_n_eff": 5000.0})
    assert E.presentation_flags(est[:1], se[:1], n[:1], n[:1], df[:1], 0.0, 1.0,
                                standard=strict)["flag"].tolist() == ["unreliable"]


def test_interval_methods_are_computed_or_refused(des: SurveyDesign) -> None:
    lik = E.ciprop(des, "sat_overall", method="likelihood")
    assert isinstance(lik, E.Estimate)
    assert lik.ci() == (lik.extra["ci_low"], lik.extra["ci_high"])
    with pytest.raises(E.EstimationError, match=r"likelihood interval at level 0\.9 needs the data"):
        lik.ci(0.9)
    m = E.mean(des, "acc_1")
    with pytest.raises(E.EstimationError, match="for proportions"):
        m.ci(method="beta")
    beta = E.ciprop(des, "sat_overall", method="beta")
    assert beta.ci(0.9) == E.ciprop(des, "sat_overall", method="beta", level=0.9).ci(0.9)


def test_bootstrap_carries_its_own_covariance(des: SurveyDesign, df: pd.DataFrame) -> None:
    Y = df[["sat_acc_1", "sat_acc_2"]].to_numpy()
    t = E.linear_ratio_combination(des, Y)
    b = E.bootstrap_linear_ratio_combination(des, Y, replicates=200)
    np.testing.assert_allclose(np.sqrt(np.einsum("dmm->dm", b.cov)), b.se, rtol=1e-12)
    assert not np.allclose(b.cov, t.cov)
