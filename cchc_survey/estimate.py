"""Design-based estimates: means, proportions, totals, linear combinations of item means.

Every estimator takes a :class:`~cchc_survey.design.SurveyDesign` and returns a result object
with ``estimate``, ``se``, ``ci(level)``, ``df``, ``deff``, ``n`` and ``n_eff`` that turns into
the one score-table shape (:mod:`cchc_survey.scoretable`) with ``to_frame()``.

Method (R ``survey``, Lumley 2004, 2010):

* a mean of ``y`` over its valid rows is the ratio ``p = sum w y obs / sum w obs`` with influence
  value ``obs * w * (y - p) / sum w obs`` (``svymean(..., na.rm=TRUE)``): missing rows keep the
  design and get weight 0, so a domain or an item's missing values never drop PSUs;
* domains (``by=``) are estimated on the full design (``svyby``), never by subsetting;
* a linear combination ``L p`` of item means (an element index, a SIPAS index) has SE by the
  delta method on the totals ``(num_j, obs_j)`` (``svycontrast`` on ``svytotal``), i.e. influence
  ``sum_j L_j obs_j w (y_j - p_j) / sum w obs_j``;
* design effects: ``V_design / V_srs`` with ``V_srs = svyvar * (N - n) / (N n)`` (``deff=TRUE``,
  without replacement) or ``svyvar / n`` (``deff="replace"``), ``svyvar = n/(n-1) sum w u^2 / N``
  of the linearised variable ``u`` over the ``n`` valid rows, ``N = sum w`` over them;
* intervals: ``estimate +- t(df) se`` with ``df = #PSU - #strata``; for proportions the methods
  of ``svyciprop`` (:func:`ciprop`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy import sparse, special
from threadpoolctl import threadpool_limits

from .design import (
    DesignError,
    SurveyDesign,
    calibration_schedule,
    domain_psu_totals,
    group_sum,
    project_cell_sums,
    text_codes,
)
from .errors import CchcSurveyError
from .scoretable import score_table

CipropMethod: TypeAlias = Literal["logit", "likelihood", "asin", "beta", "mean", "xlogit"]
CIPROP_METHODS: tuple[str, ...] = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")


class EstimationError(CchcSurveyError):
    """An estimate cannot be computed as asked (bad variable, shape, method)."""


# ----------------------------------------------------------------------------------------------
# domains


@dataclass(frozen=True)
class Domains:
    """Domain codes (n,) (-1 = in no domain), their labels and the grouping variable's name."""

    codes: np.ndarray
    labels: tuple[str, ...]
    var: str

    @property
    def size(self) -> int:
        return len(self.labels)


def make_domains(design: SurveyDesign, by: str | np.ndarray | pd.Series | None) -> Domains:
    """Domains from a column name or an array; ``None`` is the whole sample (one domain)."""
    if by is None:
        return Domains(np.zeros(design.n, dtype=np.int64), ("",), "")
    if isinstance(by, str):
        values = design.series(by)  # its own dtype (Arrow text factorises without Python strings)
        name = by
    else:
        values = pd.Series(np.asarray(by))
        name = str(getattr(by, "name", None) or "by")
    if values.shape[0] != design.n:
        raise EstimationError(f"by= has {values.shape[0]} values, the design has {design.n} rows.")
    codes, levels = text_codes(values.reset_index(drop=True))  # missing -> -1: in no domain
    return Domains(codes.astype(np.int64), tuple(str(u) for u in levels), name)


# ----------------------------------------------------------------------------------------------
# result objects


def _t_quantile(level: float, df: np.ndarray | float) -> np.ndarray:
    if not 0 < level < 1:
        raise EstimationError(f"ci level must be in (0, 1), got {level}.")
    return np.asarray(special.stdtrit(df, 0.5 + level / 2))


