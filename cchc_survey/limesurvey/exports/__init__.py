"""Readers of every LimeSurvey response export, each returning a faithful :class:`RawExport`.

:func:`read_raw` detects the format from the bytes (and the name) and calls the right reader;
:func:`cchc_survey.tidy.read_export` maps the result onto an instrument or codebook.
"""

from .base import ExportReadError, RawExport
from .detect import detect_format, read_raw

__all__ = ["ExportReadError", "RawExport", "detect_format", "read_raw"]
