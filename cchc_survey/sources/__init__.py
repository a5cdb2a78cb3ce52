"""Answers collected outside LimeSurvey: Google Forms, KoboToolbox/ODK, paper forms typed into Excel.

Each source file is read with its column map (:mod:`cchc_survey.sources.columnmap`; a data-entry
workbook written by :func:`write_entry_sheet` needs none) into the raw export LimeSurvey would
have written for the same answers (:mod:`cchc_survey.sources.convert`), which
:func:`cchc_survey.tidy.read_export` maps and types with the same checks as any export: the
same tidy frame, the same "rows in = rows kept + rows rejected". Every message names the row and
the heading of the file as a person sees it when opening it.

Example:
    >>> from cchc_survey import load_instrument
    >>> from cchc_survey.sources import propose, read_source
    >>> inst = load_instrument("questionnaires/sipas_one_stop.yaml")      # doctest: +SKIP
    >>> p = propose("phieu.csv", inst); print(p.text)                      # doctest: +SKIP
    >>> tidy = read_source("phieu.csv", inst, map="phieu.map.yaml")        # doctest: +SKIP
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import Problem
from ..tidy import ExportValidationError, ExportValidationWarning, TidyResult, read_export
from . import google_forms, kobo
from .columnmap import ColumnMap, MapError, SourceKind, default_map_path, parse_map, read_map
from .convert import SourceExport, convert
from .entry_sheet import (
    DATA_SHEET,
    EntrySheetError,
    entry_sheet_display,
    entry_sheet_map,
    entry_sheet_meta,
    write_entry_sheet,
)
from .propose import Proposal, detect_kind, propose_map
from .table import SourceReadError, is_xlsx, read_table, read_xlsx_table, source_error

WHAT = {"google_forms": "Google Forms file", "kobo": "KoboToolbox export",
        "entry_sheet": "data-entry workbook", "table": "table"}


def _first_headings(path: Path) -> list[str]:
    """The headings of a CSV's first line or a workbook's first row (cheap: nothing else)."""
    if is_xlsx(path):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True)
        except Exception:  # a damaged workbook: the reader that reads it says what is wrong
            return []
        try:
            for row in wb.worksheets[0].iter_rows(max_row=1, values_only=True):
                return [str(v).strip() for v in row if v is not None]
        finally:
            wb.close()
        return []
    from ..limesurvey.exports.csv import sniff_delimiter

    with open(path, "rb") as fh:
        head = fh.read(65536)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:  # the first line only: a cut multi-byte character further on does not matter
        line = head.split(b"\n", 1)[0]
        try:
            text = line.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = line.decode("cp1258", errors="replace")
    first = text.replace("\r\n", "\n").split("\n", 1)[0].rstrip("\r")
    row = next(csv.reader(io.StringIO(first), delimiter=sniff_delimiter(first)), [])
    return [h.strip() for h in row]


def detect_source(path: str | Path) -> SourceKind | None:
    """The source kind of a file: ``entry_sheet``, ``google_forms``, ``kobo``; ``None`` for a
    LimeSurvey export or any other table (which needs a map saying what it is)."""
    p = Path(path)
    if not p.is_file():
        return None
    if is_xlsx(p) and entry_sheet_meta(p) is not None:
        return "entry_sheet"
    heads = _first_headings(p)
    if google_forms.looks_like_google_forms(heads):
        return "google_forms"
    if kobo.looks_like_kobo(heads):
        return "kobo"
    return None


def needs_map_reader(path: str | Path, map: str | Path | ColumnMap | None = None) -> bool:
    """Whether a file is read here (a map is given, or it is a source this package knows)
    rather than by the LimeSurvey export readers."""
    return map is not None or detect_source(path) is not None


def _load_map(path: Path, map: str | Path | ColumnMap | None, kind: SourceKind | None
              ) -> tuple[ColumnMap, str | None, str | None]:
    if isinstance(map, ColumnMap):
        return map, None, None
    mp = Path(map) if map is not None else default_map_path(path)
    if map is None and not mp.is_file():
        what = WHAT.get(kind or "table", "table")
        raise MapError([Problem(str(path), "--map", f"this {what} has no column map (looked "
                                f"for {mp.name} beside it)",
                                f"propose one with: cchc-survey map {path.name} --instrument "
                                "x.yaml; review it; then import with --map "
                                f"{mp.name}.")], f"cannot read {path.name}")
    text = mp.read_bytes().decode("utf-8-sig") if mp.is_file() else None
    cmap = read_map(mp) if text is None else parse_map(text, str(mp))
    return cmap, str(mp), text


def source_export(path: str | Path, inst: Any, *, map: str | Path | ColumnMap | None = None,
                  xlsform: str | Path | None = None, encoding: str | None = None
                  ) -> SourceExport:
    """Read a source file through its map into a LimeSurvey-shaped raw export.

    Args:
        path: the Google Forms CSV/xlsx, KoboToolbox CSV/XLSX, data-entry workbook or table.
        inst: the instrument.
        map: the column map (file or model); default: ``<file>.map.yaml`` beside the file; a
            data-entry workbook needs none.
        xlsform: the KoboToolbox form's XLSForm, kept with the data as a source.
        encoding: a CSV's text encoding when it is not UTF-8 and has no BOM.

    Raises:
        SourceReadError, MapError, EntrySheetError: the file, the map, or their fit.
    """
    p = Path(path)
    if not p.is_file():
        raise source_error(p, "path", "the file does not exist or is not a file",
                           "check the path.")
    kind = detect_source(p)
    if kind == "entry_sheet" and map is None:
        meta = entry_sheet_meta(p) or {}
        cmap = entry_sheet_map(inst, p, meta)
        table = read_xlsx_table(p, sheet=meta.get("data_sheet", DATA_SHEET), header_row=2,
                                fmt="entry_sheet", what=WHAT["entry_sheet"])
        return convert(table, cmap, inst, kind="entry_sheet", require_timestamp=True,
                       display=entry_sheet_display(table.columns))
    cmap, map_path, text = _load_map(p, map, kind)
    what = WHAT.get(cmap.source, "table")
    table = read_table(p, sheet=cmap.sheet, encoding=encoding, fmt=cmap.source, what=what)
    return convert(table, cmap, inst, map_path=map_path, map_text=text,
                   derive_id=google_forms.derive_ids,
                   extra_sources=[str(xlsform)] if xlsform else None,
                   require_timestamp=cmap.source == "entry_sheet")


_PREFIX = re.compile(r"^[^:]+: ")


def translate(result: TidyResult, src: SourceExport) -> TidyResult:
    """The tidy result with its failures named by the file's rows and headings, and the
    conversion's own notes added (see :mod:`cchc_survey.sources.convert`)."""
    f = result.failures.copy()
    heads = src.headings
    cols = f["column"].astype(str).tolist()
    msgs = f["message"].astype(str).tolist()
    checks = f["check"].astype(str).tolist()
    values = f["value"].tolist()
    new_cols, new_msgs = [], []
    for c, m, chk, v in zip(cols, msgs, checks, values, strict=True):
        h = heads.get(c)
        if h is None:
            if chk == "item_present":
                m = m.replace("has no column in the export; it is all missing. Export all "
                              "columns.", "has no heading in the column map; it is all "
                              "missing. Map a heading to it when the file has one.")
            new_cols.append(c)
            new_msgs.append(m)
            continue
        label = h if h.startswith(("cột ", "(derived")) else repr(h)
        if chk == "code_in_scale" and c != "*":
            m = (f"{label} ({c}): {v!r} is none of the item's answers; add it to the map's "
                 "answers, or correct the cell" if src.kind != "entry_sheet" else
                 f"{label} ({c}): {v!r} is none of the answers of the drop-down list; choose "
                 "one of the list")
        elif chk == "date_format":
            m = (f"{label}: {v!r} is not a date and time (the map reads dates as "
                 f"{src.cmap.date_order or 'dmy'}; Google writes 2026/03/05 9:41:07 SA GMT+7, "
                 "a sheet 05/03/2026 9:41:07)")
        elif chk in ("response_id", "unique_response_id"):
            m = m.replace("response id", f"{label} (the response id)")
        else:
            m = _PREFIX.sub(f"{label} ({c}): ", m, count=1) if ": " in m else f"{label}: {m}"
        new_cols.append(h)
        new_msgs.append(m)
    f["column"] = pd.array(new_cols, dtype="string")
    f["message"] = pd.array(new_msgs, dtype="string")
    notes = src.notes.astype({"column": "string", "check": "string", "severity": "string",
                              "message": "string"})
    if len(notes):
        f = pd.concat([f, notes], ignore_index=True) if len(f) else notes
    return dataclasses.replace(result, failures=f.reset_index(drop=True))


