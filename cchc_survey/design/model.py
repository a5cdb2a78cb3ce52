"""The survey design object: data, weights, strata, PSUs (and later stages), FPC, calibrations.

A :class:`SurveyDesign` carries the data together with the design: analysis weights, strata,
primary sampling units (PSUs), an optional finite-population correction at each stage and the
*calibration history*. It is immutable: :meth:`SurveyDesign.poststratify`,
:meth:`SurveyDesign.rake`, :meth:`SurveyDesign.calibrate` and :meth:`SurveyDesign.trim`
(:mod:`.weighting`) return a new design that remembers what was done, so that
:meth:`SurveyDesign.variance` can linearise through the calibration exactly as R's ``survey``
package does (Lumley 2010, *Complex Surveys*, ch. 7; ``survey:::svyrecvar``).

Variance (Taylor linearisation, with-replacement first stage unless an FPC is given)::

    V = sum_h (1 - f_h) * n_h / (n_h - 1) * sum_i (z_hi - zbar_h)(z_hi - zbar_h)'

where ``z_hi`` is the total over PSU ``i`` of stratum ``h`` of the (calibration-residualised)
influence values and ``n_h`` the number of PSUs of the stratum in the *full* design (a domain
keeps every PSU; PSUs without domain members contribute zeros). With several stages and an FPC
(``svydesign(id=~psu+ssu, fpc=~f1+f2)``) the later stages add ``sum_i f_1i V_2i`` (R's
``multistage``); ``ultimate_cluster=True`` keeps the first term only. Design degrees of freedom
are ``#PSU - #strata``.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"w": [1.0, 2, 3, 4], "s": ["a", "a", "b", "b"], "p": [1, 2, 1, 2]})
    >>> des = SurveyDesign.from_frame(df, weights="w", strata="s", cluster="p")
    >>> des.degf
    2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from ..engine import Engine, check_engine
from .calibration import Calibration, WeightingStep
from .errors import DesignError, LonelyPSUError
from .kernels import _codes, group_sum, text_codes
from .weighting import WeightingMixin

LonelyPSU: TypeAlias = Literal["fail", "adjust", "average", "remove", "certainty"]
_LONELY = ("fail", "adjust", "average", "remove", "certainty")


@dataclass(frozen=True, eq=False)
class Stage:
    """A later sampling stage (2, 3, ...) of a multistage design, as ``svydesign(id=~psu+ssu)``.

    The stage's units are sampled inside the units of the previous stage (its *parents*: the PSUs
    for stage 2), so the parents act as the stage's strata (``survey:::multistage``).

    Attributes:
        column: the data column that labels the stage's units (labels need only be unique
            inside their parent).
        unit: (n,) code of each row's unit at this stage, unique over the design.
        parent: (nunits,) code of each unit's parent (a unit of the previous stage).
        n_units: (nparents,) sampled units in each parent.
        fraction: (nparents,) sampling fraction of the stage inside each parent (``n / N``).
        scale: (nparents,) product of the sampling fractions of the earlier stages along the
            parent's chain (``f_1`` for stage 2, ``f_1 f_2`` for stage 3): the weight of the
            stage's variance in the total, as ``multistage`` multiplies by ``nPSU / fpc``.
    """

    column: str
    unit: np.ndarray
    parent: np.ndarray
    n_units: np.ndarray
    fraction: np.ndarray
    scale: np.ndarray


@dataclass(frozen=True, eq=False)
class SurveyDesign(WeightingMixin):
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
    stages: tuple[Stage, ...] = ()
    """Later stages whose variance is added (without replacement at stage 1 and not
    ``ultimate_cluster``); empty for one-stage designs and the ultimate-cluster approximation."""

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, weights: str | None = None,
                   probs: str | Sequence[str] | None = None, strata: str | None = None,
                   cluster: str | Sequence[str] | None = None,
                   fpc: str | Sequence[str] | None = None, nest: bool = True,
                   lonely_psu: LonelyPSU = "adjust", ultimate_cluster: bool = False,
                   engine: Engine = "auto") -> SurveyDesign:
        """Declare the design of ``df`` (as ``survey::svydesign``).

        Args:
            df: one row per respondent.
            weights: column of sampling weights; or
            probs: column of selection probabilities, or one column per stage (weights =
                1 / product of the stage probabilities, ``svydesign(probs=~p1+p2)``).
                Neither: every weight is 1.
            strata: stratum column (none: one stratum).
            cluster: PSU column (none: each row is its own PSU), or one column per stage
                (``["commune", "household"]`` = ``svydesign(id=~commune+household)``); the
                labels of a later stage need only be unique inside their parent unit.
            fpc: finite-population correction per row, constant within stratum: a sampling
                fraction (<= 1) or the number of PSUs in the stratum's population (> 1); with
                several stages one column per stage (``fpc=~f1+f2``), the stage-``s`` value
                constant within each unit of stage ``s - 1``. Then the variance is R's
                multistage one: ``V = V_1 + sum_i f_1i V_2i + ...`` (``survey:::multistage``),
                stage 2 computed inside each PSU as stage 1 is inside each stratum.
            ultimate_cluster: True for R's ``options(survey.ultimate.cluster = TRUE)``: the
                first stage's variance only, whatever the later stages and FPCs.
            engine: ``"reference"`` codes strata and PSUs from the text of every row (the
                definition); ``"auto"`` from the text of each distinct value (same codes).
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
        check_engine(engine)
        prob_cols = [probs] if isinstance(probs, str) else list(probs or [])
        clusters = [cluster] if isinstance(cluster, str) else list(cluster or [])
        fpcs = [fpc] if isinstance(fpc, str) else list(fpc or [])
        if len(fpcs) > max(1, len(clusters)):
            raise DesignError(f"fpc= names {len(fpcs)} columns for {len(clusters)} stage(s); give "
                              "one fpc column per stage (fpc=[f1, f2] with cluster=[psu, ssu]).")
        cluster = clusters[0] if clusters else None
        fpc = fpcs[0] if fpcs else None
        for role, col in (("weights", weights), *(("probs", pc) for pc in prob_cols),
                          ("strata", strata), *(("cluster", c) for c in clusters),
                          *(("fpc", f) for f in fpcs)):
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
            s_codes, s_levels = text_codes(df[strata], engine=engine)
        else:
            s_codes, s_levels = np.zeros(n, dtype=np.int64), np.array(["1"], dtype=object)
        if cluster is not None:
            l_codes, p_levels = text_codes(df[cluster], engine=engine)
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
        stages: tuple[Stage, ...] = ()
        if len(clusters) > 1 and fpc is not None and not ultimate_cluster:
            stages = _later_stages(df, clusters, fpcs, p_codes, fpc_h[psu_stratum], lonely_psu,
                                   engine)
        return cls(data=df.reset_index(drop=True), weights=w, strata=s_codes, psu=p_codes,
                   psu_stratum=psu_stratum, strata_levels=s_levels, n_psu_h=n_psu_h,
                   fpc_h=fpc_h, lonely_psu=lonely_psu, stages=stages,
                   spec={"weights": weights, "probs": ",".join(prob_cols) or None,
                         "strata": strata, "cluster": "+".join(clusters) or None,
                         "fpc": "+".join(fpcs) or None,
                         "ultimate_cluster": str(ultimate_cluster) if len(clusters) > 1 else None})

    # ------------------------------------------------------------------ properties
    @property
    def n(self) -> int:
        """Number of rows (respondents)."""
        return int(self.weights.size)

    @property
    def n_psu(self) -> int:
        return int(self.psu_stratum.size)

    @property
    def n_stages(self) -> int:
        """Sampling stages whose variance is computed (1 + later stages)."""
        return 1 + len(self.stages)

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
        return self.variance_from_stage_totals([self.psu_totals(x), *self.stage_totals(x)])

    def stage_totals(self, x: np.ndarray) -> list[np.ndarray]:
        """Totals (nunits, m) of ``x`` in the units of each later stage (empty: one stage)."""
        return [group_sum(st.unit, st.parent.size, x) for st in self.stages]

    def variance_from_stage_totals(self, totals: Sequence[np.ndarray],
                                   present: np.ndarray | None = None) -> np.ndarray:
        """The multistage variance from the unit totals of every stage (``survey:::multistage``).

        ``totals[0]`` are the PSU totals (npsu, ...) and ``totals[s]`` the totals in the units of
        :attr:`stages` ``[s - 1]`` (same trailing shape). Stage 1 is
        :meth:`variance_from_psu_totals`; stage ``s >= 2`` is the same between-unit variance with
        the stage's parents as strata (``n/(n-1) (1 - f)`` per parent), each parent's part
        multiplied by the product of the earlier sampling fractions (:attr:`Stage.scale`). A
        parent with a single sampled unit adds its uncentred square times ``1 - f`` under
        ``lonely_psu='adjust'`` and nothing under ``remove``/``certainty`` (R's ``onestrat``).
        """
        v = self.variance_from_psu_totals(totals[0], present)
        for st, z in zip(self.stages, totals[1:], strict=True):
            v = v + _stage_variance(st, z, self.lonely_psu)
        return v


