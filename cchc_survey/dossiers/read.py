"""Read the dossier list a provincial one-stop information system exports (Excel or CSV).

The same care as for survey exports:

* **encodings**: a BOM says UTF-8 or UTF-16; otherwise strict UTF-8 unless the caller names the
  encoding (``--encoding cp1258`` for a CSV saved by Excel on Vietnamese Windows); text is NFC;
* **where the table starts**: exports open with a title; the header row is found (the first of
  the first 30 rows holding the required headers) or given;
* **dates** day first in every Vietnamese form (:mod:`.dates`);
* **nothing lost**: rows in = rows kept + rows rejected (+ blank rows, counted); every rejected
  row has its file row, the column, the value, the reason and the fix;
* **duplicates**: a row repeated exactly is kept once; one dossier code on rows that disagree is
  rejected on every such row (nothing says which is right) unless ``duplicates="keep_last"``;
* **unknown texts** in the status or rating columns stop the read with every unknown value, its
  count and first row, and where to declare it (the column map's ``values``).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..text import fold
from .columns import FIELDS, ColumnMap, load_column_map
from .dates import ParsedDates, parse_dates_vn

Duplicates = Literal["reject", "keep_last"]

DOSSIER_COLUMNS: tuple[str, ...] = (
    "row", "code", "procedure", "field", "unit", "unit_name", "received", "due", "due_end",
    "returned", "status", "rating", "has_feedback", "feedback_due", "feedback_due_end",
    "feedback_answered", "feedback_rating", "complaint", "feedback_in_scope",
)
"""Columns of :attr:`DossierList.frame` (``row`` is the row in the file, 1-based; ``due_end`` is
the end of the due day when the due date has no time)."""

REJECT_COLUMNS: tuple[str, ...] = ("row", "code", "rule", "column", "value", "reason", "fix")
RULES: dict[str, tuple[str, str]] = {
    "row_width": ("Số trường khác dòng tiêu đề", "another number of fields than the header"),
    "empty": ("Thiếu mã hồ sơ, đơn vị hoặc ngày tiếp nhận", "no dossier code, unit or date received"),
    "date": ("Ngày không đọc được", "a date that cannot be read"),
    "date_order": ("Ngày trả hoặc ngày hẹn trước ngày tiếp nhận", "returned or due before received"),
    "status": ("Trạng thái mâu thuẫn với ngày trả kết quả", "status contradicts the date returned"),
    "duplicate": ("Dòng lặp lại y hệt (giữ một dòng)", "exact duplicate (kept once)"),
    "duplicate_code": ("Một mã hồ sơ trên nhiều dòng khác nhau", "one dossier code on rows that differ"),
    "superseded": ("Bị thay bằng dòng sau cùng cùng mã", "superseded by the last row of the code"),
}
"""Why a row is rejected: rule -> (Vietnamese, English)."""
HEADER_SEARCH_ROWS = 30


class DossierReadError(InputFileError):
    """A dossier list cannot be read as it stands."""


@dataclass(frozen=True)
class DossierList:
    """A dossier list read with its column map: the kept dossiers and every rejected row.

    Attributes:
        frame: one row per kept dossier (:data:`DOSSIER_COLUMNS`).
        rejected: one line per problem of a rejected row (:data:`REJECT_COLUMNS`); a row with
            two problems has two lines.
        file: the file read.
        sheet: the Excel sheet read (``""`` for a CSV).
        encoding: the text encoding of a CSV (``""`` for Excel).
        header_row: the row of the headers (1-based).
        n_rows: data rows below the header that hold anything.
        n_blank: empty rows below the header (skipped).
        missing_fields: optional fields the export has no column for.
        as_of: the latest date in the kept dossiers (periods after it are incomplete).
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    file: str
    sheet: str
    encoding: str
    header_row: int
    n_rows: int
    n_blank: int
    missing_fields: tuple[str, ...]
    as_of: pd.Timestamp
    column_map: ColumnMap = field(repr=False)

    @property
    def n_kept(self) -> int:
        return len(self.frame)

    @property
    def n_rejected(self) -> int:
        return int(self.rejected["row"].nunique())

    def summary(self) -> pd.DataFrame:
        """Rejected rows by rule (``rule, reason_vi, reason_en, rows``; a row counts once, under
        its first rule), in the order of :data:`RULES`."""
        first = self.rejected.drop_duplicates("row")
        counts = first["rule"].value_counts()
        return pd.DataFrame([{"rule": r, "reason_vi": vi, "reason_en": en, "rows": int(counts[r])}
                             for r, (vi, en) in RULES.items() if r in counts],
                            columns=["rule", "reason_vi", "reason_en", "rows"])

    def report_lines(self) -> list[str]:
        """The read report, as printed by ``cchc-survey dossiers read``."""
        where = f"sheet {self.sheet!r}, " if self.sheet else f"encoding {self.encoding}, "
        lines = [f"{self.file}: {where}headers on row {self.header_row}",
                 f"  {self.n_rows} rows read ({self.n_blank} blank rows skipped): "
                 f"{self.n_kept} kept, {self.n_rejected} rejected"]
        if self.n_rejected:
            lines.append("  rejected rows by reason (first reason of each row):")
            lines += [f"    - {r.reason_en} ({r.rule}): {r.rows}"
                      for r in self.summary().itertuples()]
        if self.missing_fields:
            lines.append("  not in the export (the measures that need them are not computed): "
                         + ", ".join(self.missing_fields))
        lines.append(f"  latest date in the list: {self.as_of:%d/%m/%Y}")
        return lines


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if not raw.strip(b"\r\n\t \x00"):
        raise DossierReadError([Problem(str(path), "whole file", "the file is empty",
                                        fix="export the dossier list again")],
                               summary=f"cannot read {path.name}")
    if raw.startswith(b"\xef\xbb\xbf"):
        enc, body = "utf-8", raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc, body = "utf-16", raw
    else:
        enc, body = encoding or "utf-8", raw
    try:
        text = body.decode(enc)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise DossierReadError([Problem(
            str(path), f"line {line}, byte {exc.start}",
            f"the bytes are not valid {enc} (byte 0x{body[exc.start]:02x}): the file was saved in "
            "another encoding and does not say which",
            fix="give the encoding: --encoding cp1258 (a CSV saved by Excel on Vietnamese "
                "Windows) or --encoding utf-16 (in Python: encoding='cp1258'); or save it again "
                "as 'CSV UTF-8'", line=line)], summary=f"cannot read {path.name}") from None
    except LookupError:
        raise DossierReadError([Problem(str(path), "--encoding", f"unknown encoding {enc!r}",
                                        fix="use utf-8, utf-16 or cp1258")],
                               summary=f"cannot read {path.name}") from None
    return unicodedata.normalize("NFC", text.lstrip("\ufeff")), enc


