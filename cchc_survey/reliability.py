"""Reliability of multi-item scales: Cronbach's alpha and friends, as R's ``psych`` computes them.

Per scale (an element or dimension), :func:`reliability_table` returns one summary row and
:func:`item_table` one row per item:

* ``raw_alpha = k/(k-1) (1 - tr C / sum C)`` on the covariance matrix ``C``;
  ``std_alpha = k r̄ / (1 + (k-1) r̄)``, ``r̄`` = ``average_r`` (mean off-diagonal correlation of
  ``R = cov2cor(C)``); ``G6 = 1 - sum(1 - smc) / sum R``; ``S/N = k r̄ / (1 - r̄)``;
  ``median_r``; ``ase`` (Duhachek & Iacobucci 2004, as corrected in psych):
  ``Q = 2k^2/((k-1)^2 (1'C1)^3) [1'C1 (tr C^2 + (tr C)^2) - 2 tr C (1'C^2 1)]``,
  ``ase = sqrt(Q / n)``;
* Feldt (1965) interval: ``1 - (1 - alpha) F_{1-p/2 | p/2}(n-1, (n-1)(k-1))`` with ``n`` the
  rows actually used (all rows for pairwise, complete rows for listwise — pingouin takes ``n``
  before dropping incomplete rows, which is wrong);
* per item: ``alpha`` if the item is dropped, ``raw_r`` (item-total correlation),
  ``std_r``, ``r_cor`` (smc-corrected), ``r_drop`` (item-rest correlation), mean, sd, n;
* McDonald's omega total from a one-factor minres fit on the pairwise Pearson correlations
  (``omega_t = 1 - sum(1 - lambda^2) / sum R``, ``psych::omega(nfactors=1)$omega.tot``);
* weighted alpha (``survey::svycralpha``): ``k/(k-1) (1 - sum var_w(x_j) / var_w(sum x))`` on
  complete rows;
* a seeded bootstrap percentile interval (rows resampled, pairwise covariances, as
  ``psych::alpha(n.iter=)``; R's random stream is not reproduced, only its method).

Covariances are pairwise by default (``psych::alpha`` default ``use='pairwise'``). Every
row-level quantity of a scale (pairwise covariances and correlations, item-total correlations,
item and total means and sds, the weighted covariances) comes from one pass of matrix products
over row blocks (:func:`_moments`); everything else is computed from those ``k x k`` matrices.
Omega hierarchical of a multi-factor model (minres, oblimin, Schmid-Leiman;
``psych::omega(nfactors=)``) is :func:`omega_hierarchical`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np
import pandas as pd
from scipy import special

from .design import SurveyDesign
from .errors import CchcSurveyError

Use = Literal["pairwise", "listwise"]
_EPS = float(np.finfo(float).eps)


class ReliabilityError(CchcSurveyError):
    """A scale cannot be analysed (too few items, no data)."""


class ReliabilityWarning(UserWarning):
    """Something in a scale needs the analyst's attention (reverse-keyed item, no variance)."""


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    return np.asarray(c / np.outer(d, d))


def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^-1)`` (psych::smc)."""
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    return np.asarray(1.0 - 1.0 / np.diag(inv))


def _alpha1(c: np.ndarray) -> dict[str, float]:
    """psych's ``alpha.1``: raw/std alpha, G6, average r, S/N, Q, median r."""
    k = c.shape[0]
    r = _cov2cor(c)
    sc = c.sum()
    raw = (1 - np.trace(c) / sc) * k / (k - 1)
    sum_r = r.sum()
    std = (1 - k / sum_r) * k / (k - 1)
    g6 = 1 - (k - _smc(r).sum()) / sum_r
    avr = (sum_r - k) / (k * (k - 1))
    sn = k * avr / (1 - avr)
    cc = c @ c
    q = (2 * k**2 / ((k - 1) ** 2 * sc**3)) * (sc * (np.trace(cc) + np.trace(c) ** 2)
                                                - 2 * (np.trace(c) * cc.sum()))
    med = float(np.median(r[np.tril_indices(k, -1)]))
    return {"raw_alpha": float(raw), "std_alpha": float(std), "G6_smc": float(g6),
            "average_r": float(avr), "signal_noise": float(sn), "Q": float(q), "median_r": med}


_BLOCK_ROWS = 1 << 15
"""Rows per block of :func:`_moments` (a block's work arrays stay in the CPU cache)."""
_SHIFT_SAMPLE = 1 << 16
"""About this many evenly spaced rows give the shift of :func:`_moments`."""
_MAX_PATTERNS = 1 << 20
"""Most answer patterns a scale may have for :func:`_distinct_rows` (its ``bincount`` size)."""


@dataclass(frozen=True)
class _Moments:
    """Pairwise moments of the columns of a matrix with missing values (see :func:`_moments`)."""

    n: np.ndarray
    """``(K, K)`` rows where both columns are observed (diagonal: rows where one is)."""
    mean: np.ndarray
    """``(K,)`` column means over the observed values."""
    cov: np.ndarray
    """``(K, K)`` pairwise covariances, R's ``cov(x, use="pairwise")``."""
    cor: np.ndarray
    """``(K, K)`` pairwise Pearson correlations, R's ``cor(x, use="pairwise")``."""
    w_cov: np.ndarray | None
    """``(k, k)`` weighted covariances ``sum w (x_i - m_i)(x_j - m_j) / sum w`` on the rows
    with every item observed and ``w > 0`` (``m`` the weighted means); None without weights."""
    w_rows: int
    """The rows ``w_cov`` is computed on."""


