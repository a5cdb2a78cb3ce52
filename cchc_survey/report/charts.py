"""Plotly charts of score tables and comparisons, one function each, returning a ``go.Figure``.

Every chart reads the score-table shape (:mod:`cchc_survey.scoretable`) or the comparison
table (:mod:`cchc_survey.report.inputs`), labels it in Vietnamese by default (``lang="en"`` for
English), and, when any number shown rests on an unverified method, says so in a footnote. The
charts draw the numbers they are given: confidence intervals come from the table's ``ci_low`` /
``ci_high``, nothing is estimated here.

Example:
    >>> fig = bar_chart(scores["SIPAS"], level="element")  # doctest: +SKIP
    >>> fig.write_html("sipas_elements.html", include_plotlyjs=True)  # doctest: +SKIP
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from .inputs import ReportInputError, ReportInputs
from .labels import Lang, t, t_opt
from .tables import component_label, group_label

FONT_FAMILY = ("'Segoe UI', 'Noto Sans', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', "
               "'DejaVu Sans', sans-serif")
"""A system font stack whose every member has Vietnamese glyphs (no web font is fetched)."""

_BLUE = "#1F4E79"
_ORANGE = "#C55A11"
_NEUTRAL_GREY = "#C8C8C8"


class ChartInputError(ReportInputError):
    """The table handed to a chart has no rows of the kind the chart needs."""


def _wrap(text: str, width: int = 38) -> str:
    """Escape ``text`` for plotly's pseudo-HTML and break it into lines of ``width``."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(text, width) or [""])


def _select(table: pd.DataFrame, *, level: str, group_var: str, chart: str) -> pd.DataFrame:
    rows = table[(table["level"] == level) & (table["group_var"] == group_var)
                 & table["estimate"].notna()]
    if rows.empty:
        kinds = sorted({(str(a), str(b)) for a, b in zip(table["level"], table["group_var"],
                                                           strict=True)})
        raise ChartInputError(
            f"{chart}: the score table has no rows with level={level!r} and "
            f"group_var={group_var!r}. It has (level, group_var): {kinds}. Fix: pass one of "
            "those as level=/group_var=.")
    return rows


def _unit_axis(table: pd.DataFrame, lang: Lang) -> tuple[str, list[float] | None]:
    units = set(table["unit"])
    if units == {"percent"}:
        return "%", [0.0, 100.0]
    if units == {"proportion"}:
        return t("unit_proportion", lang), [0.0, 1.0]
    if len(units) == 1:
        return t_opt(f"unit_{next(iter(units))}", lang, str(next(iter(units)))), None
    return "", None


def _footnote(sources: pd.Series, verified: pd.Series, lang: Lang) -> str:
    """The caveat for the unverified rows (empty when every row is verified)."""
    bad = sources[~verified.astype(bool)]
    if bad.empty:
        return ""
    names = "; ".join(sorted({s for s in bad if s}))
    text = f"⚠ {t('unverified', lang)}"
    return text + (f" ({t('source', lang).lower()}: {names})" if names else "")


def _layout(fig: go.Figure, title: str, note: str, *, height: int) -> go.Figure:
    margin_b = 60 + (40 if note else 0)
    fig.update_layout(
        title={"text": html.escape(title), "x": 0.0, "xanchor": "left"},
        template="plotly_white", font={"family": FONT_FAMILY, "size": 13},
        height=height, margin={"l": 20, "r": 20, "t": 60, "b": margin_b},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
    )
    if note:
        fig.add_annotation(text=_wrap(note, 140), xref="paper", yref="paper", x=0.0, y=0.0,
                           yshift=-margin_b + 8, xanchor="left", yanchor="bottom",
                           showarrow=False, align="left", font={"size": 11, "color": _ORANGE})
    return fig


