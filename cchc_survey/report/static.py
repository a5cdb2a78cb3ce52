"""Static charts (PNG) for the Word and HTML reports, drawn with matplotlib.

Why matplotlib and not plotly's own image export: plotly writes images through kaleido, and
kaleido 1.x drives a Chrome/Chromium it finds on the machine (or downloads one); an analyst's fresh
Windows laptop or a locked-down office PC may have neither, and a report must not depend on a
browser being there. matplotlib draws with its own Agg renderer and ships DejaVu Sans, a font with
every Vietnamese glyph, so the same PNG comes out on any machine. The interactive plotly charts
(:mod:`cchc_survey.report.charts`) stay for notebooks.

Every function takes numbers already chosen by the report (:mod:`cchc_survey.report.document`)
and returns PNG bytes; labels are short names in the reader's language, numbers in that
language's format (:mod:`cchc_survey.report.fmt`), flagged (unreliable) estimates in grey with an
asterisk. matplotlib is imported on first use (about 0.3 s), never at start-up.

Example:
    >>> png = interval_chart(["Tiếp cận", "Thủ tục"], [70.2, 64.1], [66.0, 60.3], [74.4, 67.9],
    ...                      title="Các yếu tố", unit="%")  # doctest: +SKIP
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from .fmt import num
from .labels import Lang

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

BLUE = "#1F4E79"
ORANGE = "#C55A11"
GREY = "#9A9A9A"
LIGHT = "#D9E2EC"
FONT = "DejaVu Sans"
WIDTH_IN = 6.3
"""Figure width in inches: the text width of an A4 page with 30/15 mm margins (165 mm)."""
DPI = 150


@dataclass(frozen=True)
class Panel:
    """One small panel of a small-multiples chart (a trend of one component)."""

    title: str
    x: Sequence[str]
    estimate: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


def _figure(height_in: float) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    fig.set_facecolor("white")
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None},
                pil_kwargs={"compress_level": 4})
    return buf.getvalue()


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.6)
    ax.set_axisbelow(True)


def _formatter(lang: Lang, digits: int = 0) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: num(v, digits, lang))


def _span_digits(span: float) -> int:
    """Decimals of an axis's tick labels so that neighbouring ticks differ (1,92 / 1,94)."""
    return 0 if span > 8 else 1 if span > 0.8 else 2


def _title(fig: Figure, title: str) -> None:
    """The chart's title above everything, wrapped to the figure's width, left-aligned."""
    fig.suptitle(_wrap(title, 78), fontsize=10, fontweight="bold", x=0.01, ha="left")


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width) or [""])


def _rc() -> Any:  # matplotlib's stubs type the keys as literals
    return {"font.family": FONT, "font.size": 8.5, "axes.titlesize": 10,
            "axes.titleweight": "bold", "axes.titlelocation": "left"}


def interval_chart(labels: Sequence[str], estimate: ArrayLike, low: ArrayLike,
                   high: ArrayLike, *, title: str, unit: str = "",
                   flagged: ArrayLike | None = None, lang: Lang = "vi",
                   highlight: ArrayLike | None = None, ref: float | None = None,
                   ref_label: str = "", limits: tuple[float, float] | None = None,
                   digits: int = 1) -> bytes:
    """One row per label: the estimate as a dot with its confidence interval as a line, the
    value written at the right. Flagged rows in grey with ``*``; highlighted rows in orange;
    ``ref`` draws a vertical line (the whole-sample value). Rows are drawn top to bottom."""
    import matplotlib

    n = len(labels)
    est = np.asarray(estimate, dtype=float)
    lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    flag = np.zeros(n, bool) if flagged is None else np.asarray(flagged, bool)
    hl = np.zeros(n, bool) if highlight is None else np.asarray(highlight, bool)
    ticks = [_wrap(lab + (" *" if f else "")) for lab, f in zip(labels, flag, strict=True)]
    lines = sum(max(1, t.count("\n") + 1) for t in ticks)
    with matplotlib.rc_context(_rc()):
        fig = _figure(max(1.6, 0.2 * n + 0.14 * lines + 1.0))
        ax = fig.add_subplot()
        y = np.arange(n)
        colors = np.where(flag, GREY, np.where(hl, ORANGE, BLUE))
        ok = ~np.isnan(lo) & ~np.isnan(hi)
        ax.hlines(y[ok], lo[ok], hi[ok], colors=colors[ok], linewidth=2.2, alpha=0.55)
        has = ~np.isnan(est)
        ax.scatter(est[has], y[has], c=colors[has], s=26, zorder=3)
        ax.set_yticks(y, ticks)
        ax.invert_yaxis()
        _style(ax)
        finite = np.concatenate([est[has], lo[ok], hi[ok]])
        if limits is not None:
            left, right = limits
        elif finite.size:
            span = float(finite.max() - finite.min()) or 1.0
            left, right = float(finite.min()) - 0.05 * span, float(finite.max()) + 0.22 * span
        else:
            left, right = 0.0, 1.0
        ax.set_xlim(left, right)
        # the reference line only when it is on the rows' own scale (a PAPI total of 0-80
        # points is not drawn among its dimensions of 1-10)
        if ref is not None and not np.isnan(ref) and left <= ref <= right:
            ax.axvline(ref, color=GREY, linewidth=0.8, linestyle="--", zorder=1)
            if ref_label:
                ax.text(ref, 1.0, f" {ref_label} {num(ref, digits, lang)}", fontsize=7,
                        color="#555", va="bottom", transform=ax.get_xaxis_transform())
        for yi, e, h in zip(y[has], est[has], np.where(ok, hi, est)[has], strict=True):
            ax.text(h + (right - left) * 0.012, yi, num(e, digits, lang), va="center",
                    fontsize=7.5, color="#333")
        ax.xaxis.set_major_formatter(_formatter(lang, _span_digits(right - left)))
        ax.set_xlabel(unit, fontsize=8)
        _title(fig, title)
        return _png(fig)