def _moments(x: np.ndarray, *, total: bool = False, weights: np.ndarray | None = None,
             freq: np.ndarray | None = None, w_count: np.ndarray | None = None) -> _Moments:
    """Pairwise-complete moments of the columns of ``x`` (NaN = missing) in one pass.

    With ``y = x - s`` (``s`` a shift near each column's mean: the mean of about
    :data:`_SHIFT_SAMPLE` evenly spaced rows, rounded to an integer when those values are
    integers, so that integer codes give exact sums), ``Y`` the shifted values with missing
    set to 0 and ``M`` the 0/1 observed mask, the products ``N = M'M``, ``A = Y'M``,
    ``P = Y'Y`` and ``Q = (Y*Y)'M`` hold every pairwise sum: over the rows where items ``i`` and
    ``j`` are both observed, ``n_ij = N_ij``, ``sum y_i = A_ij``, ``sum y_i y_j = P_ij`` and
    ``sum y_i^2 = Q_ij``. Then, with ``D_ij = n_ij P_ij - A_ij A_ji`` (``n_ij`` times the
    co-deviation about the pair's own means) and ``V_ij = n_ij Q_ij - A_ij^2``:

    ``cov_ij = D_ij / (n_ij (n_ij - 1))`` and ``cor_ij = D_ij / sqrt(V_ij V_ji)``, exactly the
    pairwise-complete ``cov`` and ``cor`` of R (``use="pairwise"``; NaN where a pair has fewer
    than 2 rows); the means are ``(s n_ii + A_ii) / n_ii``. For integer codes every sum and
    ``D``, ``V`` are exact integers, so these numbers do not depend on ``s`` or on the order of
    the rows. The products are summed over blocks of :data:`_BLOCK_ROWS` rows (the loop is
    over blocks, each one a BLAS product).

    Args:
        x: ``(n, k)`` float matrix, NaN = missing.
        total: add a column ``k``: the row mean of the observed items (``rowMeans(na.rm=TRUE)``;
            NaN where a row has none), as ``psych::alpha``'s total score.
        weights: ``(n,)`` sampling weights: also the weighted covariances of the ``k`` items
            on the rows with every item observed and ``w > 0`` (``survey::svycralpha``).
        freq: ``(n,)`` how many respondents each row of ``x`` stands for (the distinct rows of
            :func:`_distinct_rows`); None: one each. ``weights`` is then the sum of the positive
            weights of those respondents and ``w_count`` how many of them have one.
    """
    n, k = x.shape
    kk = k + 1 if total else k
    step = max(1, n // _SHIFT_SAMPLE)
    smp = x[::step]
    if total:
        smp = np.column_stack([smp, _row_mean(smp)])
    obs = ~np.isnan(smp)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(obs, smp, 0.0).sum(axis=0) / obs.sum(axis=0)
    integral = np.all(~obs | (smp == np.rint(smp)), axis=0)
    shift = np.where(integral, np.rint(shift), shift)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    g = np.zeros((3 * kk, 3 * kk))
    wg = np.zeros((k, k))
    wy = np.zeros(k)
    sw = 0.0
    w_rows = 0.0
    z = np.empty((min(n, _BLOCK_ROWS), 3 * kk))
    for start in range(0, n, _BLOCK_ROWS):  # loop over row blocks; each block vectorised
        xb = x[start:start + _BLOCK_ROWS]
        rows = xb.shape[0]
        zb = z[:rows]
        mb = ~np.isnan(xb)
        yb = zb[:, :k]
        np.subtract(xb, shift[:k], out=yb)
        np.copyto(yb, 0.0, where=~mb)
        if total:
            cnt = mb.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                tb = np.where(mb, xb, 0.0).sum(axis=1) / cnt
            zb[:, k] = np.where(cnt > 0, tb - shift[k], 0.0)
            zb[:, kk + k] = cnt > 0
        zb[:, kk:kk + k] = mb
        np.multiply(zb[:, :kk], zb[:, :kk], out=zb[:, 2 * kk:])
        if freq is None:
            g += zb.T @ zb  # one symmetric product (BLAS syrk): every block of sums at once
        else:
            g += (zb.T * freq[start:start + rows]) @ zb
        if weights is not None:
            wb = weights[start:start + rows]
            ok = mb.all(axis=1) & (wb > 0)
            wz = np.where(ok, wb, 0.0)
            wg += (yb * wz[:, None]).T @ yb
            wy += wz @ yb
            sw += float(wz.sum())
            w_rows += float(ok.sum()) if w_count is None else float(
                w_count[start:start + rows][ok].sum())
    g = _symmetric(g)
    p = g[:kk, :kk]
    a = g[:kk, kk:2 * kk]
    nn = g[kk:2 * kk, kk:2 * kk]
    q = g[2 * kk:, kk:2 * kk]
    with np.errstate(invalid="ignore", divide="ignore"):
        d = nn * p - a * a.T
        v = nn * q - a * a
        cov = np.where(nn > 1, d / (nn * (nn - 1)), np.nan)
        cor = np.where(nn > 1, d / np.sqrt(v * v.T), np.nan)
        mean = (shift * np.diag(nn) + np.diag(a)) / np.diag(nn)
    dc = np.diag(cor)
    np.fill_diagonal(cor, np.where(np.isfinite(dc), 1.0, np.nan))
    w_cov = None
    if weights is not None:
        w_cov = (_symmetric(wg) - np.outer(wy, wy) / sw) / sw if sw > 0 else np.full((k, k),
                                                                                   np.nan)
    return _Moments(n=nn, mean=mean, cov=cov, cor=cor, w_cov=w_cov, w_rows=int(w_rows))


def _distinct_rows(x: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray,
                                                        np.ndarray | None,
                                                        np.ndarray | None] | None:
    """The distinct rows of ``x`` and how often each occurs, when the items hold integer codes.

    Answer codes take a handful of values, so a scale of ``k`` items has at most
    ``prod_j (hi_j - lo_j + 2)`` answer patterns (a missing answer is one more level). Each row
    is coded as one integer ``sum_j c_j B_j`` (``c_j`` = 0 for missing, ``x_j - lo_j + 1``
    otherwise; ``B_j`` the product of the levels of the items before ``j``) and counted with
    ``bincount``; every moment of :func:`_moments` is a sum over rows, so it is the same sum over
    the distinct rows, each counted ``freq`` times (weights summed per pattern).

    Args:
        x: ``(n, k)`` float matrix, NaN = missing; ``lo``/``hi`` its column minima and maxima.
        weights: ``(n,)`` sampling weights or None.

    Returns:
        (distinct rows, freq, summed positive weights, rows with a positive weight) or None when
        a column holds a non-integer or the patterns would exceed :data:`_MAX_PATTERNS`. The
        distinct rows hold the very values of ``x`` (integers are exact in floating point).
    """
    n, k = x.shape
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))
            and np.array_equal(lo, np.rint(lo))):
        return None
    levels = hi - lo + 2
    if float(np.prod(levels)) > _MAX_PATTERNS:
        return None
    key = np.zeros(n)
    c = np.empty(n)
    whole = np.empty(n)
    base = 1.0
    bases = np.empty(k)
    for j in range(k):  # loop over the k items, each column vectorised
        np.subtract(x[:, j], lo[j] - 1, out=c)
        np.fmax(c, 0.0, out=c)  # missing (NaN) -> 0; observed values are >= 1 here
        np.rint(c, out=whole)
        if not np.array_equal(c, whole):
            return None
        c *= base
        key += c
        bases[j] = base
        base *= levels[j]
    idx = key.astype(np.intp)
    npat = int(base)
    freq = np.bincount(idx, minlength=npat)
    seen = np.flatnonzero(freq)
    codes = (seen[:, None] // bases.astype(np.intp)) % levels.astype(np.intp)
    rows = np.where(codes > 0, codes + (lo - 1), np.nan)
    wsum = wcnt = None
    if weights is not None:
        pos = weights > 0
        wsum = np.bincount(idx, weights=np.where(pos, weights, 0.0), minlength=npat)[seen]
        wcnt = np.bincount(idx, weights=pos.astype(float), minlength=npat)[seen]
    return rows, freq[seen].astype(float), wsum, wcnt


def _symmetric(m: np.ndarray) -> np.ndarray:
    """The upper triangle of ``m`` mirrored (a product ``X'X`` summed in two orders)."""
    return np.triu(m) + np.triu(m, 1).T


def _row_mean(x: np.ndarray) -> np.ndarray:
    """``rowMeans(x, na.rm=TRUE)``: NaN where a row has no observed value."""
    obs = ~np.isnan(x)
    cnt = obs.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, np.where(obs, x, 0.0).sum(axis=1) / cnt, np.nan)


