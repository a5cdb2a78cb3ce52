"""The one-pass moments behind reliability: both routes (distinct answer patterns, every row)
give the numbers of the pandas/R pairwise definitions, on the real oracle fixture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from cchc_survey import reliability as RL
from cchc_survey.engine import EngineError
from cchc_survey.instrument.load import load_instrument
from cchc_survey.pipeline import reliability_inputs, reliability_scales

FIX = Path(__file__).parent / "fixtures" / "oracle"
META = json.loads((FIX / "sipas_public_meta.json").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parents[1]


def _split(res: RL.AlphaResult) -> tuple[dict, pd.DataFrame]:
    return res.summary, res.items


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    d = pd.read_csv(FIX / "sipas_public.csv")
    for v in META["items"]:
        d[v] = d[v].where(d[v] != 6).astype(float)
    return d


def pairwise_reference(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cov and cor with use='pairwise', two passes per pair in extended precision."""
    k = x.shape[1]
    cov, cor = np.empty((k, k)), np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            a, b = x[ok, i].astype(np.longdouble), x[ok, j].astype(np.longdouble)
            da, db = a - a.mean(), b - b.mean()
            cov[i, j] = float((da * db).sum() / (ok.sum() - 1))
            cor[i, j] = float((da * db).sum() / np.sqrt((da * da).sum() * (db * db).sum()))
    return cov, cor


