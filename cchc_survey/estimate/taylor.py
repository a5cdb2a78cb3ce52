"""Design-based estimates by Taylor linearisation: means, proportions, totals, linear
combinations of item means, overall and in domains.

Every estimator takes a :class:`~cchc_survey.design.SurveyDesign` and returns a result object
(:mod:`.results`) with ``estimate``, ``se``, ``ci(level)``, ``df``, ``domain_df``, ``deff``,
``n`` and ``n_eff`` that turns into the one score-table shape (:mod:`cchc_survey.scoretable`)
with ``to_frame()``.

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
* intervals: ``estimate +- t(df) se``; ``df`` is the domain's (PSUs - strata among those that
  hold a valid answer, Korn & Graubard 1999; ``df="domain"``, the default) or the design's
  (``df="design"``, ``#PSU - #strata``); for proportions the methods of ``svyciprop``
  (:func:`~cchc_survey.estimate.intervals.ciprop`).

Degenerate cases, defined:

* an item whose valid answers in a domain are all the same (``p`` = 0 or 1 for a 0/1 item) has
  influence exactly 0 there: its SE is exactly 0 (not 1e-10 of rounding), it adds nothing to the
  SE of a combination, and its design effect is 0/0, returned as NaN with one
  :class:`~cchc_survey.estimate.errors.EstimationWarning` per call naming the cells;
* a sample whose weights sum to its size (every weight 1) is its own population: the
  without-replacement design effect is undefined (NaN, no warning: it is the design, not the
  data) and ``n_eff`` uses the with-replacement one;
* a domain (or item) with no valid answer: estimate, SE and design effect NaN, ``n = 0``;
* a domain in a single PSU: ``domain_df = 0``; its interval uses 1 degree of freedom (the widest
  defined) and its reliability flag says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..design import DesignError, SurveyDesign, group_sum, text_codes
from ..design.kernels import domain_stage_totals
from ..engine import Engine, check_engine
from .errors import EstimationError, EstimationWarning
from .kernels import MAX_CELL_FLOATS, CellMoments, cell_moments, cross_cells, reference_moments
from .results import ContrastResult, DfRule, Domains, _check_rule


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


def _as_matrix(design: SurveyDesign, Y: np.ndarray | pd.DataFrame | pd.Series | str | Sequence[str]
               ) -> tuple[np.ndarray, tuple[str, ...]]:
    if isinstance(Y, str):
        Y = [Y]
    if isinstance(Y, (list, tuple)):
        names = tuple(str(v) for v in Y)
        for v in names:
            if v not in design.data.columns:
                raise EstimationError(f"variable {v!r} is not in the design's data.")
        frame = design.data[list(names)]
        mat = frame.apply(pd.to_numeric, errors="coerce").to_numpy(float)
        lost = np.isnan(mat) & frame.notna().to_numpy()  # a value that is not a number
        if lost.any():
            r, c = np.argwhere(lost)[0]
            raise EstimationError(
                f"variable {names[c]!r} is not numeric: value {frame.iloc[r, c]!r} at row {int(r)} "
                f"({int(lost[:, c].sum())} such value(s)). Fix: estimate a 0/1 indicator of the "
                f"answer (e.g. ({names[c]} == 'F') as a column), or score the item first.")
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
                             unit: str = "proportion", df: DfRule = "domain",
                             engine: Engine = "auto") -> ContrastResult:
    """Estimate ``L @ p`` in every domain, ``p_j = sum w y_j obs_j / sum w obs_j``.

    Each item keeps its own valid rows (NaN = missing); this is the oracle's ``element_index_A``
    (``svycontrast(svytotal(~num_j + obs_j), quote((num_1/obs_1 + ...)/k))``). The SE is the
    delta method on the domain totals: with ``T = (num, obs)`` and gradient
    ``J = [L / obs_tot, -L p / obs_tot]``, ``Var = J V(T) J'`` where ``V(T)`` is the
    calibration-aware covariance of the totals. All domains in one pass over the rows
    (:func:`~cchc_survey.estimate.kernels.cell_moments`): PSU totals by (PSU, domain),
    projections in cell space.

    Args:
        design: the survey design.
        Y: (n, k) float, NaN = missing.
        L: (m, k) coefficients; default the identity (the k item means).
        by: domain column or array (rows with NaN in it belong to no domain).
        codes: labels of the rows of L.
        level: default CI level of the result.
        df: degrees of freedom of the intervals: ``domain`` (default) or ``design``
            (:data:`~cchc_survey.estimate.results.DfRule`).
        engine: ``"auto"`` (one block pass) or ``"reference"`` (each sum by its definition).

    Returns:
        :class:`ContrastResult` with (D, m) arrays. A domain where an item with a nonzero
        coefficient has no valid answer gives NaN estimate and SE (n counts the valid rows).
    """
    return linear_ratio_combinations(design, Y, L, bys=[by], codes=codes, level=level,
                                     unit=unit, df=df, engine=engine)[0]


def linear_ratio_combinations(design: SurveyDesign, Y: np.ndarray | pd.DataFrame,
                              L: np.ndarray | None = None, *,
                              bys: Sequence[str | np.ndarray | pd.Series | None] = (None,),
                              codes: Sequence[str] | None = None, level: float = 0.95,
                              unit: str = "proportion", df: DfRule = "domain",
                              engine: Engine = "auto") -> list[ContrastResult]:
    """:func:`linear_ratio_combination` for several domain variables, in one pass over the rows.

    Every quantity the estimator needs (totals, PSU totals, the calibration sums, the second
    moments of the design-effect denominators, valid counts, extremes) is a sum over rows, so it
    is computed once in the cells of the cross-classification of all ``bys`` and added up into
    each variable's domains (``None`` = the whole sample). ``bys=[None, "unit"]`` costs one
    pass, not two. When the cross-classification has too many cells, each variable takes its
    own pass.

    Returns:
        One :class:`ContrastResult` per entry of ``bys``, in order.
    """
    check_engine(engine)
    _check_rule(df)
    Ym, L, codes_t = _prepare(design, Y, L, codes)
    doms = [make_domains(design, b) for b in bys]
    cells, C, maps = cross_cells(doms, design.n)
    units = design.n_psu + sum(st.parent.size for st in design.stages)
    if C * units * 2 * Ym.shape[1] > MAX_CELL_FLOATS and len(doms) > 1:
        return [linear_ratio_combinations(design, Ym, L, bys=[b], codes=codes_t, level=level,
                                          unit=unit, df=df, engine=engine)[0] for b in bys]
    used = L != 0
    moments = reference_moments if engine == "reference" else cell_moments
    mom = moments(design, Ym, used, cells, C)
    out = [_from_moments(design, mom, mp, dom, L, used, codes_t, level, unit, df)
           for dom, mp in zip(doms, maps, strict=True)]
    _warn_undefined(out)
    return out


def _warn_undefined(results: Sequence[ContrastResult]) -> None:
    """One warning per call for the design effects that are 0/0 (no variance at all)."""
    cells: list[str] = []
    count = 0
    for r in results:
        bad = np.isnan(r.deff) & (r.se == 0) & (r.n > 1)
        count += int(bad.sum())
        for d, j in np.argwhere(bad)[: max(0, 5 - len(cells))]:
            dom = r.domains.labels[d]
            cells.append(f"{r.codes[j]}" + (f" in {r.domains.var}={dom}" if r.domains.var else ""))
    if count:
        warnings.warn(f"design effect undefined (NaN) for {count} estimate(s) whose valid answers "
                      f"are all the same (no variance under the design or under simple random "
                      f"sampling): {', '.join(cells)}{' ...' if count > len(cells) else ''}; "
                      "their SE is exactly 0.", EstimationWarning, stacklevel=3)


def _from_moments(design: SurveyDesign, mom: CellMoments, cell_dom: np.ndarray, dom: Domains,
                  L: np.ndarray, used: np.ndarray, codes: tuple[str, ...], level: float,
                  unit: str, df_rule: DfRule) -> ContrastResult:
    """The estimates of one domain variable from the cell moments (all in cell space)."""
    D = dom.size
    k = L.shape[1]
    inside = cell_dom >= 0
    agg = np.zeros((D, cell_dom.size))
    agg[cell_dom[inside], np.flatnonzero(inside)] = 1.0  # domain x cell indicator
    tot = agg @ mom.raw
    tnum, tobs = tot[:, :k], tot[:, k:]
    # an item whose valid answers in the domain are all equal has influence exactly 0 there
    lo = np.full((D, k), np.inf)
    hi = np.full((D, k), -np.inf)
    np.fmin.at(lo, cell_dom[inside], mom.lo[inside])
    np.fmax.at(hi, cell_dom[inside], mom.hi[inside])
    constant = np.isfinite(lo) & (lo == hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = tnum / tobs  # (D, k), NaN when nobody answered
        p = np.where(constant, lo, p)  # exactly the common value (no rounding of sum w y / sum w)
        est = p @ L.T if not np.isnan(p).any() else _nan_matmul(p, L)
        jn = L[None, :, :] / tobs[:, None, :]
        jo = -L[None, :, :] * (p / tobs)[:, None, :]
    keep = used[None] & ~constant[:, None, :]
    jn = np.where(keep, jn, 0.0)
    jo = np.where(keep, jo, 0.0)
    Jf = np.nan_to_num(np.concatenate([jn, jo], axis=2))  # gradient (D, m, 2k)
    zs = [np.matmul(agg, z) for z in mom.z]  # (nunits, D, 2k) per stage
    present = (mom.present.astype(float) @ agg.T) > 0
    Vt = design.variance_from_stage_totals(zs, present)
    if Vt.ndim == 2:
        Vt = Vt[None]
    cov = Jf @ Vt @ Jf.transpose(0, 2, 1)
    var = np.einsum("dmm->dm", cov).copy()
    var[np.isnan(est)] = np.nan
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.maximum(var, 0.0))
    nvalid, nhat = agg @ mom.nvalid, agg @ mom.nhat
    # sum_i x_i^2 / w_i per domain (the SRS variance), x = w y0 J': J (sum w y0 y0') J'
    ssq = ((Jf @ np.tensordot(agg, mom.gram, axes=1)) * Jf).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        svyvar = np.where(nvalid > 1, nvalid / (nvalid - 1), np.nan) * nhat * ssq
        own_population = nhat <= nvalid * (1 + 1e-12)  # weights summing to n: no N to sample
        vsrs_wor = np.where(own_population, np.nan, svyvar * (nhat - nvalid) / (nhat * nvalid))
        vsrs_rep = svyvar / nvalid
        deff = np.where(vsrs_wor > 0, var / vsrs_wor, np.nan)
        deff_rep = np.where(vsrs_rep > 0, var / vsrs_rep, np.nan)
        n_eff = np.where(np.isfinite(deff), nvalid / deff,
                         np.where(np.isfinite(deff_rep), nvalid / deff_rep, np.nan))
    m = L.shape[0]
    domain_df = np.repeat(_domain_df(design, mom.psu_rows, agg)[:, None], m, axis=1)
    # R's svyciprop runs on subset(design): the domain's rows, or every row when calibrated
    n_rows = np.full((D, m), float(design.n)) if design.calibrated else np.repeat(
        (agg @ mom.rows)[:, None], m, axis=1)
    return ContrastResult(estimate=est, se=se, df=float(design.degf), n=nvalid.round(),
                          deff=deff, deff_replace=deff_rep, n_eff=n_eff, cov=cov, codes=codes,
                          domains=dom, level=level, unit=unit, domain_df=domain_df,
                          df_rule=df_rule, n_rows=n_rows)


def _domain_df(design: SurveyDesign, psu_rows: np.ndarray, agg: np.ndarray) -> np.ndarray:
    """(D,) PSUs - strata among those with rows in each domain: R's ``degf`` of the domain's
    subset (``subset(design, ...)`` keeps the domain's rows, missing answers included), which
    ``svyciprop`` on that subset uses; Korn & Graubard (1999), sec. 5.2. NaN for an empty domain."""
    has = (psu_rows.astype(float) @ agg.T) > 0  # (npsu, D)
    npsu_d = has.sum(axis=0)
    strata = group_sum(design.psu_stratum, design.strata_levels.size, has.astype(float)) > 0
    return np.where(npsu_d > 0, npsu_d - strata.sum(axis=0), np.nan).astype(float)


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
                unit: str = "mean", df: DfRule = "domain",
                engine: Engine = "auto") -> ContrastResult:
    """Each column's weighted mean over its own valid rows (``svymean(~y, na.rm=TRUE)``)."""
    Ym, names = _as_matrix(design, Y)
    return linear_ratio_combination(design, Ym, None, by=by, codes=names, level=level, unit=unit,
                                    df=df, engine=engine)


def mean(design: SurveyDesign, variables: str | Sequence[str] | np.ndarray | pd.DataFrame, *,
         by: str | np.ndarray | pd.Series | None = None, level: float = 0.95,
         df: DfRule = "domain", engine: Engine = "auto") -> ContrastResult:
    """Weighted means with Taylor SEs, per domain (``svymean`` / ``svyby(..., svymean)``)."""
    return ratio_means(design, variables, by=by, level=level, unit="mean", df=df, engine=engine)


def proportion(design: SurveyDesign, variables: str | Sequence[str] | np.ndarray | pd.DataFrame,
               *, by: str | np.ndarray | pd.Series | None = None,
               level: float = 0.95, df: DfRule = "domain", codes: Sequence[str] | None = None,
               engine: Engine = "auto") -> ContrastResult:
    """Weighted proportions of 0/1 variables (NaN = missing); checks the values are 0/1."""
    Ym, names = _as_matrix(design, variables)
    names = tuple(codes) if codes is not None else names
    bad = ~np.isnan(Ym) & (Ym != 0) & (Ym != 1)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise EstimationError(f"proportion(): variable {names[c]!r} has value {float(Ym[r, c])!r}"
                              f" at row {int(r)}; recode it to 0/1 (NaN = missing) first.")
    return linear_ratio_combination(design, Ym, None, by=by, codes=names, level=level,
                                    unit="proportion", df=df, engine=engine)


def total(design: SurveyDesign, variables: str | Sequence[str] | np.ndarray | pd.DataFrame, *,
          by: str | np.ndarray | pd.Series | None = None, level: float = 0.95,
          df: DfRule = "domain") -> ContrastResult:
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
    zs = domain_stage_totals(design, g, dom.codes, D)
    V = design.variance_from_stage_totals(zs, _present(design, dom))
    V = V[None] if V.ndim == 2 else V
    var = np.einsum("dkk->dk", V)
    nvalid = group_sum(dcodes, D + 1, obs.astype(float))[:D]
    with warnings.catch_warnings():  # the means' undefined deffs are the totals' too (below)
        warnings.simplefilter("ignore", EstimationWarning)
        means = linear_ratio_combination(design, Ym, None, by=by, codes=names)
    nhat = group_sum(dcodes, D + 1, obs * w[:, None])[:D]
    with np.errstate(invalid="ignore", divide="ignore"):
        # srs variance of a total: N^2 * V_srs(mean)
        vsrs_mean_wor = means.se**2 / means.deff
        vsrs_mean_rep = means.se**2 / means.deff_replace
        deff = var / (nhat**2 * vsrs_mean_wor)
        deffr = var / (nhat**2 * vsrs_mean_rep)
        n_eff = nvalid / deff
    return ContrastResult(estimate=est, se=np.sqrt(np.maximum(var, 0.0)), df=float(design.degf),
                          n=nvalid, deff=deff, deff_replace=deffr, n_eff=n_eff,
                          cov=V, codes=names, domains=dom, level=level, unit="total",
                          domain_df=means.domain_df, n_rows=means.n_rows, df_rule=df)


def _present(design: SurveyDesign, dom: Domains) -> np.ndarray:
    """(nstrata, D): which strata have rows in each domain (R's subset keeps only those)."""
    out = np.zeros((design.strata_levels.size, dom.size), dtype=bool)
    inside = dom.codes >= 0
    out[design.strata[inside], dom.codes[inside]] = True
    return out


def check_design(design: SurveyDesign) -> None:
    """Raise if ``design`` is not a :class:`SurveyDesign` (a clear message instead of a crash)."""
    if not isinstance(design, SurveyDesign):
        raise DesignError(f"expected a SurveyDesign, got {type(design).__name__}; build one with "
                          "SurveyDesign.from_frame(df, weights=..., strata=..., cluster=...).")