def _pairwise_cov(x: np.ndarray) -> np.ndarray:
    """R's ``cov(x, use='pairwise')``: each entry on the rows where both items are observed."""
    return _moments(x).cov


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's F interval for alpha (``psych::alpha.ci``): n respondents, k items."""
    p = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    # scipy.special.fdtri is the quantile scipy.stats.f.ppf returns (same numbers, no import
    # of scipy.stats)
    lo = 1 - (1 - alpha) * special.fdtri(df1, df2, 1 - p / 2)
    hi = 1 - (1 - alpha) * special.fdtri(df1, df2, p / 2)
    return float(lo), float(hi)


def omega_total(x: pd.DataFrame | np.ndarray) -> float:
    """McDonald's omega total of a one-factor minres model (``psych::omega(nfactors=1)``).

    Loadings ``lambda`` minimise ``sum_{i != j} (r_ij - lambda_i lambda_j)^2`` on the pairwise
    Pearson correlations; ``omega_t = 1 - sum(1 - lambda^2) / sum R``.
    """
    xa = np.asarray(x, dtype=float)
    if xa.shape[1] < 2:
        raise ReliabilityError("omega needs at least 2 items.")
    return _omega_total_r(_moments(xa).cor)


def _omega_total_r(r: np.ndarray) -> float:
    """:func:`omega_total` from the pairwise correlation matrix ``r`` (k >= 2).

    The loadings are the least-squares fit of the off-diagonal ``r_ij`` by ``lambda_i lambda_j``
    from the first principal axis, solved to full precision by Newton's method on
    ``F(lambda) = sum_{i<j} (r_ij - lambda_i lambda_j)^2`` (gradient
    ``g_i = -2 sum_{j != i} e_ij lambda_j``, Hessian ``2 sum_{j != i} lambda_j^2`` on the
    diagonal and ``-2 r_ij + 4 lambda_i lambda_j`` off it, ``e = r - lambda lambda'``), with
    Levenberg damping whenever a step would raise ``F`` (within rounding, a step must lower
    ``|g|``).
    """
    k = r.shape[0]
    off = ~np.eye(k, dtype=bool)
    vals, vecs = np.linalg.eigh(r)
    lam = np.abs(vecs[:, -1]) * np.sqrt(vals[-1])

    def loss_grad(v: np.ndarray) -> tuple[float, np.ndarray]:
        e = np.where(off, r - np.outer(v, v), 0.0)
        return float(np.sum(e**2)) / 2, -2 * (e @ v)

    f, grad = loss_grad(lam)
    mu = 0.0
    for _ in range(100):  # Newton iterations on k parameters (not respondents)
        gn = float(np.max(np.abs(grad)))
        if gn == 0.0:
            break
        hess = -2 * r + 4 * np.outer(lam, lam)
        np.fill_diagonal(hess, 2 * (np.sum(lam**2) - lam**2))
        for _ in range(80):  # damping: mu grows until the step is accepted
            try:
                step = np.linalg.solve(hess + mu * np.eye(k), -grad)
            except np.linalg.LinAlgError:
                step = np.full(k, np.nan)
            ok = bool(np.all(np.isfinite(step)))
            if ok:
                f_new, g_new = loss_grad(lam + step)
                ok = f_new < f or (f_new <= f + 8 * _EPS * f
                                   and float(np.max(np.abs(g_new))) < gn)
            if ok:
                break
            mu = max(mu * 4, 1e-10)
        if not ok:
            break
        lam, f, grad = lam + step, f_new, g_new
        mu /= 4
        if np.max(np.abs(step)) <= 4 * _EPS * max(1.0, float(np.max(np.abs(lam)))):
            break
    lam = lam * np.sign(lam.sum())
    return float(1 - np.sum(1 - lam**2) / r.sum())