def _read_csv_cells(path: Path, encoding: str | None) -> tuple[list[list[str]], list[int], str]:
    from ..limesurvey.exports.csv import sniff_delimiter

    text, enc = _decode(path.read_bytes(), path, encoding)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for rec in reader:
            rows.append(rec)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DossierReadError([Problem(str(path), f"line {start}", f"the CSV is cut or malformed "
                                        f"({exc})", fix="export the list again", line=start)],
                               summary=f"cannot read {path.name}") from None
    return rows, lines, enc


def _by_value(s: pd.Series, f: Callable[[str], object]) -> pd.Series:
    """``s.map(f)`` computed once per distinct value (exports repeat statuses, units, dates)."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=False)
    return pd.Series(np.array([f(u) for u in uniques], dtype=object)[codes], index=s.index,
                     dtype=object)


def _excel_text(v: object) -> str:
    """One Excel cell as text: dates as ISO, whole numbers without ``.0``."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.isoformat(sep=" ")
    if hasattr(v, "isoformat"):
        return str(v.isoformat()).replace("T", " ")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_excel_cells(path: Path, sheet: int | str) -> tuple[list[list[str]], list[int], str]:
    with pd.ExcelFile(path) as book:
        names = [str(n) for n in book.sheet_names]
        try:
            df = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
        except (ValueError, KeyError, IndexError) as exc:
            raise DossierReadError([Problem(str(path), f"sheet {sheet!r}", f"cannot be read "
                                            f"({exc}); the sheets are {names}",
                                            fix="give the sheet's name or position (--sheet; "
                                                "sheet: in the column map)")],
                                   summary=f"cannot read {path.name}") from None
    cells = df.map(_excel_text).to_numpy(dtype=object).tolist()
    name = sheet if isinstance(sheet, str) else names[sheet]
    return cells, list(range(1, len(cells) + 1)), str(name)


