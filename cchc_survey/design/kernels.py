"""Speed kernels of the design stage: grouped sums, text codes, domain PSU totals in cell space.

These are the fast routes; the readable definitions they must equal are
:meth:`SurveyDesign.residualise` followed by :meth:`SurveyDesign.psu_totals` (for
:func:`domain_psu_totals`) and ``pd.factorize(values.astype(str), sort=True)`` (for
:func:`text_codes`); ``engine="reference"`` runs those instead (tests compare both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from ..engine import Engine, check_engine

if TYPE_CHECKING:
    from .calibration import CalibrationStep
    from .model import SurveyDesign

def group_sum(codes: np.ndarray, ngroups: int, x: np.ndarray) -> np.ndarray:
    """Column sums of ``x`` (n, m) within groups ``codes`` (n,) -> (ngroups, m).

    A sparse indicator product: one pass, no Python loop over rows.
    """
    n = codes.shape[0]
    ind = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(ngroups, n))
    out = ind @ x
    return np.asarray(out)


def _codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (sorted levels) of a column; NaN is an error for the caller to report."""
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def text_codes(values: pd.Series, *, engine: Engine = "auto") -> tuple[np.ndarray, np.ndarray]:
    """``_codes(values.astype(str))``, the text made once per distinct value, not once per row.

    ``engine="reference"`` is that definition (missing values still get -1).

    The levels are the distinct texts in sorted order, as when the whole column is turned into
    text first (1M integer PSU labels: one factorisation and 1,200 ``str``, not 1M). Distinct
    values are told apart as their texts are: numbers by their bits (``-0.0`` is not ``0.0``),
    and a column of Python objects (where ``1 == 1.0 == True``) is made text row by row.
    Missing values (NaN, None, NA) get code -1 and no level.
    """
    check_engine(engine)
    missing = values.isna().to_numpy()
    if missing.any():
        codes = np.full(len(values), -1, dtype=np.int64)
        present, present_levels = text_codes(values[~missing], engine=engine)
        codes[~missing] = present
        return codes, present_levels
    if engine == "reference":
        return _codes(values.astype(str))
    if values.dtype == object:
        values = values.astype(str)
    key: pd.Series | np.ndarray = values
    if values.dtype.kind == "f":
        key = values.to_numpy(dtype=np.float64, na_value=np.nan).view(np.int64)
    raw, uniq = pd.factorize(key, sort=False)
    pos = np.empty(len(uniq), dtype=np.int64)
    pos[raw] = np.arange(raw.size)  # a row of each distinct value
    text = values.iloc[pos].astype(str).to_numpy(dtype=object)
    tcodes, levels = pd.factorize(pd.Series(text, dtype=object), sort=True)
    return tcodes.astype(np.int64)[raw], np.asarray(levels, dtype=object)


