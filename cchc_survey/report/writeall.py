"""Write every report output in one call (for ``cchc-survey demo`` and notebooks)."""

from __future__ import annotations

import re
from pathlib import Path

from ..text import fold
from .charts import gap_chart, index_charts
from .html import PLOTLY_CONFIG, write_html
from .inputs import ReportInputs
from .labels import Lang
from .tables import write_csv, write_excel


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_") or "x"


def write_all(inputs: ReportInputs, out_dir: str | Path, *, lang: Lang = "vi",
              stem: str = "bao_cao") -> dict[str, Path]:
    """Write the Excel workbook, the HTML report, the Word report, one CSV per index and one
    standalone HTML file per chart (plotly.js embedded) under ``out_dir``.

    Returns:
        ``{"excel": ..., "html": ..., "docx": ..., "csv:<index>": ..., "chart:<name>": ...}``.

    Example:
        >>> paths = write_all(inputs, "data/processed/report")  # doctest: +SKIP
    """
    from .docx import write_docx  # here: python-docx is imported only when a report needs it

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {
        "excel": write_excel(inputs, out / f"{stem}.xlsx", lang=lang),
        "html": write_html(inputs, out / f"{stem}.html", lang=lang),
        "docx": write_docx(inputs, out / f"{stem}.docx"),
    }
    for name, table in inputs.scores.items():
        paths[f"csv:{name}"] = write_csv(table, out / f"{stem}_{_slug(name)}.csv", lang=lang)
    charts = [fig for name, table in inputs.scores.items()
              for fig in index_charts(name, table, inputs, lang)]
    if inputs.comparison is not None and len(inputs.comparison):
        charts.append(("gap", gap_chart(inputs.comparison, lang=lang)))
    chart_dir = out / "charts"
    chart_dir.mkdir(exist_ok=True)
    for k, (caption, fig) in enumerate(charts, start=1):
        path = chart_dir / f"{k:02d}_{_slug(caption)}.html"
        fig.write_html(path, include_plotlyjs=True, full_html=True, config=PLOTLY_CONFIG)
        paths[f"chart:{caption}"] = path
    return paths
