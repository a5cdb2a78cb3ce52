"""McDonald's omega: omega total of one factor, omega hierarchical of a Schmid-Leiman solution
(``psych::omega``)."""

from __future__ import annotations

import warnings
from typing import TypedDict

import numpy as np
import pandas as pd

from .alpha import _cov2cor, _smc
from .errors import ReliabilityError, ReliabilityWarning
from .kernels import _moments

_EPS = float(np.finfo(float).eps)


def omega_total(x: pd.DataFrame | np.ndarray) -> float:
    """McDonald's omega total of a one-factor minres model (``psych::omega(nfactors=1)``).

    Loadings ``lambda`` minimise ``sum_{i != j} (r_ij - lambda_i lambda_j)^2`` on the pairwise
    Pearson correlations; ``omega_t = 1 - sum(1 - lambda^2) / sum R``.
    """
    xa = np.asarray(x, dtype=float)
    if xa.shape[1] < 2:
        raise ReliabilityError("omega needs at least 2 items.")
    return _omega_total_r(_moments(xa).cor)


def _omega_total_r(r: np.ndarray) -> float:
    """:func:`omega_total` from the pairwise correlation matrix ``r`` (k >= 2).

    The loadings are the least-squares fit of the off-diagonal ``r_ij`` by ``lambda_i lambda_j``
    from the first principal axis, solved to full precision by Newton's method on
    ``F(lambda) = sum_{i<j} (r_ij - lambda_i lambda_j)^2`` (gradient
    ``g_i = -2 sum_{j != i} e_ij lambda_j``, Hessian ``2 sum_{j != i} lambda_j^2`` on the
    diagonal and ``-2 r_ij + 4 lambda_i lambda_j`` off it, ``e = r - lambda lambda'``), with
    Levenberg damping whenever a step would raise ``F`` (within rounding, a step must lower
    ``|g|``).
    """
    k = r.shape[0]
    off = ~np.eye(k, dtype=bool)
    vals, vecs = np.linalg.eigh(r)
    lam = np.abs(vecs[:, -1]) * np.sqrt(vals[-1])

    def loss_grad(v: np.ndarray) -> tuple[float, np.ndarray]:
        e = np.where(off, r - np.outer(v, v), 0.0)
        return float(np.sum(e**2)) / 2, -2 * (e @ v)

    f, grad = loss_grad(lam)
    mu = 0.0
    for _ in range(100):  # Newton iterations on k parameters (not respondents)
        gn = float(np.max(np.abs(grad)))
        if gn == 0.0:
            break
        hess = -2 * r + 4 * np.outer(lam, lam)
        np.fill_diagonal(hess, 2 * (np.sum(lam**2) - lam**2))
        for _ in range(80):  # damping: mu grows until the step is accepted
            try:
                step = np.linalg.solve(hess + mu * np.eye(k), -grad)
            except np.linalg.LinAlgError:
                step = np.full(k, np.nan)
            ok = bool(np.all(np.isfinite(step)))
            if ok:
                f_new, g_new = loss_grad(lam + step)
                ok = f_new < f or (f_new <= f + 8 * _EPS * f
                                   and float(np.max(np.abs(g_new))) < gn)
            if ok:
                break
            mu = max(mu * 4, 1e-10)
        if not ok:
            break
        lam, f, grad = lam + step, f_new, g_new
        mu /= 4
        if np.max(np.abs(step)) <= 4 * _EPS * max(1.0, float(np.max(np.abs(lam)))):
            break
    lam = lam * np.sign(lam.sum())
    return float(1 - np.sum(1 - lam**2) / r.sum())


class OmegaResult(TypedDict):
    """What :func:`omega_hierarchical` returns (names as in ``psych::omega``)."""

    omega_h: float
    omega_total: float
    omega_limit: float
    alpha: float
    items: list[str]
    general_loadings: np.ndarray
    group_loadings: np.ndarray
    h2: np.ndarray
    u2: np.ndarray
    oblique_loadings: np.ndarray
    phi: np.ndarray
    g_factor_loadings: np.ndarray
    minres_converged: bool
    oblimin_converged: bool


