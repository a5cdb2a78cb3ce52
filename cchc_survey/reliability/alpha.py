"""Cronbach's alpha and the item statistics of a scale, as R's ``psych`` computes them.

Per scale (an element or dimension), :func:`reliability_table` returns one summary row and
:func:`item_table` one row per item:

* ``raw_alpha = k/(k-1) (1 - tr C / sum C)`` on the covariance matrix ``C``;
  ``std_alpha = k r̄ / (1 + (k-1) r̄)``, ``r̄`` = ``average_r`` (mean off-diagonal correlation of
  ``R = cov2cor(C)``); ``G6 = 1 - sum(1 - smc) / sum R``; ``S/N = k r̄ / (1 - r̄)``;
  ``median_r``; ``ase`` (Duhachek & Iacobucci 2004, as corrected in psych):
  ``Q = 2k^2/((k-1)^2 (1'C1)^3) [1'C1 (tr C^2 + (tr C)^2) - 2 tr C (1'C^2 1)]``,
  ``ase = sqrt(Q / n)``;
* Feldt (1965) interval: ``1 - (1 - alpha) F_{1-p/2 | p/2}(n-1, (n-1)(k-1))`` with ``n`` the
  rows actually used (all rows for pairwise, complete rows for listwise — pingouin takes ``n``
  before dropping incomplete rows, which is wrong);
* per item: ``alpha`` if the item is dropped, ``raw_r`` (item-total correlation),
  ``std_r``, ``r_cor`` (smc-corrected), ``r_drop`` (item-rest correlation), mean, sd, n;
* McDonald's omega total from a one-factor minres fit on the pairwise Pearson correlations
  (``omega_t = 1 - sum(1 - lambda^2) / sum R``, ``psych::omega(nfactors=1)$omega.tot``);
* weighted alpha (``survey::svycralpha``): ``k/(k-1) (1 - sum var_w(x_j) / var_w(sum x))`` on
  complete rows;
* a seeded bootstrap percentile interval (rows resampled, pairwise covariances, as
  ``psych::alpha(n.iter=)``; R's random stream is not reproduced, only its method).

Covariances are pairwise by default (``psych::alpha`` default ``use='pairwise'``). Every
row-level quantity of a scale (pairwise covariances and correlations, item-total correlations,
item and total means and sds, the weighted covariances) comes from one pass of matrix products
over row blocks (:func:`_moments`); everything else is computed from those ``k x k`` matrices.
Omega hierarchical of a multi-factor model (minres, oblimin, Schmid-Leiman;
``psych::omega(nfactors=)``) is :func:`omega_hierarchical`.
"""


from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np
import pandas as pd
from scipy import special

from ..design import SurveyDesign
from ..engine import Engine, check_engine
from .errors import ReliabilityError, ReliabilityWarning
from .kernels import _distinct_rows, _Moments, _moments, reference_moments

Use = Literal["pairwise", "listwise"]


def _cov2cor(c: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(c))
    return np.asarray(c / np.outer(d, d))


def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1/diag(R^-1)`` (psych::smc)."""
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    return np.asarray(1.0 - 1.0 / np.diag(inv))


def _alpha1(c: np.ndarray) -> dict[str, float]:
    """psych's ``alpha.1``: raw/std alpha, G6, average r, S/N, Q, median r."""
    k = c.shape[0]
    r = _cov2cor(c)
    sc = c.sum()
    raw = (1 - np.trace(c) / sc) * k / (k - 1)
    sum_r = r.sum()
    std = (1 - k / sum_r) * k / (k - 1)
    g6 = 1 - (k - _smc(r).sum()) / sum_r
    avr = (sum_r - k) / (k * (k - 1))
    sn = k * avr / (1 - avr)
    cc = c @ c
    q = (2 * k**2 / ((k - 1) ** 2 * sc**3)) * (sc * (np.trace(cc) + np.trace(c) ** 2)
                                                - 2 * (np.trace(c) * cc.sum()))
    med = float(np.median(r[np.tril_indices(k, -1)]))
    return {"raw_alpha": float(raw), "std_alpha": float(std), "G6_smc": float(g6),
            "average_r": float(avr), "signal_noise": float(sn), "Q": float(q), "median_r": med}


def _pairwise_cov(x: np.ndarray) -> np.ndarray:
    """R's ``cov(x, use='pairwise')``: each entry on the rows where both items are observed."""
    return _moments(x).cov


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's F interval for alpha (``psych::alpha.ci``): n respondents, k items."""
    p = 1 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    # scipy.special.fdtri is the quantile scipy.stats.f.ppf returns (same numbers, no import
    # of scipy.stats)
    lo = 1 - (1 - alpha) * special.fdtri(df1, df2, 1 - p / 2)
    hi = 1 - (1 - alpha) * special.fdtri(df1, df2, p / 2)
    return float(lo), float(hi)


