"""Replicate-weight variance: the rescaled bootstrap (Rao & Wu 1988; ``survey``'s
``as.svrepdesign(type="bootstrap")``). Its results carry the replicate covariance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..design import SurveyDesign, group_sum
from .errors import EstimationError
from .results import ContrastResult, DfRule
from .taylor import _as_matrix, linear_ratio_combination


def bootstrap_multipliers(design: SurveyDesign, replicates: int = 500, *,
                          seed: int | None = 20240521) -> np.ndarray:
    """Rescaled-bootstrap PSU multipliers (npsu, R) (Rao & Wu 1988; Canty & Davison 1999).

    In each stratum ``n_h - 1`` PSUs are drawn with replacement; a PSU drawn ``m`` times gets
    multiplier ``m n_h / (n_h - 1)`` (``survey::as.svrepdesign(type='bootstrap')``). Strata with
    one PSU keep multiplier 1 (they contribute no variance).
    """
    if replicates < 2:
        raise EstimationError("bootstrap needs at least 2 replicates.")
    rng = np.random.default_rng(seed)
    npsu = design.n_psu
    mult = np.ones((npsu, replicates))
    for h in range(design.n_psu_h.size):  # loop over strata (not respondents)
        members = np.flatnonzero(design.psu_stratum == h)
        nh = members.size
        if nh < 2:
            continue
        draws = rng.integers(0, nh, size=(nh - 1, replicates))
        counts = np.zeros((nh, replicates))
        np.add.at(counts, (draws, np.broadcast_to(np.arange(replicates), draws.shape)), 1.0)
        mult[members] = counts * nh / (nh - 1)
    return mult


def bootstrap_linear_ratio_combination(design: SurveyDesign, Y: np.ndarray | pd.DataFrame,
                                       L: np.ndarray | None = None, *,
                                       by: str | np.ndarray | pd.Series | None = None,
                                       replicates: int = 500, seed: int | None = 20240521,
                                       codes: Sequence[str] | None = None,
                                       level: float = 0.95,
                                       df: DfRule = "domain") -> ContrastResult:
    """:func:`linear_ratio_combination` with replicate-weight (bootstrap) SEs.

    Replicate estimates re-use PSU x domain totals, so R replicates cost R small products.
    ``Cov = sum_r (theta_r - mean theta)(theta_r - mean theta)' / (R - 1)`` in each domain:
    the result carries this replicate covariance (``cov``), not the Taylor one. The weights are
    taken as fixed (a calibration is not redone in each replicate).
    """
    base = linear_ratio_combination(design, Y, L, by=by, codes=codes, level=level, df=df)
    Ym, _ = _as_matrix(design, Y)
    k = Ym.shape[1]
    Lm = np.eye(k) if L is None else np.atleast_2d(np.asarray(L, dtype=float))
    dom = base.domains
    D = dom.size
    w = design.weights
    obs = ~np.isnan(Ym)
    g = np.concatenate([w[:, None] * np.where(obs, Ym, 0.0), w[:, None] * obs], axis=1)
    npsu = design.n_psu
    inside = dom.codes >= 0
    cc = np.where(inside, design.psu * D + np.maximum(dom.codes, 0), npsu * D)
    z = group_sum(cc, npsu * D + 1, g)[: npsu * D].reshape(npsu, D, 2 * k)
    mult = bootstrap_multipliers(design, replicates, seed=seed)
    rt = np.einsum("pr,pdk->rdk", mult, z)  # replicate totals (R, D, 2k)
    with np.errstate(invalid="ignore", divide="ignore"):
        pr = rt[:, :, :k] / rt[:, :, k:]
        th = np.einsum("rdk,mk->rdm", pr, Lm)
    dev = th - th.mean(axis=0)
    cov = np.einsum("rdm,rdn->dmn", dev, dev) / (replicates - 1)
    var = np.einsum("dmm->dm", cov).copy()
    se = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = np.where(base.se > 0, base.deff * var / base.se**2, np.nan)
        deffr = np.where(base.se > 0, base.deff_replace * var / base.se**2, np.nan)
        n_eff = base.n / deff
    return replace(base, se=se, deff=deff, deff_replace=deffr, n_eff=n_eff, cov=cov,
                   method=f"bootstrap{replicates}")
