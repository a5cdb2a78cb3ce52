"""Property tests (Hypothesis) for weighting, variance and reliability invariants."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc_survey import estimate as E
from cchc_survey import reliability as RL
from cchc_survey.design import SurveyDesign, domain_psu_totals

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _split(res: RL.AlphaResult) -> tuple[dict, pd.DataFrame]:
    return res.summary, res.items


def make_frame(seed: int, extra: int) -> pd.DataFrame:
    """Every (a, b, c) cell present, random strata/PSUs/weights/outcome."""
    rng = np.random.default_rng(seed)
    cells = list(itertools.product(["a1", "a2"], ["b1", "b2", "b3"], ["c1", "c2"]))
    base = pd.DataFrame(cells * 2, columns=["a", "b", "c"])
    more = pd.DataFrame({"a": rng.choice(["a1", "a2"], extra),
                         "b": rng.choice(["b1", "b2", "b3"], extra),
                         "c": rng.choice(["c1", "c2"], extra)})
    df = pd.concat([base, more], ignore_index=True)
    n = len(df)
    df["s"] = rng.integers(0, 3, n)
    df["p"] = rng.integers(0, 4, n)
    df["w"] = rng.uniform(0.5, 5.0, n)
    df["y"] = (rng.uniform(size=n) < 0.3 + 0.3 * (df["a"] == "a1")).astype(float)
    df.loc[rng.uniform(size=n) < 0.1, "y"] = np.nan
    return df


def margins(seed: int, total: float) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed + 1)
    ab = list(itertools.product(["a1", "a2"], ["b1", "b2", "b3"]))
    s1 = rng.uniform(0.5, 2.0, len(ab))
    s2 = rng.uniform(0.5, 2.0, 2)
    return {
        "ab": pd.DataFrame({"a": [x for x, _ in ab], "b": [y for _, y in ab],
                            "Freq": s1 / s1.sum() * total}),
        "c": pd.DataFrame({"c": ["c1", "c2"], "Freq": s2 / s2.sum() * total}),
    }


@SETTINGS
@given(seed=st.integers(0, 10_000), extra=st.integers(20, 200),
       total=st.floats(1e3, 1e7))
def test_raking_reproduces_margins_and_keeps_weights_positive(seed: int, extra: int,
                                                              total: float) -> None:
    df = make_frame(seed, extra)
    df["w"] = df["w"] * total / df["w"].sum()  # design weights sum to about N, as in practice
    des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    rk = des.rake(margins(seed, total), maxit=5000, epsilon=1e-12)
    rep = rk.weighting_report()
    np.testing.assert_allclose(rep["achieved"], rep["target"], rtol=1e-8)
    assert (rk.weights > 0).all()
    assert rk.weights.sum() == np.float64(rk.weights.sum())
    np.testing.assert_allclose(rk.weights.sum(), total, rtol=1e-10)


@SETTINGS
@given(seed=st.integers(0, 10_000), extra=st.integers(20, 200))
def test_raking_by_ipf_and_by_calibration_agree(seed: int, extra: int) -> None:
    df = make_frame(seed, extra)
    df["w"] = df["w"] * 1e5 / df["w"].sum()
    des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    m = margins(seed, 1e5)
    ipf = des.rake(m, maxit=5000, epsilon=1e-12)
    cal = des.calibrate(m, calfun="raking", epsilon=1e-12)
    np.testing.assert_allclose(ipf.weights, cal.weights, rtol=1e-7)


@SETTINGS
@given(seed=st.integers(0, 10_000), extra=st.integers(20, 200),
       lo=st.floats(0.2, 0.8), hi=st.floats(1.3, 3.0))
def test_trimming_keeps_the_total_and_strict_stays_in_bounds(seed: int, extra: int, lo: float,
                                                            hi: float) -> None:
    df = make_frame(seed, extra)
    des = SurveyDesign.from_frame(df, weights="w")
    mw = des.weights.mean()
    t = des.trim(lower=lo * mw, upper=hi * mw)
    np.testing.assert_allclose(t.weights.sum(), des.weights.sum(), rtol=1e-12)
    s = des.trim(lower=lo * mw, upper=hi * mw, strict=True)
    np.testing.assert_allclose(s.weights.sum(), des.weights.sum(), rtol=1e-12)
    assert s.weights.max() <= hi * mw * (1 + 1e-12)
    assert s.weights.min() >= lo * mw * (1 - 1e-12)
    assert (t.weights > 0).all()


@SETTINGS
@given(seed=st.integers(0, 10_000), extra=st.integers(20, 200))
def test_cell_space_domain_totals_equal_dense(seed: int, extra: int) -> None:
    df = make_frame(seed, extra)
    des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    rk = des.rake(margins(seed, 1e4), maxit=1000, epsilon=1e-10)
    ps = rk.poststratify("c", pd.DataFrame({"c": ["c1", "c2"], "Freq": [4e3, 6e3]}))
    g = np.random.default_rng(seed).normal(size=(des.n, 2)) * ps.weights[:, None]
    dom = pd.factorize(df["b"], sort=True)[0]
    fast = domain_psu_totals(ps, g, dom, 3)
    for k in range(3):
        slow = ps.psu_totals(ps.residualise(g * (dom == k)[:, None]))
        np.testing.assert_allclose(fast[:, k, :], slow, atol=1e-9 * np.abs(g).sum())


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_taylor_and_many_replicate_bootstrap_agree(seed: int) -> None:
    rng = np.random.default_rng(seed)
    nstrata, npsu, m = 6, 8, 15
    s = np.repeat(np.arange(nstrata), npsu * m)
    p = np.repeat(np.arange(nstrata * npsu), m)
    u = rng.normal(size=nstrata * npsu)[p]
    Y = (rng.normal(size=(s.size, 3)) + u[:, None] > 0).astype(float)
    Y[rng.uniform(size=Y.shape) < 0.05] = np.nan
    df = pd.DataFrame({"s": s, "p": p, "w": rng.uniform(1, 3, s.size)})
    des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    L = np.array([[1 / 3, 1 / 3, 1 / 3], [1.0, -1.0, 0.0]])
    t = E.linear_ratio_combination(des, Y, L)
    b = E.bootstrap_linear_ratio_combination(des, Y, L, replicates=3000, seed=seed)
    np.testing.assert_allclose(b.se, t.se, rtol=0.12)


@SETTINGS
@given(seed=st.integers(0, 10_000), k=st.integers(2, 6), n=st.integers(10, 200))
def test_alpha_is_at_most_one_and_unit_weighted_alpha_is_alpha(seed: int, k: int,
                                                               n: int) -> None:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.integers(1, 6, size=(n, k)).astype(float),
                     columns=[f"q{j}" for j in range(k)])
    X.iloc[:, 0] = X.iloc[:, 0] + rng.normal(size=n) * 0.1  # variance guaranteed
    X.iloc[:, 1] = X.iloc[:, 1] + rng.normal(size=n) * 0.1
    with warnings.catch_warnings():  # random items often correlate negatively: expected here
        warnings.simplefilter("ignore", RL.ReliabilityWarning)
        s, _ = _split(RL.alpha(X, use="listwise", weights=np.ones(n), omega=False))
    assert s["raw_alpha"] <= 1 + 1e-12 and s["std_alpha"] <= 1 + 1e-12
    assert abs(s["weighted_alpha"] - s["raw_alpha"]) < 1e-9


def _random_design_frame(seed: int) -> pd.DataFrame:
    """Random strata and PSUs with a constant item, an item nobody answers in one domain, a
    domain confined to a single PSU and an empty domain level."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 150))
    df = pd.DataFrame({"s": rng.integers(0, 3, n), "p": rng.integers(0, 4, n),
                       "w": rng.uniform(0.5, 5.0, n)})
    df["dom"] = rng.choice(["a", "b"], n)
    df.loc[(df["s"] == 0) & (df["p"] == 0), "dom"] = "single"  # one PSU only
    df["y_const"] = np.where(rng.uniform(size=n) < 0.2, np.nan, 1.0)
    df["y_zero"] = np.where(rng.uniform(size=n) < 0.2, np.nan, 0.0)
    df["y"] = (rng.uniform(size=n) < rng.uniform(0.05, 0.95)).astype(float)
    df["y_gap"] = np.where(df["dom"] == "a", np.nan, df["y"])
    df["dom_cat"] = pd.Categorical(df["dom"], categories=["a", "b", "single", "empty"])
    return df


