"""Reliability: hard cases (reverse-keyed item, zero variance), Feldt's n, weighted alpha."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from cchc_survey import reliability as RL
from cchc_survey.design import SurveyDesign

FIX = Path(__file__).parent / "fixtures" / "oracle"
META = json.loads((FIX / "sipas_public_meta.json").read_text(encoding="utf-8"))
ORACLE = json.loads((FIX / "oracle_public.json").read_text(encoding="utf-8"))


def _split(res: RL.AlphaResult) -> tuple[dict, pd.DataFrame]:
    return res.summary, res.items


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    d = pd.read_csv(FIX / "sipas_public.csv")
    for v in META["items"]:
        d[v] = d[v].where(d[v] != 6).astype(float)
    return d


def test_table_per_scale_and_items(df: pd.DataFrame) -> None:
    tab = RL.reliability_table(df, scales=META["elements"])
    assert list(tab["scale"]) == list(META["elements"])
    for _, row in tab.iterrows():
        o = ORACLE["reliability"][row["scale"]]
        assert row["raw_alpha"] == pytest.approx(o["raw_alpha"], abs=1e-12)
        assert row["omega_total"] == pytest.approx(o["omega"]["omega_total"], abs=1e-8)
        assert row["negative_r_drop"] == "" and row["dropped_items"] == ""
    items = RL.item_table(df, scales=META["elements"])
    assert len(items) == 22
    assert set(items.columns) >= {"scale", "item", "n", "raw_r", "std_r", "r_cor", "r_drop",
                                  "mean", "sd", "alpha_if_deleted", "std_alpha_if_deleted"}


def test_pingouin_agrees_on_point_alpha_but_not_listwise_ci(df: pd.DataFrame) -> None:
    X = df[META["elements"]["access"]]
    s, _ = _split(RL.alpha(X, use="listwise"))
    a, ci = pg.cronbach_alpha(X, nan_policy="listwise")
    assert s["raw_alpha"] == pytest.approx(a, abs=1e-12)
    n = int(X.dropna().shape[0])
    assert s["n"] == n == ORACLE["reliability"]["access"]["listwise_n"]
    lo = 1 - (1 - a) * stats.f.ppf(0.975, n - 1, (n - 1) * 3)
    assert s["feldt_low"] == pytest.approx(lo, abs=1e-14)
    # pingouin takes n before dropping incomplete rows: its interval differs from R's
    want = ORACLE["reliability"]["access"]["listwise"]["feldt_ci"]
    assert s["feldt_low"] == pytest.approx(want["lower"], abs=1e-12)
    assert abs(ci[0] - want["lower"]) > 5e-4


def test_reverse_keyed_item_warns(df: pd.DataFrame) -> None:
    X = df[META["elements"]["access"]].copy()
    X["acc_4"] = 6 - X["acc_4"]
    with pytest.warns(RL.ReliabilityWarning, match=r"\['acc_4'\] correlate negatively"):
        s, items = _split(RL.alpha(X, scale="access"))
    assert s["negative_r_drop"] == "acc_4"
    assert items.set_index("item").loc["acc_4", "r_drop"] < 0


def test_zero_variance_item_is_dropped_with_a_warning(df: pd.DataFrame) -> None:
    X = df[META["elements"]["access"]].copy()
    X["const"] = 3.0
    with pytest.warns(RL.ReliabilityWarning, match=r"\['const'\] have no variance"):
        s, items = _split(RL.alpha(X, scale="access"))
    assert s["k"] == 4 and s["dropped_items"] == "const"
    assert s["raw_alpha"] == pytest.approx(ORACLE["reliability"]["access"]["raw_alpha"],
                                           abs=1e-12)
    assert "const" not in set(items["item"])


def test_weighted_alpha_as_svycralpha(df: pd.DataFrame) -> None:
    X = df[META["elements"]["staff"]]
    s1, _ = _split(RL.alpha(X, use="listwise", weights=np.ones(len(X)), omega=False))
    assert s1["weighted_alpha"] == pytest.approx(s1["raw_alpha"], abs=1e-12)
    des = SurveyDesign.from_frame(df, weights="w", strata="stratum", cluster="psu")
    w = des.weights
    Xc = X.to_numpy()
    ok = ~np.isnan(Xc).any(axis=1)
    xa, wa = Xc[ok], w[ok]

    def wv(v: np.ndarray) -> float:
        m = np.sum(wa * v) / wa.sum()
        return float(np.sum(wa * (v - m) ** 2) / wa.sum())

    k = xa.shape[1]
    want = k / (k - 1) * (1 - sum(wv(xa[:, j]) for j in range(k)) / wv(xa.sum(axis=1)))
    tab = RL.reliability_table({"staff": X}, design=des)
    assert tab["weighted_alpha"].iloc[0] == pytest.approx(want, rel=1e-12)
    assert tab["weighted_alpha"].iloc[0] != pytest.approx(tab["raw_alpha"].iloc[0], abs=1e-4)


def test_bootstrap_is_seeded(df: pd.DataFrame) -> None:
    X = df[META["elements"]["feedback"]]
    a = RL.bootstrap_alpha_ci(X, n_iter=200, seed=3)
    b = RL.bootstrap_alpha_ci(X, n_iter=200, seed=3)
    assert a == b and a[0] < a[1] < a[2]
    o = ORACLE["reliability"]["feedback"]["boot_ci_n1000_seed20240521"]
    assert np.allclose(a, o, atol=0.01)


def test_omega_recovers_a_one_factor_model() -> None:
    rng = np.random.default_rng(5)
    lam = np.array([0.9, 0.8, 0.7, 0.6])
    f = rng.normal(size=20000)
    X = f[:, None] * lam + rng.normal(size=(20000, 4)) * np.sqrt(1 - lam**2)
    om = RL.omega_total(X)
    r = np.corrcoef(X.T)
    assert om == pytest.approx(1 - np.sum(1 - lam**2) / r.sum(), abs=0.01)


def test_errors(df: pd.DataFrame) -> None:
    with pytest.raises(RL.ReliabilityError, match="at least 2 items"):
        RL.alpha(df[["acc_1"]], scale="one")
    with pytest.raises(RL.ReliabilityError, match=r"items \['zz'\] are not in the data"):
        RL.reliability_table(df, scales={"s": ["acc_1", "zz"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RL.ReliabilityWarning)
        with pytest.raises(RL.ReliabilityError, match="fewer than 2 items with variance"):
            RL.alpha(pd.DataFrame({"a": [1.0, 1, 1], "b": [2.0, 3, 4]}))
