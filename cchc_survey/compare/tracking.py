"""Tracking units and waves: change of every estimate between waves, and the league table of units.

Statistics used (the reader can recompute every number):

* **Change between waves**: independent samples, ``se = sqrt(se1² + se2²)``, CI ``change ± z·se``.
* **League table**: units whose CIs overlap are not ranked apart. ``rank_best = 1 + #(units whose
  CI lies wholly above this unit's CI)``, ``rank_worst = n - #(units wholly below)``; tiers are the
  connected groups of overlapping intervals, so two overlapping units are never in different tiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..scoretable import score_table
from .official import ComparisonError


def change_between_waves(scores: pd.DataFrame, *, wave_var: str = "wave",
                         order: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Change of every estimate from each wave to the next (independent samples).

    Args:
        scores: a score table with rows ``group_var == wave_var`` (one per code and wave).
        wave_var: the group variable that holds the wave (``wave``, ``quarter``, ``year``).
        order: the waves in time order (default: sorted ``group_value``).
        level: confidence level of the change CI.

    Returns:
        ``index, code, label_vi, wave_from, wave_to, estimate_from, estimate_to, change,
        change_se, ci_low, ci_high, significant, method`` with
        ``change_se = sqrt(se_from² + se_to²)`` and CI ``change ± z·change_se``.
    """
    sc = score_table(scores)
    sc = sc[sc["group_var"] == wave_var].copy()
    if sc.empty:
        raise ComparisonError(f"no score rows with group_var == {wave_var!r}")
    waves = order or sorted(sc["group_value"].unique())
    unknown = sorted(set(sc["group_value"]) - set(waves))
    if unknown:
        raise ComparisonError(f"waves {unknown} are not in order={waves}")
    sc["_pos"] = sc["group_value"].map({w: i for i, w in enumerate(waves)})
    sc = sc.sort_values(["index", "variant", "code", "_pos"])
    g = sc.groupby(["index", "variant", "code"], sort=False)
    prev_est, prev_se, prev_w = g["estimate"].shift(), g["se"].shift(), g["group_value"].shift()
    z = float(stats.norm.ppf(0.5 + level / 2))
    ch = sc["estimate"] - prev_est
    se = np.sqrt(sc["se"] ** 2 + prev_se ** 2)
    out = pd.DataFrame({
        "index": sc["index"], "code": sc["code"], "label_vi": sc["label_vi"],
        "wave_from": prev_w, "wave_to": sc["group_value"], "estimate_from": prev_est,
        "estimate_to": sc["estimate"], "change": ch, "change_se": se,
        "ci_low": ch - z * se, "ci_high": ch + z * se,
    })
    out = out[out["wave_from"].notna()].reset_index(drop=True)
    out["significant"] = ((out["ci_low"] > 0) | (out["ci_high"] < 0)).where(
        out["change_se"].notna()).astype("boolean")
    out["method"] = f"independent samples: SE = sqrt(se1² + se2²); normal {level:.0%} CI"
    return out


def league_table(scores: pd.DataFrame, *, code: str, group_var: str,
                 index: str | None = None, variant: str | None = None) -> pd.DataFrame:
    """Rank units on one estimate without ranking apart units whose CIs overlap.

    Returns one row per unit, best first: ``unit, label_vi, estimate, ci_low, ci_high, n,
    rank_best, rank_worst, rank_range`` (``"2–4"``), ``tier`` (1 = top) and ``tier_size``.
    """
    sc = score_table(scores)
    sel = (sc["group_var"] == group_var) & (sc["code"] == code)
    if index is not None:
        sel &= sc["index"].str.upper() == index.upper()
    if variant is not None:
        sel &= sc["variant"] == variant
    t = sc[sel]
    if t.empty:
        raise ComparisonError(f"no score rows with code={code!r} and group_var={group_var!r}")
    if t["group_value"].duplicated().any():
        raise ComparisonError(f"several rows per unit for code={code!r}; pass index= or variant=")
    if t[["ci_low", "ci_high"]].isna().any().any():
        bad = t.loc[t[["ci_low", "ci_high"]].isna().any(axis=1), "group_value"].tolist()
        raise ComparisonError(f"units {bad} have no confidence interval; a league table needs one")
    t = t.sort_values("estimate", ascending=False, kind="stable").reset_index(drop=True)
    lo, hi = t["ci_low"].to_numpy(), t["ci_high"].to_numpy()
    above = (lo[None, :] > hi[:, None]).sum(axis=1)   # units wholly above unit i
    below = (hi[None, :] < lo[:, None]).sum(axis=1)   # units wholly below unit i
    n = len(t)
    rank_best, rank_worst = 1 + above, n - below
    # Tiers: connected components of overlapping intervals (sweep from the top).
    order = np.argsort(-hi, kind="stable")
    run_min = np.minimum.accumulate(lo[order])
    starts = np.r_[True, hi[order][1:] < run_min[:-1]]
    tier_sorted = np.cumsum(starts)
    tier = np.empty(n, dtype=int)
    tier[order] = tier_sorted
    out = pd.DataFrame({
        "unit": t["group_value"], "label_vi": t["group_label_vi"], "estimate": t["estimate"],
        "ci_low": lo, "ci_high": hi, "n": t["n"], "rank_best": rank_best,
        "rank_worst": rank_worst,
        "rank_range": [f"{b}" if b == w else f"{b}–{w}"
                       for b, w in zip(rank_best, rank_worst, strict=True)],
        "tier": tier,
    })
    out["tier_size"] = out.groupby("tier")["unit"].transform("size")
    return out