def weighted_alpha(x: pd.DataFrame | np.ndarray, weights: np.ndarray) -> float:
    """Cronbach's alpha with sampling weights (``survey::svycralpha(na.rm=TRUE)``).

    ``k/(k-1) (1 - sum_j var_w(x_j) / var_w(sum_j x_j))`` on rows with every item observed,
    ``var_w`` the weighted variance ``sum w (x - xbar)^2 / sum w`` (its ``n/(n-1)`` cancels);
    ``var_w(sum_j x_j)`` is the sum of the weighted covariance matrix.
    """
    xa = np.asarray(x, dtype=float)
    w = _weights_for(xa.shape[0], weights, "weighted alpha")
    return _weighted_alpha(_moments(xa, weights=w), xa.shape[1])


def _weights_for(n_rows: int, weights: np.ndarray, what: str) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape[0] != n_rows:
        raise ReliabilityError(f"{what}: {w.shape[0]} weights for {n_rows} rows of items; "
                               "give one weight per row of the item frame (design.weights of "
                               "the design the frame comes from).")
    return w


def _weighted_alpha(m: _Moments, k: int) -> float:
    if k < 2 or m.w_rows < 2 or m.w_cov is None:
        raise ReliabilityError("weighted alpha needs >= 2 items and >= 2 complete rows.")
    return float(k / (k - 1) * (1 - np.trace(m.w_cov) / m.w_cov.sum()))


def bootstrap_alpha_ci(x: pd.DataFrame | np.ndarray, *, n_iter: int = 1000,
                       seed: int | None = 20240521, level: float = 0.95) -> tuple[float, float, float]:
    """Percentile bootstrap of raw alpha (rows resampled, pairwise covariances).

    Returns (lower, median, upper), as ``psych::alpha(n.iter=)$boot.ci``.
    """
    xa = np.asarray(x, dtype=float)
    n = xa.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty(n_iter)
    for b in range(n_iter):  # loop over replicates; each one vectorised
        idx = rng.integers(0, n, size=n)
        out[b] = _alpha1(_pairwise_cov(xa[idx]))["raw_alpha"]
    a = (1 - level) / 2
    q = np.quantile(out, [a, 0.5, 1 - a])
    return float(q[0]), float(q[1]), float(q[2])


class _Prepared(TypedDict):
    x: np.ndarray
    names: list[str]
    dropped: list[str]
    keep: np.ndarray | None
    lo: np.ndarray
    hi: np.ndarray


