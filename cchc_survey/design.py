"""The survey design object and weighting (design weights, post-stratification, raking, trimming).

A :class:`SurveyDesign` carries the data together with the design: analysis weights, strata,
primary sampling units (PSUs), an optional finite-population correction and the *calibration
history*. It is immutable: :meth:`SurveyDesign.poststratify`, :meth:`SurveyDesign.rake`,
:meth:`SurveyDesign.calibrate` and :meth:`SurveyDesign.trim` return a new design that remembers
what was done, so that :meth:`SurveyDesign.variance` can linearise through the calibration exactly
as R's ``survey`` package does (Lumley 2010, *Complex Surveys*, ch. 7; ``survey:::svyrecvar``).

Variance (Taylor linearisation, with-replacement first stage)::

    V = sum_h (1 - f_h) * n_h / (n_h - 1) * sum_i (z_hi - zbar_h)(z_hi - zbar_h)'

where ``z_hi`` is the total over PSU ``i`` of stratum ``h`` of the (calibration-residualised)
influence values and ``n_h`` the number of PSUs of the stratum in the *full* design (a domain
keeps every PSU; PSUs without domain members contribute zeros). Design degrees of freedom are
``#PSU - #strata``.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"w": [1.0, 2, 3, 4], "s": ["a", "a", "b", "b"], "p": [1, 2, 1, 2]})
    >>> des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    >>> des.degf
    2
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
from scipy import sparse

from .errors import CchcSurveyError

LonelyPSU: TypeAlias = Literal["fail", "adjust", "average", "remove", "certainty"]
_LONELY = ("fail", "adjust", "average", "remove", "certainty")


class DesignError(CchcSurveyError):
    """The design specification (weights, strata, PSU, FPC columns) is unusable."""


class WeightingError(CchcSurveyError):
    """Post-stratification, raking, calibration or trimming cannot be done as asked."""


class LonelyPSUError(DesignError):
    """A stratum has a single PSU and ``lonely_psu='fail'`` was chosen."""


# ----------------------------------------------------------------------------------------------
# helpers


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


def text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``_codes(values.astype(str))``, the text made once per distinct value, not once per row.

    The levels are the distinct texts in sorted order, as when the whole column is turned into
    text first (1M integer PSU labels: one factorisation and 1,200 ``str``, not 1M). Distinct
    values are told apart as their texts are: numbers by their bits (``-0.0`` is not ``0.0``),
    and a column of Python objects (where ``1 == 1.0 == True``) is made text row by row.
    Missing values (NaN, None, NA) get code -1 and no level.
    """
    missing = values.isna().to_numpy()
    if missing.any():
        codes = np.full(len(values), -1, dtype=np.int64)
        present, present_levels = text_codes(values[~missing])
        codes[~missing] = present
        return codes, present_levels
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