@SETTINGS
@given(seed=st.integers(0, 10_000))
def test_estimators_on_degenerate_designs_raise_only_package_errors(seed: int) -> None:
    """No estimator raises anything but a package error, no numpy warning escapes, and every
    interval contains its estimate (issue 18)."""
    from cchc_survey.errors import CchcSurveyError

    df = _random_design_frame(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail here
        warnings.simplefilter("ignore", E.EstimationWarning)  # the documented NaN deffs
        try:
            des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
        except CchcSurveyError:
            return
        cols = ["y_const", "y_zero", "y", "y_gap"]
        for by in (None, "dom", "dom_cat"):
            for engine in ("auto", "reference"):
                r = E.proportion(des, cols, by=by, engine=engine)  # type: ignore[arg-type]
                lo, hi = r.ci()
                ok = np.isfinite(r.estimate)
                assert (lo[ok] <= r.estimate[ok] + 1e-12).all()
                assert (hi[ok] >= r.estimate[ok] - 1e-12).all()
                assert (r.se[ok] >= 0).all()
                for j in (0, 1):  # y_const, y_zero: SE exactly 0 wherever there is an estimate
                    has = np.isfinite(r.estimate[:, j])
                    assert (r.se[has, j] == 0).all()
                t = r.to_frame()
                assert set(t["flag"]) <= {"ok", "review", "unreliable"}
                for method in E.CIPROP_METHODS:
                    if method == "likelihood":
                        continue
                    lo2, hi2 = r.ci(method=method)
                    assert (lo2[ok] <= r.estimate[ok] + 1e-12).all(), method
                    assert (hi2[ok] >= r.estimate[ok] - 1e-12).all(), method
            for method in E.CIPROP_METHODS:
                try:
                    c = E.ciprop(des, "y_const", method=method, by=by)  # type: ignore[arg-type]
                except CchcSurveyError:
                    continue
                if isinstance(c, E.ContrastResult):
                    lo, hi = c.ci()
                    ok = np.isfinite(c.estimate)
                    assert (lo[ok] <= c.estimate[ok]).all() and (hi[ok] >= c.estimate[ok]).all()
