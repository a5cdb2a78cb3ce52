"""Result objects of the estimators: :class:`ContrastResult` (every domain x code at once) and
:class:`Estimate` (one number), both turning into the score-table shape with ``to_frame()``.

An interval is computed by the method asked for at the level asked for, or refused: a result
keeps the method of its intervals (``ci_method``: the t interval ``mean`` or a ``svyciprop``
method) and the degrees of freedom they rest on (``df_rule``: the domain's own, or the whole
design's), so ``ci(level)`` at another level recomputes the same interval, and a method that
needs the data (``likelihood``) is refused instead of silently replaced by a t interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from ..scoretable import score_table
from .errors import EstimationError
from .flags import PresentationStandard, presentation_flags
from .intervals import prop_interval, t_interval

DfRule: TypeAlias = Literal["domain", "design"]
"""Degrees of freedom of an interval: ``domain`` = PSUs - strata among those that hold a valid
answer in the domain (Korn & Graubard 1999, sec. 5.2; R's ``degf(subset(design, ...))``, which
``svyciprop`` and ``svyby(..., svyciprop)`` use); ``design`` = the whole design's ``degf`` (R's
``confint(svyby(...), df = degf(design))``). The default is ``domain``."""
DF_RULES: tuple[str, ...] = ("domain", "design")
PROPORTION_SCALE = {"proportion": (0.0, 1.0), "percent": (0.0, 100.0)}
"""The range of the units whose estimates the presentation standard reads as proportions."""


@dataclass(frozen=True)
class Domains:
    """Domain codes (n,) (-1 = in no domain), their labels and the grouping variable's name."""

    codes: np.ndarray
    labels: tuple[str, ...]
    var: str

    @property
    def size(self) -> int:
        return len(self.labels)


def _check_rule(rule: str) -> None:
    if rule not in DF_RULES:
        raise EstimationError(f"df={rule!r} is not one of {DF_RULES}. Fix: 'domain' (the "
                              "domain's own degrees of freedom) or 'design' (the design's).")