def _cross_codes(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Codes of the crossing of several coded variables, cells in lexicographic order.

    Each part is ``(codes, levels)`` with levels sorted; the combined code of a row is its
    position among the (level, level, ...) tuples that occur, sorted (what
    ``MultiIndex.factorize(sort=True)`` gives on the texts, without a tuple per row).
    """
    codes, levels = parts[0]
    cells: list[tuple[str, ...]] = [(str(x),) for x in levels]
    for c2, l2 in parts[1:]:
        key = codes * np.int64(len(l2)) + c2
        codes, present = pd.factorize(key, sort=True)
        codes = codes.astype(np.int64)
        cells = [(*cells[int(k) // len(l2)], str(l2[int(k) % len(l2)])) for k in present]
    return codes, cells


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


# ----------------------------------------------------------------------------------------------
# the design


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """An immutable survey design: data, weights, strata, PSUs, FPC, calibration history.

    Build it with :meth:`from_frame`. ``weights`` are the current analysis weights.
    """

    data: pd.DataFrame
    weights: np.ndarray
    strata: np.ndarray  # (n,) stratum code
    psu: np.ndarray  # (n,) PSU code, unique over the whole design
    psu_stratum: np.ndarray  # (npsu,) stratum code of each PSU
    strata_levels: np.ndarray
    n_psu_h: np.ndarray  # (nstrata,) PSUs per stratum in the full design
    fpc_h: np.ndarray  # (nstrata,) sampling fraction of PSUs (0 = none)
    lonely_psu: LonelyPSU = "adjust"
    calibrations: tuple[Calibration, ...] = ()
    history: tuple[WeightingStep, ...] = field(default_factory=tuple)
    spec: Mapping[str, str | None] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, weights: str | None = None,
                   probs: str | Sequence[str] | None = None, strata: str | None = None,
                   cluster: str | None = None, fpc: str | None = None, nest: bool = True,
                   lonely_psu: LonelyPSU = "adjust") -> SurveyDesign:
        """Declare the design of ``df`` (as ``survey::svydesign``).

        Args:
            df: one row per respondent.
            weights: column of sampling weights; or
            probs: column of selection probabilities, or one column per stage (weights =
                1 / product of the stage probabilities, ``svydesign(probs=~p1+p2)``).
                Neither: every weight is 1.
            strata: stratum column (none: one stratum).
            cluster: PSU column (none: each row is its own PSU).
            fpc: finite-population correction per row, constant within stratum: a sampling
                fraction (<= 1) or the number of PSUs in the stratum's population (> 1).
            nest: PSU labels are only unique inside their stratum (R's ``nest=TRUE``).
            lonely_psu: what a stratum with one PSU does, as ``options(survey.lonely.psu)``.

        Raises:
            DesignError: a named column is missing, has missing values, or weights are not
                positive and finite; PSUs not nested in strata when ``nest=False``.
        """
        if lonely_psu not in _LONELY:
            raise DesignError(f"lonely_psu={lonely_psu!r} is not one of {_LONELY}.")
        n = len(df)
        if n == 0:
            raise DesignError("the data frame has no rows; a design needs respondents.")
        prob_cols = [probs] if isinstance(probs, str) else list(probs or [])
        for role, col in (("weights", weights), *(("probs", pc) for pc in prob_cols),
                          ("strata", strata), ("cluster", cluster), ("fpc", fpc)):
            if col is not None:
                if col not in df.columns:
                    raise DesignError(f"{role} column {col!r} is not in the data; columns are "
                                      f"{list(df.columns)[:20]}.")
                bad = df[col].isna().to_numpy()
                if bad.any():
                    row = int(np.flatnonzero(bad)[0])
                    raise DesignError(f"{role} column {col!r} is missing at row {row} "
                                      f"({int(bad.sum())} rows); fill or drop those rows first.")
        if weights is not None and probs is not None:
            raise DesignError("give weights= or probs=, not both.")
        if weights is not None:
            w = pd.to_numeric(df[weights], errors="coerce").to_numpy(dtype=float)
            what = f"weights column {weights!r}"
        elif prob_cols:
            w = np.ones(n)
            for pc in prob_cols:
                p = pd.to_numeric(df[pc], errors="coerce").to_numpy(dtype=float)
                if np.any(~(p > 0)) or np.any(p > 1):
                    row = int(np.flatnonzero(~((p > 0) & (p <= 1)))[0])
                    raise DesignError(f"probs column {pc!r} must be in (0, 1]; row {row} is "
                                      f"{float(p[row])!r}.")
                w = w / p
            what = f"probs columns {prob_cols}"
        else:
            w = np.ones(n)
            what = "weights"
        badw = ~np.isfinite(w) | (w <= 0)
        if badw.any():
            row = int(np.flatnonzero(badw)[0])
            raise DesignError(f"{what}: weights must be positive and finite; row {row} has "
                              f"{float(w[row])!r} ({int(badw.sum())} bad rows).")
        if strata is not None:
            s_codes, s_levels = text_codes(df[strata])
        else:
            s_codes, s_levels = np.zeros(n, dtype=np.int64), np.array(["1"], dtype=object)
        if cluster is not None:
            l_codes, p_levels = text_codes(df[cluster])
            if nest:
                # PSU = (stratum, label), numbered in the order of the text "stratum\x1flabel":
                # stratum codes by their text, then labels by theirs (the \x1f separator sorts
                # before every character of a code, so a shorter code comes first)
                s_rank = np.argsort(np.argsort(np.array([str(i) for i in range(len(s_levels))],
                                                        dtype=object), kind="stable"))
                key = s_rank[s_codes] * np.int64(len(p_levels)) + l_codes
                p_codes, _ = _codes(key)
            else:
                p_codes = l_codes
                per = pd.Series(s_codes).groupby(p_codes).nunique().to_numpy()
                if (per > 1).any():
                    lab = p_levels[int(np.argmax(per > 1))]
                    raise DesignError(f"PSU {lab!r} of column {cluster!r} appears in more than "
                                      "one stratum; PSU labels repeat across strata, use "
                                      "nest=True.")
        else:
            p_codes = np.arange(n, dtype=np.int64)
        npsu = int(p_codes.max()) + 1
        psu_stratum = np.zeros(npsu, dtype=np.int64)
        psu_stratum[p_codes] = s_codes
        nstrata = len(s_levels)
        n_psu_h = np.bincount(psu_stratum, minlength=nstrata)
        fpc_h = np.zeros(nstrata)
        if fpc is not None:
            fv = pd.to_numeric(df[fpc], errors="coerce").to_numpy(dtype=float)
            per_h = pd.Series(fv).groupby(s_codes).agg(["min", "max"])
            differs = (per_h["min"] != per_h["max"]).to_numpy()
            if differs.any():
                h = int(np.argmax(differs))
                raise DesignError(f"fpc column {fpc!r} differs inside stratum "
                                  f"{s_levels[h]!r}; it must be constant within a stratum.")
            fh = per_h["min"].to_numpy()
            frac = np.where(fh > 1, n_psu_h / np.where(fh > 1, fh, 1), fh)
            if np.any(frac < 0) or np.any(frac > 1):
                raise DesignError(f"fpc column {fpc!r} gives a sampling fraction outside [0, 1] "
                                  "(fewer population PSUs than sampled?).")
            fpc_h = frac
        if lonely_psu == "fail" and np.any(n_psu_h == 1):
            h = int(np.flatnonzero(n_psu_h == 1)[0])
            raise LonelyPSUError(f"stratum {s_levels[h]!r} has only one PSU; choose lonely_psu="
                                 "'adjust', 'average', 'remove' or 'certainty', or merge strata.")
        return cls(data=df.reset_index(drop=True), weights=w, strata=s_codes, psu=p_codes,
                   psu_stratum=psu_stratum, strata_levels=s_levels, n_psu_h=n_psu_h,
                   fpc_h=fpc_h, lonely_psu=lonely_psu,
                   spec={"weights": weights, "probs": ",".join(prob_cols) or None,
                         "strata": strata,
                         "cluster": cluster, "fpc": fpc})

    # ------------------------------------------------------------------ properties
    @property
    def n(self) -> int:
        """Number of rows (respondents)."""
        return int(self.weights.size)

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.size)

    @property
    def degf(self) -> int:
        """Design degrees of freedom ``#PSU - #strata`` (``survey::degf``)."""
        return int(self.n_psu - self.strata_levels.size)

    @property
    def calibrated(self) -> bool:
        return bool(self.calibrations)

    def with_weights(self, w: np.ndarray) -> SurveyDesign:
        """The same design with other analysis weights (no calibration remembered)."""
        w = np.asarray(w, dtype=float)
        if w.shape != self.weights.shape:
            raise DesignError(f"weights have shape {w.shape}, the design has {self.n} rows.")
        return replace(self, weights=w, calibrations=(), history=())

    def series(self, name: str) -> pd.Series:
        """A column of the design's data in its own dtype (error naming it when absent)."""
        if name not in self.data.columns:
            raise DesignError(f"column {name!r} is not in the design's data.")
        return self.data[name]

    def column(self, name: str) -> np.ndarray:
        return self.series(name).to_numpy()

    # ------------------------------------------------------------------ variance
    def residualise(self, x: np.ndarray) -> np.ndarray:
        """Apply every remembered calibration projection to influence values ``x`` (n, m)."""
        for cal in self.calibrations:
            x = cal.residualise(x)
        return x

    def psu_totals(self, x: np.ndarray) -> np.ndarray:
        """PSU totals (npsu, m) of the (already residualised) influence values."""
        return group_sum(self.psu, self.n_psu, x)

    def variance_from_psu_totals(self, z: np.ndarray,
                                 present: np.ndarray | None = None) -> np.ndarray:
        """Between-PSU, within-stratum variance of PSU totals ``z`` (npsu, m) or (npsu, D, m).

        ``present`` (nstrata, D) marks the strata that have rows in each domain; it only matters
        for ``lonely_psu='average'``, where R averages over the strata of the (subset) domain.

        Implements ``survey:::onestage`` with the lonely-PSU rules:
        ``adjust`` (single PSU centred at zero = the grand mean of influence values),
        ``average`` (mean variance of the other strata), ``remove``/``certainty`` (no
        contribution), ``fail`` (error).
        """
        nh = self.n_psu_h
        nstrata = nh.size
        extra = z.shape[1:]
        zf = z.reshape(z.shape[0], -1)
        sums = group_sum(self.psu_stratum, nstrata, zf)
        means = sums / nh[:, None]
        lonely = nh == 1
        center = means[self.psu_stratum]
        center[lonely[self.psu_stratum]] = 0.0  # adjust: centre at 0 (the grand mean)
        dev = zf - center
        scale = np.where(nh > 1, nh / np.maximum(nh - 1, 1), 1.0) * (1.0 - self.fpc_h)
        if self.lonely_psu in ("remove", "certainty", "average"):
            scale = np.where(lonely, 0.0, scale)
        elif self.lonely_psu == "fail" and lonely.any():
            h = int(np.flatnonzero(lonely)[0])
            raise LonelyPSUError(f"stratum {self.strata_levels[h]!r} has only one PSU.")
        dev = dev * np.sqrt(scale[self.psu_stratum])[:, None]
        if len(extra) <= 1:
            v = dev.T @ dev
        else:
            d3 = dev.reshape(z.shape[0], extra[0], -1).transpose(1, 0, 2)  # (D, npsu, m)
            v = d3.transpose(0, 2, 1) @ d3  # one (m x m) product per domain
        if self.lonely_psu == "average" and lonely.any():
            if present is None or self.calibrated or len(extra) <= 1:
                nok = int((~lonely).sum())
                v = v * (nstrata / nok) if nok else v * np.nan
            else:
                npres = present.sum(axis=0).astype(float)
                nokd = (present & ~lonely[:, None]).sum(axis=0).astype(float)
                with np.errstate(invalid="ignore", divide="ignore"):
                    fac = np.where(nokd > 0, npres / nokd, np.nan)
                v = v * fac[:, None, None]
        return np.asarray(v)

    def variance(self, influence: np.ndarray) -> np.ndarray:
        """Covariance matrix (m, m) of totals of influence values ``influence`` (n, m).

        Calibration-aware: the influence values are first residualised on every remembered
        post-stratification / raking / calibration, as ``survey:::svyrecvar`` does.
        """
        x = np.asarray(influence, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if x.shape[0] != self.n:
            raise DesignError(f"influence has {x.shape[0]} rows, the design has {self.n}.")
        x = self.residualise(x)
        return self.variance_from_psu_totals(self.psu_totals(x))

    # ------------------------------------------------------------------ weighting
    def _cell_codes(self, variables: Sequence[str], where: str,
                    cache: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                    ) -> tuple[np.ndarray, list[tuple[str, ...]]]:
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
            cache[v] = text_codes(self.data[v])
        return _cross_codes([cache[v] for v in variables])

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
        return new, step, rep

    def poststratify(self, by: str | Sequence[str],
                     population: pd.DataFrame | Margin, *, total: float | None = None) -> SurveyDesign:
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
        new, step, rep = self._poststrat_weights(self.weights, m)
        cal = Calibration(kind="poststratify", steps=(step,))
        rec = _step_record("poststratify", new, rep)
        return replace(self, weights=new, calibrations=(*self.calibrations, cal),
                       history=(*self.history, rec))

    def rake(self, margins: Mapping[str, pd.DataFrame | Margin] | Sequence[pd.DataFrame | Margin],
             *, maxit: int = 10, epsilon: float = 1.0, start: Literal["design", "unit"] = "design",
             total: float | None = None, strict: bool = True) -> SurveyDesign:
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
        jcodes, jcells = self._cell_codes(allvars, "rake", cache)
        coded = [self._cell_codes(m.variables, f"margin {m.name}", cache) for m in ms]
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
                                       "target": tgt, "achieved": ach, "diff": ach - tgt}))
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
        return replace(self, weights=w, calibrations=(*self.calibrations, cal),
                       history=(*self.history, rec))

    def calibrate(self, margins: Mapping[str, pd.DataFrame | Margin] | Sequence[pd.DataFrame | Margin],
                  *, calfun: Literal["linear", "raking"] = "linear", maxit: int = 50,
                  epsilon: float = 1e-10, total: float | None = None) -> SurveyDesign:
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
            codes, cells = self._cell_codes(m.variables, f"margin {m.name}")
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
                             "achieved": ach[j], "diff": ach[j] - m.targets[c]})
        cal = Calibration(kind="linear", steps=(), model=xm, weights=w0, g=g)  # as svyrecvar
        rec = _step_record(f"calibrate({calfun})", new, pd.DataFrame(rows), iterations=it,
                           converged=True)
        return replace(self, weights=new, calibrations=(*self.calibrations, cal),
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
        return replace(self, weights=w, history=(*self.history, rec))

    def weighting_report(self) -> pd.DataFrame:
        """One row per margin cell per weighting step, with the step's weight summary.

        Columns: step, method, iterations, converged, margin, cell, target, achieved, diff,
        w_min, w_max, w_mean, w_cv, kish_deff, n_eff, detail.
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
    npsu = design.n_psu
    m = g.shape[1]
    inside = dom >= 0
    codes = np.where(inside, design.psu * ndom + np.maximum(dom, 0), npsu * ndom)
    z = group_sum(codes, npsu * ndom + 1, g)[: npsu * ndom].reshape(npsu, ndom, m)
    if not design.calibrations:
        return z
    if any(c.kind == "linear" for c in design.calibrations):
        out = np.empty((npsu, ndom, m))
        for d in range(ndom):
            gd = g * (dom == d)[:, None]
            out[:, d, :] = design.psu_totals(design.residualise(gd))
        return out
    steps, schedule = calibration_schedule(design)
    dcode = np.maximum(dom, 0)
    S = []
    for st in steps:
        cc = np.where(inside, st.codes * ndom + dcode, st.ncell * ndom)
        S.append(group_sum(cc, st.ncell * ndom + 1, g * st.r[:, None])[: st.ncell * ndom]
                 .reshape(st.ncell, ndom, m))
    return project_cell_sums(design, z, steps, schedule, S)


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


def project_cell_sums(design: SurveyDesign, z: np.ndarray, steps: list[CalibrationStep],
                      schedule: list[int], S: list[np.ndarray]) -> np.ndarray:
    """PSU totals ``z`` (npsu, D, m) after post-stratification / raking projections, in cell space.

    The projections are linear and act through cell means, so the residual of the domain's
    influence values is ``g - sum_u psw_u M_u[cell_u]`` with ``M_s = (S_s - sum_u K_su M_u) /
    D_s`` applied in ``svyrecvar``'s order (:func:`calibration_schedule`), ``S_s`` (ncell_s, D,
    m) the (cell, domain) sums of ``r_s g`` and ``K_su[c, c'] = sum_{i in c and c'} r_s psw_u``.
    Only (cell x cell) and (PSU x cell) matrices are formed, never an (n x D m) one.
    """
    npsu, ndom, m = z.shape
    K: dict[tuple[int, int], np.ndarray] = {}
    M = [np.zeros((st.ncell, ndom * m)) for st in steps]
    for s in schedule:
        st = steps[s]
        acc = S[s].reshape(st.ncell, ndom * m).copy()
        for u, su in enumerate(steps):
            if not M[u].any():
                continue
            if (s, u) not in K:
                K[(s, u)] = np.bincount(st.codes * su.ncell + su.codes, weights=st.r * su.psw,
                                        minlength=st.ncell * su.ncell).reshape(st.ncell, su.ncell)
            acc -= K[(s, u)] @ M[u]
        M[s] += acc / st.denom[:, None]
    out = z.reshape(npsu, ndom * m).copy()
    for u, su in enumerate(steps):
        h = np.bincount(design.psu * su.ncell + su.codes, weights=su.psw,
                        minlength=npsu * su.ncell).reshape(npsu, su.ncell)
        out -= h @ M[u]
    return out.reshape(npsu, ndom, m)
