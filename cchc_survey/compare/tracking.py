"""Tracking units and waves: change of every estimate between waves, and the league table of units.

Statistics used (the reader can recompute every number):

* **Change between waves**: independent samples, ``se = sqrt(se1² + se2²)``, CI ``change ± z·se``.
* **League table** (:func:`league_table`): units ranked by estimate and tied where the
  difference is not significant at the chosen level (pairwise t tests with a named
  multiplicity correction, Holm by default); two units whose intervals do not overlap are never
  in the same tier; flagged (unreliable) estimates are shown but never ranked.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

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
    z = float(special.ndtri(0.5 + level / 2))
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


Correction = Literal["holm", "bonferroni", "none"]
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "none")
_NAMES = {"holm": "Holm", "bonferroni": "Bonferroni", "none": "no correction"}


def adjust_pvalues(p: np.ndarray, correction: Correction = "holm") -> np.ndarray:
    """Multiplicity-adjusted p-values: Holm (1979) step-down ``max_{j<=k} min(1, (m-j+1) p_(j))``,
    Bonferroni ``min(1, m p)``, or none (R's ``p.adjust``)."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if correction == "none" or m == 0:
        return p.copy()
    if correction == "bonferroni":
        return np.minimum(1.0, m * p)
    order = np.argsort(p, kind="stable")
    adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out


def league_table(scores: pd.DataFrame, *, code: str, group_var: str,
                 index: str | None = None, variant: str | None = None, level: float = 0.95,
                 correction: Correction = "holm",
                 cov: pd.DataFrame | None = None,
                 not_ranked: tuple[str, ...] = ("unreliable",)) -> pd.DataFrame:
    """Rank units on one estimate, tied where their difference is not significant.

    Method (every number can be recomputed from the table):

    * units whose estimate carries a flag of ``not_ranked`` (default ``unreliable``, the NCHS
      "do not present" estimates: see :mod:`cchc_survey.estimate.flags`) or has no SE are shown
      with their interval but **not ranked** (``tier`` and ranks empty); an estimate flagged
      ``review`` (NCHS: too few degrees of freedom, present with a note) is ranked, with the
      flag's text in ``note_vi``, and its few degrees of freedom widen its pairwise tests;
      ``not_ranked=("review", "unreliable")`` ranks only unflagged units;
    * every pair of ranked units ``i, j`` is tested: ``t = (e_i - e_j) / sqrt(se_i^2 + se_j^2 -
      2 cov_ij)`` on ``min(df_i, df_j)`` degrees of freedom, two-sided; ``cov_ij`` is 0 (units
      sampled independently, e.g. units that are strata) unless ``cov`` gives it (a square
      frame indexed by unit); the p-values are adjusted for the ``m(m-1)/2`` comparisons by
      ``correction`` (Holm by default) and a pair differs when the adjusted p-value is below
      ``1 - level``;
    * two units whose intervals do not overlap always count as different (their difference is
      significant before any correction);
    * tiers are formed from the best estimate down: a unit joins the current tier unless it
      differs from a unit already in it, then it opens the next tier; so no two units of a tier
      differ, and units in adjacent tiers may still be tied (see the rank range);
    * ``rank_best = 1 +`` ranked units that differ from it and are above, ``rank_worst = m -``
      those below.

    Returns:
        One row per unit, ranked units best first, then the unranked: ``unit, label_vi,
        estimate, se, ci_low, ci_high, n, flag, flag_vi, ranked, rank_best, rank_worst,
        rank_range`` (``"2–4"``), ``tier`` (1 = top), ``tier_size``, ``note_vi``, ``method``.
    """
    if correction not in CORRECTIONS:
        raise ComparisonError(f"correction={correction!r} is not one of {CORRECTIONS}.")
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
    flagged = t["flag"].isin(list(not_ranked)).to_numpy()
    ok = ~flagged & np.isfinite(t["se"].to_numpy()) & np.isfinite(t["estimate"].to_numpy())
    r = t[ok].reset_index(drop=True)
    m = len(r)
    est, se = r["estimate"].to_numpy(), r["se"].to_numpy()
    lo, hi = r["ci_low"].to_numpy(), r["ci_high"].to_numpy()
    dfs = r["df"].to_numpy(dtype=float)
    dfs = np.where(np.isfinite(dfs), dfs, np.inf)
    units = r["group_value"].tolist()
    cij = np.zeros((m, m))
    if cov is not None:
        missing = [u for u in units if u not in cov.index or u not in cov.columns]
        if missing:
            raise ComparisonError(f"cov= has no row/column for units {missing[:5]}.")
        cij = cov.loc[units, units].to_numpy(dtype=float)
    iu, ju = np.triu_indices(m, 1)
    diff = est[iu] - est[ju]
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.maximum(se[iu] ** 2 + se[ju] ** 2 - 2 * cij[iu, ju], 0.0))
        tstat = np.where(sd > 0, np.abs(diff) / np.where(sd > 0, sd, 1.0),
                         np.where(diff != 0, np.inf, 0.0))
    pval = 2 * special.stdtr(np.minimum(dfs[iu], dfs[ju]), -tstat)
    adj = adjust_pvalues(pval, correction)
    apart = (lo[iu] > hi[ju]) | (lo[ju] > hi[iu])
    differ = np.zeros((m, m), dtype=bool)
    differ[iu, ju] = differ[ju, iu] = (adj < 1 - level) | apart
    tier = np.zeros(m, dtype=int)
    members: list[int] = []
    current = 0
    for i in range(m):  # loop over units (a few dozen), not respondents
        if not members or differ[i, members].any():
            current += 1
            members = []
        members.append(i)
        tier[i] = current
    above = np.array([differ[i, :i].sum() for i in range(m)], dtype=int)
    below = np.array([differ[i, i + 1:].sum() for i in range(m)], dtype=int)
    rank_best, rank_worst = 1 + above, m - below
    method = (f"pairwise t tests of the differences, {_NAMES[correction]} correction over "
              f"{m * (m - 1) // 2} pairs, level {level:.0%}; "
              + ("covariances given" if cov is not None else "units taken as independent")
              + "; non-overlapping intervals always apart; estimates flagged "
              + " or ".join(not_ranked) + " not ranked")
    ranked = pd.DataFrame({
        "unit": r["group_value"], "label_vi": r["group_label_vi"], "estimate": est, "se": se,
        "ci_low": lo, "ci_high": hi, "n": r["n"], "flag": r["flag"], "flag_vi": r["flag_vi"],
        "ranked": True, "rank_best": rank_best, "rank_worst": rank_worst,
        "rank_range": [f"{b}" if b == w else f"{b}–{w}"
                       for b, w in zip(rank_best, rank_worst, strict=True)],
        "tier": tier, "note_vi": r["flag_vi"].fillna("").astype(str)})
    u = t[~ok]
    unranked = pd.DataFrame({
        "unit": u["group_value"], "label_vi": u["group_label_vi"], "estimate": u["estimate"],
        "se": u["se"], "ci_low": u["ci_low"], "ci_high": u["ci_high"], "n": u["n"],
        "flag": u["flag"], "flag_vi": u["flag_vi"], "ranked": False, "rank_best": pd.NA,
        "rank_worst": pd.NA, "rank_range": "", "tier": pd.NA,
        "note_vi": "Không xếp hạng: " + np.where(u["flag"].isin(list(not_ranked)),
                                                  u["flag_vi"], "không có sai số chuẩn")})
    out = pd.concat([ranked, unranked], ignore_index=True) if len(unranked) else ranked
    for c in ("rank_best", "rank_worst", "tier"):
        out[c] = out[c].astype("Int64")
    out["tier_size"] = out.groupby("tier")["unit"].transform("size").astype("Int64")
    out["method"] = method
    return out
