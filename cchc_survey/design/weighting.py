"""Weighting: post-stratification, raking, linear calibration and trimming (``survey``'s
``postStratify``, ``rake``, ``calibrate``, ``trimWeights``).

The methods live in :class:`WeightingMixin`, which :class:`~cchc_survey.design.SurveyDesign`
inherits; each returns a new design that remembers its calibration (for the variance) and a
:class:`~cchc_survey.design.calibration.WeightingStep` record (for the weighting report).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import pandas as pd

from ..engine import Engine
from .calibration import (
    Calibration,
    CalibrationStep,
    Margin,
    WeightingStep,
    _as_margins,
    _step_record,
    margin_from_frame,
    weight_summary,
)
from .diagnostics import WeightThresholds, weight_checks
from .errors import WeightingError
from .kernels import _codes, _cross_codes, text_codes

if TYPE_CHECKING:
    from .model import SurveyDesign


class WeightingMixin:
    """The weighting methods of :class:`~cchc_survey.design.SurveyDesign`."""

    if TYPE_CHECKING:
        data: pd.DataFrame
        weights: np.ndarray
        calibrations: tuple[Calibration, ...]
        history: tuple[WeightingStep, ...]

        @property
        def n(self) -> int: ...

    def _new(self, **changes: object) -> SurveyDesign:
        """A copy of the design with ``changes`` (the design is immutable)."""
        return replace(cast("SurveyDesign", self), **changes)  # type: ignore[arg-type]

    def _cell_codes(self, variables: Sequence[str], where: str,
                    cache: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                    engine: Engine = "auto") -> tuple[np.ndarray, list[tuple[str, ...]]]:
        """Cell codes of the crossing of ``variables`` (as text) and the cells, sorted.

        ``cache`` keeps each variable's codes between calls (a raking codes its variables once).
        """
        cache = {} if cache is None else cache
        for v in variables:
            if v in cache:
                continue
            if v not in self.data.columns:
                raise WeightingError(f"{where}: variable {v!r} is not in the data.")
            miss = self.data[v].isna().to_numpy()
            if miss.any():
                raise WeightingError(f"{where}: variable {v!r} is missing at row "
                                     f"{int(np.flatnonzero(miss)[0])} ({int(miss.sum())} rows); "
                                     "impute or drop them before weighting.")
            if engine == "reference":
                cache[v] = _codes(self.data[v].astype(str))
            else:
                cache[v] = text_codes(self.data[v])
        return _cross_codes([cache[v] for v in variables], engine=engine)

    def _poststrat_factors(self, w: np.ndarray, margin: Margin, codes: np.ndarray,
                           cells: list[tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: the target and the factor ``N_c / sum_{i in c} w_i`` (cells checked)."""
        ncell = len(cells)
        sample = np.bincount(codes, weights=w, minlength=ncell)
        missing_pop = [c for c in cells if c not in margin.targets]
        if missing_pop:
            cell = dict(zip(margin.variables, missing_pop[0], strict=True))
            raise WeightingError(f"margin {margin.name}: cell {cell} "
                                 "occurs in the sample but has no population target; add it to "
                                 "the margin table.")
        target = np.array([margin.targets[c] for c in cells])
        present = set(cells)
        empty_pop = [c for c, t in margin.targets.items() if c not in present and t > 0]
        if empty_pop:
            raise WeightingError(f"margin {margin.name}: cell "
                                 f"{dict(zip(margin.variables, empty_pop[0], strict=True))} has "
                                 "population target > 0 but no respondents; collapse it with a "
                                 "neighbouring cell.")
        zero = sample <= 0
        if zero.any():
            c = cells[int(np.flatnonzero(zero)[0])]
            raise WeightingError(f"margin {margin.name}: cell "
                                 f"{dict(zip(margin.variables, c, strict=True))} has zero weight "
                                 "in the sample; collapse it with a neighbouring cell.")
        return target, target / sample

    def _poststrat_weights(self, w: np.ndarray, margin: Margin,
                           coded: tuple[np.ndarray, list[tuple[str, ...]]] | None = None,
                           ) -> tuple[np.ndarray, CalibrationStep, pd.DataFrame]:
        codes, cells = coded or self._cell_codes(margin.variables, f"margin {margin.name}")
        ncell = len(cells)
        target, reweight = self._poststrat_factors(w, margin, codes, cells)
        new = w * reweight[codes]
        step = CalibrationStep(name=margin.name, codes=codes, ncell=ncell, psw=new,
                               r=w / new, denom=np.bincount(codes, weights=w, minlength=ncell))
        rep = pd.DataFrame({"margin": margin.name, "cell": ["|".join(c) for c in cells],
                            "target": target,
                            "achieved": np.bincount(codes, weights=new, minlength=ncell)})
        rep["diff"] = rep["achieved"] - rep["target"]
        rep["n_resp"] = np.bincount(codes, minlength=ncell)
        return new, step, rep

    def poststratify(self, by: str | Sequence[str],
                     population: pd.DataFrame | Margin, *, total: float | None = None,
                     engine: Engine = "auto") -> SurveyDesign:
        """Post-stratify to population cell counts (``survey::postStratify``).

        ``w_new = w * N_c / sum_{i in c} w_i``. The new design remembers the post-strata, so
        variances are residualised on them (smaller SEs for correlated outcomes).

        Args:
            by: the variable(s) whose crossing defines the cells.
            population: R's shape (variable columns + ``Freq``, or ``share`` with ``total``).

        Raises:
            WeightingError: a sample cell without target or a target cell without respondents,
                naming the margin and the cell.
        """
        vars_ = (by,) if isinstance(by, str) else tuple(by)
        m = population if isinstance(population, Margin) else margin_from_frame(
            population, name="+".join(vars_), total=total)
        if tuple(m.variables) != vars_:
            raise WeightingError(f"poststratify by {vars_} but the population table has "
                                 f"variables {m.variables}.")
        new, step, rep = self._poststrat_weights(
            self.weights, m, self._cell_codes(m.variables, f"margin {m.name}", engine=engine))
        cal = Calibration(kind="poststratify", steps=(step,))
        rec = _step_record("poststratify", new, rep)
        return self._new(weights=new, calibrations=(*self.calibrations, cal),
                       history=(*self.history, rec))

    def rake(self, margins: Mapping[str, pd.DataFrame | Margin] | Sequence[pd.DataFrame | Margin],
             *, maxit: int = 10, epsilon: float = 1.0, start: Literal["design", "unit"] = "design",
             total: float | None = None, strict: bool = True,
             engine: Engine = "auto") -> SurveyDesign:
        """Rake (iterative proportional fitting) to several margins, as ``survey::rake``.

        Each sweep post-stratifies to every margin in turn; it stops when the largest change of
        the joint weighted table of all margin variables between sweeps is below ``epsilon``
        (``epsilon < 1`` is relative: ``epsilon * sum(w)``, R's convention). Crossed margins
        (``gender+age_group``) are allowed. Starts from the design weights (``start='design'``);
        ``start='unit'`` starts from 1 (what weightipy does).

        Raises:
            WeightingError: empty cell (margin and cell named) or, when ``strict``, no
                convergence within ``maxit`` (the margin and cell furthest from target named).
        """
        ms = _as_margins(margins, total)
        if not ms:
            raise WeightingError("rake() needs at least one margin.")
        w = self.weights.copy() if start == "design" else np.ones(self.n)
        eps = epsilon * float(w.sum()) if epsilon < 1 else epsilon
        allvars: list[str] = []
        for m in ms:
            allvars.extend(v for v in m.variables if v not in allvars)
        cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        jcodes, jcells = self._cell_codes(allvars, "rake", cache, engine)
        coded = [self._cell_codes(m.variables, f"margin {m.name}", cache, engine) for m in ms]
        nj = len(jcells)
        old = np.bincount(jcodes, weights=w, minlength=nj)
        it = 0
        converged = False
        psw: list[np.ndarray] = []  # the weights after each margin, last sweep
        while it < maxit:
            psw = []
            for m, (codes, cells) in zip(ms, coded, strict=True):
                _target, reweight = self._poststrat_factors(w, m, codes, cells)
                w = w * reweight[codes]
                psw.append(w)
            new = np.bincount(jcodes, weights=w, minlength=nj)
            delta = float(np.max(np.abs(old - new)))
            if delta < eps:
                converged = True
                break
            old = new
            it += 1
        # the raking's projections for the variance: one per margin, at its last sweep's weights
        steps = [CalibrationStep(name=m.name, codes=codes, ncell=len(cells), psw=p, r=1.0 / p,
                                 denom=np.bincount(codes, minlength=len(cells)).astype(float))
                 for m, (codes, cells), p in zip(ms, coded, psw, strict=False)]
        # achieved margins at the final weights
        final = []
        for m, (codes, cells) in zip(ms, coded, strict=True):
            ach = np.bincount(codes, weights=w, minlength=len(cells))
            tgt = np.array([m.targets[c] for c in cells])
            final.append(pd.DataFrame({"margin": m.name, "cell": ["|".join(c) for c in cells],
                                       "target": tgt, "achieved": ach, "diff": ach - tgt,
                                       "n_resp": np.bincount(codes, minlength=len(cells))}))
        rep_all = pd.concat(final, ignore_index=True)
        if not converged and strict:
            worst = int(np.argmax(np.abs(rep_all["diff"].to_numpy())))
            r = rep_all.iloc[worst]
            raise WeightingError(f"raking did not converge in {maxit} sweeps (epsilon {eps:g}); "
                                 f"furthest from target: margin {r['margin']}, cell {r['cell']} "
                                 f"(target {r['target']:.6g}, achieved {r['achieved']:.6g}). "
                                 "Raise maxit, loosen epsilon, or collapse sparse cells.")
        cal = Calibration(kind="raking", steps=tuple(steps), sweeps=10)
        rec = _step_record("rake", w, rep_all, iterations=it + (1 if converged else 0),
                           converged=converged, detail=f"epsilon={eps:g}, start={start}")
        return self._new(weights=w, calibrations=(*self.calibrations, cal),
                       history=(*self.history, rec))

    def calibrate(self, margins: Mapping[str, pd.DataFrame | Margin] | Sequence[pd.DataFrame | Margin],
                  *, calfun: Literal["linear", "raking"] = "linear", maxit: int = 50,
                  epsilon: float = 1e-10, total: float | None = None,
                  engine: Engine = "auto") -> SurveyDesign:
        """Calibrate to margins by a distance function (Deville & Särndal 1992; ``survey::calibrate``).

        ``w_new = w * F(x' eta)`` with ``F(u) = 1 + u`` (linear, GREG) or ``exp(u)`` (raking);
        ``eta`` solves ``sum w F(x'eta) x = totals`` by Newton steps. With ``calfun='raking'``
        the weights equal those of :meth:`rake` at convergence. Variances are residualised on the
        calibration model as ``svyrecvar`` does for ``calibrate()`` (checked against R).
        """
        ms = _as_margins(margins, total)
        cols = []
        targets = []
        for m in ms:
            codes, cells = self._cell_codes(m.variables, f"margin {m.name}", engine=engine)
            for c in cells:
                if c not in m.targets:
                    raise WeightingError(f"margin {m.name}: sample cell {c} has no target.")
            for c, t in m.targets.items():
                if c not in cells:
                    if t > 0:
                        raise WeightingError(f"margin {m.name}: cell {c} has target {t:g} but "
                                             "no respondents; collapse it.")
                    continue
                cols.append((codes == cells.index(c)).astype(float))
                targets.append(t)
        xm = np.column_stack(cols)
        tv = np.asarray(targets)
        # drop redundant columns (each margin's cells sum to the same total)
        _q, r_, piv = _qr_pivot(xm)
        keep = np.sort(piv[: int(np.sum(np.abs(np.diag(r_)) > 1e-9 * np.abs(r_[0, 0])))])
        xm, tv = xm[:, keep], tv[keep]
        w0 = self.weights
        eta = np.zeros(xm.shape[1])
        converged = False
        it = 0

        def gfun(e: np.ndarray) -> np.ndarray:
            u = xm @ e
            return np.asarray(1.0 + u if calfun == "linear" else np.exp(np.minimum(u, 700.0)))

        g = gfun(eta)
        misfit = tv - xm.T @ (w0 * g)
        for it in range(1, maxit + 1):  # noqa: B007
            if np.all(np.abs(misfit) / (1 + np.abs(tv)) < epsilon):
                converged = True
                break
            dg = np.ones(self.n) if calfun == "linear" else g
            jac = xm.T @ (xm * (w0 * dg)[:, None])
            step = np.linalg.lstsq(jac, misfit, rcond=None)[0]
            norm0 = float(np.sum(misfit**2))
            for _ in range(40):  # step halving, as survey's grake
                g_new = gfun(eta + step)
                mis_new = tv - xm.T @ (w0 * g_new)
                if float(np.sum(mis_new**2)) < norm0 or not np.isfinite(norm0):
                    break
                step = step / 2
            eta = eta + step
            g, misfit = g_new, mis_new
        if not converged:
            raise WeightingError(f"calibrate({calfun}) did not converge in {maxit} iterations; "
                                 "check the margins for contradictions or sparse cells.")
        new = w0 * g
        if np.any(new <= 0):
            raise WeightingError("linear calibration produced non-positive weights; use "
                                 "calfun='raking' or collapse cells.")
        rows = []
        for m in ms:
            codes, cells = self._cell_codes(m.variables, f"margin {m.name}")
            ach = np.bincount(codes, weights=new, minlength=len(cells))
            for j, c in enumerate(cells):
                rows.append({"margin": m.name, "cell": "|".join(c), "target": m.targets[c],
                             "achieved": ach[j], "diff": ach[j] - m.targets[c],
                             "n_resp": int(np.sum(codes == j))})
        cal = Calibration(kind="linear", steps=(), model=xm, weights=w0, g=g)  # as svyrecvar
        rec = _step_record(f"calibrate({calfun})", new, pd.DataFrame(rows), iterations=it,
                           converged=True)
        return self._new(weights=new, calibrations=(*self.calibrations, cal),
                       history=(*self.history, rec))

    def trim(self, lower: float = -math.inf, upper: float = math.inf, *,
             strict: bool = False, maxit: int = 100_000) -> SurveyDesign:
        """Trim weights to ``[lower, upper]`` with the rule of ``survey::trimWeights``.

        Weights outside are clipped; the total trimmed amount is added **equally** (same
        absolute amount) to every unit that was inside. With ``strict=True`` the step repeats
        until no weight is outside (R recurses; here a loop capped at ``maxit``). The design
        keeps its calibration for the variance, as R does.
        """
        if not lower < upper:
            raise WeightingError(f"trim: lower ({lower}) must be below upper ({upper}).")
        w = self.weights.copy()
        rounds = 0
        n_first = 0
        while True:
            outside = (w < lower) | (w > upper)
            if not outside.any():
                break
            if rounds == 0:
                n_first = int(outside.sum())
            inside = ~outside
            if not inside.any():
                raise WeightingError("trim: every weight is outside the bounds; widen them.")
            neww = np.clip(w, lower, upper)
            trimmings = w - neww
            neww[inside] = neww[inside] + trimmings.sum() / inside.sum()
            w = neww
            rounds += 1
            if not strict:
                break
            if rounds >= maxit:
                raise WeightingError(f"trim(strict=True) did not settle in {maxit} rounds; "
                                     "the bounds are too tight for the weights' total.")
        rep = pd.DataFrame({"margin": ["trim"], "cell": [f"[{lower:g}, {upper:g}]"],
                            "target": [float(self.weights.sum())], "achieved": [float(w.sum())]})
        rep["diff"] = rep["achieved"] - rep["target"]
        rec = _step_record("trim" + (" strict" if strict else ""), w, rep, iterations=rounds,
                           detail=f"{n_first} weights outside [{lower:g}, {upper:g}]")
        return self._new(weights=w, history=(*self.history, rec))

    def weight_checks(self, thresholds: WeightThresholds | str | Path | None = None
                      ) -> pd.DataFrame:
        """Weights that hurt: extreme ratios, Kish's deff, thin calibration cells, against the
        declared thresholds, with a trimming bound offered (:mod:`.diagnostics`)."""
        return weight_checks(cast("SurveyDesign", self), thresholds)

    def weighting_report(self) -> pd.DataFrame:
        """One row per margin cell per weighting step, with the step's weight summary.

        Columns: step, method, iterations, converged, margin, cell, target, achieved, diff,
        n_resp (respondents in the cell; NaN for trimming), w_min, w_max, w_mean, w_cv,
        kish_deff, n_eff, detail.
        """
        frames = []
        for i, s in enumerate(self.history):
            f = s.margins.copy()
            f.insert(0, "converged", s.converged)
            f.insert(0, "iterations", s.iterations)
            f.insert(0, "method", s.method)
            f.insert(0, "step", i + 1)
            f["w_min"], f["w_max"], f["w_mean"] = s.weights_min, s.weights_max, s.weights_mean
            f["w_cv"], f["kish_deff"], f["n_eff"], f["detail"] = (s.weights_cv, s.kish_deff,
                                                                  s.n_eff, s.detail)
            frames.append(f)
        if not frames:
            s0 = weight_summary(self.weights)
            return pd.DataFrame([{"step": 0, "method": "design", "iterations": 0,
                                  "converged": True, "margin": "", "cell": "",
                                  "target": np.nan, "achieved": s0["sum"], "diff": np.nan,
                                  "w_min": s0["min"], "w_max": s0["max"], "w_mean": s0["mean"],
                                  "w_cv": s0["cv"], "kish_deff": s0["kish_deff"],
                                  "n_eff": s0["n_eff"], "detail": ""}])
        return pd.concat(frames, ignore_index=True)


def _qr_pivot(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from scipy.linalg import qr

    q, r, piv = qr(x, mode="economic", pivoting=True)
    return q, r, piv