@dataclass(frozen=True, eq=False)
class ContrastResult:
    """Estimates of ``L @ p`` (rows of L) in each domain: arrays of shape (D, m).

    Attributes:
        estimate, se, deff, deff_replace, n, n_eff: (D, m) arrays. ``deff`` is NaN (with an
            :class:`~cchc_survey.estimate.errors.EstimationWarning`) where it is undefined: every
            valid answer the same, so both variances are 0.
        df: the whole design's degrees of freedom (``degf``).
        domain_df: (D, m) PSUs - strata among those holding a valid answer (NaN: none).
        df_rule: which of the two the intervals use (:data:`DfRule`).
        n_rows: (D, m) rows of the domain R's ``svyciprop`` runs on (Korn-Graubard's ``n``).
        ci_method: the interval method (``mean`` = t interval; a ``svyciprop`` method).
        ci_low, ci_high: the intervals at ``level`` when they were computed with the data
            (``likelihood``); otherwise None and computed on demand.
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
    domain_df: np.ndarray | None = None
    df_rule: DfRule = "domain"
    n_rows: np.ndarray | None = None
    ci_method: str = "mean"
    ci_low: np.ndarray | None = None
    ci_high: np.ndarray | None = None
    fixed_df: float | None = None

    @property
    def interval_df(self) -> np.ndarray:
        """(D, m) degrees of freedom of the intervals (at least 1: a domain in a single PSU
        has none of its own and gets the widest defined interval, and a flag)."""
        shape = self.estimate.shape
        if self.fixed_df is not None:
            return np.full(shape, float(self.fixed_df))
        if self.df_rule == "domain" and self.domain_df is not None:
            d = np.where(np.isfinite(self.domain_df), self.domain_df, float(self.df))
            return np.maximum(d, 1.0)
        return np.full(shape, float(self.df))

    @property
    def rows(self) -> np.ndarray:
        """(D, m) Korn-Graubard ``n`` (rows of the domain; valid answers when unknown)."""
        return self.n.astype(float) if self.n_rows is None else self.n_rows

    def with_df(self, rule: DfRule) -> ContrastResult:
        """The same estimates with intervals on the ``domain`` or the ``design`` df."""
        _check_rule(rule)
        return replace(self, df_rule=rule, fixed_df=None, ci_low=None, ci_high=None)

    def with_interval_df(self, df: float) -> ContrastResult:
        """The same estimates with intervals on ``df`` degrees of freedom everywhere."""
        return replace(self, fixed_df=float(df), ci_low=None, ci_high=None)

    def with_interval(self, method: str, level: float, low: np.ndarray | None = None,
                      high: np.ndarray | None = None) -> ContrastResult:
        """The same estimates whose intervals are ``method`` at ``level`` (given or computed)."""
        if method == "likelihood" and (low is None or high is None):
            raise EstimationError("likelihood intervals need the data; compute them with "
                                  "ciprop(design, ..., method='likelihood').")
        out = replace(self, ci_method=method, level=level, ci_low=None, ci_high=None)
        if low is None or high is None:
            low, high = out.ci(level)
        return replace(out, ci_low=np.asarray(low, dtype=float),
                       ci_high=np.asarray(high, dtype=float))

    def ci(self, level: float | None = None,
           method: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Intervals at ``level`` (default: the result's) by ``method`` (default: its own).

        ``mean``: ``estimate -/+ t_{df}(1 - alpha/2) se`` (``confint(..., df=)``); a
        ``svyciprop`` method (proportions only): :func:`~cchc_survey.estimate.intervals.
        prop_interval`. ``likelihood`` at a level other than the one computed is refused.
        """
        lev = self.level if level is None else float(level)
        meth = self.ci_method if method is None else method
        if (meth == self.ci_method and lev == self.level and self.ci_low is not None
                and self.ci_high is not None):
            return self.ci_low.copy(), self.ci_high.copy()
        if meth == "likelihood":
            raise EstimationError(f"a likelihood interval at level {lev} needs the data; call "
                                  f"ciprop(design, ..., method='likelihood', level={lev}).")
        if meth == "mean":
            return t_interval(self.estimate, self.se, self.interval_df, lev)
        if self.unit != "proportion":
            raise EstimationError(f"interval method {meth!r} is for proportions; these "
                                  f"estimates are in {self.unit!r}. Fix: method='mean' (t).")
        return prop_interval(meth, self.estimate, self.se, self.interval_df, self.rows,
                             self.n, lev)

    def to_frame(self, level: float | None = None, *,
                 standard: PresentationStandard | str | None = None) -> pd.DataFrame:
        """Score-table rows (one per domain x code), with the domain df and the reliability
        flag of ``standard`` (:mod:`~cchc_survey.estimate.flags`; default NCHS 2017)."""
        lev = self.level if level is None else level
        lo, hi = self.ci(lev)
        D, m = self.estimate.shape
        rng = PROPORTION_SCALE.get(self.unit, (-np.inf, np.inf))
        dom_df = (self.domain_df if self.domain_df is not None
                  else np.full((D, m), float(self.df)))
        fl = presentation_flags(self.estimate, self.se, self.n, self.rows, dom_df, rng[0],
                                rng[1], self.n_eff, standard)
        rows = pd.DataFrame({
            "code": np.tile(np.asarray(self.codes, dtype=object), D),
            "group_var": self.domains.var,
            "group_value": np.repeat(np.asarray(self.domains.labels, dtype=object), m),
            "estimate": self.estimate.ravel(), "se": self.se.ravel(),
            "ci_low": lo.ravel(), "ci_high": hi.ravel(), "ci_level": lev,
            "df": self.interval_df.ravel(),
            "n": self.n.ravel().astype(np.int64), "n_eff": self.n_eff.ravel(),
            "deff": self.deff.ravel(), "unit": self.unit,
            "method": self.method if self.ci_method == "mean" else
            f"{self.method}, svyciprop-{self.ci_method}",
            "domain_df": dom_df.ravel(), "flag": fl["flag"].ravel(),
            "flag_reason": fl["flag_reason"].ravel(), "flag_vi": fl["flag_vi"].ravel(),
            "flag_en": fl["flag_en"].ravel(),
        })
        return score_table(rows)

    def get(self, code: str, domain: str = "") -> Estimate:
        """One cell as an :class:`Estimate` (same interval method, level and df)."""
        try:
            j = self.codes.index(code)
            d = self.domains.labels.index(domain)
        except ValueError as exc:
            raise EstimationError(f"no estimate for code {code!r} in domain {domain!r}; codes: "
                                  f"{list(self.codes)[:10]}, domains: "
                                  f"{list(self.domains.labels)[:10]}") from exc
        extra: dict[str, float] = {}
        if self.ci_low is not None and self.ci_high is not None:
            extra = {"ci_low": float(self.ci_low[d, j]), "ci_high": float(self.ci_high[d, j]),
                     "ci_level": self.level}
        dom_df = float(self.domain_df[d, j]) if self.domain_df is not None else float(self.df)
        return Estimate(estimate=float(self.estimate[d, j]), se=float(self.se[d, j]),
                        df=float(self.interval_df[d, j]), n=int(self.n[d, j]),
                        deff=float(self.deff[d, j]),
                        deff_replace=float(self.deff_replace[d, j]),
                        n_eff=float(self.n_eff[d, j]), code=code, group_var=self.domains.var,
                        group_value=domain,
                        method=self.method if self.ci_method == "mean"
                        else f"svyciprop-{self.ci_method}",
                        unit=self.unit, extra=extra, domain_df=dom_df,
                        n_rows=float(self.rows[d, j]), ci_method=self.ci_method,
                        level=self.level)