def _parse_dates(s: pd.Series) -> ParsedDates:
    """:func:`~.dates.parse_dates_vn` once per distinct text, spread back to the rows."""
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=False)
    u = parse_dates_vn(pd.Series(uniques, dtype=object))
    return ParsedDates(
        value=pd.Series(u.value.to_numpy()[codes], index=s.index),
        has_time=pd.Series(u.has_time.to_numpy()[codes], index=s.index),
        empty=pd.Series(u.empty.to_numpy()[codes], index=s.index),
        problem=pd.Series(u.problem.to_numpy(dtype=object)[codes], index=s.index, dtype=object))


def _find_header(rows: list[list[str]], cmap: ColumnMap, path: Path) -> int:
    want = {fold(cmap.header(k)) for k, f in FIELDS.items() if f.required}
    if cmap.header_row != "auto":
        k = int(cmap.header_row) - 1
        if not 0 <= k < len(rows):
            raise DossierReadError([Problem(str(path), "header_row", f"row {k + 1} is not in the "
                                            f"file ({len(rows)} rows)", fix="give the row of "
                                            "the headers, or header_row: auto")],
                                   summary=f"cannot read {path.name}")
        return k
    for k, r in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if want <= {fold(c) for c in r}:
            return k
    first = next((r for r in rows if any(c.strip() for c in r)), [])
    shown = [c for c in first if c.strip()][:8]
    raise DossierReadError([Problem(
        str(path), f"rows 1-{min(HEADER_SEARCH_ROWS, len(rows))}",
        "no row holds the headers " + ", ".join(repr(cmap.header(k)) for k, f in FIELDS.items()
                                                 if f.required)
        + f" (the first row reads {shown})",
        fix="write your export's headers under 'columns' in a column map (cchc-survey dossiers "
            "template columns.yaml) and give it with --columns, or set header_row")],
        summary=f"cannot read {path.name}")


def _problems(mask: np.ndarray, rows: np.ndarray, codes: np.ndarray, rule: str, column: str,
              values: np.ndarray, reason: str | np.ndarray, fix: str) -> pd.DataFrame:
    idx = np.flatnonzero(mask)
    reasons = reason[idx] if isinstance(reason, np.ndarray) else np.full(len(idx), reason)
    return pd.DataFrame({"row": rows[idx], "code": codes[idx], "rule": rule, "column": column,
                         "value": values[idx], "reason": reasons, "fix": fix})


def _unknown_values(kind: str, text: pd.Series, known: dict[str, str], rows: np.ndarray,
                    header: str, file: str) -> list[Problem]:
    folded = _by_value(text, fold)
    bad = (folded != "") & ~folded.isin(list(known))
    out: list[Problem] = []
    for value, g in text[bad].groupby(text[bad], sort=True):
        out.append(Problem(file, f"column {header!r}", f"{value!r} ({len(g)} rows, first row "
                           f"{rows[g.index[0]]}) is not a known {kind}",
                           fix=f"list it under values.{kind} in the column map "
                               f"({', '.join(sorted(set(known.values())))})"))
    return out


