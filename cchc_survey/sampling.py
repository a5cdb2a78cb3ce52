"""Sample-size planning: how many respondents for a target margin of error, and how to split them.

Formulas
--------
* **Yamane (Slovin)**, the formula Vietnamese official survey guidance quotes:
  ``n = N / (1 + N·e²)`` (Yamane, *Statistics: An Introductory Analysis*, 1967). It is Cochran's
  formula below with ``p = 0.5`` and ``z = 2`` (about 95 %) and the finite population correction
  ``n0 / (1 + n0/N)``.
* **Cochran with a design effect**: ``n0 = z² · p(1-p) / e²`` for a proportion, multiplied by the
  design effect ``deff`` (Kish 1965: clustering and unequal weights inflate the variance), then the
  finite population correction ``n = n0·deff / (1 + (n0·deff - 1)/N)`` (Cochran 1977, *Sampling
  Techniques*, eq. 4.2).
* **Margin of error** of a proportion from ``n`` respondents:
  ``e = z · sqrt(deff · p(1-p)/n · (N-n)/(N-1))`` (the last factor only when ``N`` is given).
* **Allocation across strata** (Cochran 1977 §5.5): proportional ``n_h = n · N_h / ΣN_h``;
  Neyman ``n_h = n · N_h S_h / Σ N_h S_h``. Fractions are rounded by the largest-remainder method
  so that the parts add up to ``n``; a stratum never gets more than ``N_h`` (the excess goes to the
  other strata in the same proportions).

Every size is rounded *up* to a whole respondent (``ceil``). Impossible inputs raise
:class:`SamplingError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .errors import CchcSurveyError

Formula = Literal["yamane", "cochran"]
Allocation = Literal["proportional", "neyman"]


class SamplingError(CchcSurveyError):
    """A sample-size request that cannot be met (bad margin, population, design effect...)."""


def _check_margin(e: float) -> None:
    if not (isinstance(e, int | float) and 0 < e < 1) or math.isnan(e):
        raise SamplingError(f"margin of error e={e!r} must be a proportion in (0, 1), "
                            "e.g. 0.05 for ±5 percentage points")


def _check_population(N: float | None) -> None:
    if N is not None and (not np.isfinite(N) or N < 1 or int(N) != N):
        raise SamplingError(f"population size N={N!r} must be a whole number >= 1")


def z_value(conf: float) -> float:
    """Two-sided standard-normal critical value for confidence level ``conf`` (0.95 -> 1.96)."""
    if not 0 < conf < 1:
        raise SamplingError(f"confidence level {conf!r} must be in (0, 1), e.g. 0.95")
    return float(stats.norm.ppf(0.5 + conf / 2))


def yamane_n(N: int, e: float) -> int:
    """Sample size by the official formula ``n = N / (1 + N·e²)``, rounded up.

    Example:
        >>> yamane_n(1000, 0.05)
        286
    """
    _check_population(N)
    _check_margin(e)
    return math.ceil(N / (1 + N * e * e) - 1e-9)


def cochran_n(e: float, *, p: float = 0.5, conf: float = 0.95, deff: float = 1.0,
              N: int | None = None) -> int:
    """Design-effect-aware sample size for a proportion, with the finite population correction.

    ``n0 = z²·p(1-p)/e²``; ``n1 = n0·deff``; ``n = n1 / (1 + (n1 - 1)/N)`` when ``N`` is given.

    Example:
        >>> cochran_n(0.05), cochran_n(0.05, deff=1.5), cochran_n(0.05, N=1000)
        (385, 577, 278)
    """
    _check_margin(e)
    _check_population(N)
    if not 0 < p < 1:
        raise SamplingError(f"expected proportion p={p!r} must be in (0, 1); 0.5 is the safe choice")
    if deff <= 0:
        raise SamplingError(f"design effect deff={deff!r} must be positive (1 = simple random)")
    z = z_value(conf)
    n1 = z * z * p * (1 - p) / (e * e) * deff
    if N is not None:
        n1 = n1 / (1 + (n1 - 1) / N)
    return math.ceil(n1 - 1e-9)


def sample_size(e: float, *, N: int | None = None, formula: Formula = "cochran", p: float = 0.5,
                conf: float = 0.95, deff: float = 1.0) -> int:
    """One entry point: Yamane (needs ``N``; ``deff`` multiplies the result) or Cochran."""
    if formula == "yamane":
        if N is None:
            raise SamplingError("the Yamane formula n = N/(1+N·e²) needs the population size N")
        if deff <= 0:
            raise SamplingError(f"design effect deff={deff!r} must be positive")
        return min(int(N), math.ceil(yamane_n(N, e) * deff - 1e-9))
    if formula == "cochran":
        return cochran_n(e, p=p, conf=conf, deff=deff, N=N)
    raise SamplingError(f"unknown formula {formula!r}; use 'yamane' or 'cochran'")


def margin_of_error(n: int, *, p: float = 0.5, conf: float = 0.95, deff: float = 1.0,
                    N: int | None = None) -> float:
    """Margin of error (half-width of the CI) of a proportion from ``n`` respondents.

    ``e = z·sqrt(deff·p(1-p)/n · (N-n)/(N-1))``.

    Example:
        >>> round(margin_of_error(385), 4)
        0.0499
    """
    _check_population(N)
    if n < 1 or int(n) != n:
        raise SamplingError(f"sample size n={n!r} must be a whole number >= 1")
    if N is not None and n > N:
        raise SamplingError(f"sample size n={n} exceeds the population N={N}")
    if not 0 <= p <= 1:
        raise SamplingError(f"proportion p={p!r} must be in [0, 1]")
    if deff <= 0:
        raise SamplingError(f"design effect deff={deff!r} must be positive")
    fpc = 1.0 if N is None or N == 1 else (N - n) / (N - 1)
    return float(z_value(conf) * math.sqrt(deff * p * (1 - p) / n * fpc))


def _largest_remainder(quota: np.ndarray, total: int) -> np.ndarray:
    base = np.floor(quota + 1e-9).astype(int)
    short = total - int(base.sum())
    if short > 0:
        order = np.argsort(-(quota - base), kind="stable")
        base[order[:short]] += 1
    return base


def allocate(n: int, N_h: Sequence[float] | Mapping[str, float] | pd.Series, *,
             S_h: Sequence[float] | Mapping[str, float] | pd.Series | None = None,
             method: Allocation = "proportional") -> pd.DataFrame:
    """Split a total sample ``n`` across strata.

    Args:
        n: total sample size.
        N_h: stratum population sizes (a mapping or Series gives the stratum names).
        S_h: stratum standard deviations (Neyman only; for a proportion, ``sqrt(p_h(1-p_h))``).
        method: ``proportional`` (``n_h ∝ N_h``) or ``neyman`` (``n_h ∝ N_h·S_h``).

    Returns:
        A frame with ``stratum, N_h, S_h, share, n_exact, n_h`` whose ``n_h`` add up to ``n`` and
        never exceed ``N_h``.

    Example:
        >>> allocate(100, {"A": 500, "B": 300, "C": 200})["n_h"].tolist()
        [50, 30, 20]
    """
    Ns = pd.Series(N_h, dtype=float) if not isinstance(N_h, pd.Series) else N_h.astype(float)
    names = [str(i) for i in Ns.index]
    Nv = Ns.to_numpy(dtype=float)
    if len(Nv) == 0:
        raise SamplingError("no strata given")
    if (Nv < 0).any() or not np.isfinite(Nv).all():
        raise SamplingError(f"stratum sizes must be finite and >= 0: {dict(zip(names, Nv, strict=True))}")
    if int(n) != n or n < 0:
        raise SamplingError(f"total sample size n={n!r} must be a whole number >= 0")
    if n > Nv.sum():
        raise SamplingError(f"total sample size n={n} exceeds the population {int(Nv.sum())}; "
                            "a census of every stratum is the most you can take")
    if method == "proportional":
        Sv = np.ones_like(Nv)
    elif method == "neyman":
        if S_h is None:
            raise SamplingError("Neyman allocation needs the stratum standard deviations S_h")
        Ss = pd.Series(S_h, dtype=float) if not isinstance(S_h, pd.Series) else S_h.astype(float)
        Sv = Ss.to_numpy(dtype=float)
        if len(Sv) != len(Nv):
            raise SamplingError(f"S_h has {len(Sv)} values for {len(Nv)} strata")
        if (Sv < 0).any() or not np.isfinite(Sv).all():
            raise SamplingError("stratum standard deviations S_h must be finite and >= 0")
        if (Nv * Sv).sum() == 0 and Nv.sum() > 0:
            raise SamplingError("every N_h·S_h is zero: Neyman allocation is undefined; "
                                "use proportional allocation")
    else:
        raise SamplingError(f"unknown allocation {method!r}; use 'proportional' or 'neyman'")
    w = Nv * Sv
    if w.sum() == 0:  # every stratum empty (then n == 0 by the check above)
        return pd.DataFrame({"stratum": names, "N_h": Nv, "S_h": Sv, "share": np.nan,
                             "n_exact": 0.0, "n_h": np.zeros(len(Nv), dtype=int)})
    alloc = np.zeros(len(Nv), dtype=int)
    capped = np.zeros(len(Nv), dtype=bool)
    exact = n * w / w.sum()
    # Cap at N_h and hand the excess to the uncapped strata in the same proportions.
    for _ in range(len(Nv) + 1):
        rest = n - int(Nv[capped].sum())
        ww = np.where(capped, 0.0, w)
        quota = (np.where(capped, Nv, rest * ww / ww.sum()) if ww.sum() > 0
                 else np.where(capped, Nv, 0.0))
        over = ~capped & (quota > Nv)
        if not over.any():
            alloc = np.where(capped, Nv.astype(int), _largest_remainder(np.where(capped, 0, quota),
                                                                        rest))
            break
        capped |= over
    return pd.DataFrame({"stratum": names, "N_h": Nv, "S_h": Sv, "share": w / w.sum(),
                         "n_exact": exact, "n_h": alloc.astype(int)})


def sample_size_by_stratum(N_h: Mapping[str, float] | pd.Series, e: float, *,
                           formula: Formula = "yamane", p: float = 0.5, conf: float = 0.95,
                           deff: float = 1.0) -> pd.DataFrame:
    """The sample size each stratum (unit) needs on its own for margin ``e``.

    Returns ``stratum, N_h, n_h, margin`` where ``margin`` is the margin of error actually reached
    with ``n_h`` respondents (Cochran's formula with the same ``p``, ``conf``, ``deff`` and FPC).
    """
    Ns = pd.Series(N_h, dtype=float) if not isinstance(N_h, pd.Series) else N_h.astype(float)
    rows = []
    for name, Nh in Ns.items():
        nh = sample_size(e, N=int(Nh), formula=formula, p=p, conf=conf, deff=deff)
        rows.append({"stratum": str(name), "N_h": int(Nh), "n_h": nh,
                     "margin": margin_of_error(min(nh, int(Nh)), p=p, conf=conf, deff=deff,
                                               N=int(Nh))})
    return pd.DataFrame(rows)
