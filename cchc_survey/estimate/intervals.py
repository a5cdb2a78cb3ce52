"""Confidence intervals: t intervals and the proportion intervals of ``survey::svyciprop``.

:func:`prop_interval` computes every method of ``svyciprop`` on arrays (one estimate per
domain and code) from the estimate ``p``, its SE, the degrees of freedom and the rows behind it;
:func:`ciprop` is ``svyciprop(~y, design, method=)`` itself, overall or by domain.

Methods (``t = qt(1 - alpha/2, df)``; Korn & Graubard 1998 for ``beta``):

* ``mean``: ``p -/+ t se``;
* ``logit``, ``xlogit``: ``expit(logit p -/+ t se / (p (1 - p)))``;
* ``asin``: ``sin^2(asin sqrt p -/+ t se / (2 sqrt(p (1 - p))))``, the angle kept in
  ``[0, pi/2]`` (R squares a negative angle, which folds the bound back above ``p``);
* ``beta``: ``n* = p (1 - p) / se^2 (t_{n-1} / t_df)^2`` (``n`` = rows of the design R's
  ``svyciprop`` runs on), then the Clopper-Pearson bounds ``qbeta(alpha/2, n* p, n* (1-p) + 1)``
  and ``qbeta(1 - alpha/2, n* p + 1, n* (1 - p))``;
* ``likelihood``: the profile-likelihood interval of the quasibinomial intercept (``svyglm``,
  Rao-Scott scaled), see :func:`_likelihood_ci`.

At the boundary — ``p`` = 0 or 1, or a standard error of 0 (every valid answer the same) —
the logit, the arcsine derivative and ``p (1 - p) / se^2`` are undefined (R returns NaN or stops
with an error there). Every method except ``mean`` then returns the **Korn-Graubard interval
with the effective sample size set to the number of valid answers** (as the NCHS presentation
standards do when the design effect is undefined): ``[0, 1 - (alpha/2)^(1/n*)]`` at ``p = 0``,
``[(alpha/2)^(1/n*), 1]`` at ``p = 1``, with ``n* = n_valid (t_{n-1}/t_df)^2``. ``mean``
returns ``[p, p]`` (the Wald interval of a zero SE). Every interval contains its estimate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy import special

from ..design import SurveyDesign
from .errors import EstimationError

if TYPE_CHECKING:
    from .results import ContrastResult, DfRule, Estimate

CipropMethod: TypeAlias = Literal["logit", "likelihood", "asin", "beta", "mean", "xlogit"]
CIPROP_METHODS: tuple[str, ...] = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")
IntervalMethod: TypeAlias = Literal["mean", "logit", "xlogit", "asin", "beta", "likelihood"]
"""``mean`` is the t interval ``estimate -/+ t se`` (any unit); the others need a proportion."""


def t_quantile(level: float, df: np.ndarray | float) -> np.ndarray:
    """``qt(0.5 + level/2, df)`` (scipy.special, no scipy.stats import)."""
    if not 0 < level < 1:
        raise EstimationError(f"ci level must be in (0, 1), got {level}.")
    return np.asarray(special.stdtrit(df, 0.5 + level / 2))


def _expit(x: np.ndarray | float) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))))


def t_interval(estimate: np.ndarray, se: np.ndarray, df: np.ndarray | float,
               level: float) -> tuple[np.ndarray, np.ndarray]:
    """``estimate -/+ qt(0.5 + level/2, df) se`` (``confint(..., df=)``); NaN where undefined."""
    q = t_quantile(level, df)
    return np.asarray(estimate - q * se), np.asarray(estimate + q * se)


def korn_graubard(p: np.ndarray, n_eff: np.ndarray, n_rows: np.ndarray, df: np.ndarray,
                  level: float) -> tuple[np.ndarray, np.ndarray]:
    """Korn & Graubard (1998) interval: Clopper-Pearson at the df-adjusted effective size.

    ``n* = n_eff (t_{n_rows - 1} / t_df)^2``, then ``qbeta(alpha/2, n* p, n* (1 - p) + 1)`` and
    ``qbeta(1 - alpha/2, n* p + 1, n* (1 - p))``; the lower bound is 0 at ``p = 0`` and the
    upper 1 at ``p = 1`` (the beta quantile of a zero shape). Where the adjustment is undefined
    (a domain of one row: ``t`` on 0 df; or no df) it is 1, i.e. the Clopper-Pearson interval.
    """
    alpha = 1.0 - level
    p, n_eff = np.asarray(p, dtype=float), np.asarray(n_eff, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        nr, dfa = np.asarray(n_rows, dtype=float), np.asarray(df, dtype=float)
        adj = (special.stdtrit(nr - 1, alpha / 2) / special.stdtrit(dfa, alpha / 2)) ** 2
        # one row (t on 0 df) or no df: the adjustment is undefined; plain Clopper-Pearson
        adj = np.where((nr > 1) & (dfa > 0), adj, 1.0)
        ns = n_eff * adj
        a_lo, b_lo = ns * p, ns * (1 - p) + 1
        a_hi, b_hi = ns * p + 1, ns * (1 - p)
        ok = np.isfinite(ns) & (ns > 0) & np.isfinite(p)
        lo = np.where(ok & (a_lo > 0), special.betaincinv(np.where(a_lo > 0, a_lo, 1.0),
                                                          np.where(ok, b_lo, 1.0), alpha / 2),
                      np.where(ok, 0.0, np.nan))
        hi = np.where(ok & (b_hi > 0), special.betaincinv(np.where(ok, a_hi, 1.0),
                                                          np.where(b_hi > 0, b_hi, 1.0),
                                                          1 - alpha / 2),
                      np.where(ok, 1.0, np.nan))
        # an effective size so large that the beta quantile does not converge (an SE of
        # rounding noise, ~1e-10): the interval's limit, [p, p]
        lo = np.where(ok & np.isnan(lo), p, lo)
        hi = np.where(ok & np.isnan(hi), p, hi)
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def prop_interval(method: str, p: np.ndarray, se: np.ndarray, df: np.ndarray | float,
                  n_rows: np.ndarray | float, n_valid: np.ndarray | float,
                  level: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``svyciprop`` interval of ``method`` on arrays (see the module doc for the formulas
    and the boundary rule). ``likelihood`` needs the data: use :func:`ciprop` for it.

    Args:
        p, se: the proportion and its standard error.
        df: degrees of freedom of the interval.
        n_rows: rows of the design ``svyciprop`` runs on (``beta``'s ``nrow(design)``).
        n_valid: valid answers behind ``p`` (the effective size at the boundary).
    """
    if method not in ("mean", "logit", "xlogit", "asin", "beta"):
        raise EstimationError(f"interval method {method!r} is not one of mean, logit, xlogit, "
                              "asin, beta (likelihood: use ciprop(), which has the data).")
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    shape = np.broadcast(p, se).shape
    dfa = np.broadcast_to(np.asarray(df, dtype=float), shape)
    nra = np.broadcast_to(np.asarray(n_rows, dtype=float), shape)
    nva = np.broadcast_to(np.asarray(n_valid, dtype=float), shape)
    if method == "mean":
        return t_interval(p, se, dfa, level)
    t = t_quantile(level, dfa)
    boundary = (p <= 0) | (p >= 1) | (se <= 0)
    inner = ~boundary & np.isfinite(p) & np.isfinite(se)
    pi = np.where(inner, p, 0.5)
    sei = np.where(inner, se, 0.0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if method in ("logit", "xlogit"):
            eta = np.log(pi / (1 - pi))
            h = t * sei / (pi * (1 - pi))
            lo, hi = _expit(eta - h), _expit(eta + h)
        elif method == "asin":
            a = np.arcsin(np.sqrt(pi))
            h = t * sei / (2 * np.sqrt(pi * (1 - pi)))
            lo = np.sin(np.clip(a - h, 0.0, np.pi / 2)) ** 2
            hi = np.sin(np.clip(a + h, 0.0, np.pi / 2)) ** 2
        else:  # beta
            n_eff = pi * (1 - pi) / np.where(inner, sei, 1.0) ** 2
            lo, hi = korn_graubard(pi, n_eff, nra, dfa, level)
    kg_lo, kg_hi = korn_graubard(p, nva, nra, dfa, level)
    lo = np.where(inner, lo, kg_lo)
    hi = np.where(inner, hi, kg_hi)
    undefined = ~np.isfinite(p)
    return (np.where(undefined, np.nan, lo).astype(float),
            np.where(undefined, np.nan, hi).astype(float))


def ciprop(design: SurveyDesign, variable: str | np.ndarray, *,
           method: CipropMethod = "logit", level: float = 0.95,
           df: float | str | None = None,
           by: str | np.ndarray | pd.Series | None = None) -> Estimate | ContrastResult:
    """Confidence interval for a proportion by the methods of ``survey::svyciprop``.

    ``p`` and ``se`` come from the design-based mean of the 0/1 variable (NaN = missing); the
    interval is :func:`prop_interval` (module doc) or, for ``likelihood``, the profile-likelihood
    interval of R's quasibinomial ``svyglm`` at the level ``1 - 2 Phi(t_{df, alpha/2}
    sqrt(deff))`` (Rao-Scott scaling, as ``confint.svyglm``; equals R to ~1e-7, R's own glm
    convergence). ``t = qt(1 - alpha/2, df)``.

    Args:
        df: ``"domain"`` (default): the degrees of freedom of the rows the estimate rests on
            (PSUs - strata among those holding a valid answer), which is what R's
            ``svyciprop(~y, subset(design, ...), na.rm=TRUE)`` uses (``degf`` of the subset);
            ``"design"``: the whole design's ``degf``; a number: that many.
        by: domain variable; then a :class:`ContrastResult` (one interval per domain, as
            ``svyby(~y, ~by, design, svyciprop, vartype="ci")``), else an :class:`Estimate`.

    The interval is in ``extra['ci_low']``/``extra['ci_high']`` of the :class:`Estimate` (and
    :meth:`Estimate.ci`); at the boundary (``p`` = 0 or 1, zero SE) see the module doc.
    """
    from .taylor import proportion

    if method not in CIPROP_METHODS:
        raise EstimationError(f"ciprop method {method!r} is not one of {CIPROP_METHODS}.")
    if isinstance(variable, str):
        y = pd.to_numeric(pd.Series(design.column(variable)), errors="coerce").to_numpy(float)
        code = variable
    else:
        y = np.asarray(variable, dtype=float)
        code = "y"
    rule, fixed = _df_choice(df)
    res = proportion(design, y[:, None], by=by, level=level, df=rule, codes=[code])
    if fixed is not None:
        res = res.with_interval_df(fixed)
    if method == "likelihood":
        lo = np.full(res.estimate.shape, np.nan)
        hi = np.full(res.estimate.shape, np.nan)
        dfi = res.interval_df
        for d in range(res.domains.size):  # loop over domains (not respondents)
            p, se = float(res.estimate[d, 0]), float(res.se[d, 0])
            rows = None if by is None else res.domains.codes == d
            if not np.isfinite(p):
                continue
            if 0 < p < 1 and se > 0:
                lo[d, 0], hi[d, 0] = _likelihood_ci(design, y, p, se, float(dfi[d, 0]), level,
                                                    rows)
            else:
                kl, kh = prop_interval("beta", res.estimate[d], res.se[d], dfi[d],
                                       res.rows[d], res.n[d], level)
                lo[d, 0], hi[d, 0] = float(kl[0]), float(kh[0])
        res = res.with_interval(method, level, lo, hi)
    else:
        res = res.with_interval(method, level)
    if by is not None:
        return res
    return res.get(code, "")


def _df_choice(df: float | str | None) -> tuple[DfRule, float | None]:
    if df is None or df == "domain":
        return "domain", None
    if df == "design":
        return "design", None
    if isinstance(df, str):
        raise EstimationError(f"df={df!r}: give 'domain', 'design' or a number.")
    return "design", float(df)


def _fmm_spline_eval(x: np.ndarray, y: np.ndarray, xout: np.ndarray) -> np.ndarray:
    """R's ``spline(method='fmm')`` (Forsythe, Malcolm & Moler end conditions) at ``xout``."""
    n = x.size
    if n < 3:
        return np.interp(xout, x, y)
    b = np.zeros(n)
    c = np.zeros(n)
    d = np.zeros(n)
    # translation of R's fmm_spline (splines.c)
    nm1 = n - 1
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[n - 2]
    c[0] = c[nm1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[nm1] = c[n - 2] / (x[nm1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[nm1] = -c[nm1] * d[n - 2] * d[n - 2] / (x[nm1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[nm1] = c[nm1] / b[nm1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[nm1] = 3.0 * c[nm1]
    d[nm1] = d[n - 2]
    idx = np.clip(np.searchsorted(x, xout, side="right") - 1, 0, nm1)
    dx = xout - x[idx]
    return np.asarray(y[idx] + dx * (b[idx] + dx * (c[idx] + dx * d[idx])))


def _likelihood_ci(design: SurveyDesign, y: np.ndarray, p: float, se: float, ddf: float,
                   level: float, rows: np.ndarray | None = None) -> tuple[float, float]:
    """Profile-likelihood CI of R's ``svyciprop(method='likelihood')``.

    ``confint.svyglm(method='likelihood')``: level' = 1 - 2 pnorm(qt(alpha/2, df) sqrt(lambda)),
    lambda = design variance / model variance of the intercept; then MASS ``profile.glm`` /
    ``confint.profile.glm`` on the quasibinomial fit with prior weights ``w / mean(w)``: signed
    root deviance ``z(b) = sign(b - b0) sqrt((D(b) - D(b0)) / phi)`` on a grid of steps of
    ``zmax/5`` design SEs, interpolated by an fmm spline and inverted at ``qnorm(a)``.
    """
    inside = np.ones(design.n, dtype=bool) if rows is None else rows
    ok = ~np.isnan(y) & inside
    # R's svyciprop on a domain runs on subset(design): an uncalibrated design is physically
    # subset (the domain's rows), a calibrated one keeps every row with weight 0 outside
    w_all = design.weights if design.calibrated else design.weights[inside]
    wp = design.weights / w_all.mean()
    wv, yv = wp[ok], y[ok]
    b0 = float(np.log(p / (1 - p)))
    se_b = se / (p * (1 - p))
    naive_var = 1.0 / (wv.sum() * p * (1 - p))  # summary.glm(...)$cov.unscaled
    lam = se_b**2 / naive_var

    def dev(b: float) -> float:
        mu = float(_expit(b))
        return float(2 * np.sum(wv * (-(yv * np.log(mu)) - (1 - yv) * np.log(1 - mu))))

    # summary.svyglm's dispersion, svyvar(resid(fit, "pearson"), fit$survey.design), where
    # residuals.svyglm scales (y - mu)/sqrt(V) by sqrt(prior w / design w), each normalised by
    # its mean: the design left after dropping missing rows is physically subset (mean over valid
    # rows) unless it is calibrated (zero weights, mean over all rows). At the fit this gives
    # phi = n/(n-1) * ratio (checked against R 4.2.2 / survey 4.1-1).
    if design.calibrated:
        ratio = float(design.weights[ok].sum() / w_all.sum())
    else:
        ratio = float(design.weights[ok].mean() / w_all.mean())
    nv = int(ok.sum())
    phi = nv / (nv - 1) * ratio
    lev = 1 - 2 * special.ndtr(special.stdtrit(ddf, (1 - level) / 2) * np.sqrt(lam))
    d0 = dev(b0)
    alpha = (1 - lev) / 4
    nobs = int(ok.sum())
    zmax = float(np.sqrt(special.fdtri(1, nobs - 1, 1 - alpha)))
    step_del = zmax / 5
    bs = [b0]
    zs = [0.0]
    for sgn in (-1.0, 1.0):
        step = 0
        z = 0.0
        while True:
            step += 1
            if not (step < 10 and abs(z) < zmax):
                break
            bi = b0 + sgn * step * step_del * se_b
            zz = (dev(bi) - d0) / phi
            zz = max(zz, 0.0)
            z = sgn * np.sqrt(zz)
            bs.append(bi)
            zs.append(z)
    order = np.argsort(bs)
    bx, zy = np.asarray(bs)[order], np.asarray(zs)[order]
    # R: sp <- spline(x = par.vals, y = z); approx(sp$y, sp$x, xout = cutoff)
    nout = 3 * bx.size
    xs = np.linspace(bx[0], bx[-1], nout)
    ys = _fmm_spline_eval(bx, zy, xs)
    a = (1 - lev) / 2
    cut = special.ndtri(np.array([a, 1 - a]))
    # approx(x=ys, y=xs): ys increasing
    lo_hi = np.interp(cut, ys, xs)
    return float(_expit(lo_hi[0])), float(_expit(lo_hi[1]))