def report(result: TidyResult, src: SourceExport, on_error: str) -> None:
    """Raise (``on_error="raise"``) on failures of severity ``error``, else warn, naming the
    file's rows and headings."""
    f = result.failures
    errors = f[f["severity"] == "error"]
    path = src.raw.path
    name = Path(path).name
    what = WHAT.get(src.kind, "table")
    if len(errors) and on_error == "raise":
        problems = []
        for r in errors.head(20).to_dict("records"):
            row = r["row"] if r["row"] is not None and pd.notna(r["row"]) else None
            problems.append(Problem(
                path, f"row {int(row)}, column {r['column']}" if row is not None
                else f"column {r['column']}", str(r["message"]),
                "correct the file or the map, or import with --warn (on_error='warn') and "
                "read the failures", line=int(row) if row is not None else None))
        raise ExportValidationError(problems, f"{name}: {len(errors)} problem(s) in the {what} "
                                    f"read against {result.layout.source} "
                                    f"{result.layout.source_id}", result)
    warn = f[f["severity"].isin(["warning", "error"])]
    if len(warn):
        cols = ", ".join(dict.fromkeys(warn["column"].astype(str).tolist()))
        warnings.warn(f"{name}: {len(warn)} failure case(s) in columns {cols}; see "
                      "result.failures", ExportValidationWarning, stacklevel=3)