def weighted_alpha(x: pd.DataFrame | np.ndarray, weights: np.ndarray) -> float:
    """Cronbach's alpha with sampling weights (``survey::svycralpha(na.rm=TRUE)``).

    ``k/(k-1) (1 - sum_j var_w(x_j) / var_w(sum_j x_j))`` on rows with every item observed,
    ``var_w`` the weighted variance ``sum w (x - xbar)^2 / sum w`` (its ``n/(n-1)`` cancels);
    ``var_w(sum_j x_j)`` is the sum of the weighted covariance matrix.
    """
    xa = np.asarray(x, dtype=float)
    w = _weights_for(xa.shape[0], weights, "weighted alpha")
    return _weighted_alpha(_moments(xa, weights=w), xa.shape[1])


def _weights_for(n_rows: int, weights: np.ndarray, what: str) -> np.ndarray:
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape[0] != n_rows:
        raise ReliabilityError(f"{what}: {w.shape[0]} weights for {n_rows} rows of items; "
                               "give one weight per row of the item frame (design.weights of "
                               "the design the frame comes from).")
    return w


def _weighted_alpha(m: _Moments, k: int) -> float:
    if k < 2 or m.w_rows < 2 or m.w_cov is None:
        raise ReliabilityError("weighted alpha needs >= 2 items and >= 2 complete rows.")
    return float(k / (k - 1) * (1 - np.trace(m.w_cov) / m.w_cov.sum()))


def bootstrap_alpha_ci(x: pd.DataFrame | np.ndarray, *, n_iter: int = 1000,
                       seed: int | None = 20240521, level: float = 0.95) -> tuple[float, float, float]:
    """Percentile bootstrap of raw alpha (rows resampled, pairwise covariances).

    Returns (lower, median, upper), as ``psych::alpha(n.iter=)$boot.ci``.
    """
    xa = np.asarray(x, dtype=float)
    n = xa.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty(n_iter)
    for b in range(n_iter):  # loop over replicates; each one vectorised
        idx = rng.integers(0, n, size=n)
        out[b] = _alpha1(_pairwise_cov(xa[idx]))["raw_alpha"]
    a = (1 - level) / 2
    q = np.quantile(out, [a, 0.5, 1 - a])
    return float(q[0]), float(q[1]), float(q[2])


class _Prepared(TypedDict):
    x: np.ndarray
    names: list[str]
    dropped: list[str]
    keep: np.ndarray | None
    lo: np.ndarray
    hi: np.ndarray


def _prepare(x: pd.DataFrame, use: Use, scale: str) -> _Prepared:
    """The item matrix (float, NaN = missing), its item names, the items left out for having no
    variance, for ``listwise`` the rows kept (a boolean mask; None for ``pairwise``), and each
    kept item's smallest and largest value."""
    if x.shape[1] < 2:
        raise ReliabilityError(f"scale {scale!r}: reliability needs at least 2 items, got "
                               f"{list(x.columns)}.")
    if all(dt == np.float64 for dt in x.dtypes):
        xa = x.to_numpy(dtype=float)
    else:
        xa = x.apply(pd.to_numeric, errors="coerce").astype(float).to_numpy()
    names = [str(c) for c in x.columns]
    keep = None
    if use == "listwise":
        keep = ~np.isnan(xa).any(axis=1)
        xa = xa[keep]
    # an item has variance when two of its observed values differ (NaN: none observed)
    lo, hi = np.fmin.reduce(xa, axis=0), np.fmax.reduce(xa, axis=0)
    has_var = hi > lo
    dropped = [nm for nm, ok in zip(names, has_var, strict=True) if not ok]
    if dropped:
        warnings.warn(f"scale {scale!r}: item(s) {dropped} have no variance and were left out "
                      "(as psych::alpha does); check the coding.", ReliabilityWarning,
                      stacklevel=3)
        xa, lo, hi = xa[:, has_var], lo[has_var], hi[has_var]
        names = [nm for nm, ok in zip(names, has_var, strict=True) if ok]
    if xa.shape[1] < 2:
        raise ReliabilityError(f"scale {scale!r}: fewer than 2 items with variance remain.")
    if xa.shape[0] < 3:
        raise ReliabilityError(f"scale {scale!r}: fewer than 3 rows of data ({use}).")
    return _Prepared(x=xa, names=names, dropped=dropped, keep=keep, lo=lo, hi=hi)