def bar_chart(table: pd.DataFrame, *, level: str = "element", group_var: str = "",
              lang: Lang = "vi", title: str | None = None) -> go.Figure:
    """Horizontal bars of ``level`` components with their confidence interval as whiskers.

    Args:
        table: a score table.
        level: which rows (``element``, ``criterion``, ``dimension``...).
        group_var: ``""`` for the whole sample (default) or one domain variable; with a
            domain variable there is one bar colour per group.
        lang: ``"vi"`` or ``"en"``.
        title: the chart title (default: a generic one).
    """
    rows = _select(table, level=level, group_var=group_var, chart="bar_chart")
    unit, rng = _unit_axis(rows, lang)
    fig = go.Figure()
    groups = group_label(rows, lang)
    for g in pd.unique(groups):
        sub = rows[groups == g]
        labels = [_wrap(x) for x in component_label(sub, lang)]
        est = sub["estimate"].to_numpy()
        fig.add_trace(go.Bar(
            y=labels, x=est, orientation="h", name=str(g),
            marker_color=_BLUE if not group_var else None,
            error_x={"type": "data", "symmetric": False,
                     "array": sub["ci_high"].to_numpy() - est,
                     "arrayminus": est - sub["ci_low"].to_numpy(),
                     "color": "#444", "thickness": 1.2, "width": 4},
            text=[f"{v:.1f}" for v in est], textposition="inside", insidetextanchor="start",
            hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=f"{t('estimate', lang)} ({unit})" if unit else
                     t("estimate", lang), range=rng)
    fig.update_layout(showlegend=bool(group_var), barmode="group")
    n_bars = len(rows)
    return _layout(fig, title or t("bar_title", lang),
                   _footnote(rows["source"], rows["verified"], lang),
                   height=max(320, 60 * min(n_bars, 30) + 140))


def radar_chart(table: pd.DataFrame, *, level: str = "element", group_var: str = "",
                lang: Lang = "vi", title: str | None = None) -> go.Figure:
    """Radar (polar) profile of the ``level`` components; one outline per group of ``group_var``.

    Args:
        table: a score table (at least three components at ``level``).
        level: the components on the spokes (``element``, ``dimension``...).
        group_var: ``""`` for the whole sample, or a domain variable (one outline per group).
        lang: ``"vi"`` or ``"en"``.
        title: the chart title.
    """
    rows = _select(table, level=level, group_var=group_var, chart="radar_chart")
    _, rng = _unit_axis(rows, lang)
    fig = go.Figure()
    groups = group_label(rows, lang)
    for g in pd.unique(groups):
        sub = rows[groups == g]
        theta = [_wrap(x, 22) for x in component_label(sub, lang)]
        r = sub["estimate"].to_numpy()
        fig.add_trace(go.Scatterpolar(r=np.append(r, r[:1]), theta=[*theta, theta[0]],
                                      fill="toself", name=str(g), opacity=0.75,
                                      hovertemplate="%{theta}: %{r:.1f}<extra></extra>"))
    n_spokes = int((groups == pd.unique(groups)[0]).sum())
    fig.update_layout(polar={"angularaxis": {"rotation": 90, "direction": "clockwise"},
                             # the radial ticks go between the first and the last spoke
                             "radialaxis": {"range": rng, "visible": True,
                                            "angle": 90 + 180 / max(n_spokes, 1),
                                            "tickfont": {"size": 10}}},
                      showlegend=bool(group_var))
    return _layout(fig, title or t("radar_title", lang),
                   _footnote(rows["source"], rows["verified"], lang), height=520)


def heatmap(table: pd.DataFrame, *, level: str = "criterion", unit_var: str = "donvi",
            lang: Lang = "vi", title: str | None = None) -> go.Figure:
    """Unit x component heatmap: one row per group of ``unit_var``, one column per component.

    Args:
        table: a score table with rows by ``unit_var``.
        level: the components on the columns (``criterion`` by default).
        unit_var: the domain variable whose groups are organisational units.
        lang: ``"vi"`` or ``"en"``.
        title: the chart title.
    """
    rows = _select(table, level=level, group_var=unit_var, chart="heatmap")
    rows = rows.assign(_g=group_label(rows, lang).to_numpy(),
                       _lab=component_label(rows, lang).to_numpy())
    z = rows.pivot_table(index="_g", columns="code", values="estimate", sort=False)
    labels = rows.drop_duplicates("code").set_index("code")["_lab"].reindex(z.columns)
    custom = np.tile(labels.to_numpy(dtype=object), (len(z.index), 1))
    unit, _ = _unit_axis(rows, lang)
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=list(z.columns), y=[_wrap(str(g), 30) for g in z.index],
        customdata=custom, colorscale="RdYlGn", colorbar={"title": {"text": unit}},
        text=np.vectorize(lambda v: "" if np.isnan(v) else f"{v:.0f}")(z.to_numpy()),
        texttemplate="%{text}", hovertemplate="%{y}<br>%{x} %{customdata}: %{z:.1f}"
                                               "<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=t_opt(f"level_{level}", lang, level), side="bottom")
    return _layout(fig, title or t("heatmap_title", lang),
                   _footnote(rows["source"], rows["verified"], lang),
                   height=max(360, 44 * len(z.index) + 200))


def trend_chart(table: pd.DataFrame, *, level: str = "element", wave_var: str = "wave",
                codes: Sequence[str] | None = None, lang: Lang = "vi",
                title: str | None = None) -> go.Figure:
    """Estimates by survey wave, one line per component, with the CI as a shaded band.

    Args:
        table: a score table with rows by ``wave_var``; waves are ordered by ``group_value``.
        level: which components.
        wave_var: the domain variable whose groups are survey waves.
        codes: only these components (default: all at ``level``).
        lang: ``"vi"`` or ``"en"``.
        title: the chart title.
    """
    rows = _select(table, level=level, group_var=wave_var, chart="trend_chart")
    if codes is not None:
        rows = rows[rows["code"].isin(list(codes))]
    rows = rows.sort_values(["code", "group_value"], kind="stable")
    rows = rows.assign(_g=group_label(rows, lang).to_numpy())
    palette = sample_colorscale("Viridis", max(2, rows["code"].nunique()), high=0.85)
    fig = go.Figure()
    for k, (_, sub) in enumerate(rows.groupby("code", sort=False)):
        color = palette[k]
        x = sub["_g"].tolist()
        fig.add_trace(go.Scatter(x=x, y=sub["ci_high"], mode="lines", line={"width": 0},
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=x, y=sub["ci_low"], mode="lines", line={"width": 0},
                                 fill="tonexty", fillcolor=color.replace("rgb", "rgba")
                                 .replace(")", ", 0.18)"), showlegend=False, hoverinfo="skip"))
        name = _wrap(component_label(sub, lang).iloc[0], 45)
        fig.add_trace(go.Scatter(x=x, y=sub["estimate"], mode="lines+markers", name=name,
                                 line={"color": color, "width": 2},
                                 hovertemplate="%{x}: %{y:.1f}<extra></extra>"))
    unit, _ = _unit_axis(rows, lang)
    fig.update_xaxes(title_text=t("wave", lang), type="category")
    fig.update_yaxes(title_text=f"{t('estimate', lang)} ({unit})" if unit else "")
    out = _layout(fig, title or t("trend_title", lang),
                  _footnote(rows["source"], rows["verified"], lang), height=480)
    out.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1.0, "yanchor": "top",
                              "traceorder": "normal"})
    return out