def _cross_codes(parts: Sequence[tuple[np.ndarray, np.ndarray]], *, engine: Engine = "auto",
                 ) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Codes of the crossing of several coded variables, cells in lexicographic order.

    Each part is ``(codes, levels)`` with levels sorted; the combined code of a row is its
    position among the (level, level, ...) tuples that occur, sorted: what
    ``MultiIndex.factorize(sort=True)`` gives on the texts (``engine="reference"`` does exactly
    that), without a tuple per row.
    """
    check_engine(engine)
    if engine == "reference":
        frame = pd.DataFrame({i: np.asarray(lv, dtype=object)[c].astype(str)
                              for i, (c, lv) in enumerate(parts)})
        rc, uniq = pd.MultiIndex.from_frame(frame).factorize(sort=True)
        return rc.astype(np.int64), [tuple(str(x) for x in u) for u in uniq]
    codes, levels = parts[0]
    cells: list[tuple[str, ...]] = [(str(x),) for x in levels]
    for c2, l2 in parts[1:]:
        key = codes * np.int64(len(l2)) + c2
        codes, present = pd.factorize(key, sort=True)
        codes = codes.astype(np.int64)
        cells = [(*cells[int(k) // len(l2)], str(l2[int(k) % len(l2)])) for k in present]
    return codes, cells


# ----------------------------------------------------------------------------------------------
# domain totals: PSU totals of influence columns restricted to each domain, residualised on the
# calibration in cell space (no (n x D*m) matrix is ever formed)


def domain_psu_totals(design: SurveyDesign, g: np.ndarray, dom: np.ndarray,
                      ndom: int) -> np.ndarray:
    """PSU totals (npsu, D, m) of ``g * [dom == d]`` after the design's calibration projections.

    Without calibration this is one sparse product over (PSU, domain) codes. With
    post-stratification or raking, the projections are linear and act through cell means, so the
    residual of ``g_d`` is ``g_d - sum_u psw_u * M_u[cell_u]`` and the ``M_u`` are computed in cell
    space: ``mu_s = (S_s - sum_u K_su M_u) / D_s`` with ``S_s`` the (cell, domain) sums of
    ``r_s g`` and ``K_su[c, c'] = sum_{i in c and c'} r_s psw_u``. Linear (GREG) calibration falls
    back to one dense residualisation per domain.

    ``dom`` is (n,) int with -1 for rows outside every domain.
    """
    return domain_stage_totals(design, g, dom, ndom, stages=False)[0]


def domain_stage_totals(design: SurveyDesign, g: np.ndarray, dom: np.ndarray, ndom: int, *,
                        stages: bool = True) -> list[np.ndarray]:
    """:func:`domain_psu_totals` and, for a multistage design, the same totals in the units of
    every later stage: ``[(npsu, D, m), (nunits_2, D, m), ...]``."""
    m = g.shape[1]
    inside = dom >= 0
    levels = [(design.psu, design.n_psu)]
    if stages:
        levels += [(st.unit, st.parent.size) for st in design.stages]

    def raw(units: np.ndarray, nunits: int) -> np.ndarray:
        codes = np.where(inside, units * ndom + np.maximum(dom, 0), nunits * ndom)
        return group_sum(codes, nunits * ndom + 1, g)[: nunits * ndom].reshape(nunits, ndom, m)

    zs = [raw(u, nu) for u, nu in levels]
    if not design.calibrations:
        return zs
    if any(c.kind == "linear" for c in design.calibrations):
        outs = [np.empty((nu, ndom, m)) for _, nu in levels]
        for d in range(ndom):
            gd = design.residualise(g * (dom == d)[:, None])
            for out, (u, nu) in zip(outs, levels, strict=True):
                out[:, d, :] = group_sum(u, nu, gd)
        return outs
    steps, schedule = calibration_schedule(design)
    dcode = np.maximum(dom, 0)
    S = []
    for st in steps:
        cc = np.where(inside, st.codes * ndom + dcode, st.ncell * ndom)
        S.append(group_sum(cc, st.ncell * ndom + 1, g * st.r[:, None])[: st.ncell * ndom]
                 .reshape(st.ncell, ndom, m))
    M = cell_projection_means(steps, schedule, S)
    return [apply_cell_means(u, nu, z, steps, M) for (u, nu), z in zip(levels, zs, strict=True)]


def calibration_schedule(design: SurveyDesign) -> tuple[list[CalibrationStep], list[int]]:
    """The distinct projection steps and the order in which ``svyrecvar`` applies them
    (a raking's margins in turn, ``sweeps`` times; calibrations in the order they were made)."""
    steps: list[CalibrationStep] = []
    schedule: list[int] = []
    for cal in design.calibrations:
        idx = []
        for st in cal.steps:
            steps.append(st)
            idx.append(len(steps) - 1)
        for _ in range(cal.sweeps):
            schedule.extend(idx)
    return steps, schedule


def cell_projection_means(steps: list[CalibrationStep], schedule: list[int],
                          S: list[np.ndarray]) -> list[np.ndarray]:
    """The cell means ``M_s`` (ncell_s, D m) of the projections, in ``svyrecvar``'s order:
    ``M_s += (S_s - sum_u K_su M_u) / D_s`` with ``K_su[c, c'] = sum_{i in c and c'} r_s psw_u``
    (see :func:`project_cell_sums`)."""
    ncols = S[0].reshape(S[0].shape[0], -1).shape[1] if S else 0
    K: dict[tuple[int, int], np.ndarray] = {}
    M = [np.zeros((st.ncell, ncols)) for st in steps]
    for s in schedule:
        st = steps[s]
        acc = S[s].reshape(st.ncell, ncols).copy()
        for u, su in enumerate(steps):
            if not M[u].any():
                continue
            if (s, u) not in K:
                K[(s, u)] = np.bincount(st.codes * su.ncell + su.codes, weights=st.r * su.psw,
                                        minlength=st.ncell * su.ncell).reshape(st.ncell, su.ncell)
            acc -= K[(s, u)] @ M[u]
        M[s] += acc / st.denom[:, None]
    return M


def apply_cell_means(units: np.ndarray, nunits: int, z: np.ndarray,
                     steps: list[CalibrationStep], M: list[np.ndarray]) -> np.ndarray:
    """Unit totals ``z`` (nunits, D, m) minus the projections: ``z - sum_u H_u M_u`` with
    ``H_u[i, c] = sum_{rows of unit i in cell c} psw_u``."""
    shape = z.shape
    out = z.reshape(nunits, -1).copy()
    for u, su in enumerate(steps):
        h = np.bincount(units * su.ncell + su.codes, weights=su.psw,
                        minlength=nunits * su.ncell).reshape(nunits, su.ncell)
        out -= h @ M[u]
    return out.reshape(shape)


def project_cell_sums(design: SurveyDesign, z: np.ndarray, steps: list[CalibrationStep],
                      schedule: list[int], S: list[np.ndarray]) -> np.ndarray:
    """PSU totals ``z`` (npsu, D, m) after post-stratification / raking projections, in cell space.

    The projections are linear and act through cell means, so the residual of the domain's
    influence values is ``g - sum_u psw_u M_u[cell_u]`` with ``M_s = (S_s - sum_u K_su M_u) /
    D_s`` applied in ``svyrecvar``'s order (:func:`calibration_schedule`), ``S_s`` (ncell_s, D,
    m) the (cell, domain) sums of ``r_s g`` and ``K_su[c, c'] = sum_{i in c and c'} r_s psw_u``.
    Only (cell x cell) and (PSU x cell) matrices are formed, never an (n x D m) one.
    """
    return apply_cell_means(design.psu, design.n_psu, z, steps,
                            cell_projection_means(steps, schedule, S))