def heatmap(rows: Sequence[str], cols: Sequence[str], values: np.ndarray, *, title: str,
            unit: str = "", lang: Lang = "vi", digits: int = 0) -> bytes:
    """Rows (units) x columns (components, short names) coloured from red (low) to green
    (high); each cell shows its value; missing cells are blank."""
    import matplotlib

    z = np.asarray(values, dtype=float)
    with matplotlib.rc_context(_rc()):
        fig = _figure(max(2.0, 0.34 * len(rows) + 1.6))
        ax = fig.add_subplot()
        masked = np.ma.masked_invalid(z)
        im = ax.imshow(masked, cmap="RdYlGn", aspect="auto")
        if len(cols) > 5:  # many columns: slanted labels, so neighbours never overlap
            ax.set_xticks(range(len(cols)), [_wrap(c, 26) for c in cols], fontsize=6.5,
                          rotation=35, ha="left", rotation_mode="anchor")
        else:
            ax.set_xticks(range(len(cols)), [_wrap(c, 16) for c in cols], fontsize=7)
        ax.set_yticks(range(len(rows)), [_wrap(r, 30) for r in rows], fontsize=7.5)
        ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
        for (i, j), v in np.ndenumerate(z):
            if not np.isnan(v):
                ax.text(j, i, num(v, digits, lang), ha="center", va="center", fontsize=7)
        bar = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
        bar.ax.yaxis.set_major_formatter(_formatter(lang))
        bar.ax.tick_params(labelsize=7)
        bar.set_label(unit, fontsize=7)
        _title(fig, title)
        return _png(fig)


def small_multiples(panels: Sequence[Panel], *, title: str, unit: str = "",
                    lang: Lang = "vi", highlight_first: bool = True, digits: int = 1) -> bytes:
    """One small panel per component (same vertical scale), the estimate by wave as a line
    with its interval as a band; the first panel (the index) in orange when highlighted."""
    import matplotlib

    n = len(panels)
    cols = min(3, max(n, 1))
    rws = int(np.ceil(n / cols)) if n else 1
    allv = np.concatenate([np.asarray([*p.low, *p.high, *p.estimate], dtype=float)
                           for p in panels]) if panels else np.array([0.0, 1.0])
    allv = allv[~np.isnan(allv)]
    lo_all = float(allv.min()) if allv.size else 0.0
    hi_all = float(allv.max()) if allv.size else 1.0
    pad = 0.08 * ((hi_all - lo_all) or 1.0)
    with matplotlib.rc_context(_rc()):
        fig = _figure(1.75 * rws + 0.5)
        axes = fig.subplots(rws, cols, squeeze=False, sharey=True)
        for k, ax in enumerate(axes.flat):
            if k >= n:
                ax.set_visible(False)
                continue
            p = panels[k]
            x = np.arange(len(p.x))
            color = ORANGE if (highlight_first and k == 0) else BLUE
            est = np.asarray(p.estimate, dtype=float)
            ax.fill_between(x, np.asarray(p.low, dtype=float), np.asarray(p.high, dtype=float),
                            color=color, alpha=0.15, linewidth=0)
            ax.plot(x, est, color=color, marker="o", markersize=3, linewidth=1.6)
            if len(est) and not np.isnan(est[-1]):
                ax.annotate(num(est[-1], digits, lang), (x[-1], est[-1]), fontsize=7,
                            xytext=(3, 3), textcoords="offset points")
            ax.set_title(_wrap(p.title, 28), fontsize=8, loc="left")
            ax.set_xticks(x, list(p.x), fontsize=6.5, rotation=0)
            if len(x) > 4:
                for lab in ax.get_xticklabels()[1:-1]:
                    lab.set_visible(False)
            ax.set_ylim(lo_all - pad, hi_all + pad)
            ax.yaxis.set_major_formatter(_formatter(lang))
            ax.spines[["top", "right"]].set_visible(False)
            ax.tick_params(labelsize=7)
            ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
        if unit:
            fig.supylabel(unit, fontsize=8)
        _title(fig, title)
        return _png(fig)