def _prepare(x: pd.DataFrame, use: Use, scale: str) -> _Prepared:
    """The item matrix (float, NaN = missing), its item names, the items left out for having no
    variance, for ``listwise`` the rows kept (a boolean mask; None for ``pairwise``), and each
    kept item's smallest and largest value."""
    if x.shape[1] < 2:
        raise ReliabilityError(f"scale {scale!r}: reliability needs at least 2 items, got "
                               f"{list(x.columns)}.")
    if all(dt == np.float64 for dt in x.dtypes):
        xa = x.to_numpy(dtype=float)
    else:
        xa = x.apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    names = [str(c) for c in x.columns]
    keep = None
    if use == "listwise":
        keep = ~np.isnan(xa).any(axis=1)
        xa = xa[keep]
    # an item has variance when two of its observed values differ (NaN: none observed)
    lo, hi = np.fmin.reduce(xa, axis=0), np.fmax.reduce(xa, axis=0)
    has_var = hi > lo
    dropped = [nm for nm, ok in zip(names, has_var, strict=True) if not ok]
    if dropped:
        warnings.warn(f"scale {scale!r}: item(s) {dropped} have no variance and were left out "
                      "(as psych::alpha does); check the coding.", ReliabilityWarning,
                      stacklevel=3)
        xa, lo, hi = xa[:, has_var], lo[has_var], hi[has_var]
        names = [nm for nm, ok in zip(names, has_var, strict=True) if ok]
    if xa.shape[1] < 2:
        raise ReliabilityError(f"scale {scale!r}: fewer than 2 items with variance remain.")
    if xa.shape[0] < 3:
        raise ReliabilityError(f"scale {scale!r}: fewer than 3 rows of data ({use}).")
    return _Prepared(x=xa, names=names, dropped=dropped, keep=keep, lo=lo, hi=hi)


def _scale_moments(xa: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   w: np.ndarray | None) -> _Moments:
    """:func:`_moments` with the total score: over the distinct answer patterns when the items
    hold integer codes (:func:`_distinct_rows`; the same sums, far fewer rows), else over
    every row."""
    pat = _distinct_rows(xa, lo, hi, w)
    if pat is None:
        return _moments(xa, total=True, weights=w)
    rows, freq, wsum, wcnt = pat
    return _moments(rows, total=True, weights=wsum, freq=freq, w_count=wcnt)


def alpha(x: pd.DataFrame, *, use: Use = "pairwise", scale: str = "scale",
          level: float = 0.95, weights: np.ndarray | None = None,
          n_boot: int = 0, seed: int | None = 20240521,
          omega: bool = True) -> tuple[dict[str, float | int | str], pd.DataFrame]:
    """Cronbach's alpha of one scale, numbers equal to ``psych::alpha`` (see module doc).

    Args:
        x: one column per item (NaN = missing).
        use: ``pairwise`` (psych default) or ``listwise`` (``na.omit`` first).
        weights: sampling weights for the weighted alpha (``svycralpha``), one per row of ``x``;
            optional.
        n_boot: bootstrap replicates for a percentile CI (0 = none).

    Returns:
        (summary dict, item DataFrame). Warns :class:`ReliabilityWarning` when an item-rest
        correlation is negative (a reverse-keyed item not recoded) or an item has no variance.
    """
    w = None if weights is None else _weights_for(len(x), weights, f"scale {scale!r}")
    prep = _prepare(x, use, scale)
    xa, names, dropped, keep = prep["x"], prep["names"], prep["dropped"], prep["keep"]
    if w is not None and keep is not None:
        w = w[keep]
    n_rows, k = xa.shape
    mom = _scale_moments(xa, prep["lo"], prep["hi"], w)
    c = mom.cov[:k, :k]
    r = _cov2cor(c)
    tot = _alpha1(c)
    with np.errstate(invalid="ignore"):
        ase = float(np.sqrt(tot["Q"] / n_rows))  # NaN when Q < 0 (as R)
    raw_r = mom.cor[:k, k]  # item vs rowMeans(na.rm=TRUE), pairwise
    rc = r.copy()
    np.fill_diagonal(rc, _smc(r))
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN for incoherent scales, as R
        std_r = r.sum(axis=0) / np.sqrt(r.sum())
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
    csum = c.sum()
    colsum = c.sum(axis=0)
    diag = np.diag(c)
    v_drop = csum - 2 * colsum + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (colsum - diag) / np.sqrt(diag * v_drop)
    drop_rows = []
    for i in range(k):  # loop over items (k small)
        kp = np.arange(k) != i
        a1 = _alpha1(c[np.ix_(kp, kp)]) if k > 2 else {
            "raw_alpha": float(r[0, 1]), "std_alpha": float(r[0, 1])}
        drop_rows.append(a1)
    zq = special.ndtri(0.5 + level / 2)  # = scipy.stats.norm.ppf
    flo, fhi = feldt_ci(tot["raw_alpha"], n_rows, k, level)
    summary: dict[str, float | int | str] = {
        "scale": scale, "use": use, "k": k, "n": n_rows,
        "raw_alpha": tot["raw_alpha"], "std_alpha": tot["std_alpha"], "G6_smc": tot["G6_smc"],
        "average_r": tot["average_r"], "signal_noise": tot["signal_noise"], "ase": ase,
        "mean": float(mom.mean[k]), "sd": float(np.sqrt(mom.cov[k, k])),
        "median_r": tot["median_r"], "feldt_low": flo, "feldt_high": fhi,
        "duhachek_low": tot["raw_alpha"] - zq * ase, "duhachek_high": tot["raw_alpha"] + zq * ase,
        "ci_level": level, "dropped_items": ",".join(dropped),
    }
    if omega:
        rp = mom.cor[:k, :k]
        summary["omega_total"] = _omega_total_r(rp)
        # psych::omega's alpha: standardised alpha of the pairwise Pearson correlations
        summary["omega_alpha"] = float((1 - k / rp.sum()) * k / (k - 1))
    if w is not None:
        summary["weighted_alpha"] = _weighted_alpha(mom, k)
    if n_boot:
        lo, med, hi = bootstrap_alpha_ci(xa, n_iter=n_boot, seed=seed, level=level)
        summary.update({"boot_low": lo, "boot_median": med, "boot_high": hi, "boot_n": n_boot})
    item_df = pd.DataFrame({
        "scale": scale, "item": names,
        "n": np.diag(mom.n)[:k].astype(np.int64),
        "raw_r": raw_r, "std_r": std_r, "r_cor": r_cor, "r_drop": r_drop,
        "mean": mom.mean[:k], "sd": np.sqrt(diag),
        "alpha_if_deleted": [d["raw_alpha"] for d in drop_rows],
        "std_alpha_if_deleted": [d["std_alpha"] for d in drop_rows],
    })
    neg = item_df.loc[item_df["r_drop"] < 0, "item"].tolist()
    summary["negative_r_drop"] = ",".join(neg)
    if neg:
        warnings.warn(f"scale {scale!r}: item(s) {neg} correlate negatively with the rest of the "
                      "scale (r.drop < 0); a reverse-keyed item was probably not recoded.",
                      ReliabilityWarning, stacklevel=2)
    return summary, item_df


