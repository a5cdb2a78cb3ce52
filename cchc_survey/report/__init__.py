"""Reports for the leadership: Excel/CSV tables, plotly charts, an offline HTML report, a Word
report.

The package reads tables made elsewhere (score tables, comparison, checks, weighting report,
codebook, free texts) through one :class:`ReportInputs` object; it computes no statistics.
Vietnamese by default (``lang="vi"``), English on request (``lang="en"``).

Example:
    >>> from cchc_survey.report import ReportInputs, write_all
    >>> inputs = ReportInputs(title="Khảo sát mức độ hài lòng năm 2024",
    ...                       organisation="Sở Nội vụ", scores={"SIPAS": table})  # doctest: +SKIP
    >>> write_all(inputs, "data/processed/report")  # doctest: +SKIP
"""

from typing import TYPE_CHECKING, Any

from . import charts
from .html import build_html, write_html
from .inputs import Provenance, ReportInputError, ReportInputs, WeightingReport
from .tables import safe_cell, safe_frame, write_csv, write_excel
from .writeall import write_all

if TYPE_CHECKING:
    from .docx import write_docx


def __getattr__(name: str) -> Any:
    """``write_docx`` is imported on first use: python-docx costs ~50 ms at start-up, and the
    chain (``cchc_survey.pipeline``, the benchmark, the HTML/Excel report) never needs it."""
    if name == "write_docx":
        from .docx import write_docx

        return write_docx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Provenance",
    "ReportInputError",
    "ReportInputs",
    "WeightingReport",
    "build_html",
    "charts",
    "safe_cell",
    "safe_frame",
    "write_all",
    "write_csv",
    "write_docx",
    "write_excel",
    "write_html",
]