def gap_chart(comparison: pd.DataFrame, *, lang: Lang = "vi",
              title: str | None = None) -> go.Figure:
    """Dot plot of the survey estimate (with CI) against the official value, per component.

    A component whose difference is marked ``significant`` is drawn with a filled marker and
    an asterisk, but only where the comparison is possible (the survey's method verified, see
    :func:`cchc_survey.report.document.comparable_rows`); elsewhere the label says "không so sánh
    được". Reads the comparison table described in :mod:`cchc_survey.report.inputs`. The Word and
    HTML reports draw each component on its own scale instead
    (:func:`cchc_survey.report.static.gap_chart`).
    """
    from .document import comparable_rows

    comp = comparison.reset_index(drop=True)
    if comp.empty:
        raise ChartInputError("gap_chart: the comparison table is empty. Fix: pass the "
                              "table made by the comparison step, with at least one row.")
    lab = comp["label_vi"]
    if lang == "en" and "label_en" in comp:
        lab = comp["label_en"].where(comp["label_en"].fillna("") != "", lab)
    ok = comparable_rows(comp)
    sig = comp["significant"].astype(bool).to_numpy() & ok
    y = [_wrap(str(x) + ("" if c else f" ({t('not_comparable', lang)})")) + (" *" if s else "")
         for x, s, c in zip(lab, sig, ok, strict=True)]
    est = comp["survey_estimate"].to_numpy(dtype=float)
    off = comp["official"].to_numpy(dtype=float)
    fig = go.Figure()
    for i in range(len(comp)):
        fig.add_shape(type="line", x0=off[i], x1=est[i], y0=y[i], y1=y[i], xref="x", yref="y",
                      line={"color": "#BBBBBB", "width": 3}, layer="below")
    fig.add_trace(go.Scatter(
        x=off, y=y, mode="markers", name=t("official", lang),
        marker={"symbol": "diamond", "size": 12, "color": _ORANGE},
        hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=est, y=y, mode="markers", name=t("survey_estimate", lang),
        marker={"symbol": np.where(sig, "circle", "circle-open").tolist(), "size": 12,
                "color": _BLUE, "line": {"width": 2, "color": _BLUE}},
        error_x={"type": "data", "symmetric": False,
                 "array": comp["survey_ci_high"].to_numpy(dtype=float) - est,
                 "arrayminus": est - comp["survey_ci_low"].to_numpy(dtype=float),
                 "color": _BLUE, "thickness": 1.2, "width": 5},
        hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    unit = ""
    if "unit" in comp and comp["unit"].nunique() == 1:
        unit = t_opt(f"unit_{comp['unit'].iloc[0]}", lang, str(comp["unit"].iloc[0]))
    fig.update_xaxes(title_text=(f"{t('estimate', lang)} ({unit})" if unit
                                 else t("estimate", lang)))
    verified = comp["verified"] if "verified" in comp else pd.Series(True, index=comp.index)
    source = comp["official_source"] if "official_source" in comp else pd.Series(
        "", index=comp.index)
    note = "* " + t("significant", lang).lower()
    caveat = _footnote(source.fillna("").astype(str), verified.fillna(False), lang)
    return _layout(fig, title or t("gap_title", lang),
                   note + (" · " + caveat if caveat else ""),
                   height=max(320, 60 * len(comp) + 160))


def likert_chart(table: pd.DataFrame, *, answer_var: str = "answer", level: str = "item",
                 answer_order: Sequence[str] | None = None, neutral: str | None = None,
                 lang: Lang = "vi", title: str | None = None) -> go.Figure:
    """Diverging stacked bars of the answer distribution of each item.

    Reads score-table rows with ``group_var == answer_var``: one row per item (``code``) and
    answer code (``group_value``), ``estimate`` = percentage of answers. Answers before
    ``neutral`` go left of zero, answers after it go right, the neutral share is split across
    zero.

    Args:
        table: a score table with the distribution rows.
        answer_var: the ``group_var`` that holds answer codes.
        level: the level of the distribution rows.
        answer_order: answer codes from most negative to most positive (default: the codes
            sorted numerically); codes not listed (e.g. "don't know") are left out.
        neutral: the neutral code (default: the middle one when the count is odd, else none).
        lang: ``"vi"`` or ``"en"``.
        title: the chart title.
    """
    rows = _select(table, level=level, group_var=answer_var, chart="likert_chart")
    codes = list(answer_order) if answer_order is not None else sorted(
        pd.unique(rows["group_value"]), key=lambda c: (float(c) if _is_number(c) else np.inf,
                                                       str(c)))
    if neutral is None and len(codes) % 2 == 1:
        neutral = codes[len(codes) // 2]
    mid = codes.index(neutral) if neutral in codes else len(codes) // 2
    rows = rows.assign(_lab=component_label(rows, lang).to_numpy(),
                       _ans=group_label(rows, lang).to_numpy())
    share = rows.pivot_table(index="code", columns="group_value", values="estimate",
                             sort=False).reindex(columns=codes).fillna(0.0)
    items = share.index.tolist()
    ylab = rows.drop_duplicates("code").set_index("code")["_lab"].reindex(items)
    y = [_wrap(str(v)) for v in ylab]
    names = rows.drop_duplicates("group_value").set_index("group_value")["_ans"]
    colors = sample_colorscale("RdBu", len(codes), low=0.1, high=0.9)
    if neutral in codes:
        colors[mid] = _NEUTRAL_GREY  # the scale's middle is near-white on a white page
    fig = go.Figure()
    neg_order = list(range(mid - 1, -1, -1))  # from the mildest negative outwards
    traces: list[tuple[int, float, bool]] = []  # (code index, sign, show in legend)
    if neutral in codes:
        traces.append((mid, -0.5, True))
    traces += [(k, -1.0, True) for k in neg_order]
    if neutral in codes:
        traces.append((mid, 0.5, False))
    traces += [(k, 1.0, True) for k in range(mid + (1 if neutral in codes else 0), len(codes))]
    for k, sign, legend in traces:
        vals = share[codes[k]].to_numpy() * sign
        fig.add_trace(go.Bar(
            y=y, x=vals, orientation="h", name=str(names.get(codes[k], codes[k])),
            marker_color=colors[k], showlegend=legend, legendgroup=str(codes[k]),
            legendrank=k, customdata=share[codes[k]].to_numpy(),
            hovertemplate="%{y}<br>" + html.escape(str(names.get(codes[k], codes[k])))
                          + ": %{customdata:.1f}%<extra></extra>"))
    fig.update_layout(barmode="relative")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=t("percent_answers", lang), zeroline=True, zerolinewidth=2,
                     zerolinecolor="#333", range=[-100, 100],
                     tickvals=[-100, -50, 0, 50, 100], ticktext=["100", "50", "0", "50", "100"])
    out = _layout(fig, title or t("likert_title", lang),
                  _footnote(rows["source"], rows["verified"], lang),
                  height=max(340, 50 * len(items) + 180))
    out.update_layout(legend={"traceorder": "normal"})
    return out


def _is_number(v: object) -> bool:
    try:
        float(str(v))
    except ValueError:
        return False
    return True


def index_charts(name: str, table: pd.DataFrame, inputs: ReportInputs,
                 lang: Lang = "vi") -> list[tuple[str, go.Figure]]:
    """The charts that fit one index's score table, each with a short caption.

    Bars and a radar of the top component level present (``element`` or ``dimension``), a bar
    chart of criteria, a unit x criterion heatmap when rows by ``inputs.unit_var`` exist, a
    trend when rows by ``inputs.wave_var`` exist, and Likert bars when answer distributions
    (``inputs.answer_var``) exist.
    """
    out: list[tuple[str, go.Figure]] = []
    whole = table[table["group_var"] == ""]
    # the table's own hierarchy: the level with the fewest codes (at least 2) is the top one
    # (elements, dimensions, fields), the one with the most codes the detail (criteria)
    counts = whole.groupby("level")["code"].nunique()
    counts = counts[(counts >= 2) & (counts.index != "item")].sort_values(kind="stable")
    levels = list(counts.index)
    if levels:
        top = levels[0]
        lv_name = t_opt(f"level_{top}", lang, top)
        out.append((f"{name}: {lv_name}", bar_chart(table, level=top, lang=lang,
                                                     title=f"{name} — {lv_name}")))
        if counts[top] >= 3:
            out.append((f"{name}: {t('radar_title', lang)}",
                        radar_chart(table, level=top, lang=lang,
                                    title=f"{name} — {t('radar_title', lang)}")))
        detail = levels[-1]
        if detail != top:
            crit = t_opt(f"level_{detail}", lang, detail)
            out.append((f"{name}: {crit}", bar_chart(table, level=detail, lang=lang,
                                                      title=f"{name} — {crit}")))
    by_unit = table[table["group_var"] == inputs.unit_var]
    if not by_unit.empty:
        lv = levels[-1] if levels and (by_unit["level"] == levels[-1]).any() else str(
            by_unit["level"].iloc[0])
        out.append((f"{name}: {t('heatmap_title', lang)}",
                    heatmap(table, level=lv, unit_var=inputs.unit_var, lang=lang,
                            title=f"{name} — {t('heatmap_title', lang)}")))
    by_wave = table[table["group_var"] == inputs.wave_var]
    if not by_wave.empty:
        lv = levels[0] if levels and (by_wave["level"] == levels[0]).any() else str(
            by_wave["level"].iloc[0])
        out.append((f"{name}: {t('trend_title', lang)}",
                    trend_chart(table, level=lv, wave_var=inputs.wave_var, lang=lang,
                                title=f"{name} — {t('trend_title', lang)}")))
    by_answer = table[table["group_var"] == inputs.answer_var]
    if not by_answer.empty:
        out.append((f"{name}: {t('likert_title', lang)}",
                    likert_chart(table, answer_var=inputs.answer_var,
                                 level=str(by_answer["level"].iloc[0]), lang=lang,
                                 title=f"{name} — {t('likert_title', lang)}")))
    return out
