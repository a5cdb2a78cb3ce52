"""Is an estimate fit to be shown? A reliability flag on every estimate, by a declared standard.

The default standard is the NCHS Data Presentation Standards for Proportions (Parker et al.
2017), with its thresholds in ``standards/nchs_proportions_2017.yaml`` (never in this code).
For an estimate ``p`` on the proportion scale (a percent is divided by 100; a score with a
declared range ``[lo, hi]`` is mapped to ``(x - lo) / (hi - lo)``):

1. **effective sample size** ``n_eff = p (1 - p) / se^2``, at most ``n`` (NCHS: a design
   effect below 1, or undefined because ``se = 0`` or ``p`` is 0 or 1, counts as 1, so
   ``n_eff = n``); ``n_eff < min_n_eff`` -> *unreliable*;
2. the **Korn-Graubard interval** at ``level`` with that ``n_eff``, ``n`` the rows and the
   domain's degrees of freedom (:func:`~cchc_survey.estimate.intervals.korn_graubard`):
   absolute width ``>= max_abs_width`` -> *unreliable*; width ``> relative_from`` and relative
   width ``width / p > max_rel_width`` -> *unreliable*;
3. **degrees of freedom** (the domain's: PSUs - strata among those holding its answers)
   ``< min_df`` -> *review* (NCHS: flag for statistical review).

An estimate without a range (a mean on an open scale) gets rules 1 (with ``n / deff``) and 3
only: the NCHS standard is for proportions and says nothing about widths of other scales. An
estimate that could not be made (no valid answer) is *unreliable*.

The flag is one of ``ok``, ``review``, ``unreliable`` (``""`` in a score table means not
assessed); ``flag_reason`` lists the rules broken with their numbers, ``flag_vi``/``flag_en``
say it in the reader's words ("Ước lượng kém tin cậy: ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import EstimationError
from .intervals import korn_graubard

STANDARDS = Path(__file__).parent / "standards"
DEFAULT_STANDARD = STANDARDS / "nchs_proportions_2017.yaml"
FLAG_OK, FLAG_REVIEW, FLAG_UNRELIABLE = "ok", "review", "unreliable"
LABEL_VI = {FLAG_UNRELIABLE: "Ước lượng kém tin cậy", FLAG_REVIEW: "Cần xem xét thêm"}
LABEL_EN = {FLAG_UNRELIABLE: "Unreliable estimate", FLAG_REVIEW: "Needs statistical review"}


@dataclass(frozen=True)
class PresentationStandard:
    """The thresholds of a presentation standard (see the module doc), with their source."""

    name: str
    source: str
    url: str
    verified: bool
    level: float
    min_n_eff: float
    max_abs_width: float
    relative_from: float
    max_rel_width: float
    min_df: float

    @classmethod
    def from_file(cls, path: str | Path) -> PresentationStandard:
        """Read a standard from a YAML file shaped like ``standards/nchs_proportions_2017.yaml``."""
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise EstimationError(f"{path}: cannot read the presentation standard ({exc}). Fix: "
                                  "give a YAML file shaped like the bundled "
                                  "standards/nchs_proportions_2017.yaml.") from exc
        fields = ("name", "source", "url", "verified", "level", "min_n_eff", "max_abs_width",
                  "relative_from", "max_rel_width", "min_df")
        missing = [f for f in fields if not isinstance(data, dict) or f not in data]
        if missing:
            raise EstimationError(f"{path}: the presentation standard lacks {missing}. Fix: add "
                                  "them (see the bundled standards/nchs_proportions_2017.yaml).")
        try:
            return cls(name=str(data["name"]), source=str(data["source"]).strip(),
                       url=str(data["url"]), verified=bool(data["verified"]),
                       **{f: float(data[f]) for f in fields[4:]})
        except (TypeError, ValueError) as exc:
            raise EstimationError(f"{path}: a threshold is not a number ({exc}).") from exc


@lru_cache(maxsize=8)
def _cached(path: str) -> PresentationStandard:
    return PresentationStandard.from_file(path)


def load_standard(standard: PresentationStandard | str | Path | None = None
                  ) -> PresentationStandard:
    """The standard given, the one in the file given, or the bundled NCHS 2017 standard."""
    if isinstance(standard, PresentationStandard):
        return standard
    return _cached(str(DEFAULT_STANDARD if standard is None else standard))


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


ArrayLike = np.ndarray | float


def presentation_flags(estimate: np.ndarray, se: ArrayLike, n: ArrayLike, n_rows: ArrayLike,
                       df: ArrayLike, low: ArrayLike, high: ArrayLike,
                       n_eff: np.ndarray | None = None,
                       standard: PresentationStandard | str | Path | None = None,
                       ) -> dict[str, np.ndarray]:
    """Flag every estimate by ``standard`` (module doc). All arrays have one shape.

    Args:
        estimate, se: the estimate and its SE on its own scale.
        n: valid answers behind each estimate; n_rows: rows of the domain (``nrow`` of R's
            subset, for the Korn-Graubard df adjustment); df: the domain's degrees of freedom.
        low, high: the scale's range (``0, 1`` for proportions, ``0, 100`` for percents;
            ``-inf, inf`` when there is none: then no width rule).
        n_eff: ``n / deff`` for estimates without a range (NaN: taken as ``n``).

    Returns:
        ``flag``, ``flag_reason``, ``flag_vi``, ``flag_en`` (object arrays of text) and
        ``n_eff`` (the effective size the rules used).
    """
    st = load_standard(standard)
    est = np.asarray(estimate, dtype=float)
    shape = est.shape
    se = np.broadcast_to(np.asarray(se, dtype=float), shape)
    n = np.broadcast_to(np.asarray(n, dtype=float), shape)
    n_rows = np.broadcast_to(np.asarray(n_rows, dtype=float), shape)
    df = np.broadcast_to(np.asarray(df, dtype=float), shape)
    low = np.broadcast_to(np.asarray(low, dtype=float), shape)
    high = np.broadcast_to(np.asarray(high, dtype=float), shape)
    ranged = np.isfinite(low) & np.isfinite(high) & (high > low)
    span = np.where(ranged, high - low, 1.0)
    p = np.where(ranged, (est - np.where(ranged, low, 0.0)) / span, np.nan)
    ps = se / span
    with np.errstate(invalid="ignore", divide="ignore"):
        neff_p = np.where((ps > 0) & (p > 0) & (p < 1), p * (1 - p) / np.where(ps > 0, ps, 1) ** 2,
                          n)
        neff_o = n if n_eff is None else np.where(np.isfinite(n_eff), n_eff, n)
        neff = np.minimum(np.where(ranged, neff_p, neff_o), n)
    kg_lo, kg_hi = korn_graubard(np.clip(np.where(ranged, p, 0.5), 0, 1), neff, n_rows,
                                 np.maximum(np.where(np.isfinite(df), df, 1.0), 1.0), st.level)
    width = kg_hi - kg_lo
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(p > 0, width / np.where(p > 0, p, 1.0), np.inf)
    undefined = ~np.isfinite(est) | ~(n > 0)
    flat = [np.empty(est.size, dtype=object) for _ in range(4)]
    for i in range(est.size):  # loop over estimates (table rows), not respondents
        why: list[str] = []
        vi: list[str] = []
        en: list[str] = []
        flag = FLAG_OK
        if undefined.flat[i]:
            flag = FLAG_UNRELIABLE
            why.append("no_estimate")
            vi.append("không có câu trả lời hợp lệ")
            en.append("no valid answer")
        else:
            ne = float(neff.flat[i])
            if ne < st.min_n_eff:
                flag = FLAG_UNRELIABLE
                why.append(f"n_eff {_num(ne)} < {_num(st.min_n_eff)}")
                vi.append(f"cỡ mẫu hiệu dụng {_num(ne)} < {_num(st.min_n_eff)}")
                en.append(f"effective sample size {_num(ne)} < {_num(st.min_n_eff)}")
            if ranged.flat[i]:
                wd, rw = float(width.flat[i]), float(rel.flat[i])
                if wd >= st.max_abs_width:
                    flag = FLAG_UNRELIABLE
                    why.append(f"ci_width {wd:.3f} >= {st.max_abs_width:g}")
                    vi.append(f"khoảng tin cậy rộng {wd:.0%} (từ {st.max_abs_width:.0%})")
                    en.append(f"confidence interval {wd:.0%} wide (limit {st.max_abs_width:.0%})")
                elif wd > st.relative_from and rw > st.max_rel_width:
                    flag = FLAG_UNRELIABLE
                    why.append(f"rel_ci_width {rw:.0%} > {st.max_rel_width:.0%}")
                    vi.append(f"độ rộng tương đối {rw:.0%} > {st.max_rel_width:.0%}")
                    en.append(f"relative CI width {rw:.0%} > {st.max_rel_width:.0%}")
            if se.flat[i] == 0 and n.flat[i] > 1:
                why.append("no_variance: every valid answer the same, deff undefined")
            d = float(df.flat[i])
            if not d >= st.min_df:
                if flag == FLAG_OK:
                    flag = FLAG_REVIEW
                why.append(f"df {_num(d)} < {_num(st.min_df)}")
                vi.append(f"bậc tự do {_num(d)} < {_num(st.min_df)}")
                en.append(f"degrees of freedom {_num(d)} < {_num(st.min_df)}")
        flat[0][i] = flag
        flat[1][i] = "; ".join(why)
        flat[2][i] = f"{LABEL_VI[flag]}: {'; '.join(vi)}" if flag != FLAG_OK else ""
        flat[3][i] = f"{LABEL_EN[flag]}: {'; '.join(en)}" if flag != FLAG_OK else ""
    out = {k: a.reshape(shape) for k, a in zip(("flag", "flag_reason", "flag_vi", "flag_en"),
                                                flat, strict=True)}
    out["n_eff"] = neff
    return out