def _scale_moments(xa: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                   w: np.ndarray | None, engine: Engine = "auto") -> _Moments:
    """:func:`_moments` with the total score: over the distinct answer patterns when the items
    hold integer codes (:func:`_distinct_rows`; the same sums, far fewer rows), else over
    every row; ``engine="reference"``: :func:`reference_moments`."""
    if engine == "reference":
        return reference_moments(xa, total=True, weights=w)
    pat = _distinct_rows(xa, lo, hi, w)
    if pat is None:
        return _moments(xa, total=True, weights=w)
    rows, freq, wsum, wcnt = pat
    return _moments(rows, total=True, weights=wsum, freq=freq, w_count=wcnt)


@dataclass(frozen=True)
class AlphaResult:
    """What :func:`alpha` returns: the scale's summary row and its item table.

    ``summary`` holds the numbers of ``psych::alpha``'s ``$total`` and more (keys: ``scale``,
    ``use``, ``k``, ``n``, ``raw_alpha``, ``std_alpha``, ``G6_smc``, ``average_r``,
    ``signal_noise``, ``ase``, ``mean``, ``sd``, ``median_r``, ``feldt_low``/``_high``,
    ``duhachek_low``/``_high``, ``ci_level``, ``dropped_items``, ``negative_r_drop``, and when
    asked ``omega_total``, ``omega_alpha``, ``weighted_alpha``, ``boot_*``); ``items`` one row
    per item (``$item.stats`` and ``$alpha.drop``). ``result["raw_alpha"]`` reads the summary.
    """

    summary: dict[str, float | int | str]
    items: pd.DataFrame

    def __getitem__(self, key: str) -> float | int | str:
        return self.summary[key]

    def __iter__(self) -> Iterator[object]:
        raise TypeError("alpha() returns an AlphaResult, not a (summary, items) tuple: use "
                        "result.summary and result.items.")

    @property
    def raw_alpha(self) -> float:
        return float(self.summary["raw_alpha"])

    @property
    def std_alpha(self) -> float:
        return float(self.summary["std_alpha"])


def alpha(x: pd.DataFrame, *, use: Use = "pairwise", scale: str = "scale",
          level: float = 0.95, weights: np.ndarray | None = None,
          n_boot: int = 0, seed: int | None = 20240521,
          omega: bool = True, engine: Engine = "auto") -> AlphaResult:
    """Cronbach's alpha of one scale, numbers equal to ``psych::alpha`` (see module doc).

    Args:
        x: one column per item (NaN = missing).
        use: ``pairwise`` (psych default) or ``listwise`` (``na.omit`` first).
        weights: sampling weights for the weighted alpha (``svycralpha``), one per row of ``x``;
            optional.
        n_boot: bootstrap replicates for a percentile CI (0 = none).
        engine: ``"auto"`` (one pass, over the distinct answer patterns when the items hold
            codes) or ``"reference"`` (pandas' pairwise definitions).

    Returns:
        :class:`AlphaResult` (summary and item table). Warns :class:`ReliabilityWarning` when an item-rest
        correlation is negative (a reverse-keyed item not recoded) or an item has no variance.
    """
    check_engine(engine)
    w = None if weights is None else _weights_for(len(x), weights, f"scale {scale!r}")
    prep = _prepare(x, use, scale)
    xa, names, dropped, keep = prep["x"], prep["names"], prep["dropped"], prep["keep"]
    if w is not None and keep is not None:
        w = w[keep]
    n_rows, k = xa.shape
    mom = _scale_moments(xa, prep["lo"], prep["hi"], w, engine)
    c = mom.cov[:k, :k]
    r = _cov2cor(c)
    tot = _alpha1(c)
    with np.errstate(invalid="ignore"):
        ase = float(np.sqrt(tot["Q"] / n_rows))  # NaN when Q < 0 (as R)
    raw_r = mom.cor[:k, k]  # item vs rowMeans(na.rm=TRUE), pairwise
    rc = r.copy()
    np.fill_diagonal(rc, _smc(r))
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN for incoherent scales, as R
        std_r = r.sum(axis=0) / np.sqrt(r.sum())
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
    csum = c.sum()
    colsum = c.sum(axis=0)
    diag = np.diag(c)
    v_drop = csum - 2 * colsum + diag
    with np.errstate(invalid="ignore", divide="ignore"):
        r_drop = (colsum - diag) / np.sqrt(diag * v_drop)
    drop_rows = []
    for i in range(k):  # loop over items (k small)
        kp = np.arange(k) != i
        a1 = _alpha1(c[np.ix_(kp, kp)]) if k > 2 else {
            "raw_alpha": float(r[0, 1]), "std_alpha": float(r[0, 1])}
        drop_rows.append(a1)
    zq = special.ndtri(0.5 + level / 2)  # = scipy.stats.norm.ppf
    flo, fhi = feldt_ci(tot["raw_alpha"], n_rows, k, level)
    summary: dict[str, float | int | str] = {
        "scale": scale, "use": use, "k": k, "n": n_rows,
        "raw_alpha": tot["raw_alpha"], "std_alpha": tot["std_alpha"], "G6_smc": tot["G6_smc"],
        "average_r": tot["average_r"], "signal_noise": tot["signal_noise"], "ase": ase,
        "mean": float(mom.mean[k]), "sd": float(np.sqrt(mom.cov[k, k])),
        "median_r": tot["median_r"], "feldt_low": flo, "feldt_high": fhi,
        "duhachek_low": tot["raw_alpha"] - zq * ase, "duhachek_high": tot["raw_alpha"] + zq * ase,
        "ci_level": level, "dropped_items": ",".join(dropped),
    }
    if omega:
        from .omega import _omega_total_r

        rp = mom.cor[:k, :k]
        summary["omega_total"] = _omega_total_r(rp)
        # psych::omega's alpha: standardised alpha of the pairwise Pearson correlations
        summary["omega_alpha"] = float((1 - k / rp.sum()) * k / (k - 1))
    if w is not None:
        summary["weighted_alpha"] = _weighted_alpha(mom, k)
    if n_boot:
        lo, med, hi = bootstrap_alpha_ci(xa, n_iter=n_boot, seed=seed, level=level)
        summary.update({"boot_low": lo, "boot_median": med, "boot_high": hi, "boot_n": n_boot})
    item_df = pd.DataFrame({
        "scale": scale, "item": names,
        "n": np.diag(mom.n)[:k].astype(np.int64),
        "raw_r": raw_r, "std_r": std_r, "r_cor": r_cor, "r_drop": r_drop,
        "mean": mom.mean[:k], "sd": np.sqrt(diag),
        "alpha_if_deleted": [d["raw_alpha"] for d in drop_rows],
        "std_alpha_if_deleted": [d["std_alpha"] for d in drop_rows],
    })
    neg = item_df.loc[item_df["r_drop"] < 0, "item"].tolist()
    summary["negative_r_drop"] = ",".join(neg)
    if neg:
        warnings.warn(f"scale {scale!r}: item(s) {neg} correlate negatively with the rest of the "
                      "scale (r.drop < 0); a reverse-keyed item was probably not recoded.",
                      ReliabilityWarning, stacklevel=2)
    return AlphaResult(summary=summary, items=item_df)