def read_dossiers(path: str | Path, columns: ColumnMap | str | Path | None = None, *,
                  encoding: str | None = None, sheet: int | str | None = None,
                  duplicates: Duplicates = "reject") -> DossierList:
    """Read a dossier list (``.xlsx``/``.xlsm``/``.xls`` or ``.csv``) with its column map.

    Args:
        path: the export.
        columns: a :class:`~.columns.ColumnMap`, the path of one, or None for the bundled map
            (an export that uses its headers).
        encoding: the CSV's encoding when it has no BOM and is not UTF-8 (``cp1258``).
        sheet: the Excel sheet (default: the column map's ``sheet``).
        duplicates: a dossier code on rows that disagree: ``reject`` every such row (default) or
            ``keep_last`` (the last row in the file wins; the others are rejected as superseded).

    Raises:
        DossierReadError: the file is missing, empty, in an unknown encoding or format, has no
            header row, lacks a required column, has a header twice, or has status or rating
            texts the column map does not declare.
    """
    p = Path(path)
    cmap = columns if isinstance(columns, ColumnMap) else load_column_map(columns)
    if not p.is_file():
        raise DossierReadError([Problem(str(p), "file", "does not exist", fix="check the path")],
                               summary="cannot read the dossier list")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        cells, lines, sheet_name = _read_excel_cells(p, cmap.sheet if sheet is None else sheet)
        enc = ""
    elif suffix in (".csv", ".txt"):
        cells, lines, enc = _read_csv_cells(p, encoding)
        sheet_name = ""
    else:
        raise DossierReadError([Problem(str(p), "file name", f"{p.suffix or 'no extension'} is "
                                        "not a dossier list format",
                                        fix="export the list as Excel (.xlsx) or CSV")],
                               summary="cannot read the dossier list")
    h = _find_header(cells, cmap, p)
    header = [unicodedata.normalize("NFC", c).strip() for c in cells[h]]
    folded = [fold(c) for c in header]
    pos: dict[str, int] = {}
    problems: list[Problem] = []
    for key in FIELDS:
        name = cmap.header(key)
        if not name:
            continue
        hits = [i for i, c in enumerate(folded) if c == fold(name)]
        if len(hits) > 1:
            problems.append(Problem(str(p), f"row {lines[h]}", f"the header {name!r} appears "
                                    f"{len(hits)} times", fix="rename one of the columns or map "
                                    "the field to another header"))
        elif hits:
            pos[key] = hits[0]
        elif FIELDS[key].required:
            problems.append(Problem(str(p), f"row {lines[h]}", f"no column {name!r} "
                                    f"({FIELDS[key].meaning_en})", fix="write the export's header "
                                    f"for '{key}' in the column map (--columns)"))
    if problems:
        raise DossierReadError(problems, summary=f"cannot read {p.name}")
    missing = tuple(k for k in FIELDS if k not in pos)
    width = len(header)
    body = cells[h + 1:]
    n_all = len(body)
    lens_all = np.fromiter((len(r) for r in body), dtype=np.int64, count=n_all)
    # one rectangular grid of text (a cut CSV row is padded; its width is checked below)
    flat = [c for r in body for c in (r[:width] if len(r) >= width else r + [""] * (width - len(r)))]
    grid_all = (np.array(flat, dtype=object).reshape(n_all, width) if n_all
                else np.empty((0, width), dtype=object))
    blank = np.fromiter((not "".join(r).strip() for r in body), dtype=bool, count=n_all)
    n_blank = int(blank.sum())
    keep = ~blank
    grid = grid_all[keep]
    rows = np.array(lines[h + 1:], dtype=np.int64)[keep]
    lens = lens_all[keep]
    n = len(grid)

    def col(key: str) -> pd.Series:
        if key not in pos:
            return pd.Series([""] * n, dtype=object)
        return _by_value(pd.Series(grid[:, pos[key]], dtype=object),
                         lambda v: unicodedata.normalize("NFC", str(v)).strip())

    code = col("code").to_numpy(dtype=object)
    rejected: list[pd.DataFrame] = []
    bad = np.zeros(n, dtype=bool)

    def reject(rule: str, mask: np.ndarray, key: str, values: np.ndarray,
               reason: str | np.ndarray, fix: str) -> None:
        nonlocal bad
        if mask.any():
            rejected.append(_problems(mask, rows, code, rule, cmap.header(key) or key, values,
                                      reason, fix))
        bad = bad | mask

    wrong_width = (lens != width) & (suffix not in (".xlsx", ".xlsm", ".xls"))
    reject("row_width", wrong_width, "code", lens.astype(object),
           (pd.Series(lens).astype(str) + f" fields where the header has {width}").to_numpy(
               dtype=object),
        "the row is cut, or a value holds an unquoted separator; export the list again")
    for key, what in (("code", "the dossier code"), ("unit", "the receiving unit")):
        empty = col(key).to_numpy(dtype=object) == ""
        reject("empty", empty & ~wrong_width, key, code, f"{what} is empty",
               f"every dossier needs {what}; a total or footer line is not a dossier")
    dates: dict[str, pd.Series] = {}
    has_time: dict[str, pd.Series] = {}
    for key in ("received", "due", "returned", "feedback_due", "feedback_answered"):
        parsed = _parse_dates(col(key))
        dates[key], has_time[key] = parsed.value, parsed.has_time
        reject("date", parsed.bad.to_numpy(), key, col(key).to_numpy(dtype=object),
               parsed.problem.to_numpy(dtype=object),
               "write the date day first, e.g. 05/03/2026 or 05/03/2026 14:30")
    reject("empty", dates["received"].isna().to_numpy() & (col("received") == "").to_numpy(),
           "received",
           code, "the date received is empty", "every dossier needs its date received")
    rec_day = dates["received"].dt.normalize()
    for key, what in (("returned", "returned"), ("due", "due")):
        d = dates[key]
        cmp = d.where(has_time[key] & has_time["received"], d.dt.normalize())
        base = dates["received"].where(has_time[key] & has_time["received"], rec_day)
        early = (cmp < base).to_numpy()
        reject("date_order", early, key, col(key).to_numpy(dtype=object),
               f"the date {what} is before the date received",
               "check both dates (day first: 03/04/2026 is 3 April)")
    status_text = col("status")
    rating_text = col("rating")
    fb_rating_text = col("feedback_rating")
    st_known, rt_known = cmap.lookup("status"), cmap.lookup("rating")
    unknown = _unknown_values("status", status_text, st_known, rows, cmap.header("status"), str(p))
    unknown += _unknown_values("rating", rating_text, rt_known, rows, cmap.header("rating"), str(p))
    unknown += _unknown_values("rating", fb_rating_text, rt_known, rows,
                               cmap.header("feedback_rating"), str(p))
    yes, no = cmap.flags()
    scope_text = col("feedback_in_scope")
    sf = _by_value(scope_text, fold)
    bad_scope = (sf != "") & ~sf.isin(list(yes | no))
    for value, g in scope_text[bad_scope].groupby(scope_text[bad_scope]):
        unknown.append(Problem(str(p), f"column {cmap.header('feedback_in_scope')!r}",
                               f"{value!r} ({len(g)} rows, first row {rows[g.index[0]]}) is "
                               "neither yes nor no", fix="list it under values.yes or values.no "
                               "in the column map"))
    if unknown:
        raise DossierReadError(unknown, summary=f"{p.name}: texts the column map does not declare")
    status = _by_value(status_text, lambda v: st_known.get(fold(v), ""))
    returned_given = dates["returned"].notna()
    derived = pd.Series(np.where(returned_given, "returned", "in_progress"), index=status.index,
                        dtype=object)
    status = status.where(status != "", derived)
    if "returned" in pos and "status" in pos:
        reject("status", (status == "returned").to_numpy() & ~returned_given.to_numpy()
               & (col("returned") == "").to_numpy(), "returned", status_text.to_numpy(dtype=object),
               "the status says the result was returned but the date returned is empty",
               "fill the date returned or correct the status")
        reject("status", (status == "in_progress").to_numpy() & returned_given.to_numpy(), "status",
               status_text.to_numpy(dtype=object),
               "the status says in progress but a date returned is given",
               "correct the status or the date returned")
    rating = _by_value(rating_text, lambda v: rt_known.get(fold(v), "none"))
    fb_rating = _by_value(fb_rating_text, lambda v: rt_known.get(fold(v), "none"))
    complaint = _by_value(col("complaint"), fold)
    complaint_flag = (complaint != "") & ~complaint.isin(list(no))
    in_scope = ~sf.isin(list(no))
    has_feedback = ((col("feedback") != "") | dates["feedback_due"].notna()
                    | dates["feedback_answered"].notna())
    # duplicates, among the rows that are otherwise fine
    # one 64-bit hash per row of the mapped cells (vectorised; equal rows, equal hashes)
    raw_key = pd.util.hash_pandas_object(pd.DataFrame(grid[:, sorted(pos.values())]),
                                         index=False).reset_index(drop=True)
    ok_idx = np.flatnonzero(~bad)
    rk = raw_key.iloc[ok_idx]
    firsts = pd.Series(rows[ok_idx], index=rk.to_numpy()).groupby(level=0).first()
    dup_exact = np.zeros(n, dtype=bool)
    dup_exact[ok_idx[rk.duplicated(keep="first").to_numpy()]] = True
    first_of = np.full(n, "", dtype=object)
    first_of[ok_idx] = rk.map(firsts).astype(str).to_numpy()
    reject("duplicate", dup_exact, "code", code,
           ("exact duplicate of row " + pd.Series(first_of, dtype=object)).to_numpy(),
           "the export repeats the dossier; nothing to do (it is kept once)")
    ok_idx = np.flatnonzero(~bad)
    cs = pd.Series(code[ok_idx], dtype=object)
    clash_ok = cs.duplicated(keep=False).to_numpy()
    if clash_ok.any():
        clash_idx = ok_idx[clash_ok]
        rows_of = pd.Series(rows[clash_idx]).groupby(code[clash_idx]).agg(
            lambda r: ", ".join(map(str, r)))
        clash = np.zeros(n, dtype=bool)
        clash[clash_idx] = True
        if duplicates == "keep_last":
            last = ~pd.Series(code[clash_idx]).duplicated(keep="last").to_numpy()
            last_row = pd.Series(rows[clash_idx][last], index=code[clash_idx][last])
            superseded = np.zeros(n, dtype=bool)
            superseded[clash_idx[~last]] = True
            later = pd.Series(code).map(last_row).astype("Int64").astype(str)
            reject("superseded", superseded, "code", code,
                   ("superseded by row " + later + " (same dossier code, later in the file)")
                   .to_numpy(dtype=object), "duplicates=keep_last keeps the last row")
        else:
            where = pd.Series(code).map(rows_of).fillna("").astype(str)
            reject("duplicate_code", clash, "code", code,
                   ("dossier code appears in rows " + where + " with different values").to_numpy(
                       dtype=object),
                "remove the stale rows, or read with --duplicates keep-last")
    unit_name = col("unit")
    units = {fold(k): v for k, v in cmap.units.items()}
    unit = _by_value(unit_name, lambda u: units.get(fold(u), u))

    def end_of_day(key: str) -> pd.Series:
        d = dates[key]
        return d.where(has_time[key], d.dt.normalize() + pd.Timedelta(days=1) - pd.Timedelta(1))

    frame = pd.DataFrame({
        "row": rows, "code": code, "procedure": col("procedure"), "field": col("field"),
        "unit": unit, "unit_name": unit_name, "received": dates["received"], "due": dates["due"],
        "due_end": end_of_day("due"), "returned": dates["returned"], "status": status,
        "rating": rating, "has_feedback": has_feedback, "feedback_due": dates["feedback_due"],
        "feedback_due_end": end_of_day("feedback_due"),
        "feedback_answered": dates["feedback_answered"], "feedback_rating": fb_rating,
        "complaint": complaint_flag, "feedback_in_scope": in_scope,
    }).loc[~bad].reset_index(drop=True)
    rej = (pd.concat(rejected, ignore_index=True) if rejected
           else pd.DataFrame(columns=list(REJECT_COLUMNS)))
    rej = rej.sort_values("row", kind="stable").reset_index(drop=True)
    stamps = pd.concat([frame[c] for c in ("received", "returned", "feedback_answered")])
    as_of = pd.Timestamp(stamps.max()) if stamps.notna().any() else pd.Timestamp("NaT")
    return DossierList(frame=frame, rejected=rej.loc[:, list(REJECT_COLUMNS)], file=str(p),
                       sheet=sheet_name, encoding=enc, header_row=int(lines[h]), n_rows=n,
                       n_blank=n_blank, missing_fields=missing, as_of=as_of, column_map=cmap)
