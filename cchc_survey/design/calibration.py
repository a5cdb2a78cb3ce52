"""Calibration steps (what ``svyrecvar`` needs to residualise influence values), population
margins and the record of each weighting step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from .errors import WeightingError
from .kernels import group_sum

# ----------------------------------------------------------------------------------------------
# calibration steps (what svyrecvar needs to residualise influence values)


@dataclass(frozen=True, eq=False)
class CalibrationStep:
    """One projection applied to influence values before the PSU totals are formed.

    The residual is ``x - psw * mu[cell]`` with ``mu_c = sum_{i in c} r_i x_i / D_c``.

    * post-stratification (``survey::postStratify``): ``r = oldw / psw``, ``D_c = sum_c oldw``
      (a weighted least-squares projection on the cell indicators);
    * one margin of a raking (``survey::rake``): ``r = 1 / psw``, ``D_c = #rows in c``; the
      margins of a raking are projected in turn, 10 sweeps, as ``svyrecvar`` does.
    """

    name: str
    codes: np.ndarray
    ncell: int
    psw: np.ndarray
    r: np.ndarray
    denom: np.ndarray

    def residualise(self, x: np.ndarray) -> np.ndarray:
        mu = group_sum(self.codes, self.ncell, x * self.r[:, None]) / self.denom[:, None]
        return np.asarray(x - self.psw[:, None] * mu[self.codes])


@dataclass(frozen=True, eq=False)
class Calibration:
    """A post-stratification (one step) or a raking (several margins, swept ``sweeps`` times)."""

    kind: Literal["poststratify", "raking", "linear"]
    steps: tuple[CalibrationStep, ...]
    sweeps: int = 1
    model: np.ndarray | None = None  # calibrate(): model matrix (n, p)
    weights: np.ndarray | None = None  # calibrate(): weights before calibration
    g: np.ndarray | None = None  # calibrate(): g-weights (new = weights * g)

    def residualise(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            # survey::svyrecvar for calibrate(): qr.resid(qr(X sqrt(w0)), x/(g sqrt(w0))) g sqrt(w0)
            # = x - g w0 X beta, beta = (X' W0 X)^-1 X' (x / g)
            if self.model is None or self.weights is None or self.g is None:
                raise WeightingError("a calibration without its model matrix.")
            xm, w0, g = self.model, self.weights, self.g
            beta = np.linalg.lstsq(xm.T @ (xm * w0[:, None]), xm.T @ (x / g[:, None]),
                                   rcond=None)[0]
            return np.asarray(x - (g * w0)[:, None] * (xm @ beta))
        for _ in range(self.sweeps):
            for step in self.steps:
                x = step.residualise(x)
        return x


# ----------------------------------------------------------------------------------------------
# weighting report


@dataclass(frozen=True)
class WeightingStep:
    """What one weighting operation did: method, iterations, convergence, margins, weights."""

    method: str
    iterations: int
    converged: bool
    margins: pd.DataFrame  # columns: margin, cell, target, achieved, diff
    weights_min: float
    weights_max: float
    weights_mean: float
    weights_cv: float
    kish_deff: float
    n_eff: float
    detail: str = ""


def weight_summary(w: np.ndarray) -> dict[str, float]:
    """Sum, min, max, mean, CV of the weights, Kish's deff ``n sum w^2 / (sum w)^2`` and n/deff."""
    n = w.size
    s = float(w.sum())
    kish = float(n * np.sum(w * w) / (s * s))
    return {
        "sum": s, "min": float(w.min()), "max": float(w.max()), "mean": float(w.mean()),
        "cv": float(w.std(ddof=1) / w.mean()) if n > 1 else float("nan"),
        "kish_deff": kish, "n_eff": n / kish,
    }


def _step_record(method: str, w: np.ndarray, margins: pd.DataFrame, iterations: int = 1,
                 converged: bool = True, detail: str = "") -> WeightingStep:
    s = weight_summary(w)
    return WeightingStep(method=method, iterations=iterations, converged=converged,
                         margins=margins, weights_min=s["min"], weights_max=s["max"],
                         weights_mean=s["mean"], weights_cv=s["cv"], kish_deff=s["kish_deff"],
                         n_eff=s["n_eff"], detail=detail)


# ----------------------------------------------------------------------------------------------
# margins


@dataclass(frozen=True)
class Margin:
    """Population targets for one (possibly crossed) margin.

    Attributes:
        name: label used in reports and errors (``"gender+age_group"``).
        variables: the data columns crossed by this margin.
        targets: cell (tuple of values as strings) -> population count.
    """

    name: str
    variables: tuple[str, ...]
    targets: Mapping[tuple[str, ...], float]


def margin_from_frame(table: pd.DataFrame, *, name: str | None = None,
                      total: float | None = None) -> Margin:
    """Build a :class:`Margin` from R's ``population=`` shape: variable columns + ``Freq``.

    A ``share`` column instead of ``Freq`` gives shares that are scaled by ``total``.
    """
    if "Freq" in table.columns:
        valcol = "Freq"
        vals = table["Freq"].to_numpy(dtype=float)
    elif "share" in table.columns:
        valcol = "share"
        if total is None:
            raise WeightingError(f"margin {name or list(table.columns)}: shares were given but no "
                                 "population total; pass total= (or give counts in 'Freq').")
        vals = table["share"].to_numpy(dtype=float) / table["share"].sum() * total
    else:
        raise WeightingError(f"margin table with columns {list(table.columns)} has no 'Freq' "
                             "(counts) or 'share' column; add one.")
    variables = tuple(c for c in table.columns if c != valcol)
    if not variables:
        raise WeightingError("margin table has no variable columns besides the counts.")
    keys = [tuple(str(v) for v in row) for row in table[list(variables)].itertuples(index=False)]
    if len(set(keys)) != len(keys):
        raise WeightingError(f"margin {name or '+'.join(variables)} lists a cell twice; "
                             "each cell must appear once.")
    if np.any(~np.isfinite(vals)) or np.any(vals < 0):
        raise WeightingError(f"margin {name or '+'.join(variables)}: targets must be finite and "
                             ">= 0.")
    return Margin(name=name or "+".join(variables), variables=variables,
                  targets=dict(zip(keys, (float(v) for v in vals), strict=True)))


def _as_margins(margins: Mapping[str, pd.DataFrame | Margin] | Sequence[pd.DataFrame | Margin],
                total: float | None) -> list[Margin]:
    items: list[tuple[str | None, pd.DataFrame | Margin]]
    if isinstance(margins, Mapping):
        items = [(str(k), v) for k, v in margins.items()]
    else:
        items = [(None, v) for v in margins]
    out: list[Margin] = []
    for name, m in items:
        if isinstance(m, Margin):
            out.append(m if name is None else replace(m, name=name))
        else:
            out.append(margin_from_frame(m, name=name, total=total))
    return out

