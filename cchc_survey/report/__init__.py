"""Reports for the leadership: Excel/CSV tables, plotly charts, an offline HTML report, a Word
report.

The package reads tables made elsewhere (score tables, comparison, checks, weighting report,
codebook, free texts) through one :class:`ReportInputs` object; it computes no statistics.
Vietnamese by default (``lang="vi"``), English on request (``lang="en"``).

Example:
    >>> from cchc_survey.report import ReportInputs, write_excel, write_html, write_docx
    >>> inputs = ReportInputs(title="Khảo sát mức độ hài lòng năm 2024",
    ...                       organisation="Sở Nội vụ", scores={"SIPAS": table})  # doctest: +SKIP
    >>> write_html(inputs, "out/bao_cao.html")  # doctest: +SKIP
"""

from .inputs import Provenance, ReportInputError, ReportInputs, WeightingReport
from .tables import safe_cell, safe_frame, write_csv, write_excel

__all__ = [
    "Provenance",
    "ReportInputError",
    "ReportInputs",
    "WeightingReport",
    "safe_cell",
    "safe_frame",
    "write_csv",
    "write_excel",
]
