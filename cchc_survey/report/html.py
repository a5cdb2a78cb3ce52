"""One self-contained HTML report, in Vietnamese by default, that works with no internet.

plotly.js is embedded once (``plotly.offline.get_plotlyjs``), there is no web font, no image, no
link or script from any address, and a Content-Security-Policy forbids the page to fetch anything:
the file can be mailed or put on an intranet share and opened as it is. Every text that comes
from data (labels, free-text answers, check values) is HTML-escaped; a methodology source's web
address is printed as plain text, never as a live link.

Example:
    >>> write_html(inputs, "out/bao_cao.html")  # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from .charts import FONT_FAMILY, gap_chart, index_charts
from .inputs import ReportInputs
from .labels import Lang, t, t_opt
from .tables import present_checks, present_comparison, present_scores, translate_headers

CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
       "style-src 'unsafe-inline'; img-src data: blob:; font-src data:")
"""The page may run its own inline scripts and styles and fetch nothing else."""

PLOTLY_CONFIG: dict[str, object] = {"displaylogo": False, "responsive": True,
                                    "modeBarButtonsToRemove": ["sendDataToCloud"]}

_CSS = """
:root { --blue: #1F4E79; --warn: #C55A11; }
body { font-family: %(font)s; font-size: 15px; line-height: 1.5; color: #222;
       max-width: 1180px; margin: 0 auto; padding: 24px; }
header.report { border-bottom: 3px solid var(--blue); margin-bottom: 16px; }
h1 { color: var(--blue); font-size: 26px; margin: 0 0 8px; }
h2 { color: var(--blue); border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 36px; }
h3 { color: #333; margin-top: 24px; }
.meta { color: #555; margin: 2px 0; }
.warning { background: #FCE4D6; border-left: 5px solid var(--warn); padding: 8px 12px;
           margin: 12px 0; }
table.data { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; width: 100%%; }
table.data th { background: var(--blue); color: #fff; padding: 4px 6px; text-align: left; }
table.data td { border: 1px solid #ddd; padding: 3px 6px; vertical-align: top; }
table.data tr:nth-child(even) td { background: #F5F8FB; }
figure.chart { margin: 12px 0 28px; border: 1px solid #eee; padding: 4px; }
figure.chart figcaption { font-weight: 600; color: #333; padding: 4px 8px; }
ol.free-text li { margin-bottom: 6px; white-space: normal; }
code.url { word-break: break-all; color: #444; }
nav.toc ol { columns: 2; }
footer { margin-top: 40px; color: #777; font-size: 12px; border-top: 1px solid #ccc; }
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(v: object, digits: int) -> str:
    if v is None or v is pd.NA:
        return ""
    if isinstance(v, float):
        return "" if v != v else f"{v:.{digits}f}"  # NaN check
    return str(v)


def _column_cells(col: pd.Series, digits: int) -> list[str]:
    """Every cell of ``col`` as escaped text (:func:`_fmt`, :func:`_esc`).

    A float column is formatted straight from its numbers (digits need no escaping); any other
    column is formatted once per distinct value (keyed by type too: ``1``, ``1.0`` and ``True``
    print differently), as labels, groups and methods repeat on every row.
    """
    if pd.api.types.is_float_dtype(col.dtype):
        return [f"{v:.{digits}f}" if v == v else ""
                for v in col.to_numpy(dtype=float, na_value=np.nan).tolist()]
    cache: dict[tuple[type, object], str] = {}
    out: list[str] = []
    for v in col.astype(object):
        try:
            key = (v.__class__, v)
            cell = cache.get(key)
            if cell is None:
                cell = cache[key] = _esc(_fmt(v, digits))
        except TypeError:  # unhashable value
            cell = _esc(_fmt(v, digits))
        out.append(cell)
    return out


def _table(frame: pd.DataFrame, digits: Mapping[str, int] | None = None) -> str:
    """An escaped HTML table; numbers rounded to ``digits[column]`` places (default 2)."""
    digits = digits or {}
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    cols = [_column_cells(frame[c], digits.get(str(c), 2)) for c in frame.columns]
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in zip(*cols, strict=True)) if len(frame) else ""
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _chart_html(fig: go.Figure, caption: str, chart_id: str) -> str:
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=chart_id,
                      config=PLOTLY_CONFIG)
    return (f'<figure class="chart" data-chart-id="{_esc(chart_id)}">{div}'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def group_var_label(var: str, inputs: ReportInputs, lang: Lang = "vi") -> str:
    """The name a reader sees for a group variable: the units' and the waves' variables in words
    (``Đơn vị (donvi)``, ``Đợt khảo sát (wave)``), any other as its code."""
    key = {inputs.unit_var: "unit_axis", inputs.wave_var: "wave"}.get(var)
    return f"{t(key, lang)} ({var})" if key else var


def _score_section(name: str, table: pd.DataFrame, inputs: ReportInputs, lang: Lang,
                   charts: list[tuple[str, go.Figure]], first_chart: int) -> str:
    parts: list[str] = []
    unverified = ~table["verified"]
    if unverified.any():
        sources = "; ".join(sorted({s for s in table.loc[unverified, "source"] if s}))
        parts.append(f'<p class="warning">⚠ {_esc(t("unverified", lang))}'
                     + (f" — {_esc(t('source', lang))}: {_esc(sources)}" if sources else "")
                     + "</p>")
    digits = {t(c, lang): 1 for c in ("estimate", "se", "ci_low", "ci_high", "n_eff")}
    digits[t("deff", lang)] = 2
    if set(table["unit"]) <= {"points", "mean", "proportion"}:
        digits.update({t(c, lang): 2 for c in ("estimate", "se", "ci_low", "ci_high")})
    hidden = [t("source", lang)]
    whole = table[table["group_var"] == ""]
    if not whole.empty:
        parts.append(_table(present_scores(whole, lang).drop(columns=hidden), digits))
    for gv in pd.unique(table.loc[table["group_var"] != "", "group_var"]):
        sub = table[table["group_var"] == gv]
        parts.append(f"<details><summary>{_esc(t('group_var', lang))}: "
                     f"{_esc(group_var_label(str(gv), inputs, lang))} "
                     f"({len(sub)})</summary>"
                     + _table(present_scores(sub, lang).drop(columns=hidden), digits)
                     + "</details>")
    for k, (caption, fig) in enumerate(charts, start=first_chart):
        parts.append(_chart_html(fig, caption, f"chart-{k}"))
    return "".join(parts)


def build_html(inputs: ReportInputs, *, lang: Lang = "vi") -> str:
    """Return the report as one HTML string (see :func:`write_html`)."""
    sections: list[tuple[str, str, str]] = []  # (anchor, title, body)
    n_chart = 0
    for k, (name, table) in enumerate(inputs.scores.items(), start=1):
        charts = index_charts(name, table, inputs, lang)
        body = _score_section(name, table, inputs, lang, charts, n_chart)
        n_chart += len(charts)
        sections.append((f"idx-{k}", f"{t('results', lang)}: {name}", body))
    if inputs.comparison is not None and len(inputs.comparison):
        comp = present_comparison(inputs.comparison, lang)
        body = _table(comp, {c: 1 for c in comp.columns})
        body += _chart_html(gap_chart(inputs.comparison, lang=lang), t("gap_title", lang),
                            f"chart-{n_chart}")
        n_chart += 1
        sections.append(("comparison", t("comparison", lang), body))
    if inputs.checks is not None:
        checks = inputs.checks
        if checks.empty:
            body = f"<p>{_esc(t('no_checks', lang))}</p>"
        else:
            sev = checks["severity"].astype(str).value_counts()
            counts = pd.DataFrame({
                "severity": [t_opt(f"severity_{k}", lang, str(k)) for k in sev.index],
                "count": sev.to_numpy()})
            body = (f"<h3>{_esc(t('summary_by_severity', lang))}</h3>"
                    + _table(translate_headers(counts, lang))
                    + _table(present_checks(checks, lang)))
        sections.append(("data-quality", t("data_quality", lang), body))
    if inputs.weighting is not None:
        summ = pd.DataFrame({
            t("item", lang): [t_opt(k, lang, k) for k in inputs.weighting.summary],
            t("value", lang): [(t("yes", lang) if v else t("no", lang)) if isinstance(v, bool)
                               else v for v in inputs.weighting.summary.values()]})
        wt = translate_headers(inputs.weighting.table, lang)
        for c in (t("target", lang), t("achieved", lang)):
            wt[c] = (wt[c].astype(float) * 100).map(lambda v: f"{v:.1f}%")
        body = _table(summ, {t("value", lang): 2}) + _table(wt)
        sections.append(("weighting", t("weighting", lang), body))
    if inputs.free_texts is not None:
        items = "".join("<li>" + _esc(v).replace("\r\n", "<br>").replace("\n", "<br>")
                        + "</li>" for v in inputs.free_texts)
        q = f"<p><em>{_esc(inputs.free_text_question)}</em></p>" if (
            inputs.free_text_question) else ""
        body = (q + f"<p>{_esc(t('n_answers', lang))}: {len(inputs.free_texts)}</p>"
                + f'<ol class="free-text">{items}</ol>')
        sections.append(("free-text", t("free_texts", lang), body))
    # methodology and provenance
    method_rows = pd.concat([tb[["index", "method", "source", "verified"]]
                             for tb in inputs.scores.values()]).drop_duplicates()
    method_rows = method_rows.assign(verified=method_rows["verified"].map(
        lambda v: t("yes", lang) if v else t("no", lang)))
    body = _table(translate_headers(method_rows, lang))
    if inputs.provenance:
        prov_rows = "".join(
            f"<tr><td>{_esc(p.what(lang))}</td><td>{_esc(p.source)}</td>"
            f'<td><code class="url">{_esc(p.url)}</code></td>'
            f"<td>{_esc(t('yes', lang) if p.verified else t('no', lang))}</td></tr>"
            for p in inputs.provenance)
        heads = "".join(f"<th>{_esc(t(k, lang))}</th>" for k in ("what", "source", "url",
                                                                   "verified"))
        body += (f'<table class="data"><thead><tr>{heads}</tr></thead>'
                 f"<tbody>{prov_rows}</tbody></table>")
    body += f"<p>{_esc(t('ci_note', lang))}.</p>"
    sections.append(("methodology", t("methodology", lang), body))

    toc = "".join(f'<li><a href="#{a}">{_esc(title)}</a></li>' for a, title, _ in sections)
    main = "".join(f'<section id="{a}"><h2>{i}. {_esc(title)}</h2>{body}</section>'
                   for i, (a, title, body) in enumerate(sections, start=1))
    warn = (f'<p class="warning">⚠ {_esc(t("unverified", lang))}.</p>'
            if inputs.any_unverified() else "")
    meta = "".join(f'<p class="meta"><strong>{_esc(t(k, lang))}:</strong> {_esc(v)}</p>'
                   for k, v in (("organisation", inputs.organisation),
                                ("period", inputs.period),
                                ("date", inputs.date.strftime("%d/%m/%Y"))) if v)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(inputs.title)}</title>\n"
        f"<style>{_CSS % {'font': FONT_FAMILY}}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n<body>\n'
        f'<header class="report"><h1>{_esc(t("report", lang))}: {_esc(inputs.title)}</h1>'
        f"{meta}</header>\n{warn}"
        f'<nav class="toc"><h2>{_esc(t("contents", lang))}</h2><ol>{toc}</ol></nav>\n'
        f"{main}\n<footer>{_esc(t('generated_by', lang))}</footer>\n</body>\n</html>\n")


def write_html(inputs: ReportInputs, path: str | Path, *, lang: Lang = "vi") -> Path:
    """Write the self-contained HTML report (UTF-8, NFC) and return its path.

    Sections: one per index (whole-sample table, tables by group in ``<details>``, charts),
    the comparison with the official results, data quality, weighting, free-text answers
    (escaped), and methodology with the provenance of each element.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_html(inputs, lang=lang), encoding="utf-8")
    return path
