"""Export columns -> item columns, typed by the survey's structure: the import stage.

Any LimeSurvey export, read by :mod:`cchc_survey.limesurvey.exports` into a faithful raw
frame (or a :class:`~cchc_survey.limesurvey.exports.RawExport` of another source), becomes the
same tidy frame here. Read from the folder names:

* :mod:`.read`: the entry points (:func:`read_export`, :func:`label_frame`);
* :mod:`.frame`: the frame of one export (rows, meta columns, items, failures, rejected rows);
* :mod:`.mapping`: export columns -> items, and the answer coding of an export;
* :mod:`.values`: the definition of decoding and typing, column by column;
* :mod:`.dates`: dates as each format writes them;
* :mod:`.kernels`: the speed kernels of the ``auto`` engine (same results, faster).

``engine="reference"`` computes with the definition alone; ``engine="auto"`` (the default)
adds the kernels. Both give the identical result (the tests compare them on every fixture).
"""

from .dates import Engine, parse_dates
from .frame import (
    META_COLUMNS,
    REJECTED_COLUMNS,
    ExportValidationError,
    ExportValidationWarning,
    OnError,
    TidyResult,
    tidy_raw,
)
from .mapping import map_columns
from .read import label_frame, read_export, resolve_codebook, resolve_layout
from .values import FAILURE_COLUMNS, REASON_COLUMNS

__all__ = ["FAILURE_COLUMNS", "META_COLUMNS", "REASON_COLUMNS", "REJECTED_COLUMNS", "Engine",
           "ExportValidationError", "ExportValidationWarning", "OnError", "TidyResult",
           "label_frame", "map_columns", "parse_dates", "read_export", "resolve_codebook",
           "resolve_layout", "tidy_raw"]
