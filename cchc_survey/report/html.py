"""One self-contained HTML report, the same report as the Word one, that works with no internet.

The page renders the blocks of :func:`cchc_survey.report.document.build_document` (the same
sections, tables and charts as the Word report; the charts are the same PNG images, inlined as
``data:`` addresses). There is no script, no web font and no link to any address, and a
Content-Security-Policy forbids the page to fetch anything: the file can be mailed or put on an
intranet share and opened as it is. Its size does not grow with the number of respondents
(flags and comments are summarised; the detail is in Excel and CSV), so it stays small and opens
at once at a million responses. Every text from data is HTML-escaped; a web address is plain
text, never a live link.

Example:
    >>> write_html(inputs, "out/bao_cao.html")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from . import document as dm
from .inputs import ReportInputs
from .labels import Lang, t

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The page may use its own inline styles and inline images and fetch nothing else."""

PLOTLY_CONFIG: dict[str, object] = {"displaylogo": False, "responsive": True,
                                    "modeBarButtonsToRemove": ["sendDataToCloud"]}
"""plotly's display options for the interactive chart file (:func:`write_interactive`)."""

FONT_FAMILY = ("'Times New Roman', 'Liberation Serif', 'Noto Serif', 'DejaVu Serif', serif")

_CSS = """
body { font-family: %(font)s; font-size: 17px; line-height: 1.5; color: #111;
       max-width: 860px; margin: 0 auto; padding: 24px 32px; }
.national { display: flex; justify-content: space-between; text-align: center; gap: 24px; }
.national div { flex: 1; }
.national .motto, .national .unit { font-weight: bold; }
.national .motto2 { font-weight: bold; text-decoration: underline; }
.dateline { font-style: italic; }
h1.title { text-align: center; font-size: 20px; margin: 28px 0 0; }
p.subtitle { text-align: center; font-weight: bold; font-size: 18px; margin: 4px 0; }
p.period { text-align: center; font-style: italic; margin: 0 0 16px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 17px; margin: 18px 0 6px; }
h4 { font-size: 17px; font-style: italic; margin: 14px 0 4px; }
p { margin: 6px 0; text-align: justify; }
p.body { text-indent: 1.2em; }
p.bullet { padding-left: 1.2em; text-indent: -0.8em; }
p.note { font-size: 15px; font-style: italic; color: #333; }
p.caveat { font-size: 15px; font-style: italic; color: #9C3D0A; }
p.draft { font-style: italic; background: #FFF59D; }
table.data { border-collapse: collapse; margin: 6px 0 14px; font-size: 15px; width: 100%%;
             table-layout: fixed; }
table.data caption { caption-side: top; text-align: left; font-weight: bold; padding: 4px 0; }
table.data th { background: #D9E2EC; border: 1px solid #555; padding: 3px 6px; }
table.data td { border: 1px solid #555; padding: 2px 6px; vertical-align: top;
                overflow-wrap: anywhere; }
table.data td.num { text-align: right; white-space: nowrap; }
table.data tr.strong td { font-weight: bold; }
figure { margin: 10px 0 18px; text-align: center; page-break-inside: avoid; }
figure img { max-width: 100%%; height: auto; }
figcaption { font-style: italic; font-size: 15px; }
.pagebreak { page-break-after: always; break-after: page; }
.sign { display: flex; justify-content: space-between; margin-top: 28px; }
.sign div { flex: 1; }
.sign .who { text-align: center; font-weight: bold; }
footer { margin-top: 32px; color: #777; font-size: 13px; border-top: 1px solid #ccc; }
@page { size: A4; margin: 20mm 15mm 20mm 30mm; }
@media print { body { max-width: none; padding: 0; font-size: 13pt; } }
"""


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _table(block: dm.Table) -> str:
    total = sum(block.widths) or 1.0
    cols = "".join(f'<col style="width:{100 * w / total:.1f}%">' for w in block.widths)
    numeric = list(block.numeric) or [False] * len(block.header)
    strong = list(block.strong) or [False] * len(block.rows)
    head = "".join(f"<th>{_esc(h)}</th>" for h in block.header)
    body = "".join(
        ('<tr class="strong">' if bold else "<tr>")
        + "".join(f'<td class="num">{_esc(v)}</td>' if is_num else f"<td>{_esc(v)}</td>"
                  for v, is_num in zip(row, numeric, strict=True)) + "</tr>"
        for row, bold in zip(block.rows, strong, strict=True))
    cap = f"<caption>{_esc(block.caption)}</caption>" if block.caption else ""
    return (f'<table class="data">{cap}<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _block(block: dm.Block) -> str:
    if isinstance(block, dm.Heading):
        tag = f"h{min(block.level + 1, 4)}"
        return f"<{tag}>{_esc(block.text)}</{tag}>"
    if isinstance(block, dm.Para):
        text = _esc(block.text)
        return f'<p class="{block.kind}">{"– " if block.kind == "bullet" else ""}{text}</p>'
    if isinstance(block, dm.Table):
        return _table(block)
    if isinstance(block, dm.Figure):
        data = base64.b64encode(block.png).decode("ascii")
        return (f'<figure><img alt="{_esc(block.caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{_esc(block.caption)}</figcaption></figure>")
    return '<div class="pagebreak"></div>'


def build_html(inputs: ReportInputs, *, lang: Lang = "vi",
               document: dm.Document | None = None) -> str:
    """Return the report as one HTML string (see :func:`write_html`); ``document`` reuses blocks
    already built (for the Word report)."""
    content = document or dm.build_document(inputs, lang)
    left = "".join(f'<div class="{c}">{_esc(x)}</div>' for c, x in (
        ("", inputs.parent_organisation.upper()), ("unit", inputs.organisation.upper()),
        ("", f"{t('doc_number', lang)}: ......./{inputs.doc_symbol}")) if x)
    right = (f'<div class="motto">{_esc(t("motto_1", lang))}</div>'
             f'<div class="motto2">{_esc(t("motto_2", lang))}</div>'
             f'<div class="dateline">{_esc(dm.dateline(inputs.place, inputs.date, lang))}</div>')
    period = f'<p class="period">({_esc(content.period)})</p>' if content.period else ""
    body = "\n".join(_block(b) for b in content.blocks)
    sign = (f'<div class="sign"><div><em><strong>{_esc(t("recipients", lang))}</strong></em>'
            + "".join(f"<div>{_esc(x)}</div>" for x in t("recipients_lines", lang).split("|"))
            + f'</div><div class="who">{_esc(t("signer", lang))}<div><em>'
            f'{_esc(t("signer_note", lang))}</em></div></div></div>')
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(inputs.title)}</title>\n"
        f"<style>{_CSS % {'font': FONT_FAMILY}}</style>\n</head>\n<body>\n"
        f'<header class="national"><div>{left}</div><div>{right}</div></header>\n'
        f'<h1 class="title">{_esc(t("doc_title", lang))}</h1>'
        f'<p class="subtitle">{_esc(content.subtitle)}</p>{period}\n'
        f"<main>\n{body}\n</main>\n{sign}\n"
        f"<footer>{_esc(t('generated_by', lang))}</footer>\n</body>\n</html>\n")


def write_html(inputs: ReportInputs, path: str | Path, *, lang: Lang = "vi",
               document: dm.Document | None = None) -> Path:
    """Write the self-contained HTML report (UTF-8, NFC) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_html(inputs, lang=lang, document=document), encoding="utf-8")
    return path


def group_var_label(var: str, inputs: ReportInputs, lang: Lang = "vi") -> str:
    """The name a reader sees for a group variable: the units' and the waves' variables in words
    (``Đơn vị (donvi)``, ``Đợt khảo sát (wave)``), any other as its code."""
    key = {inputs.unit_var: "unit_axis", inputs.wave_var: "wave"}.get(var)
    return f"{t(key, lang)} ({var})" if key else var