def _scales(x: pd.DataFrame | Mapping[str, pd.DataFrame],
            scales: Mapping[str, Sequence[str]] | None) -> dict[str, pd.DataFrame]:
    if isinstance(x, Mapping):
        return {str(k): v for k, v in x.items()}
    if scales is None:
        return {"scale": x}
    out = {}
    for name, cols in scales.items():
        missing = [c for c in cols if c not in x.columns]
        if missing:
            raise ReliabilityError(f"scale {name!r}: items {missing} are not in the data.")
        out[str(name)] = x[list(cols)]
    return out


def reliability_table(x: pd.DataFrame | Mapping[str, pd.DataFrame], *,
                      scales: Mapping[str, Sequence[str]] | None = None,
                      weights: np.ndarray | None = None, design: SurveyDesign | None = None,
                      use: Use = "pairwise", level: float = 0.95, n_boot: int = 0,
                      seed: int | None = 20240521) -> pd.DataFrame:
    """One summary row per scale (see :func:`alpha`); weights from ``design`` if given.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(1); f = rng.normal(size=200)
        >>> X = pd.DataFrame({f"q{j}": f + rng.normal(size=200) for j in range(4)})
        >>> round(float(reliability_table(X)["raw_alpha"].iloc[0]), 2)
        0.76
    """
    if design is not None:
        weights = design.weights
    rows = [alpha(v, use=use, scale=k, level=level, weights=weights, n_boot=n_boot,
                  seed=seed)[0] for k, v in _scales(x, scales).items()]
    return pd.DataFrame(rows)


def item_table(x: pd.DataFrame | Mapping[str, pd.DataFrame], *,
               scales: Mapping[str, Sequence[str]] | None = None,
               use: Use = "pairwise") -> pd.DataFrame:
    """One row per item per scale: n, raw_r, std_r, r_cor, r_drop, mean, sd, alpha if deleted."""
    frames = [alpha(v, use=use, scale=k, omega=False)[1] for k, v in _scales(x, scales).items()]
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Omega hierarchical: minres factors, oblimin rotation, Schmid-Leiman (psych::omega)
# ---------------------------------------------------------------------------------------------



class OmegaResult(TypedDict):
    """What :func:`omega_hierarchical` returns (names as in ``psych::omega``)."""

    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    items: list[str]
    general_loadings: np.ndarray
    group_loadings: np.ndarray
    h2: np.ndarray
    u2: np.ndarray
    oblique_loadings: np.ndarray
    phi: np.ndarray
    g_factor_loadings: np.ndarray
    minres_converged: bool
    oblimin_converged: bool