def gap_chart(labels: Sequence[str], estimate: ArrayLike, low: ArrayLike,
              high: ArrayLike, official: ArrayLike, *, title: str,
              comparable: Sequence[bool], survey_label: str, official_label: str,
              not_comparable: str, lang: Lang = "vi") -> bytes:
    """Survey estimate (dot and interval) and official value (diamond), one small row per
    component, each on its own scale, so components on 0–3,3, 1–10 and 0–100 scales are all
    readable. Rows that are not comparable are drawn in grey and say so."""
    import matplotlib

    n = len(labels)
    cols = [np.asarray(v, dtype=float) for v in (estimate, low, high, official)]
    with matplotlib.rc_context(_rc()):
        fig = _figure(0.62 * n + 0.9)
        axes = fig.subplots(n, 1, squeeze=False)[:, 0]
        for k, ax in enumerate(axes):
            e, lo, hi, off = (float(v[k]) for v in cols)
            ok = bool(comparable[k])
            color = BLUE if ok else GREY
            vals = np.array([e, lo, hi, off], dtype=float)
            vals = vals[~np.isnan(vals)]
            span = float(vals.max() - vals.min()) if vals.size else 1.0
            span = span or max(abs(float(vals.max())) * 0.1, 1.0) if vals.size else 1.0
            ax.hlines(0, lo, hi, color=color, linewidth=2.4, alpha=0.6)
            ax.scatter([e], [0], color=color, s=30, zorder=3,
                       label=survey_label if k == 0 else None)
            ax.scatter([off], [0], marker="D", color=ORANGE, s=30, zorder=3,
                       label=official_label if k == 0 else None)
            if vals.size:
                ax.set_xlim(float(vals.min()) - 0.35 * span, float(vals.max()) + 0.35 * span)
            ax.set_yticks([0], [_wrap(labels[k] + ("" if ok else f" ({not_comparable})"), 40)],
                          fontsize=7.5)
            ax.set_ylim(-1, 1)
            ax.xaxis.set_major_formatter(_formatter(lang, _span_digits(1.7 * span)))
            ax.tick_params(axis="x", labelsize=6.5)
            ax.spines[["top", "right", "left"]].set_visible(False)
        fig.legend(loc="outside lower left", ncol=2, fontsize=7.5, frameon=False)
        _title(fig, title)
        return _png(fig)


def likert_chart(labels: Sequence[str], shares: np.ndarray, answers: Sequence[str], *,
                 title: str, neutral: int | None, lang: Lang = "vi", axis: str = "") -> bytes:
    """Diverging bars: per row the share of each answer (rows sum to 100), the negative
    answers to the left of zero, the positive ones to the right, the neutral one split across
    zero. ``answers`` go from the most negative to the most positive."""
    import matplotlib
    from matplotlib import colormaps

    share = np.nan_to_num(np.asarray(shares, dtype=float))
    k = len(answers)
    mid = neutral if neutral is not None else k // 2
    colors = [colormaps["RdBu"](v) for v in np.linspace(0.1, 0.9, k)]
    if neutral is not None:
        colors[mid] = (0.78, 0.78, 0.78, 1.0)
    with matplotlib.rc_context(_rc()):
        fig = _figure(max(1.8, 0.34 * len(labels) + 1.2))
        ax = fig.add_subplot()
        y = np.arange(len(labels))
        half = share[:, mid] / 2 if neutral is not None else np.zeros(len(labels))
        left = -half.copy()
        for j in range(mid - 1, -1, -1):  # negative answers outwards from zero
            left = left - share[:, j]
            ax.barh(y, share[:, j], left=left, color=colors[j], label=answers[j], height=0.7)
        if neutral is not None:
            ax.barh(y, share[:, mid], left=-half, color=colors[mid], label=answers[mid],
                    height=0.7)
        right = half.copy()
        for j in range(mid + (1 if neutral is not None else 0), k):
            ax.barh(y, share[:, j], left=right, color=colors[j], label=answers[j], height=0.7)
            right = right + share[:, j]
        ax.axvline(0, color="#333", linewidth=1)
        ax.set_yticks(y, [_wrap(lab, 36) for lab in labels])
        ax.invert_yaxis()
        ax.set_xlim(-100, 100)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: num(abs(v), 0, lang)))
        _style(ax)
        ax.set_xlabel(axis, fontsize=8)
        handles, labs = ax.get_legend_handles_labels()
        order = [labs.index(a) for a in answers if a in labs]
        fig.legend([handles[i] for i in order], [labs[i] for i in order],
                   loc="outside lower center", ncol=min(k, 5), fontsize=7, frameon=False)
        _title(fig, title)
        return _png(fig)