@dataclass(frozen=True)
class Estimate:
    """One estimate with its design-based standard error and how its interval is made.

    ``df`` is the degrees of freedom of the interval; ``domain_df`` the domain's own;
    ``ci_method`` the interval method and ``level`` the level of the stored interval
    (``extra['ci_low']``, ``extra['ci_high']`` when one was computed with the data).
    """

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
    domain_df: float = float("nan")
    n_rows: float = float("nan")
    ci_method: str = "mean"
    level: float = 0.95

    def ci(self, level: float | None = None, method: str | None = None) -> tuple[float, float]:
        """The interval by ``method`` (default: the estimate's own) at ``level`` (default: the
        stored one). A likelihood interval at another level is refused (it needs the data);
        a proportion method on an estimate that is not a proportion is refused."""
        lev = self.level if level is None else float(level)
        meth = self.ci_method if method is None else method
        if meth == self.ci_method and "ci_low" in self.extra and self.extra.get("ci_level") == lev:
            return self.extra["ci_low"], self.extra["ci_high"]
        if meth == "likelihood":
            raise EstimationError(f"a likelihood interval at level {lev} needs the data; call "
                                  f"ciprop(design, ..., method='likelihood', level={lev}).")
        if meth == "mean":
            lo, hi = t_interval(np.array(self.estimate), np.array(self.se), self.df, lev)
            return float(lo), float(hi)
        if self.unit != "proportion":
            raise EstimationError(f"interval method {meth!r} is for proportions; this estimate "
                                  f"is in {self.unit!r}. Fix: method='mean' (t interval).")
        rows = self.n_rows if np.isfinite(self.n_rows) else float(self.n)
        lo, hi = prop_interval(meth, np.array(self.estimate), np.array(self.se), self.df, rows,
                               self.n, lev)
        return float(lo), float(hi)

    def to_frame(self, level: float | None = None, *,
                 standard: PresentationStandard | str | None = None) -> pd.DataFrame:
        lev = self.level if level is None else level
        lo, hi = self.ci(lev)
        rng = PROPORTION_SCALE.get(self.unit, (-np.inf, np.inf))
        rows = self.n_rows if np.isfinite(self.n_rows) else float(self.n)
        dom_df = self.domain_df if np.isfinite(self.domain_df) else self.df
        fl = presentation_flags(np.array([self.estimate]), self.se, self.n, rows, dom_df,
                                rng[0], rng[1], np.array([self.n_eff]), standard)
        return score_table([{
            "code": self.code, "group_var": self.group_var, "group_value": self.group_value,
            "estimate": self.estimate, "se": self.se, "ci_low": lo, "ci_high": hi,
            "ci_level": lev, "df": self.df, "n": self.n, "n_eff": self.n_eff,
            "deff": self.deff, "unit": self.unit, "method": self.method,
            "domain_df": dom_df, "flag": fl["flag"][0], "flag_reason": fl["flag_reason"][0],
            "flag_vi": fl["flag_vi"][0], "flag_en": fl["flag_en"][0]}])