def _eigh_desc(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (decreasing) and vectors of a symmetric matrix, as R's ``eigen``."""
    w, v = np.linalg.eigh(s)
    return w[::-1], v[:, ::-1]


def _minres_fit(r: np.ndarray, nf: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Minimum-residual factor analysis as ``psych::fa(r, nf, fm="minres", rotate="none")``.

    The uniquenesses ``psi`` minimise ``sum_{i>j} (r_ij - (L L')_ij)^2``, where ``L`` holds the
    first ``nf`` eigenvectors of ``R - diag(psi)`` scaled by the square roots of their eigenvalues
    (psych's ``fit.residuals``; gradient ``diag(L L' + diag(psi) - R)``, ``FAgr.minres``). The
    search repeats R's ``optim(method="L-BFGS-B")`` exactly as psych calls it: start ``1 - smc``,
    bounds ``[0.005, max(smc, 1)]``, ``parscale = 0.01``, memory 5, ``factr = 1e7``,
    ``pgtol = 0``, ``maxit = 100``. R's optimiser stops about 1e-5 away from the exact minimum, so
    copying its stopping rule (not solving to full precision) is what reproduces psych's numbers.
    Columns are signed so that their sums are positive (psych ``fac``).

    Returns:
        (loadings ``L`` (k x nf), uniquenesses ``psi``, converged flag).
    """
    k = r.shape[0]
    low = np.tril_indices(k, -1)
    s_smc = np.clip(_smc(r), 0.0, 1.0)  # psych::smc clips to [0, 1]
    upper = max(float(s_smc.max()), 1.0)
    scale = 0.01

    def loadings(psi: np.ndarray, floor: bool) -> np.ndarray:
        s = r - np.diag(np.diag(r)) + np.diag(np.diag(r) - psi)
        w, v = _eigh_desc(s)
        if floor:  # fit.residuals: tiny eigenvalues -> 100 eps
            w = np.where(w < _EPS, 100 * _EPS, w)
        else:  # FAgr.minres / FAout.wls: pmax(values, 0)
            w = np.maximum(w, 0.0)
        return np.asarray(v[:, :nf] * np.sqrt(w[:nf]))

    def fn(x: np.ndarray) -> float:
        psi = x * scale
        lam = loadings(psi, floor=True)
        s = r.copy()
        np.fill_diagonal(s, np.diag(r) - psi)
        return float(np.sum((s - lam @ lam.T)[low] ** 2))

    def gr(x: np.ndarray) -> np.ndarray:
        psi = x * scale
        lam = loadings(psi, floor=False)
        return np.asarray((np.sum(lam**2, axis=1) + psi - np.diag(r)) * scale)

    from scipy import optimize  # here: importing scipy.optimize costs ~0.15 s at start-up

    sol = optimize.minimize(fn, (np.diag(r) - s_smc) / scale, jac=gr, method="L-BFGS-B",
                            bounds=[(0.005 / scale, upper / scale)] * k,
                            options={"maxcor": 5, "ftol": 1e7 * _EPS, "gtol": 0.0,
                                     "maxls": 20, "maxiter": 100})
    psi = np.asarray(sol.x * scale)
    lam = loadings(psi, floor=False)
    sign = np.sign(lam.sum(axis=0))
    sign[sign == 0] = 1.0
    return lam * sign, psi, bool(sol.success)


def _varimax(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Kaiser-normalised varimax, a line-by-line port of R's ``stats::varimax`` (eps 1e-5)."""
    p, nc = x.shape
    sc = np.sqrt(np.sum(x**2, axis=1))
    xn = x / sc[:, None]
    tt = np.eye(nc)
    d = 0.0
    for _ in range(1000):  # iterations of the rotation (not respondents)
        z = xn @ tt
        b = xn.T @ (z**3 - z * (np.sum(z**2, axis=0) / p))
        u, sv, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast, d = d, float(sv.sum())
        if d < dpast * (1 + eps):
            break
    return np.asarray((xn @ tt) * sc[:, None])


def _oblimin(a: np.ndarray, eps: float = 1e-5, maxit: int = 1000) -> tuple[np.ndarray,
                                                                           np.ndarray, bool]:
    """Quartimin (oblimin, ``gam = 0``) by gradient projection: GPArotation's ``GPFoblq``.

    Criterion ``f(L) = sum(L^2 * (L^2 (11' - I))) / 4`` with ``L = A T'^{-1}``; a port of
    ``GPArotation::oblimin(A)`` (2022.10.2: ``Tmat = I``, ``normalize = FALSE``, ``eps = 1e-5``,
    ``maxit = 1000``, step doubling then halving, Jennrich 2002, Bernaards & Jennrich 2005).

    Returns:
        (pattern loadings ``L``, factor correlations ``Phi = T'T``, converged flag).
    """
    nc = a.shape[1]
    off = 1.0 - np.eye(nc)

    def vgq(lam: np.ndarray) -> tuple[np.ndarray, float]:
        xm = (lam**2) @ off
        return lam * xm, float(np.sum(lam**2 * xm) / 4)

    tmat = np.eye(nc)
    al = 1.0
    lam = a @ np.linalg.inv(tmat).T
    gq, f = vgq(lam)
    g = -(lam.T @ gq @ np.linalg.inv(tmat)).T
    s = np.inf
    for _ in range(maxit + 1):  # iterations of the rotation (not respondents)
        gp = g - tmat * np.sum(tmat * g, axis=0)
        s = float(np.sqrt(np.sum(gp**2)))
        if s < eps:
            break
        al *= 2
        for _ in range(11):  # step-size halving
            xm = tmat - al * gp
            tmatt = xm / np.sqrt(np.sum(xm**2, axis=0))
            lam = a @ np.linalg.inv(tmatt).T
            gqt, ft = vgq(lam)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2
        tmat = tmatt
        f = ft
        g = -(lam.T @ gqt @ np.linalg.inv(tmatt)).T
    return lam, tmat.T @ tmat, s < eps


def omega_hierarchical(x: pd.DataFrame | np.ndarray, nfactors: int = 3) -> OmegaResult:
    """McDonald's omega hierarchical and omega total from a Schmid-Leiman solution.

    Reproduces ``psych::omega(x, nfactors)`` (psych 2.2.9, GPArotation 2022.10.2) on raw item
    data (NaN = missing), step by step as ``psych::schmid`` does:

    1. ``R`` = pairwise Pearson correlations; ``fa(R, nfactors, fm="minres", rotate="varimax")``
       (see :func:`_minres_fit`; varimax = ``stats::varimax``; columns signed positive and
       ordered by decreasing sum of squares);
    2. ``GPArotation::oblimin`` of those loadings: pattern ``F`` and factor correlations ``Phi``;
    3. a one-factor minres fit of ``Phi`` gives the loadings ``g`` of the group factors on the
       general factor (sign chosen so that ``sum(g) > 0``);
    4. general loadings ``lambda_g = F g``; group loadings ``sign(F) sqrt(F^2 (1 - g^2))``
       (per column, clipped at 0); communalities ``h2`` = row sums of squares of the step-1
       loadings, ``u2 = 1 - h2``.

    Then (``psych:::omegah``; items whose general loading is negative are reversed in ``R``
    first), with ``V = sum(R)``:
    ``omega_h = (sum lambda_g)^2 / V``, ``omega_total = (V - sum u2) / V``,
    ``omega_limit = (sum lambda_g)^2 / (V - sum u2)`` and ``alpha = k/(k-1) (1 - k / V)``.

    References:
        McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
        Zinbarg, Revelle, Yovel & Li (2005). Psychometrika 70, 123-133.
        Revelle, W. psych: ``omega``, ``schmid``, ``fa`` (R package, 2.2.9).

    Args:
        x: one column per item, numeric (NaN = missing); at least ``nfactors + 3`` items.
        nfactors: number of group factors (>= 3, which psych needs to identify ``g``).

    Returns:
        :class:`OmegaResult`: the omegas, the general/group loadings per item (in item order),
        ``h2``, ``u2``, the oblimin pattern, ``Phi`` and ``g``, and whether both iterative
        steps converged (a :class:`ReliabilityWarning` is issued if one did not).

    Raises:
        ReliabilityError: too few factors or items, or an item without variance / with too
            few pairs for a correlation.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(3); n = 500
        >>> g = rng.normal(size=n); grp = rng.normal(size=(n, 3))
        >>> X = pd.DataFrame({f"q{j}": g + grp[:, j // 3] + rng.normal(size=n) for j in range(9)})
        >>> res = omega_hierarchical(X, nfactors=3)
        >>> 0 < res["omega_h"] < res["omega_total"] < 1
        True
    """
    frame = pd.DataFrame(np.asarray(x, dtype=float)) if not isinstance(x, pd.DataFrame) else \
        x.apply(pd.to_numeric, errors="coerce").astype(float)
    names = [str(c) for c in frame.columns]
    k = len(names)
    if nfactors < 3:
        raise ReliabilityError(f"omega_hierarchical: nfactors={nfactors}; a general factor needs "
                               "at least 3 group factors. Use omega_total() for one factor.")
    if k < nfactors + 3:
        raise ReliabilityError(f"omega_hierarchical: {k} items cannot carry {nfactors} factors; "
                               f"give at least {nfactors + 3} items or fewer factors.")
    r = frame.corr().to_numpy()
    nan = np.isnan(np.diag(r)) if np.isnan(np.diag(r)).any() else np.isnan(r).any(axis=1)
    bad = [names[j] for j in np.flatnonzero(nan)]
    if bad:
        raise ReliabilityError(f"omega_hierarchical: items {bad} have no variance or too few "
                               "jointly observed rows for a correlation; drop them and retry.")
    lam, _, ok_min = _minres_fit(r, nfactors)
    lam = _varimax(lam)
    sign = np.sign(lam.sum(axis=0))
    sign[sign == 0] = 1.0
    lam = lam * sign
    lam = lam[:, np.argsort(-np.sum(lam**2, axis=0), kind="stable")]
    fload, phi, ok_rot = _oblimin(lam)
    phi_r = _cov2cor(phi)
    gl, _, ok_g = _minres_fit(phi_r, 1)
    gvec = gl[:, 0]
    general = fload @ gvec
    h2 = np.sum(lam**2, axis=1)
    u2 = np.diag(r) - h2
    uniq2 = np.maximum(fload**2 * (1 - gvec**2), 0.0)
    group = np.sign(fload) * np.sqrt(uniq2)
    key = np.where(general < 0, -1.0, 1.0)  # omegah(flip=TRUE): reverse items loading < 0 on g
    rk = r * np.outer(key, key)
    vt = float(rk.sum())
    gsq = float(np.sum(general * key)) ** 2
    uniq = float(u2.sum())
    if not (ok_min and ok_rot and ok_g):
        warnings.warn("omega_hierarchical: the minres fit or the oblimin rotation did not "
                      "converge (as psych would warn); check nfactors against the data.",
                      ReliabilityWarning, stacklevel=2)
    return OmegaResult(
        omega_h=gsq / vt, omega_total=(vt - uniq) / vt, omega_limit=gsq / (vt - uniq),
        alpha=float((vt - np.trace(rk)) / vt * k / (k - 1)), items=names,
        general_loadings=general * key, group_loadings=group * key[:, None], h2=h2, u2=u2,
        oblique_loadings=fload, phi=phi, g_factor_loadings=gvec,
        minres_converged=ok_min, oblimin_converged=ok_rot)