def _eigh_desc(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (decreasing) and vectors of a symmetric matrix, as R's ``eigen``."""
    w, v = np.linalg.eigh(s)
    return w[::-1], v[:, ::-1]


def _minres_fit(r: np.ndarray, nf: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Minimum-residual factor analysis as ``psych::fa(r, nf, fm="minres", rotate="none")``.

    The uniquenesses ``psi`` minimise ``sum_{i>j} (r_ij - (L L')_ij)^2``, where ``L`` holds the
    first ``nf`` eigenvectors of ``R - diag(psi)`` scaled by the square roots of their eigenvalues
    (psych's ``fit.residuals``; gradient ``diag(L L' + diag(psi) - R)``, ``FAgr.minres``). The
    search repeats R's ``optim(method="L-BFGS-B")`` exactly as psych calls it: start ``1 - smc``,
    bounds ``[0.005, max(smc, 1)]``, ``parscale = 0.01``, memory 5, ``factr = 1e7``,
    ``pgtol = 0``, ``maxit = 100``. R's optimiser stops about 1e-5 away from the exact minimum, so
    copying its stopping rule (not solving to full precision) is what reproduces psych's numbers.
    Columns are signed so that their sums are positive (psych ``fac``).

    Returns:
        (loadings ``L`` (k x nf), uniquenesses ``psi``, converged flag).
    """
    k = r.shape[0]
    low = np.tril_indices(k, -1)
    s_smc = np.clip(_smc(r), 0.0, 1.0)  # psych::smc clips to [0, 1]
    upper = max(float(s_smc.max()), 1.0)
    scale = 0.01

    def loadings(psi: np.ndarray, floor: bool) -> np.ndarray:
        s = r - np.diag(np.diag(r)) + np.diag(np.diag(r) - psi)
        w, v = _eigh_desc(s)
        if floor:  # fit.residuals: tiny eigenvalues -> 100 eps
            w = np.where(w < _EPS, 100 * _EPS, w)
        else:  # FAgr.minres / FAout.wls: pmax(values, 0)
            w = np.maximum(w, 0.0)
        return np.asarray(v[:, :nf] * np.sqrt(w[:nf]))

    def fn(x: np.ndarray) -> float:
        psi = x * scale
        lam = loadings(psi, floor=True)
        s = r.copy()
        np.fill_diagonal(s, np.diag(r) - psi)
        return float(np.sum((s - lam @ lam.T)[low] ** 2))

    def gr(x: np.ndarray) -> np.ndarray:
        psi = x * scale
        lam = loadings(psi, floor=False)
        return np.asarray((np.sum(lam**2, axis=1) + psi - np.diag(r)) * scale)

    from scipy import optimize  # here: importing scipy.optimize costs ~0.15 s at start-up

    sol = optimize.minimize(fn, (np.diag(r) - s_smc) / scale, jac=gr, method="L-BFGS-B",
                            bounds=[(0.005 / scale, upper / scale)] * k,
                            options={"maxcor": 5, "ftol": 1e7 * _EPS, "gtol": 0.0,
                                     "maxls": 20, "maxiter": 100})
    psi = np.asarray(sol.x * scale)
    lam = loadings(psi, floor=False)
    sign = np.sign(lam.sum(axis=0))
    sign[sign == 0] = 1.0
    return lam * sign, psi, bool(sol.success)


def _varimax(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Kaiser-normalised varimax, a line-by-line port of R's ``stats::varimax`` (eps 1e-5)."""
    p, nc = x.shape
    sc = np.sqrt(np.sum(x**2, axis=1))
    xn = x / sc[:, None]
    tt = np.eye(nc)
    d = 0.0
    for _ in range(1000):  # iterations of the rotation (not respondents)
        z = xn @ tt
        b = xn.T @ (z**3 - z * (np.sum(z**2, axis=0) / p))
        u, sv, vt = np.linalg.svd(b)
        tt = u @ vt
        dpast, d = d, float(sv.sum())
        if d < dpast * (1 + eps):
            break
    return np.asarray((xn @ tt) * sc[:, None])


def _oblimin(a: np.ndarray, eps: float = 1e-5, maxit: int = 1000) -> tuple[np.ndarray,
                                                                           np.ndarray, bool]:
    """Quartimin (oblimin, ``gam = 0``) by gradient projection: GPArotation's ``GPFoblq``.

    Criterion ``f(L) = sum(L^2 * (L^2 (11' - I))) / 4`` with ``L = A T'^{-1}``; a port of
    ``GPArotation::oblimin(A)`` (2022.10.2: ``Tmat = I``, ``normalize = FALSE``, ``eps = 1e-5``,
    ``maxit = 1000``, step doubling then halving, Jennrich 2002, Bernaards & Jennrich 2005).

    Returns:
        (pattern loadings ``L``, factor correlations ``Phi = T'T``, converged flag).
    """
    nc = a.shape[1]
    off = 1.0 - np.eye(nc)

    def vgq(lam: np.ndarray) -> tuple[np.ndarray, float]:
        xm = (lam**2) @ off
        return lam * xm, float(np.sum(lam**2 * xm) / 4)

    tmat = np.eye(nc)
    al = 1.0
    lam = a @ np.linalg.inv(tmat).T
    gq, f = vgq(lam)
    g = -(lam.T @ gq @ np.linalg.inv(tmat)).T
    s = np.inf
    for _ in range(maxit + 1):  # iterations of the rotation (not respondents)
        gp = g - tmat * np.sum(tmat * g, axis=0)
        s = float(np.sqrt(np.sum(gp**2)))
        if s < eps:
            break
        al *= 2
        for _ in range(11):  # step-size halving
            xm = tmat - al * gp
            tmatt = xm / np.sqrt(np.sum(xm**2, axis=0))
            lam = a @ np.linalg.inv(tmatt).T
            gqt, ft = vgq(lam)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2
        tmat = tmatt
        f = ft
        g = -(lam.T @ gqt @ np.linalg.inv(tmatt)).T
    return lam, tmat.T @ tmat, s < eps


def omega_hierarchical(x: pd.DataFrame | np.ndarray, nfactors: int = 3) -> OmegaResult:
    """McDonald's omega hierarchical and omega total from a Schmid-Leiman solution.

    Reproduces ``psych::omega(x, nfactors)`` (psych 2.2.9, GPArotation 2022.10.2) on raw item
    data (NaN = missing), step by step as ``psych::schmid`` does:

    1. ``R`` = pairwise Pearson correlations; ``fa(R, nfactors, fm="minres", rotate="varimax")``
       (see :func:`_minres_fit`; varimax = ``stats::varimax``; columns signed positive and
       ordered by decreasing sum of squares);
    2. ``GPArotation::oblimin`` of those loadings: pattern ``F`` and factor correlations ``Phi``;
    3. a one-factor minres fit of ``Phi`` gives the loadings ``g`` of the group factors on the
       general factor (sign chosen so that ``sum(g) > 0``);
    4. general loadings ``lambda_g = F g``; group loadings ``sign(F) sqrt(F^2 (1 - g^2))``
       (per column, clipped at 0); communalities ``h2`` = row sums of squares of the step-1
       loadings, ``u2 = 1 - h2``.

    Then (``psych:::omegah``; items whose general loading is negative are reversed in ``R``
    first), with ``V = sum(R)``:
    ``omega_h = (sum lambda_g)^2 / V``, ``omega_total = (V - sum u2) / V``,
    ``omega_limit = (sum lambda_g)^2 / (V - sum u2)`` and ``alpha = k/(k-1) (1 - k / V)``.

    References:
        McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
        Zinbarg, Revelle, Yovel & Li (2005). Psychometrika 70, 123-133.
        Revelle, W. psych: ``omega``, ``schmid``, ``fa`` (R package, 2.2.9).

    Args:
        x: one column per item, numeric (NaN = missing); at least ``nfactors + 3`` items.
        nfactors: number of group factors (>= 3, which psych needs to identify ``g``).

    Returns:
        :class:`OmegaResult`: the omegas, the general/group loadings per item (in item order),
        ``h2``, ``u2``, the oblimin pattern, ``Phi`` and ``g``, and whether both iterative
        steps converged (a :class:`ReliabilityWarning` is issued if one did not).

    Raises:
        ReliabilityError: too few factors or items, or an item without variance / with too
            few pairs for a correlation.

    Example:
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(3); n = 500
        >>> g = rng.normal(size=n); grp = rng.normal(size=(n, 3))
        >>> X = pd.DataFrame({f"q{j}": g + grp[:, j // 3] + rng.normal(size=n) for j in range(9)})
        >>> res = omega_hierarchical(X, nfactors=3)
        >>> 0 < res["omega_h"] < res["omega_total"] < 1
        True
    """
    frame = pd.DataFrame(np.asarray(x, dtype=float)) if not isinstance(x, pd.DataFrame) else \
        x.apply(pd.to_numeric, errors="coerce").astype(float)
    names = [str(c) for c in frame.columns]
    k = len(names)
    if nfactors < 3:
        raise ReliabilityError(f"omega_hierarchical: nfactors={nfactors}; a general factor needs "
                               "at least 3 group factors. Use omega_total() for one factor.")
    if k < nfactors + 3:
        raise ReliabilityError(f"omega_hierarchical: {k} items cannot carry {nfactors} factors; "
                               f"give at least {nfactors + 3} items or fewer factors.")
    r = frame.corr().to_numpy()
    nan = np.isnan(np.diag(r)) if np.isnan(np.diag(r)).any() else np.isnan(r).any(axis=1)
    bad = [names[j] for j in np.flatnonzero(nan)]
    if bad:
        raise ReliabilityError(f"omega_hierarchical: items {bad} have no variance or too few "
                               "jointly observed rows for a correlation; drop them and retry.")
    lam, _, ok_min = _minres_fit(r, nfactors)
    lam = _varimax(lam)
    sign = np.sign(lam.sum(axis=0))
    sign[sign == 0] = 1.0
    lam = lam * sign
    lam = lam[:, np.argsort(-np.sum(lam**2, axis=0), kind="stable")]
    fload, phi, ok_rot = _oblimin(lam)
    phi_r = _cov2cor(phi)
    gl, _, ok_g = _minres_fit(phi_r, 1)
    gvec = gl[:, 0]
    general = fload @ gvec
    h2 = np.sum(lam**2, axis=1)
    u2 = np.diag(r) - h2
    uniq2 = np.maximum(fload**2 * (1 - gvec**2), 0.0)
    group = np.sign(fload) * np.sqrt(uniq2)
    key = np.where(general < 0, -1.0, 1.0)  # omegah(flip=TRUE): reverse items loading < 0 on g
    rk = r * np.outer(key, key)
    vt = float(rk.sum())
    gsq = float(np.sum(general * key)) ** 2
    uniq = float(u2.sum())
    if not (ok_min and ok_rot and ok_g):
        warnings.warn("omega_hierarchical: the minres fit or the oblimin rotation did not "
                      "converge (as psych would warn); check nfactors against the data.",
                      ReliabilityWarning, stacklevel=2)
    return OmegaResult(
        omega_h=gsq / vt, omega_total=(vt - uniq) / vt, omega_limit=gsq / (vt - uniq),
        alpha=float((vt - np.trace(rk)) / vt * k / (k - 1)), items=names,
        general_loadings=general * key, group_loadings=group * key[:, None], h2=h2, u2=u2,
        oblique_loadings=fload, phi=phi, g_factor_loadings=gvec,
        minres_converged=ok_min, oblimin_converged=ok_rot)