def _tidy(src: SourceExport, inst: Any, secret_key: bytes | None) -> TidyResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportValidationWarning)
        res = read_export(dataclasses.replace(src.raw), inst, on_error="warn",
                          secret_key=secret_key)
    return translate(res, src)


def read_source(path: str | Path, inst: Any, *, map: str | Path | ColumnMap | None = None,
                xlsform: str | Path | None = None, encoding: str | None = None,
                on_error: str = "raise", secret_key: bytes | None = None) -> TidyResult:
    """Read a source file into the tidy frame (see :func:`source_export` for the arguments).

    Raises:
        ExportValidationError: ``on_error="raise"`` and some values do not fit (the result is
            attached); each problem names the file's row and heading.
    """
    src = source_export(path, inst, map=map, xlsform=xlsform, encoding=encoding)
    res = _tidy(src, inst, secret_key)
    report(res, src, on_error)
    return res


def read_any(path: str | Path, inst: Any, *, map: str | Path | None = None,
             encoding: str | None = None, on_error: str = "raise",
             secret_key: bytes | None = None) -> TidyResult:
    """A LimeSurvey export, or (with a map, or a file of a known source) a source file."""
    if needs_map_reader(path, map):
        return read_source(path, inst, map=map, encoding=encoding, on_error=on_error,
                           secret_key=secret_key)
    return read_export(path, inst, encoding=encoding, on_error=on_error,  # type: ignore[arg-type]
                       secret_key=secret_key)


def import_source(path: str | Path, inst: Any, *, map: str | Path | ColumnMap | None = None,
                  xlsform: str | Path | None = None, encoding: str | None = None,
                  survey: str | None = None, raw_root: str | Path = "data/raw",
                  processed_root: str | Path = "data/processed", on_error: str = "raise",
                  secret_key: bytes | None = None) -> Any:
    """:func:`cchc_survey.processed.import_export` for a source file: the file (and its map,
    and a KoboToolbox XLSForm) kept as raw snapshots, its rows merged by response id. A second
    Google Forms download adds only its new rows; rows changed since are in ``report.dedup``.

    Nothing is written when ``on_error="raise"`` and some values do not fit.
    """
    from ..processed import import_export

    src = source_export(path, inst, map=map, xlsform=xlsform, encoding=encoding)
    res = _tidy(src, inst, secret_key)
    if on_error == "raise":
        with warnings.catch_warnings():  # only the errors here: the warning comes once, below
            warnings.simplefilter("ignore", ExportValidationWarning)
            report(res, src, "raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportValidationWarning)
        rep = import_export(dataclasses.replace(src.raw), inst, survey=survey,
                            raw_root=raw_root, processed_root=processed_root, on_error="warn",
                            secret_key=secret_key)
    rep.result = translate(rep.result, src) if rep.result is not None else res
    report(rep.result, src, "warn")
    return rep


def propose(path: str | Path, inst: Any, *, xlsform: str | Path | None = None,
            kind: SourceKind | None = None, sheet: str | None = None,
            encoding: str | None = None) -> Proposal:
    """Propose the column map of a file (see :mod:`cchc_survey.sources.propose`)."""
    p = Path(path)
    form = kobo.read_xlsform(xlsform) if xlsform is not None else None
    table = read_table(p, sheet=sheet, encoding=encoding, what="table")
    return propose_map(table, inst, kind=kind or (detect_kind(table) if form is None
                                                  else "kobo"), form=form, sheet=sheet)


__all__ = ["ColumnMap", "EntrySheetError", "MapError", "Proposal", "SourceExport",
           "SourceReadError", "detect_source", "import_source", "needs_map_reader", "propose",
           "read_any", "read_map", "read_source", "source_export", "translate",
           "write_entry_sheet"]
