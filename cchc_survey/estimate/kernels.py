"""The estimator's sums over the rows: the readable definition and the block kernel.

Every number the Taylor estimator needs (:mod:`.taylor`) is a sum over rows in the cells of the
cross-classification of the domain variables (:func:`cross_cells`); :class:`CellMoments` holds
them. :func:`reference_moments` computes each sum as its formula says (one grouped sum per
quantity over the full matrices); :func:`cell_moments` computes the same sums in one pass over
row blocks on two threads (``engine="auto"``). Tests and golden outputs hold both to the same
numbers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from threadpoolctl import threadpool_limits

from ..design import SurveyDesign
from ..design.kernels import (
    apply_cell_means,
    calibration_schedule,
    cell_projection_means,
    domain_stage_totals,
    group_sum,
)
from .results import Domains

MAX_CELL_FLOATS = 60_000_000
"""Above this many PSU x cell x column totals (~480 MB) the domain variables take separate passes."""

CHUNK_ROWS = 1 << 16
"""Rows per block of the one pass over the data (the block's buffers are ~30 MB at 28 items)."""

THREADS = min(2, os.cpu_count() or 1)
"""Threads of the pass over the blocks (each sums its own blocks; the sums are added at the end)."""


def cross_cells(doms: Sequence[Domains], n: int) -> tuple[np.ndarray, int, list[np.ndarray]]:
    """Cells of the cross-classification of the domains (a row outside a domain is a level too).

    Returns ``(cell codes (n,), number of cells, [cell -> domain code (-1 = none)] per domain)``.
    """
    key = np.zeros(n, dtype=np.int64)
    stride = 1
    for d in doms:
        key += (d.codes + 1) * stride
        stride *= d.size + 1
    cells, uniq = pd.factorize(key)  # hashing, no sort of n keys
    maps, stride = [], 1
    for d in doms:
        maps.append((uniq // stride) % (d.size + 1) - 1)
        stride *= d.size + 1
    return cells.astype(np.int64).ravel(), len(uniq), maps


@dataclass(frozen=True)
class CellMoments:
    """Row sums in the cells of :func:`cross_cells`.

    With ``y0 = [y obs, obs]`` (NaN -> 0) the (2k) totals of a row are ``w y0``:

    * ``raw`` (C, 2k): ``sum w y0``;
    * ``z``: the unit totals of ``w y0`` after the design's calibration projections, one array
      per sampling stage: ``[(npsu, C, 2k), (nunits_2, C, 2k), ...]``;
    * ``gram`` (C, 2k, 2k): ``sum w y0 y0'`` (so ``sum x^2 / w = J gram J'`` for ``x = w y0 J'``);
    * ``nvalid``, ``nhat`` (C, m): rows (and their weight) with a valid item among those used by
      each row of L;
    * ``lo``, ``hi`` (C, k): the smallest and largest valid value of each item (NaN: none), so
      an item whose valid answers are all equal is known exactly (its influence is 0);
    * ``psu_rows`` (npsu, C): whether the PSU has rows in the cell (for the domain's degrees of
      freedom); ``rows`` (C,): rows in the cell;
    * ``present`` (nstrata, C): which strata have rows in the cell.
    """

    raw: np.ndarray
    z: list[np.ndarray]
    gram: np.ndarray
    nvalid: np.ndarray
    nhat: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    psu_rows: np.ndarray
    rows: np.ndarray
    present: np.ndarray


def _present(design: SurveyDesign, cells: np.ndarray, C: int) -> np.ndarray:
    present = np.zeros((design.strata_levels.size, C), dtype=bool)
    present[design.strata, cells] = True
    return present


def reference_moments(design: SurveyDesign, Ym: np.ndarray, used: np.ndarray,
                      cells: np.ndarray, C: int) -> CellMoments:
    """:class:`CellMoments` by their definitions: grouped sums over the full (n, 2k) matrix.

    ``z`` is :func:`~cchc_survey.design.kernels.domain_stage_totals` (residualised by the
    design's calibrations), ``gram`` one cross-product per cell, the counts grouped sums of the
    rows with a valid item, ``lo``/``hi`` grouped minima and maxima.
    """
    k = Ym.shape[1]
    w = design.weights
    obs = ~np.isnan(Ym)
    y0 = np.concatenate([np.where(obs, Ym, 0.0), obs.astype(float)], axis=1)
    g = w[:, None] * y0
    raw = group_sum(cells, C, g)
    z = domain_stage_totals(design, g, cells, C)
    gram = np.zeros((C, 2 * k, 2 * k))
    for c in range(C):  # loop over cells, not respondents
        rows = cells == c
        gram[c] = g[rows].T @ y0[rows]
    anyobs = (obs.astype(float) @ used.T.astype(float)) > 0
    nvalid = group_sum(cells, C, anyobs.astype(float))
    nhat = group_sum(cells, C, anyobs * w[:, None])
    frame = pd.DataFrame(np.where(obs, Ym, np.nan))
    lo = frame.groupby(cells).min().reindex(range(C)).to_numpy(dtype=float)
    hi = frame.groupby(cells).max().reindex(range(C)).to_numpy(dtype=float)
    psu_rows = np.zeros((design.n_psu, C), dtype=bool)
    psu_rows[design.psu, cells] = True
    return CellMoments(raw=raw, z=z, gram=gram, nvalid=nvalid, nhat=nhat, lo=lo, hi=hi,
                       psu_rows=psu_rows, rows=np.bincount(cells, minlength=C).astype(float),
                       present=_present(design, cells, C))


def cell_moments(design: SurveyDesign, Ym: np.ndarray, used: np.ndarray, cells: np.ndarray,
                 C: int) -> CellMoments:
    """:class:`CellMoments` in one pass over the rows in blocks, sorted by cell (no copy of the
    (n, 2k) matrix).

    A block's rows are scaled by ``sqrt(w)`` once: one sparse product with the (unit, cell) and
    (calibration cell, cell) indicators weighted by ``sqrt(w)`` (and ``sqrt(w) r``) gives every
    total, and the block's cross-product gives the second moments.
    """
    n, k = Ym.shape
    npsu, w = design.n_psu, design.weights
    linear = any(c.kind == "linear" for c in design.calibrations)
    steps, schedule = ([], []) if linear else calibration_schedule(design)
    units = [(design.psu, npsu), *((st.unit, st.parent.size) for st in design.stages)]
    nu = len(units)
    nb = nu + len(steps)
    sw = np.sqrt(w)
    # each row's place in the stacked indicators: (unit, cell) per stage, then (calibration
    # cell, cell) per step, numbered among the pairs that occur (1,200 PSUs x 60 units hold
    # 1,200 pairs, not 72,000)
    keys = [*(u * C + cells for u, _ in units), *(st.codes * C + cells for st in steps)]
    rows_idx = np.empty((n, nb), dtype=np.int64)
    rows_val = np.empty((n, nb))
    pairs: list[np.ndarray] = []
    start = 0
    for j, key in enumerate(keys):
        codes, uniq = pd.factorize(key)
        rows_idx[:, j] = start + codes
        rows_val[:, j] = sw if j < nu else sw * steps[j - nu].r
        pairs.append(np.asarray(uniq, dtype=np.int64))
        start += len(uniq)
    sort_codes = cells.astype(np.int16) if C < 2**15 else cells  # 16-bit keys: a radix sort
    m = used.shape[0]
    used_t = used.T.astype(float)

    def block_sums(firsts: Sequence[int]) -> tuple[np.ndarray, ...]:
        """Totals, second moments, counts and extremes of the blocks starting at ``firsts``."""
        T = np.zeros((start, 2 * k))
        gram = np.zeros((C, 2 * k, 2 * k))
        counts = np.zeros((C, 2 * m))
        lo = np.full((C, k), np.inf)
        hi = np.full((C, k), -np.inf)
        buf = np.empty((min(CHUNK_ROWS, n), 2 * k))
        for a in firsts:  # blocks of rows; each step vectorised
            b = min(n, a + CHUNK_ROWS)
            nn = b - a
            if C == 1:
                src, ri, rv, wb, cs, starts = (Ym[a:b], rows_idx[a:b], rows_val[a:b], w[a:b],
                                               cells[a:a + 1], np.zeros(1, dtype=np.int64))
            else:  # the block's rows grouped by cell
                perm = np.argsort(sort_codes[a:b], kind="stable")
                src, ri, rv, wb = Ym[a:b][perm], rows_idx[a:b][perm], rows_val[a:b][perm], w[a:b][perm]
                csort = cells[a:b][perm]
                starts = np.r_[0, np.flatnonzero(np.diff(csort)) + 1]
                cs = csort[starts]
            miss = np.isnan(src)
            lo[cs] = np.fmin(lo[cs], np.fmin.reduceat(src, starts, axis=0))
            hi[cs] = np.fmax(hi[cs], np.fmax.reduceat(src, starts, axis=0))
            y0 = buf[:nn]
            np.copyto(y0[:, :k], src)
            np.copyto(y0[:, :k], 0.0, where=miss)
            np.subtract(1.0, miss, out=y0[:, k:])
            anyobs = (y0[:, k:] @ used_t) > 0  # a valid item among those each row of L uses
            y0 *= np.sqrt(wb)[:, None]
            ind = sparse.csc_matrix((rv.ravel(), ri.ravel(), np.arange(0, nb * nn + 1, nb)),
                                    shape=(start, nn))
            T += ind @ y0
            ends = np.r_[starts[1:], nn]
            for c, s_, e_ in zip(cs.tolist(), starts.tolist(), ends.tolist(), strict=True):
                seg = y0[s_:e_]
                gram[c] += seg.T @ seg
            counts[cs, :m] += np.add.reduceat(anyobs.astype(float), starts, axis=0)
            counts[cs, m:] += np.add.reduceat(anyobs * wb[:, None], starts, axis=0)
        return T, gram, counts, lo, hi

    # two threads on two cores (numpy, BLAS and sparse products release the GIL), each with one
    # BLAS thread: the block products are small, and a threaded BLAS that waits for a busy core
    # turns 0.1 s into seconds on a shared 2-core machine
    firsts = list(range(0, n, CHUNK_ROWS))
    nthreads = max(1, min(THREADS, len(firsts)))
    with threadpool_limits(limits=1, user_api="blas"):
        if nthreads == 1:
            parts = [block_sums(firsts)]
        else:
            with ThreadPoolExecutor(nthreads) as ex:
                parts = list(ex.map(block_sums, [firsts[t::nthreads] for t in range(nthreads)]))
    T, gram, counts = (np.sum([p[i] for p in parts], axis=0) for i in range(3))
    lo = np.min([p[3] for p in parts], axis=0)
    hi = np.max([p[4] for p in parts], axis=0)
    lo[~np.isfinite(lo)] = np.nan
    hi[~np.isfinite(hi)] = np.nan
    blocks = []  # the sums of each indicator, back in full (pair) layout
    sizes = [*(nunits * C for _, nunits in units), *(st.ncell * C for st in steps)]
    for j, size in enumerate(sizes):
        full = np.zeros((size, 2 * k))
        offset = sum(len(p) for p in pairs[:j])
        full[pairs[j]] = T[offset: offset + len(pairs[j])]
        blocks.append(full)
    zraw = [blocks[j].reshape(nunits, C, 2 * k) for j, (_, nunits) in enumerate(units)]
    raw = zraw[0].sum(axis=0)
    psu_rows = np.zeros((npsu, C), dtype=bool)
    psu_rows.reshape(-1)[pairs[0]] = True
    if linear:
        obs = ~np.isnan(Ym)
        g = np.concatenate([np.where(obs, Ym, 0.0) * w[:, None], obs * w[:, None]], axis=1)
        z = domain_stage_totals(design, g, cells, C)
    elif steps:
        S = [blocks[nu + j].reshape(st.ncell, C, 2 * k) for j, st in enumerate(steps)]
        M = cell_projection_means(steps, schedule, S)
        z = [apply_cell_means(u, nunits, zr, steps, M)
             for (u, nunits), zr in zip(units, zraw, strict=True)]
    else:
        z = zraw
    return CellMoments(raw=raw, z=z, gram=gram, nvalid=counts[:, :m], nhat=counts[:, m:],
                       lo=lo, hi=hi, psu_rows=psu_rows,
                       rows=np.bincount(cells, minlength=C).astype(float),
                       present=_present(design, cells, C))