def _scales(x: pd.DataFrame | Mapping[str, pd.DataFrame],
            scales: Mapping[str, Sequence[str]] | None) -> dict[str, pd.DataFrame]:
    if isinstance(x, Mapping):
        return {str(k): v for k, v in x.items()}
    if scales is None:
        return {"scale": x}
    out = {}
    for name, cols in scales.items():
        missing = [c for c in cols if c not in x.columns]
        if missing:
            raise ReliabilityError(f"scale {name!r}: items {missing} are not in the data.")
        out[str(name)] = x[list(cols)]
    return out


def reliability_table(x: pd.DataFrame | Mapping[str, pd.DataFrame], *,
                      scales: Mapping[str, Sequence[str]] | None = None,
                      weights: np.ndarray | None = None, design: SurveyDesign | None = None,
                      use: Use = "pairwise", level: float = 0.95, n_boot: int = 0,
                      seed: int | None = 20240521, engine: Engine = "auto") -> pd.DataFrame:
    """One summary row per scale (see :func:`alpha`); weights from ``design`` if given.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(1); f = rng.normal(size=200)
        >>> X = pd.DataFrame({f"q{j}": f + rng.normal(size=200) for j in range(4)})
        >>> round(float(reliability_table(X)["raw_alpha"].iloc[0]), 2)
        0.76
    """
    if design is not None:
        weights = design.weights
    rows = [alpha(v, use=use, scale=k, level=level, weights=weights, n_boot=n_boot,
                  seed=seed, engine=engine).summary for k, v in _scales(x, scales).items()]
    return pd.DataFrame(rows)


def item_table(x: pd.DataFrame | Mapping[str, pd.DataFrame], *,
               scales: Mapping[str, Sequence[str]] | None = None,
               use: Use = "pairwise", engine: Engine = "auto") -> pd.DataFrame:
    """One row per item per scale: n, raw_r, std_r, r_cor, r_drop, mean, sd, alpha if deleted."""
    frames = [alpha(v, use=use, scale=k, omega=False, engine=engine).items
              for k, v in _scales(x, scales).items()]
    return pd.concat(frames, ignore_index=True)
