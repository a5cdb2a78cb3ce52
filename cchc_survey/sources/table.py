"""Reading a sheet as it is: headings, cells as text, and the row each record is on.

Every source (Google Forms CSV or sheet, KoboToolbox CSV or XLSX, a data-entry workbook, any
other table) is first read into a :class:`~cchc_survey.limesurvey.exports.base.RawExport` with
the file's own headings, so that every later message can name the row and the heading a person
sees when the file is opened. CSV files go through the LimeSurvey CSV reader (separator sniffed,
BOM, UTF-8/UTF-16/Windows-1258, line breaks inside values counted into the line numbers); Excel
files are read here with openpyxl, keeping the sheet's own row numbers (an empty row in the
middle is skipped, not renumbered).
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..limesurvey.exports.base import ExportReadError, RawExport, sha256_of


class SourceReadError(InputFileError):
    """A source file (Google Forms, KoboToolbox, data-entry sheet, table) cannot be read."""


def source_error(path: str | Path, where: str, message: str, fix: str = "",
                 line: int | None = None, what: str = "table") -> SourceReadError:
    """A :class:`SourceReadError` with one problem."""
    return SourceReadError([Problem(str(path), where, message, fix, line)],
                           summary=f"cannot read {what} {Path(path).name}")


def cell_text(v: Any) -> str:
    """An Excel cell as text: numbers as written (``5``, not ``5.0``), dates ISO, NFC."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    return unicodedata.normalize("NFC", str(v))


def is_xlsx(path: str | Path) -> bool:
    """Whether the file is an Office Open XML workbook (by its first bytes)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def sheet_names(path: str | Path) -> list[str]:
    """The worksheet names of a workbook (hidden ones too)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_xlsx_table(path: str | Path, *, sheet: str | int = 0, header_row: int = 1,
                    fmt: str = "xlsx", what: str = "table") -> RawExport:
    """One worksheet: the headings on ``header_row``, each later non-empty row one record.

    Formula cells give their cached value when the workbook has one, else the formula text
    (never evaluated).

    Raises:
        SourceReadError: the workbook is damaged, the sheet is missing or has no headings.
    """
    import openpyxl

    p = Path(path)
    blob = p.read_bytes()
    def load(data_only: bool) -> tuple[list[list[Any]], list[list[str]], str]:
        try:
            wb = openpyxl.load_workbook(io.BytesIO(blob), read_only=True, data_only=data_only)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise source_error(p, "workbook", f"the Excel file cannot be opened ({exc}); it "
                               "is truncated or damaged", "download or save it again.",
                               what=what) from None
        try:
            try:
                ws = wb.worksheets[sheet] if isinstance(sheet, int) else wb[sheet]
            except (IndexError, KeyError):
                raise source_error(p, f"sheet {sheet!r}", "the workbook has no such sheet "
                                   f"(sheets: {', '.join(wb.sheetnames)})",
                                   "name one of its sheets.", what=what) from None
            values, types = [], []
            for r in ws.iter_rows():
                values.append([getattr(c, "value", None) for c in r])
                types.append([getattr(c, "data_type", "") for c in r])
            return values, types, ws.title
        finally:
            wb.close()

    values, types, title = load(data_only=False)
    if any("f" in t for t in types):  # formulas: their cached values, else their text
        cached, _, _ = load(data_only=True)
        for r, (vals, ts) in enumerate(zip(values, types, strict=True)):
            for c, t in enumerate(ts):
                if t == "f":
                    got = cached[r][c] if r < len(cached) and c < len(cached[r]) else None
                    text = str(vals[c])
                    vals[c] = got if got is not None else text[1:] if text.startswith("=") else text
    rows = [[cell_text(v) for v in r] for r in values]
    if len(rows) < header_row or not any(rows[header_row - 1]):
        raise source_error(p, f"sheet {title!r}, row {header_row}",
                           "the sheet has no heading row", "keep the headings in the first "
                           "row, one per column.", line=header_row, what=what)
    header = [h.strip() for h in rows[header_row - 1]]
    while header and header[-1] == "":
        header.pop()
    ncol = len(header)
    body: list[list[str]] = []
    lines: list[int] = []
    for i, cells in enumerate(rows[header_row:], start=header_row + 1):
        padded = (cells + [""] * ncol)[:ncol]
        if any(v.strip() for v in padded):
            body.append(padded)
            lines.append(i)
    data = pd.DataFrame(np.array(body, dtype=object).reshape(len(body), ncol),
                        columns=list(range(ncol)), dtype=object)
    return RawExport(path=str(p), format=fmt, columns=header, data=data,
                     lines=np.array(lines, dtype=np.int64), sha256=sha256_of(blob),
                     encoding="xlsx", sources=[str(p)])


def read_csv_table(path: str | Path, *, encoding: str | None = None, fmt: str = "csv",
                   what: str = "table") -> RawExport:
    """A delimited text file, read as the LimeSurvey CSV reader reads one (see the module
    docstring); its errors are re-worded for a table that is not a LimeSurvey export."""
    from ..limesurvey.exports.csv import read_csv_export

    try:
        raw = read_csv_export(path, encoding=encoding, fmt=fmt)
    except ExportReadError as exc:
        problems = [Problem(p.file, p.where, p.message,
                            p.fix.replace("export again from LimeSurvey", "download it again")
                            .replace("LimeSurvey always writes one", "the first line holds "
                                     "the headings"), p.line) for p in exc.problems]
        raise SourceReadError(problems, f"cannot read {what} {Path(path).name}") from None
    raw.data = raw.data.astype(object)
    return raw


def read_table(path: str | Path, *, sheet: str | int | None = None,
               encoding: str | None = None, fmt: str = "table",
               what: str = "table") -> RawExport:
    """A CSV or Excel table (by its bytes), with its own headings."""
    p = Path(path)
    if not p.is_file():
        raise source_error(p, "path", "the file does not exist or is not a file",
                           "check the path.", what=what)
    if is_xlsx(p):
        return read_xlsx_table(p, sheet=0 if sheet is None else sheet, fmt=fmt, what=what)
    return read_csv_table(p, encoding=encoding, fmt=fmt, what=what)