def test_moments_equal_the_pairwise_definition(df: pd.DataFrame) -> None:
    x = df[META["items"]].to_numpy()
    m = RL._moments(x)
    cov, cor = pairwise_reference(x)
    np.testing.assert_allclose(m.cov, cov, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(m.cor, cor, rtol=1e-13, atol=1e-15)
    assert np.array_equal(np.diag(m.cor), np.ones(22))
    obs = ~np.isnan(x)
    assert np.array_equal(m.n, obs.T.astype(float) @ obs.astype(float))
    np.testing.assert_allclose(m.mean, np.nanmean(x, axis=0), rtol=1e-15)
    # pandas (Welford) agrees to rounding
    np.testing.assert_allclose(m.cov, pd.DataFrame(x).cov().to_numpy(), rtol=1e-12)


def test_moments_of_non_integer_data_far_from_zero() -> None:
    """The shift keeps the one-pass sums accurate when the mean dwarfs the spread."""
    rng = np.random.default_rng(11)
    n = 70_000  # more than one block of rows
    x = 1e6 + rng.normal(size=(n, 3)) * [1.0, 0.01, 3.0]
    x[rng.random((n, 3)) < 0.1] = np.nan
    m = RL._moments(x, total=True)
    obs = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        t = np.where(obs, x, 0).sum(axis=1) / obs.sum(axis=1)  # NaN where none observed
    cov, cor = pairwise_reference(np.column_stack([x, t]))
    np.testing.assert_allclose(m.cov, cov, rtol=1e-12)  # pandas' Welford cov: 5e-7 here
    np.testing.assert_allclose(m.cor, cor, rtol=1e-12, atol=1e-14)


def test_auto_engine_equals_the_reference_engine(df: pd.DataFrame) -> None:
    """Integer codes go through the distinct answer patterns (engine='auto'); the reference
    engine (pandas' pairwise cov/corr on every row) gives the same numbers to rounding."""
    w = df["w"].to_numpy()
    fast = {name: RL.alpha(df[its], scale=name, weights=w)
            for name, its in META["elements"].items()}
    slow = {name: RL.alpha(df[its], scale=name, weights=w, engine="reference")
            for name, its in META["elements"].items()}
    for name in fast:
        sf, ss = fast[name].summary, slow[name].summary
        assert sf.keys() == ss.keys()
        for key in ("n", "k", "scale", "use", "dropped_items", "negative_r_drop"):
            assert sf[key] == ss[key], (name, key)
        for key in ("raw_alpha", "std_alpha", "G6_smc", "average_r", "ase", "median_r",
                    "feldt_low", "feldt_high", "omega_total", "omega_alpha", "mean", "sd",
                    "weighted_alpha"):
            assert sf[key] == pytest.approx(ss[key], rel=1e-11, abs=1e-13), (name, key)
        itf, its_ = fast[name].items, slow[name].items
        assert itf["n"].tolist() == its_["n"].tolist()
        for col in ("raw_r", "std_r", "r_cor", "r_drop", "mean", "sd", "alpha_if_deleted",
                    "std_alpha_if_deleted"):
            np.testing.assert_allclose(itf[col], its_[col], rtol=1e-11, atol=1e-13)
    with pytest.raises(EngineError, match="engine="):
        RL.alpha(df[META["elements"]["staff"]], engine="fast")  # type: ignore[arg-type]


def test_distinct_rows_count_every_row(df: pd.DataFrame) -> None:
    x = df[META["elements"]["access"]].to_numpy()
    w = df["w"].to_numpy()
    lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
    got = RL._distinct_rows(x, lo, hi, w)
    assert got is not None
    rows, freq, wsum, wcnt = got
    assert wsum is not None and wcnt is not None
    assert freq.sum() == len(x) and wcnt.sum() == np.sum(w > 0)
    assert wsum.sum() == pytest.approx(w.sum(), rel=1e-12)
    want = pd.DataFrame(x).fillna(-1).value_counts()
    assert len(rows) == len(want)
    first = tuple(np.nan_to_num(rows[0], nan=-1.0))
    assert freq[0] == want.loc[first]
    # non-integer values or too many patterns: the caller takes every row
    assert RL._distinct_rows(x + 0.5, lo + 0.5, hi + 0.5, w) is None
    xs = df[META["items"]].to_numpy()
    assert RL._distinct_rows(xs, np.nanmin(xs, axis=0), np.nanmax(xs, axis=0), None) is None


def test_omega_total_is_the_least_squares_minimum(df: pd.DataFrame) -> None:
    """Newton's solution is the minimum scipy's least_squares approaches (to its tolerance)."""
    for its in META["elements"].values():
        x = df[its].to_numpy()
        r = RL._moments(x).cor
        k = r.shape[0]
        iu = np.triu_indices(k, 1)
        vals, vecs = np.linalg.eigh(r)
        sol = optimize.least_squares(lambda lam, r=r, iu=iu: (r - np.outer(lam, lam))[iu],
                                     np.abs(vecs[:, -1]) * np.sqrt(vals[-1]),
                                     xtol=1e-15, ftol=1e-15, gtol=1e-15)
        lam = sol.x * np.sign(sol.x.sum())
        want = 1 - np.sum(1 - lam**2) / r.sum()
        assert RL.omega_total(x) == pytest.approx(want, abs=1e-10)


def test_weights_must_match_the_rows(df: pd.DataFrame) -> None:
    X = df[META["elements"]["staff"]]
    with pytest.raises(RL.ReliabilityError, match=r"scale 'staff': 3 weights for \d+ rows"):
        RL.alpha(X, scale="staff", weights=np.ones(3))
    with pytest.raises(RL.ReliabilityError, match="weighted alpha: 3 weights"):
        RL.weighted_alpha(X, np.ones(3))


def test_listwise_weights_follow_the_kept_rows(df: pd.DataFrame) -> None:
    X = df[META["elements"]["staff"]].set_index(df.index + 1000)  # labels are not positions
    w = df["w"].to_numpy()
    s, _ = _split(RL.alpha(X, use="listwise", weights=w, omega=False))
    ok = X.notna().all(axis=1).to_numpy()
    assert s["weighted_alpha"] == pytest.approx(RL.weighted_alpha(X.to_numpy()[ok], w[ok]),
                                                rel=1e-13)


def test_reliability_inputs_are_float_codes_in_one_block() -> None:
    inst = load_instrument(ROOT / "questionnaires" / "sipas_one_stop.yaml")
    scales = reliability_scales(inst)
    name, items = next(iter(scales.items()))
    ids = [it.id for it in items]
    n = 7
    every = dict.fromkeys(it.id for its in scales.values() for it in its)
    frame = pd.DataFrame({c: pd.array([1, 2, None, 4, 5, 3, 2], dtype="Int64") for c in every})
    frame[ids[0]] = pd.Series(["1", "x", "3", None, "5", "2", "2"], dtype=object)
    frame.index = pd.RangeIndex(10, 10 + n)
    got = reliability_inputs(inst, frame)[name]
    want = frame[ids].apply(pd.to_numeric, errors="coerce").astype(float)
    pd.testing.assert_frame_equal(got, want)
    assert np.shares_memory(got.to_numpy(), got.to_numpy())  # one float block: no copy
