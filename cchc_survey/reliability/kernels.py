"""The sums behind reliability: pairwise moments of item matrices with missing values.

:func:`reference_moments` is the definition (pandas' pairwise ``cov``/``corr``, means of the
observed values, the weighted covariance of the complete rows); :func:`_moments` computes the
same numbers in one pass of matrix products over row blocks, and :func:`_distinct_rows` lets it
run over the distinct answer patterns instead of every row (``engine="auto"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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




def reference_moments(x: np.ndarray, *, total: bool = False,
                      weights: np.ndarray | None = None) -> _Moments:
    """:class:`_Moments` by their definitions, column pair by column pair (``engine="reference"``).

    ``cov`` and ``cor`` are pandas' pairwise-complete ``DataFrame.cov()`` / ``.corr()`` (R's
    ``use="pairwise"``), ``n`` the jointly observed counts, ``mean`` the observed means; with
    ``total`` the row mean of the observed items is column ``k``; ``w_cov`` the weighted
    covariance ``sum w (x_i - m_i)(x_j - m_j) / sum w`` over the complete rows with ``w > 0``.
    """
    k = x.shape[1]
    cols = np.column_stack([x, _row_mean(x)]) if total else x
    frame = pd.DataFrame(cols)
    obs = (~np.isnan(cols)).astype(float)
    cov = frame.cov().to_numpy()
    cor = frame.corr().to_numpy()
    nn = obs.T @ obs
    cov = np.where(nn > 1, cov, np.nan)
    cor = np.where(nn > 1, cor, np.nan)
    dc = np.diag(cor)
    np.fill_diagonal(cor, np.where(np.isfinite(dc), 1.0, np.nan))
    w_cov, w_rows = None, 0
    if weights is not None:
        ok = ~np.isnan(x).any(axis=1) & (weights > 0)
        xs, ws = x[ok], weights[ok]
        w_rows = int(ok.sum())
        if ws.sum() > 0:
            m = ws @ xs / ws.sum()
            d = xs - m
            w_cov = (d * ws[:, None]).T @ d / ws.sum()
        else:
            w_cov = np.full((k, k), np.nan)
    return _Moments(n=nn, mean=np.nanmean(np.where(obs > 0, cols, np.nan), axis=0)
                    if len(cols) else np.full(cols.shape[1], np.nan),
                    cov=cov, cor=cor, w_cov=w_cov, w_rows=w_rows)
