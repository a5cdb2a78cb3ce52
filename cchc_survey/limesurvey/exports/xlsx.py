"""Excel exports: export_responses ``xls`` is really Office Open XML (README behaviour 22).

One sheet; the first row holds the headings. Numeric-looking values (codes, seed, numbers) are
numeric cells and are turned back into the text LimeSurvey wrote (``1``, not ``1.0``); empty
cells are "". An answer starting with ``=`` was written as a formula: its text is kept as the
answer (never evaluated).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .base import RawExport, frame_from_rows, read_error, sha256_of


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if hasattr(v, "strftime"):
        return str(v.strftime("%Y-%m-%d %H:%M:%S"))
    return str(v)


def _formula_text(cell: Any) -> Any:
    """A cell's value; a formula cell gives its formula text.

    LimeSurvey's xlsx writer stores an answer that starts with ``=`` (``=)) rất tốt``) as a
    *formula*, without a cached value: the answer is the formula text. It is read back as text
    and never evaluated. LimeSurvey 6.2.1 wrote the answer whole as the formula
    (``<f>=)) rất tốt</f>``, which openpyxl gives as ``==)) rất tốt``), 6.14 without its ``=``
    (``<f>SUM(A1:A2)</f>`` for ``=SUM(A1:A2)``): both give the answer back.
    """
    v = getattr(cell, "value", None)
    if getattr(cell, "data_type", "") == "f" and isinstance(v, str) and v.startswith("=="):
        return v[1:]
    return v


def read_xlsx_export(path: str | Path, *, raw: bytes | None = None,
                     sheet: str | int = 0) -> RawExport:
    """Read a LimeSurvey Excel (xlsx) export.

    Raises:
        ExportReadError: a damaged or truncated workbook, or a workbook without a header row.
    """
    import openpyxl

    blob = Path(path).read_bytes() if raw is None else raw
    try:
        wb = openpyxl.load_workbook(io.BytesIO(blob), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise read_error(path, "workbook", f"the Excel file cannot be opened ({exc}); it is "
                         "truncated or damaged", "download the export again.") from None
    try:
        ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
        rows = [[_formula_text(c) for c in r] for r in ws.iter_rows()]
    finally:
        wb.close()
    rows = [r for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        raise read_error(path, "sheet 1", "the sheet is empty (no header row, no responses)",
                         "export again from LimeSurvey.")
    header = [_cell(v).strip() for v in rows[0]]
    while header and header[-1] == "":
        header.pop()
    ncol = len(header)
    body: list[list[str | None]] = [
        [_cell(v) for v in (r + [None] * ncol)[:ncol]] for r in rows[1:]]
    return RawExport(path=str(path), format="xlsx", columns=header,
                     data=frame_from_rows(body, ncol),
                     lines=np.arange(2, 2 + len(body), dtype=np.int64),
                     sha256=sha256_of(blob), encoding="xlsx", sources=[str(path)])