@dataclass(frozen=True, eq=False)
class ContrastResult:
    """Estimates of ``L @ p`` (rows of L) in each domain: arrays of shape (D, m).

    Attributes:
        estimate, se, deff, deff_replace, n, n_eff: (D, m) arrays.
        df: design degrees of freedom.
        codes: labels of the rows of L; domains: the domains.
        cov: (D, m, m) covariance of the estimates in each domain.
    """

    estimate: np.ndarray
    se: np.ndarray
    df: float
    n: np.ndarray
    deff: np.ndarray
    deff_replace: np.ndarray
    n_eff: np.ndarray
    cov: np.ndarray
    codes: tuple[str, ...]
    domains: Domains
    method: str = "taylor"
    unit: str = "proportion"
    level: float = 0.95

    def ci(self, level: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """t interval ``estimate -/+ t_{df}(1 - alpha/2) se`` (``confint(..., df=degf)``)."""
        q = _t_quantile(self.level if level is None else level, self.df)
        return self.estimate - q * self.se, self.estimate + q * self.se

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """Score-table rows (one per domain x code)."""
        lev = self.level if level is None else level
        lo, hi = self.ci(lev)
        D, m = self.estimate.shape
        rows = pd.DataFrame({
            "code": np.tile(np.asarray(self.codes, dtype=object), D),
            "group_var": self.domains.var,
            "group_value": np.repeat(np.asarray(self.domains.labels, dtype=object), m),
            "estimate": self.estimate.ravel(), "se": self.se.ravel(),
            "ci_low": lo.ravel(), "ci_high": hi.ravel(), "ci_level": lev, "df": self.df,
            "n": self.n.ravel().astype(np.int64), "n_eff": self.n_eff.ravel(),
            "deff": self.deff.ravel(), "unit": self.unit, "method": self.method,
        })
        return score_table(rows)

    def get(self, code: str, domain: str = "") -> Estimate:
        """One cell as an :class:`Estimate`."""
        try:
            j = self.codes.index(code)
            d = self.domains.labels.index(domain)
        except ValueError as exc:
            raise EstimationError(f"no estimate for code {code!r} in domain {domain!r}; codes: "
                                  f"{list(self.codes)[:10]}, domains: "
                                  f"{list(self.domains.labels)[:10]}") from exc
        return Estimate(estimate=float(self.estimate[d, j]), se=float(self.se[d, j]),
                        df=self.df, n=int(self.n[d, j]), deff=float(self.deff[d, j]),
                        deff_replace=float(self.deff_replace[d, j]),
                        n_eff=float(self.n_eff[d, j]), code=code, group_var=self.domains.var,
                        group_value=domain, method=self.method, unit=self.unit)


@dataclass(frozen=True)
class Estimate:
    """One estimate with its design-based standard error."""

    estimate: float
    se: float
    df: float
    n: int
    deff: float = float("nan")
    deff_replace: float = float("nan")
    n_eff: float = float("nan")
    code: str = ""
    group_var: str = ""
    group_value: str = ""
    method: str = "taylor"
    unit: str = "proportion"
    extra: dict[str, float] = field(default_factory=dict)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """t interval; for a :func:`ciprop` result at its own level, the svyciprop interval."""
        if "ci_low" in self.extra and self.extra.get("ci_level") == level:
            return self.extra["ci_low"], self.extra["ci_high"]
        q = float(_t_quantile(level, self.df))
        return self.estimate - q * self.se, self.estimate + q * self.se

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        lo, hi = self.ci(level)
        return score_table([{
            "code": self.code, "group_var": self.group_var, "group_value": self.group_value,
            "estimate": self.estimate, "se": self.se, "ci_low": lo, "ci_high": hi,
            "ci_level": level, "df": self.df, "n": self.n, "n_eff": self.n_eff,
            "deff": self.deff, "unit": self.unit, "method": self.method}])


# ----------------------------------------------------------------------------------------------
# the engine


def _as_matrix(design: SurveyDesign, Y: np.ndarray | pd.DataFrame | pd.Series | str | Sequence[str]
               ) -> tuple[np.ndarray, tuple[str, ...]]:
    if isinstance(Y, str):
        Y = [Y]
    if isinstance(Y, (list, tuple)):
        names = tuple(str(v) for v in Y)
        for v in names:
            if v not in design.data.columns:
                raise EstimationError(f"variable {v!r} is not in the design's data.")
        mat = design.data[list(names)].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        return mat, names
    if isinstance(Y, pd.DataFrame):
        return Y.to_numpy(dtype=float), tuple(str(c) for c in Y.columns)
    if isinstance(Y, pd.Series):
        return Y.to_numpy(dtype=float)[:, None], (str(Y.name or "y"),)
    arr = np.asarray(Y, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    return arr, tuple(f"y{j + 1}" for j in range(arr.shape[1]))


def _prepare(design: SurveyDesign, Y: np.ndarray | pd.DataFrame, L: np.ndarray | None,
             codes: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    Ym, names = _as_matrix(design, Y)
    n, k = Ym.shape
    if n != design.n:
        raise EstimationError(f"Y has {n} rows, the design has {design.n}.")
    if L is None:
        L = np.eye(k)
        codes = codes or names
    L = np.atleast_2d(np.asarray(L, dtype=float))
    if L.shape[1] != k:
        raise EstimationError(f"L has {L.shape[1]} columns but Y has {k} items.")
    m = L.shape[0]
    codes_t = tuple(codes) if codes is not None else tuple(f"c{i + 1}" for i in range(m))
    if len(codes_t) != m:
        raise EstimationError(f"{len(codes_t)} codes for {m} rows of L.")
    return Ym, L, codes_t


def linear_ratio_combination(design: SurveyDesign, Y: np.ndarray | pd.DataFrame,
                             L: np.ndarray | None = None, *,
                             by: str | np.ndarray | pd.Series | None = None,
                             codes: Sequence[str] | None = None, level: float = 0.95,
                             unit: str = "proportion") -> ContrastResult:
    """Estimate ``L @ p`` in every domain, ``p_j = sum w y_j obs_j / sum w obs_j``.

    Each item keeps its own valid rows (NaN = missing); this is the oracle's ``element_index_A``
    (``svycontrast(svytotal(~num_j + obs_j), quote((num_1/obs_1 + ...)/k))``). The SE is the
    delta method on the domain totals: with ``T = (num, obs)`` and gradient
    ``J = [L / obs_tot, -L p / obs_tot]``, ``Var = J V(T) J'`` where ``V(T)`` is the
    calibration-aware covariance of the totals. All domains in one pass over the rows
    (:func:`_cell_moments`): PSU totals by (PSU, domain), projections in cell space.

    Args:
        design: the survey design.
        Y: (n, k) float, NaN = missing.
        L: (m, k) coefficients; default the identity (the k item means).
        by: domain column or array (rows with NaN in it belong to no domain).
        codes: labels of the rows of L.
        level: default CI level of the result.

    Returns:
        :class:`ContrastResult` with (D, m) arrays. A domain where an item with a nonzero
        coefficient has no valid answer gives NaN estimate and SE (n counts the valid rows).
    """
    return linear_ratio_combinations(design, Y, L, bys=[by], codes=codes, level=level,
                                     unit=unit)[0]


def linear_ratio_combinations(design: SurveyDesign, Y: np.ndarray | pd.DataFrame,
                              L: np.ndarray | None = None, *,
                              bys: Sequence[str | np.ndarray | pd.Series | None] = (None,),
                              codes: Sequence[str] | None = None, level: float = 0.95,
                              unit: str = "proportion") -> list[ContrastResult]:
    """:func:`linear_ratio_combination` for several domain variables, in one pass over the rows.

    Every quantity the estimator needs (totals, PSU totals, the calibration sums, the second
    moments of the design-effect denominators, valid counts) is a sum over rows, so it is
    computed once in the cells of the cross-classification of all ``bys`` and added up into each
    variable's domains (``None`` = the whole sample). ``bys=[None, "unit"]`` costs one pass, not
    two. When the cross-classification has too many cells, each variable takes its own pass.

    Returns:
        One :class:`ContrastResult` per entry of ``bys``, in order.
    """
    Ym, L, codes_t = _prepare(design, Y, L, codes)
    doms = [make_domains(design, b) for b in bys]
    cells, C, maps = _cross_cells(doms, design.n)
    if C * design.n_psu * 2 * Ym.shape[1] > _MAX_CELL_FLOATS and len(doms) > 1:
        return [linear_ratio_combinations(design, Ym, L, bys=[b], codes=codes_t, level=level,
                                          unit=unit)[0] for b in bys]
    used = L != 0
    mom = _cell_moments(design, Ym, used, cells, C)
    return [_from_moments(design, mom, mp, dom, L, used, codes_t, level, unit)
            for dom, mp in zip(doms, maps, strict=True)]


_MAX_CELL_FLOATS = 60_000_000
"""Above this many PSU x cell x column totals (~480 MB) the domain variables take separate passes."""

_CHUNK_ROWS = 1 << 16
"""Rows per block of the one pass over the data (the block's buffers are ~30 MB at 28 items)."""

_THREADS = min(2, os.cpu_count() or 1)
"""Threads of the pass over the blocks (each sums its own blocks; the sums are added at the end)."""


def _cross_cells(doms: Sequence[Domains], n: int) -> tuple[np.ndarray, int, list[np.ndarray]]:
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
class _CellMoments:
    """Row sums of one pass over the data, in the cells of :func:`_cross_cells`.

    With ``y0 = [y obs, obs]`` (NaN -> 0) the (2k) totals of a row are ``w y0``:

    * ``raw`` (C, 2k): ``sum w y0``;
    * ``z`` (npsu, C, 2k): PSU totals of ``w y0`` after the design's calibration projections;
    * ``gram`` (C, 2k, 2k): ``sum w y0 y0'`` (so ``sum x^2 / w = J gram J'`` for ``x = w y0 J'``);
    * ``nvalid``, ``nhat`` (C, m): rows (and their weight) with a valid item among those used by
      each row of L;
    * ``present`` (nstrata, C): which strata have rows in the cell.
    """

    raw: np.ndarray
    z: np.ndarray
    gram: np.ndarray
    nvalid: np.ndarray
    nhat: np.ndarray
    present: np.ndarray


def _cell_moments(design: SurveyDesign, Ym: np.ndarray, used: np.ndarray, cells: np.ndarray,
                  C: int) -> _CellMoments:
    """One pass over the rows in blocks, sorted by cell (no copy of the (n, 2k) matrix).

    A block's rows are scaled by ``sqrt(w)`` once: one sparse product with the (PSU, cell) and
    (calibration cell, cell) indicators weighted by ``sqrt(w)`` (and ``sqrt(w) r``) gives every
    total, and the block's cross-product gives the second moments.
    """
    n, k = Ym.shape
    npsu, w = design.n_psu, design.weights
    linear = any(c.kind == "linear" for c in design.calibrations)
    steps, schedule = ([], []) if linear else calibration_schedule(design)
    nb = 1 + len(steps)
    sw = np.sqrt(w)
    # each row's place in the stacked indicators: (PSU, cell), then (calibration cell, cell) per
    # step, numbered among the pairs that occur (1,200 PSUs x 60 units hold 1,200 pairs, not 72,000)
    keys = [design.psu * C + cells, *(st.codes * C + cells for st in steps)]
    rows_idx = np.empty((n, nb), dtype=np.int64)
    rows_val = np.empty((n, nb))
    pairs: list[np.ndarray] = []
    start = 0
    for j, key in enumerate(keys):
        codes, uniq = pd.factorize(key)
        rows_idx[:, j] = start + codes
        rows_val[:, j] = sw if j == 0 else sw * steps[j - 1].r
        pairs.append(np.asarray(uniq, dtype=np.int64))
        start += len(uniq)
    sort_codes = cells.astype(np.int16) if C < 2**15 else cells  # 16-bit keys: a radix sort
    m = used.shape[0]
    used_t = used.T.astype(float)

    def block_sums(firsts: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Totals, second moments and counts of the blocks starting at ``firsts``."""
        T = np.zeros((start, 2 * k))
        gram = np.zeros((C, 2 * k, 2 * k))
        counts = np.zeros((C, 2 * m))
        buf = np.empty((min(_CHUNK_ROWS, n), 2 * k))
        for a in firsts:  # blocks of rows; each step vectorised
            b = min(n, a + _CHUNK_ROWS)
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
        return T, gram, counts

    # two threads on two cores (numpy, BLAS and sparse products release the GIL), each with one
    # BLAS thread: the block products are small, and a threaded BLAS that waits for a busy core
    # turns 0.1 s into seconds on a shared 2-core machine
    firsts = list(range(0, n, _CHUNK_ROWS))
    nthreads = max(1, min(_THREADS, len(firsts)))
    with threadpool_limits(limits=1, user_api="blas"):
        if nthreads == 1:
            parts = [block_sums(firsts)]
        else:
            with ThreadPoolExecutor(nthreads) as ex:
                parts = list(ex.map(block_sums, [firsts[t::nthreads] for t in range(nthreads)]))
    T, gram, counts = (np.sum(same, axis=0) for same in zip(*parts, strict=True))
    blocks = []  # the sums of each indicator, back in full (pair) layout
    for j, size in enumerate([npsu * C, *(st.ncell * C for st in steps)]):
        full = np.zeros((size, 2 * k))
        lo = sum(len(p) for p in pairs[:j])
        full[pairs[j]] = T[lo: lo + len(pairs[j])]
        blocks.append(full)
    zraw = blocks[0].reshape(npsu, C, 2 * k)
    raw = zraw.sum(axis=0)
    if linear:
        z = _linear_calibrated_totals(design, Ym, cells, C)
    elif steps:
        S = [blocks[j + 1].reshape(st.ncell, C, 2 * k) for j, st in enumerate(steps)]
        z = project_cell_sums(design, zraw, steps, schedule, S)
    else:
        z = zraw
    present = np.zeros((design.strata_levels.size, C), dtype=bool)
    present[design.strata, cells] = True
    return _CellMoments(raw=raw, z=z, gram=gram, nvalid=counts[:, :m], nhat=counts[:, m:],
                        present=present)


def _linear_calibrated_totals(design: SurveyDesign, Ym: np.ndarray, cells: np.ndarray,
                              C: int) -> np.ndarray:
    """PSU totals per cell under a linear (GREG) calibration: one dense residualisation per cell."""
    obs = ~np.isnan(Ym)
    w = design.weights[:, None]
    g = np.concatenate([np.where(obs, Ym, 0.0) * w, obs * w], axis=1)
    return domain_psu_totals(design, g, cells, C)


def _from_moments(design: SurveyDesign, mom: _CellMoments, cell_dom: np.ndarray, dom: Domains,
                  L: np.ndarray, used: np.ndarray, codes: tuple[str, ...], level: float,
                  unit: str) -> ContrastResult:
    """The estimates of one domain variable from the cell moments (all in cell space)."""
    D = dom.size
    k = L.shape[1]
    inside = cell_dom >= 0
    agg = np.zeros((D, cell_dom.size))
    agg[cell_dom[inside], np.flatnonzero(inside)] = 1.0  # domain x cell indicator
    tot = agg @ mom.raw
    tnum, tobs = tot[:, :k], tot[:, k:]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tnum / tobs  # (D, k), NaN when nobody answered
        est = p @ L.T if not np.isnan(p).any() else _nan_matmul(p, L)
        jn = L[None, :, :] / tobs[:, None, :]
        jo = -L[None, :, :] * (p / tobs)[:, None, :]
    jn = np.where(used[None], jn, 0.0)
    jo = np.where(used[None], jo, 0.0)
    Jf = np.nan_to_num(np.concatenate([jn, jo], axis=2))  # gradient (D, m, 2k)
    z = np.matmul(agg, mom.z)  # (npsu, D, 2k)
    present = (mom.present.astype(float) @ agg.T) > 0
    Vt = design.variance_from_psu_totals(z, present)
    if Vt.ndim == 2:
        Vt = Vt[None]
    cov = Jf @ Vt @ Jf.transpose(0, 2, 1)
    var = np.einsum("dmm->dm", cov).copy()
    var[np.isnan(est)] = np.nan
    se = np.sqrt(np.maximum(var, 0.0))
    nvalid, nhat = agg @ mom.nvalid, agg @ mom.nhat
    # sum_i x_i^2 / w_i per domain (the SRS variance), x = w y0 J': J (sum w y0 y0') J'
    ssq = ((Jf @ np.tensordot(agg, mom.gram, axes=1)) * Jf).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        svyvar = nvalid / (nvalid - 1) * nhat * ssq
        vsrs_wor = svyvar * (nhat - nvalid) / (nhat * nvalid)
        vsrs_rep = svyvar / nvalid
        deff = var / vsrs_wor
        deff_rep = var / vsrs_rep
        n_eff = nvalid / deff
    return ContrastResult(estimate=est, se=se, df=float(design.degf), n=nvalid.round(),
                          deff=deff, deff_replace=deff_rep, n_eff=n_eff, cov=cov, codes=codes,
                          domains=dom, level=level, unit=unit)


def _present(design: SurveyDesign, dom: Domains) -> np.ndarray:
    """(nstrata, D): which strata have rows in each domain (R's subset keeps only those)."""
    out = np.zeros((design.strata_levels.size, dom.size), dtype=bool)
    inside = dom.codes >= 0
    out[design.strata[inside], dom.codes[inside]] = True
    return out


def _nan_matmul(p: np.ndarray, L: np.ndarray) -> np.ndarray:
    """``p @ L.T`` where a NaN item only poisons rows of L that use it."""
    used = L != 0
    out = np.nan_to_num(p) @ L.T
    nanp = np.isnan(p)
    poisoned = (nanp.astype(float) @ used.T.astype(float)) > 0
    out[poisoned] = np.nan
    return out


def ratio_means(design: SurveyDesign, Y: np.ndarray | pd.DataFrame | str | Sequence[str], *,
                by: str | np.ndarray | pd.Series | None = None, level: float = 0.95,
                unit: str = "mean") -> ContrastResult:
    """Each column's weighted mean over its own valid rows (``svymean(~y, na.rm=TRUE)``)."""
    Ym, names = _as_matrix(design, Y)
    return linear_ratio_combination(design, Ym, None, by=by, codes=names, level=level, unit=unit)


def mean(design: SurveyDesign, variables: str | Sequence[str] | np.ndarray | pd.DataFrame, *,
         by: str | np.ndarray | pd.Series | None = None, level: float = 0.95) -> ContrastResult:
    """Weighted means with Taylor SEs, per domain (``svymean`` / ``svyby(..., svymean)``)."""
    return ratio_means(design, variables, by=by, level=level, unit="mean")


def proportion(design: SurveyDesign, variables: str | Sequence[str] | np.ndarray | pd.DataFrame,
               *, by: str | np.ndarray | pd.Series | None = None,
               level: float = 0.95) -> ContrastResult:
    """Weighted proportions of 0/1 variables (NaN = missing); checks the values are 0/1."""
    Ym, names = _as_matrix(design, variables)
    bad = ~np.isnan(Ym) & (Ym != 0) & (Ym != 1)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise EstimationError(f"proportion(): variable {names[c]!r} has value {float(Ym[r, c])!r}"
                              f" at row {int(r)}; recode it to 0/1 (NaN = missing) first.")
    return linear_ratio_combination(design, Ym, None, by=by, codes=names, level=level,
                                    unit="proportion")


def total(design: SurveyDesign, variables: str | Sequence[str] | np.ndarray | pd.DataFrame, *,
          by: str | np.ndarray | pd.Series | None = None, level: float = 0.95) -> ContrastResult:
    """Weighted totals ``sum w y`` (missing counted as 0, as ``svytotal(na.rm=TRUE)``).

    ``deff`` is ``V / (N^2 svyvar(y) (1 - n/N) / n)`` as ``svytotal(deff=TRUE)``.
    """
    Ym, names = _as_matrix(design, variables)
    dom = make_domains(design, by)
    D = dom.size
    w = design.weights
    obs = ~np.isnan(Ym)
    g = w[:, None] * np.where(obs, Ym, 0.0)
    dcodes = np.where(dom.codes >= 0, dom.codes, D)
    est = group_sum(dcodes, D + 1, g)[:D]
    z = domain_psu_totals(design, g, dom.codes, D)
    V = design.variance_from_psu_totals(z, _present(design, dom))
    V = V[None] if V.ndim == 2 else V
    var = np.einsum("dkk->dk", V)
    nvalid = group_sum(dcodes, D + 1, obs.astype(float))[:D]
    means = linear_ratio_combination(design, Ym, None, by=by, codes=names)
    nhat = group_sum(dcodes, D + 1, obs * w[:, None])[:D]
    with np.errstate(invalid="ignore", divide="ignore"):
        # srs variance of a total: N^2 * V_srs(mean)
        vsrs_mean_wor = means.se**2 / means.deff
        vsrs_mean_rep = means.se**2 / means.deff_replace
        deff = var / (nhat**2 * vsrs_mean_wor)
        deffr = var / (nhat**2 * vsrs_mean_rep)
    return ContrastResult(estimate=est, se=np.sqrt(var), df=float(design.degf), n=nvalid,
                          deff=deff, deff_replace=deffr, n_eff=nvalid / deff,
                          cov=V, codes=names, domains=dom, level=level, unit="total")


# ----------------------------------------------------------------------------------------------
# confidence intervals for proportions (svyciprop)


def _expit(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))))


def ciprop(design: SurveyDesign, variable: str | np.ndarray, *,
           method: CipropMethod = "logit", level: float = 0.95,
           df: float | None = None) -> Estimate:
    """Confidence interval for a proportion by the methods of ``survey::svyciprop``.

    ``p`` and ``se`` come from the design-based mean of the 0/1 variable (NaN = missing):

    * ``mean``: ``p -/+ t se``;
    * ``xlogit`` and ``logit``: ``expit(logit p -/+ t se / (p (1 - p)))`` (R's ``logit`` fits an
      intercept-only quasibinomial ``svyglm``; for one intercept its Wald interval is this one);
    * ``asin``: ``sin^2(asin sqrt p -/+ t se / (2 sqrt(p (1 - p))))``;
    * ``beta`` (Korn & Graubard 1998): ``n_eff = p(1-p)/se^2 * (t_{n-1}/t_{df})^2`` with
      ``n`` = rows of the design, then Clopper-Pearson beta quantiles;
    * ``likelihood``: the profile-likelihood interval of the quasibinomial intercept at the
      level ``1 - 2 Phi(t_{df, alpha/2} sqrt(deff))`` (Rao-Scott scaling, as ``confint.svyglm``).
      Equals R to ~1e-7 (R's own glm convergence).

    The interval is in ``extra['ci_low']``/``extra['ci_high']``; ``t = qt(1 - alpha/2, df)`` with
    ``df = degf(design)``.
    """
    if method not in CIPROP_METHODS:
        raise EstimationError(f"ciprop method {method!r} is not one of {CIPROP_METHODS}.")
    if isinstance(variable, str):
        y = pd.to_numeric(pd.Series(design.column(variable)), errors="coerce").to_numpy(float)
        code = variable
    else:
        y = np.asarray(variable, dtype=float)
        code = "y"
    res = proportion(design, y[:, None])
    p = float(res.estimate[0, 0])
    se = float(res.se[0, 0])
    ddf = float(design.degf if df is None else df)
    alpha = 1.0 - level
    t = float(special.stdtrit(ddf, 1 - alpha / 2))
    if method == "mean":
        lo, hi = p - t * se, p + t * se
    elif method in ("logit", "xlogit"):
        eta = np.log(p / (1 - p))
        h = t * se / (p * (1 - p))
        lo, hi = float(_expit(eta - h)), float(_expit(eta + h))
    elif method == "asin":
        a = np.arcsin(np.sqrt(p))
        h = t * se / (2 * np.sqrt(p * (1 - p)))
        lo, hi = float(np.sin(a - h) ** 2), float(np.sin(a + h) ** 2)
    elif method == "beta":
        neff = p * (1 - p) / se**2
        neff *= (special.stdtrit(design.n - 1, alpha / 2) / special.stdtrit(design.degf, alpha / 2)) ** 2
        lo = float(special.betaincinv(neff * p, neff * (1 - p) + 1, alpha / 2))
        hi = float(special.betaincinv(neff * p + 1, neff * (1 - p), 1 - alpha / 2))
    else:
        lo, hi = _likelihood_ci(design, y, p, se, ddf, level)
    return Estimate(estimate=p, se=se, df=ddf, n=int(res.n[0, 0]), deff=float(res.deff[0, 0]),
                    deff_replace=float(res.deff_replace[0, 0]), n_eff=float(res.n_eff[0, 0]),
                    code=code, method=f"svyciprop-{method}",
                    extra={"ci_low": float(lo), "ci_high": float(hi), "ci_level": level})


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
                   level: float) -> tuple[float, float]:
    """Profile-likelihood CI of R's ``svyciprop(method='likelihood')``.

    ``confint.svyglm(method='likelihood')``: level' = 1 - 2 pnorm(qt(alpha/2, df) sqrt(lambda)),
    lambda = design variance / model variance of the intercept; then MASS ``profile.glm`` /
    ``confint.profile.glm`` on the quasibinomial fit with prior weights ``w / mean(w)``: signed
    root deviance ``z(b) = sign(b - b0) sqrt((D(b) - D(b0)) / phi)`` on a grid of steps of
    ``zmax/5`` design SEs, interpolated by an fmm spline and inverted at ``qnorm(a)``.
    """
    ok = ~np.isnan(y)
    wp = design.weights / design.weights.mean()
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
    w_all = design.weights
    if design.calibrated:
        ratio = float(w_all[ok].sum() / w_all.sum())
    else:
        ratio = float(w_all[ok].mean() / w_all.mean())
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


# ----------------------------------------------------------------------------------------------
# replicate weights: rescaled bootstrap


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
                                       level: float = 0.95) -> ContrastResult:
    """:func:`linear_ratio_combination` with replicate-weight (bootstrap) SEs.

    Replicate estimates re-use PSU x domain totals, so R replicates cost R small products.
    ``Var = sum_r (theta_r - mean theta)^2 / (R - 1)``. The weights are taken as fixed (a
    calibration is not redone in each replicate).
    """
    base = linear_ratio_combination(design, Y, L, by=by, codes=codes, level=level)
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
    var = np.var(th, axis=0, ddof=1)
    se = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = base.deff * var / base.se**2
        deffr = base.deff_replace * var / base.se**2
    return ContrastResult(estimate=base.estimate, se=se, df=base.df, n=base.n, deff=deff,
                          deff_replace=deffr, n_eff=base.n / deff, cov=base.cov,
                          codes=base.codes, domains=dom, method=f"bootstrap{replicates}",
                          unit=base.unit, level=level)


def check_design(design: SurveyDesign) -> None:
    """Raise if ``design`` is not a :class:`SurveyDesign` (a clear message instead of a crash)."""
    if not isinstance(design, SurveyDesign):
        raise DesignError(f"expected a SurveyDesign, got {type(design).__name__}; build one with "
                          "SurveyDesign.from_frame(df, weights=..., strata=..., cluster=...).")
