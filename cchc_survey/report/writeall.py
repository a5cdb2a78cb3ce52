"""Write every report output in one call (for ``cchc-survey report``, the demo and notebooks)."""

from __future__ import annotations

import re
from pathlib import Path

from ..text import fold
from .document import build_document
from .html import write_html
from .inputs import ReportInputs
from .labels import Lang, t
from .tables import checks_file_name, present_checks, safe_frame, write_csv, write_excel


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_") or "x"


def write_all(inputs: ReportInputs, out_dir: str | Path, *, lang: Lang = "vi",
              stem: str = "bao_cao") -> dict[str, Path]:
    """Write the Word report, the HTML report (the same content), the Excel workbook, one CSV
    per index, the full list of data-check flags as CSV, and every chart as a PNG image under
    ``out_dir/charts`` — all in ``lang``.

    The report's content is built once (:func:`~cchc_survey.report.document.build_document`)
    and rendered to Word and HTML, so both say the same. Outputs whose size grows with the
    number of respondents (the flags, the comments) are summarised in the reports; the flags'
    detail is a CSV written in one pass.

    Returns:
        ``{"excel": ..., "html": ..., "docx": ..., "checks": ..., "csv:<index>": ...,
        "chart:<caption>": ...}``.

    Example:
        >>> paths = write_all(inputs, "data/processed/report")  # doctest: +SKIP
    """
    from .docx import write_docx  # here: python-docx is imported only when a report needs it

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = build_document(inputs, lang)
    paths: dict[str, Path] = {
        "excel": write_excel(inputs, out / f"{stem}.xlsx", lang=lang),
        "html": write_html(inputs, out / f"{stem}.html", lang=lang, document=document),
        "docx": write_docx(inputs, out / f"{stem}.docx", lang=lang, document=document),
    }
    if inputs.checks is not None:
        path = out / checks_file_name(lang)
        safe_frame(present_checks(inputs.checks, lang)).to_csv(path, index=False,
                                                                encoding="utf-8-sig")
        paths["checks"] = path
    for name, table in inputs.scores.items():
        paths[f"csv:{name}"] = write_csv(table, out / f"{stem}_{_slug(name)}.csv", lang=lang)
    chart_dir = out / "charts"
    chart_dir.mkdir(exist_ok=True)
    for old in chart_dir.glob("*.png"):
        old.unlink()
    for fig in document.figures():
        path = chart_dir / f"{_slug(t('figure', lang) + ' ' + (fig.name or fig.caption))[:80]}.png"
        path.write_bytes(fig.png)
        paths[f"chart:{fig.caption}"] = path
    return paths