def _fractions(values: np.ndarray, groups: np.ndarray, n_sampled: np.ndarray, column: str,
               where: str) -> np.ndarray:
    """Sampling fraction per group from an fpc column (a fraction <= 1 or a population size > 1),
    which must be constant within each group."""
    per = pd.Series(values).groupby(groups).agg(["min", "max"])
    differs = (per["min"] != per["max"]).to_numpy()
    if differs.any():
        raise DesignError(f"fpc column {column!r} differs inside {where} "
                          f"{int(per.index[int(np.argmax(differs))])}; it must be constant "
                          f"within each {where}.")
    fh = per["min"].to_numpy()
    frac = np.where(fh > 1, n_sampled / np.where(fh > 1, fh, 1), fh)
    if np.any(~np.isfinite(frac)) or np.any(frac < 0) or np.any(frac > 1):
        raise DesignError(f"fpc column {column!r} gives a sampling fraction outside [0, 1] "
                          "(fewer population units than sampled?).")
    return np.asarray(frac, dtype=float)


def _later_stages(df: pd.DataFrame, clusters: Sequence[str], fpcs: Sequence[str],
                  psu: np.ndarray, f1: np.ndarray, lonely_psu: str,
                  engine: Engine) -> tuple[Stage, ...]:
    """The stages after the first (units nested in the previous stage's units, one FPC each)."""
    if len(fpcs) < len(clusters):
        raise DesignError(f"cluster= has {len(clusters)} stages but fpc= only {len(fpcs)} "
                          "column(s); give one fpc column per stage (R's fpc=~f1+f2), or "
                          "ultimate_cluster=True for the first stage's variance only.")
    if lonely_psu in ("average", "fail"):
        pass  # checked per stage below, where a parent has one unit
    stages: list[Stage] = []
    parent_codes, scale_units = psu, f1
    for col, fcol in zip(clusters[1:], fpcs[1:], strict=True):
        lab, levels = text_codes(df[col], engine=engine)
        unit, _ = _codes(parent_codes * np.int64(max(len(levels), 1)) + lab)
        nunits = int(unit.max()) + 1
        parent = np.zeros(nunits, dtype=np.int64)
        parent[unit] = parent_codes
        nparents = int(parent_codes.max()) + 1
        n_units = np.bincount(parent, minlength=nparents)
        fv = pd.to_numeric(df[fcol], errors="coerce").to_numpy(dtype=float)
        frac = _fractions(fv, parent_codes, n_units, fcol, f"unit of the stage before {col!r}")
        lonely = n_units == 1
        if lonely.any() and lonely_psu in ("average", "fail"):
            raise LonelyPSUError(f"a unit of the stage before {col!r} has a single sampled "
                                 f"{col!r}; lonely_psu={lonely_psu!r} is not defined at later "
                                 "stages here. Fix: use lonely_psu='adjust', 'remove' or "
                                 "'certainty', or ultimate_cluster=True.")
        stages.append(Stage(column=col, unit=unit, parent=parent, n_units=n_units,
                            fraction=frac, scale=np.asarray(scale_units, dtype=float)))
        scale_units = (np.asarray(scale_units, dtype=float)[parent] * frac[parent])
        parent_codes = unit
    return tuple(stages)


def _stage_variance(st: Stage, z: np.ndarray, lonely_psu: str) -> np.ndarray:
    """One later stage's variance: between units inside each parent, weighted by ``scale``."""
    extra = z.shape[1:]
    zf = z.reshape(z.shape[0], -1)
    npar = st.n_units.size
    nh = st.n_units
    means = group_sum(st.parent, npar, zf) / nh[:, None]
    lonely = nh == 1
    center = means[st.parent]
    center[lonely[st.parent]] = 0.0 if lonely_psu == "adjust" else center[lonely[st.parent]]
    dev = zf - center
    scale = np.where(nh > 1, nh / np.maximum(nh - 1, 1), 1.0) * (1.0 - st.fraction) * st.scale
    scale = np.where(st.fraction > 1 - 1e-7, 0.0, scale)
    dev = dev * np.sqrt(scale[st.parent])[:, None]
    if len(extra) <= 1:
        return np.asarray(dev.T @ dev)
    d3 = dev.reshape(z.shape[0], extra[0], -1).transpose(1, 0, 2)
    return np.asarray(d3.transpose(0, 2, 1) @ d3)
