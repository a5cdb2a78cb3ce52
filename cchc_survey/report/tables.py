"""Score tables and companions to CSV and to formatted Excel, safe against formula injection.

A spreadsheet program runs a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (or their full-width forms) as a formula (OWASP "CSV injection"). Free-text answers
come from the public, so every text cell is neutralised:

* CSV has no cell types, so a dangerous text gets a leading apostrophe (:func:`safe_cell`);
* Excel has: the cell is written as an explicit string with the *quote prefix* style (the file
  form of a typed apostrophe), so Excel shows the answer unchanged and never evaluates it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..checks import REASON_VI
from ..scoretable import is_score_table
from .fmt import clean_source
from .inputs import ReportInputs
from .labels import Lang, t, t_opt

DANGEROUS_START = re.compile(r"^(?:[\t\r\n]|\s*[=+\-@＝＋－＠])")
"""Text starting like this is run as a formula by Excel / LibreOffice."""

HEADER_ROW = 4
"""Row of the column headers in every table sheet written by :func:`write_excel`."""

EXCEL_MAX_ROWS = 50_000
"""The distinct comments written to the workbook at most (the most frequent first)."""
EXCEL_DETAIL_ROWS = 5_000
"""The data-check flags are listed in the workbook only up to this many; the full list is
always the CSV file beside it (one pass, any size), and the workbook keeps the summary by rule.
Excel's cell-by-cell writer took 35.5 s for the 394,903 flags of a million-response export, and
no one reads such a sheet printed."""

_NUMBER_FORMAT = {"percent": '0.0"%"', "proportion": "0.0%", "points": "0.00", "mean": "0.00"}
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_FLAGGED_FILL = PatternFill("solid", fgColor="EDEDED")
"""Shading of a row whose estimate is flagged as unreliable (the only shading of the body)."""
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet would run ``text`` as a formula."""
    return bool(DANGEROUS_START.match(text))


def safe_cell(value: Any) -> Any:
    """Return ``value`` safe to put in a CSV cell: a dangerous text gets a leading apostrophe.

    >>> safe_cell("=)) rất tốt")
    "'=)) rất tốt"
    >>> safe_cell("Tốt"), safe_cell(-3)
    ('Tốt', -3)
    """
    if isinstance(value, str) and is_dangerous(value):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Apply :func:`safe_cell` to every text cell of ``df`` (vectorised per column)."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        try:
            hit = s.str.match(DANGEROUS_START.pattern).fillna(False).astype(bool)
        except AttributeError:  # object column without strings
            continue
        if hit.any():
            out[c] = s.astype(object).where(~hit, "'" + s[hit].astype(str))
    return out


# ---------------------------------------------------------------------------------------------
# presentation frames (shared with the HTML and Word writers)

def group_label(table: pd.DataFrame, lang: Lang = "vi") -> pd.Series:
    """The displayed group of each score-table row (``Toàn bộ mẫu`` for the whole sample)."""
    own = table[f"group_label_{lang}"].where(table[f"group_label_{lang}"] != "",
                                             table["group_label_vi"])
    own = own.where(own != "", table["group_value"])
    return own.where(table["group_var"] != "", t("whole_sample", lang))


def component_label(table: pd.DataFrame, lang: Lang = "vi") -> pd.Series:
    """The displayed label of each row (English falls back to Vietnamese, then to the code)."""
    lab = table[f"label_{lang}"].where(table[f"label_{lang}"] != "", table["label_vi"])
    return lab.where(lab != "", table["code"])


def level_label(levels: pd.Series, lang: Lang = "vi") -> pd.Series:
    return levels.map(lambda v: t_opt(f"level_{v}", lang, str(v)))


def unit_label(units: pd.Series, lang: Lang = "vi") -> pd.Series:
    return units.map(lambda v: t_opt(f"unit_{v}", lang, str(v)))


def note_text(table: pd.DataFrame, lang: Lang = "vi") -> pd.Series:
    """The note of each row; an unverified row always says so."""
    note = table[f"note_{lang}"].where(table[f"note_{lang}"] != "", table["note_vi"])
    flag = t("unverified", lang)
    missing_flag = ~table["verified"] & ~note.str.contains(flag, regex=False)
    return note.where(~missing_flag, (flag + ". " + note).str.rstrip(". "))


SCORE_DISPLAY: tuple[str, ...] = (
    "code", "level", "label", "group", "estimate", "se", "ci_low", "ci_high", "n", "n_eff",
    "deff", "unit", "method", "source", "verified", "note",
)


def present_scores(table: pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """A score table as shown to readers: chosen columns with translated headers.

    Numbers are not changed (``unit`` says their scale); ``verified`` becomes Có/Chưa.
    """
    out = pd.DataFrame({
        "code": table["code"],
        "level": level_label(table["level"], lang),
        "label": component_label(table, lang),
        "group": group_label(table, lang),
        "estimate": table["estimate"], "se": table["se"],
        "ci_low": table["ci_low"], "ci_high": table["ci_high"],
        "n": table["n"], "n_eff": table["n_eff"], "deff": table["deff"],
        "unit": unit_label(table["unit"], lang),
        "method": table["method"].map(lambda m: t_opt(f"method_{m}", lang, m)),
        "source": table["source"].map(clean_source),
        "verified": np.where(table["verified"], t("yes", lang), t("no", lang)),
        "note": note_text(table, lang),
    })
    out.columns = [t(c, lang) for c in SCORE_DISPLAY]
    return out


def translate_headers(df: pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """Rename the columns that have a fixed translation; keep the others."""
    return df.rename(columns={c: t_opt(str(c), lang, str(c)) for c in df.columns})


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def checks_file_name(lang: Lang = "vi") -> str:
    """The CSV file with every data-check flag, written beside the workbook."""
    return "kiem_tra_du_lieu.csv" if lang == "vi" else "data_checks.csv"


def quality_summary(inputs: ReportInputs, lang: Lang = "vi") -> pd.DataFrame:
    """Per index and check rule: questionnaires flagged and excluded, and the flags raised (a
    questionnaire may carry several); from ``inputs.fieldwork`` when given, else the flags
    counted from ``inputs.checks`` (flags only)."""
    from .labels import RULE_EN

    def rule_name(r: str) -> str:
        return REASON_VI.get(r, r) if lang == "vi" else RULE_EN.get(r, r)

    parts = []
    for name, fw in inputs.fieldwork.items():
        q = fw.quality
        if q is None:
            continue
        parts.append(pd.DataFrame({
            "index": name, "rule": q["rule"].astype(str).map(rule_name),
            "q_flagged": q["rows_flagged"].astype(int), "q_excluded": q["rows_excluded"].astype(int),
            "q_flags": (q["flags"] if "flags" in q else pd.Series(pd.NA, index=q.index)),
            "q_action": np.where(q["excludes"].astype(bool), t("q_exclude", lang),
                                 t("q_keep", lang))}))
    if not parts and inputs.checks is not None:
        counts = inputs.checks["rule"].astype(str).value_counts()
        parts.append(pd.DataFrame({"index": "", "rule": counts.index.map(rule_name),
                                   "q_flagged": pd.NA, "q_excluded": pd.NA,
                                   "q_flags": counts.to_numpy(), "q_action": ""}))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["index", "rule", "q_flagged", "q_excluded", "q_flags", "q_action"])
    return out.rename(columns={c: t(c if c != "rule" else "q_rule", lang) for c in out.columns})


def present_checks(checks: pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """The checks/audit table as shown to readers: rule and severity in words, headers translated.

    In Vietnamese a rule reads ``Phiếu chưa hoàn thành (incomplete)`` (the wording of
    :data:`cchc_survey.checks.REASON_VI`, the rule's code kept for filtering and for the docs) and
    a severity ``Cảnh báo``; in English the rule code stays as it is. Unknown rules and severities
    are shown as given. Mapped once per distinct value.
    """
    out = checks.copy()
    rules = out["rule"].astype(str)
    from .labels import RULE_EN

    names = REASON_VI if lang == "vi" else RULE_EN
    named = {r: f"{names[r]} ({r})" for r in pd.unique(rules) if r in names}
    out["rule"] = rules.map(lambda r: named.get(r, r))
    sev = out["severity"].astype(str)
    words = {k: _capital(t_opt(f"severity_{k}", lang, k)) for k in pd.unique(sev)}
    out["severity"] = sev.map(words)
    return translate_headers(out, lang)


# number formats of the weighting summary's values (keys of WeightingReport.summary)
_SUMMARY_FORMAT = {"iterations": "0", "min_weight": "0.00", "max_weight": "0.00",
                   "cv_weight": "0.00", "deff_kish": "0.00", "n_eff": "0.0"}


def _yes_no(s: pd.Series, lang: Lang, no: str = "no") -> pd.Series:
    b = s.astype("boolean")
    return pd.Series(np.where(b.fillna(False), t("yes", lang), t(no, lang)),
                     index=s.index, dtype=object).where(b.notna(), "")


def present_comparison(comp: pd.DataFrame, lang: Lang = "vi") -> pd.DataFrame:
    """The comparison table as shown to readers."""
    out = comp.copy()
    if lang == "en" and "label_en" in out:
        out["label_vi"] = out["label_en"].where(out["label_en"].fillna("") != "", out["label_vi"])
    out = out.drop(columns=[c for c in ("label_en", "note_en" if lang == "vi" else "note_vi")
                            if c in out])
    out = out.rename(columns={"label_vi": "label", "note_vi": "note", "note_en": "note"})
    out["significant"] = _yes_no(out["significant"], lang, no="no_plain")
    if "verified" in out:
        out["verified"] = _yes_no(out["verified"], lang)
    if "unit" in out:
        out["unit"] = unit_label(out["unit"].fillna(""), lang)
    return translate_headers(out, lang)


# ---------------------------------------------------------------------------------------------
# CSV

def write_csv(table: pd.DataFrame, path: str | Path, *, lang: Lang | None = "vi") -> Path:
    """Write ``table`` to CSV (UTF-8 with BOM, so Excel reads the diacritics), injection-safe.

    A score table is written in its reader form (:func:`present_scores`) with headers in
    ``lang``; ``lang=None`` keeps the raw columns (for machines). Every text cell passes
    :func:`safe_cell`.

    Example:
        >>> write_csv(sipas_scores, "out/sipas.csv")  # doctest: +SKIP
    """
    path = Path(path)
    if lang is None:
        frame = table
    elif is_score_table(table):
        frame = present_scores(table, lang)
    else:
        frame = translate_headers(table, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
    return path


# ---------------------------------------------------------------------------------------------
# Excel

def sheet_name(name: str, taken: Sequence[str] = ()) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _INVALID_SHEET_CHARS.sub("-", name).strip("'") or "Sheet"
    base = base[:31]
    candidate, k = base, 2
    lowered = {s.lower() for s in taken}
    while candidate.lower() in lowered:
        suffix = f" ({k})"
        candidate = base[: 31 - len(suffix)] + suffix
        k += 1
    return candidate


def _cell_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating) and np.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """Write one cell; text is always an explicit string, a dangerous one with quote prefix."""
    value = _cell_value(value)
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # never a formula, whatever the text starts with
        if is_dangerous(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


class _Looks:
    """Style records shared by the cells of one look (per worksheet).

    Setting ``cell.border`` (or fill, format, alignment) makes openpyxl hash the style object and
    look it up in the workbook's lists, for every cell: most of the time of a large sheet. Here
    the first cell of each look (its style before + what is set) is styled through those public
    setters, which register fonts, fills, borders and formats in the order they are first met,
    exactly as before; every later cell of that look gets a copy of the first one's style array
    (how openpyxl itself copies a cell's style, ``WorksheetCopy``). The file is the same.
    """

    def __init__(self, style: Callable[[Cell, tuple[Any, ...]], None]) -> None:
        self._style = style
        self._seen: dict[tuple[Any, ...], Any] = {}

    def apply(self, cell: Cell, look: tuple[Any, ...]) -> None:
        before = cell._style
        key = (tuple(before) if before is not None else (), look)
        known = self._seen.get(key)
        if known is None:
            self._style(cell, look)
            self._seen[key] = copy(cell._style)
        else:
            cell._style = copy(known)


def _body_style(cell: Cell, look: tuple[Any, ...]) -> None:
    """A table cell: thin border, the column's number format, the flagged-row fill."""
    fmt, lit = look
    cell.border = _BORDER
    if fmt is not None:
        cell.number_format = fmt
    if lit:
        cell.fill = _FLAGGED_FILL


def print_setup(ws: Worksheet, header_row: int = HEADER_ROW) -> None:
    """A sheet that prints: A4 landscape, fitted to one page wide, the header row repeated on
    every page, the panes frozen below it."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if header_row >= 1:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "&P / &N"


def _wrap_style(cell: Cell, look: tuple[Any, ...]) -> None:
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_table(ws: Worksheet, frame: pd.DataFrame, *, title: str, note: str = "",
                 formats: Mapping[str, str | Sequence[str]] | None = None,
                 highlight: Sequence[bool] | None = None,
                 comments: Mapping[str, Sequence[str]] | None = None,
                 start_row: int = HEADER_ROW) -> None:
    """Write a title, a note and a formatted table (header at ``start_row``) into ``ws``."""
    _put(ws, 1, 1, title).font = Font(bold=True, size=14)
    if note:
        _put(ws, 2, 1, note).font = Font(italic=True, color="C00000")
    cols = list(frame.columns)
    for j, c in enumerate(cols, start=1):
        cell = _put(ws, start_row, j, str(c))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = _BORDER
    values = frame.to_numpy(dtype=object)
    formats = formats or {}
    comments = comments or {}
    col_fmt = [formats.get(c) for c in cols]
    col_note = [comments.get(c) for c in cols]
    looks = _Looks(_body_style)
    for i in range(values.shape[0]):  # row by row: styles are registered in reading order
        r = start_row + 1 + i
        lit = highlight is not None and bool(highlight[i])
        for j in range(len(cols)):
            cell = _put(ws, r, j + 1, values[i, j])
            fmt = col_fmt[j]
            looks.apply(cell, (fmt if fmt is None or isinstance(fmt, str) else fmt[i], lit))
            text = col_note[j]
            if text is not None and text[i]:
                cell.comment = Comment(text[i], "cchc_survey")
    # widths from the longest text in each column (header included), capped
    wrapped = _Looks(_wrap_style)
    for j, c in enumerate(cols, start=1):
        texts = frame[c].astype(str).str.len() if len(frame) else pd.Series([0])
        width = int(min(60, max(8, len(str(c)) * 0.9, float(texts.max()) + 2)))
        ws.column_dimensions[get_column_letter(j)].width = width
        if width >= 60:
            for r in range(start_row + 1, start_row + 1 + len(frame)):
                wrapped.apply(ws.cell(row=r, column=j), ())
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    if cols:
        last = get_column_letter(len(cols))
        ws.auto_filter.ref = f"A{start_row}:{last}{start_row + max(len(frame), 1)}"
    print_setup(ws, start_row)


def _score_sheet(ws: Worksheet, name: str, table: pd.DataFrame, lang: Lang) -> None:
    from .document import unreliable

    # printed, a sheet holds what a reader compares; the method, its source and the caveat are
    # said once (the note above the table, the methodology sheet), not on every row
    shown = present_scores(table, lang).drop(columns=[t(c, lang) for c in (
        "method", "source", "verified", "note")])
    shown.insert(len(shown.columns) - 1, t("domain_df", lang), table["domain_df"].to_numpy())
    flagged = unreliable(table)
    words = table[f"flag_{lang}"].where(table[f"flag_{lang}"] != "", table["flag_vi"])
    shown.insert(4, t("unreliable", lang).capitalize(),
                 np.where(flagged, words.where(words != "", t("yes", lang)), ""))
    fmt_unit = [_NUMBER_FORMAT.get(u, "0.00") for u in table["unit"]]
    formats: dict[str, str | Sequence[str]] = {
        t(c, lang): fmt_unit for c in ("estimate", "se", "ci_low", "ci_high")}
    formats.update({t("n", lang): "0", t("n_eff", lang): "0.0", t("deff", lang): "0.00",
                    t("domain_df", lang): "0"})
    unverified = (~table["verified"]).to_numpy()
    note = (f"⚠ {t('unverified', lang)} ({int(unverified.sum())}/{len(table)})"
            if unverified.any() else "")
    if flagged.any():
        note = (note + " · " if note else "") + t("unreliable_note", lang)
    _write_table(ws, shown, title=f"{name} — {t('results', lang)}", note=note, formats=formats,
                 highlight=flagged.tolist())


def write_excel(inputs: ReportInputs, path: str | Path, *, lang: Lang = "vi") -> Path:
    """Write the formatted Excel workbook.

    Sheets: an overview; one sheet per index (score table with CI columns, n, effective n,
    unit-aware number formats, unverified rows highlighted with a cell comment and a note);
    then, when given, the official comparison, the data checks, the weighting report, the
    codebook, the free-text answers and the methodology sources. Header row
    :data:`HEADER_ROW`, frozen panes and an autofilter on every table sheet.

    Example:
        >>> write_excel(inputs, "out/bao_cao.xlsx")  # doctest: +SKIP
    """
    path = Path(path)
    wb = Workbook()
    for default in list(wb.worksheets):
        wb.remove(default)
    overview = wb.create_sheet(sheet_name(t("sheet_overview", lang)))
    taken: list[str] = [overview.title]

    def new_sheet(name: str) -> Worksheet:
        ws = wb.create_sheet(sheet_name(name, taken))
        taken.append(ws.title)
        return ws

    for name, table in inputs.scores.items():
        _score_sheet(new_sheet(name), name, table, lang)
    if inputs.comparison is not None:
        comp = inputs.comparison
        shown = present_comparison(comp, lang)
        units = comp["unit"].fillna("") if "unit" in comp else pd.Series([""] * len(comp))
        fmt = [_NUMBER_FORMAT.get(u, "0.00") for u in units]
        num_cols = ("survey_estimate", "survey_ci_low", "survey_ci_high", "official",
                    "difference", "diff_ci_low", "diff_ci_high")
        _write_table(new_sheet(t("sheet_comparison", lang)), shown,
                     title=t("comparison", lang),
                     formats={t(c, lang): fmt for c in num_cols})
    if inputs.checks is not None or inputs.fieldwork:
        summary = quality_summary(inputs, lang)
        checks = inputs.checks
        big = checks is not None and len(checks) > EXCEL_DETAIL_ROWS
        note = (t("excel_detail_elsewhere", lang).format(n=f"{len(checks):,}",
                                                        file=checks_file_name(lang))
                if big and checks is not None else "")
        _write_table(new_sheet(t("sheet_checks", lang)), summary, title=t("data_quality", lang),
                     note=note, formats={c: "#,##0" for c in summary.columns[2:5]})
        if checks is not None and not big and len(checks):
            _write_table(new_sheet(t("sheet_checks_detail", lang)), present_checks(checks, lang),
                         title=t("sheet_checks_detail", lang))
    if inputs.weighting is not None:
        ws = new_sheet(t("sheet_weighting", lang))
        wt = translate_headers(inputs.weighting.table, lang)
        start = HEADER_ROW + len(inputs.weighting.summary) + 2
        _write_table(ws, wt, title=t("weighting", lang), start_row=start,
                     formats={t("target", lang): "0.0%", t("achieved", lang): "0.0%"})
        for k, (key, val) in enumerate(inputs.weighting.summary.items()):
            _put(ws, HEADER_ROW + k, 1, t_opt(key, lang, key)).font = Font(bold=True)
            if isinstance(val, bool | np.bool_):
                val = t("yes", lang) if val else t("no", lang)
            cell = _put(ws, HEADER_ROW + k, 2, val)
            if key in _SUMMARY_FORMAT and isinstance(cell.value, int | float):
                cell.number_format = _SUMMARY_FORMAT[key]
    if inputs.codebook is not None:
        _write_table(new_sheet(t("sheet_codebook", lang)),
                     translate_headers(inputs.codebook, lang), title=t("sheet_codebook", lang))
    if inputs.free_texts is not None:
        from .comments import comment_table

        ct = comment_table(inputs.free_texts)
        cut = len(ct) > EXCEL_MAX_ROWS
        ct = ct.head(EXCEL_MAX_ROWS)
        ft = pd.DataFrame({t("row_no", lang): np.arange(1, len(ct) + 1),
                           t("free_text", lang): ct["answer"].to_numpy(),
                           t("times_given", lang): ct["times"].to_numpy(),
                           t("no_comment_col", lang): np.where(ct["no_comment"], t("yes", lang),
                                                               "")})
        _write_table(new_sheet(t("sheet_free_text", lang)), ft,
                     title=inputs.free_text_question or t("free_texts", lang),
                     note=t("excel_cut", lang).format(n=f"{EXCEL_MAX_ROWS:,}") if cut else "")
    if inputs.provenance:
        prov = pd.DataFrame({
            t("what", lang): [p.what(lang) for p in inputs.provenance],
            t("source", lang): [p.source for p in inputs.provenance],
            t("url", lang): [p.url for p in inputs.provenance],
            t("verified", lang): [t("yes", lang) if p.verified else t("no", lang)
                                  for p in inputs.provenance],
        })
        _write_table(new_sheet(t("sheet_provenance", lang)), prov,
                     title=t("methodology", lang),
                     highlight=[not p.verified for p in inputs.provenance])

    # overview
    lines: list[tuple[str, str]] = [
        (t("report", lang), inputs.title), (t("organisation", lang), inputs.organisation),
        (t("period", lang), inputs.period), (t("date", lang), inputs.date.strftime("%d/%m/%Y")),
    ]
    _put(overview, 1, 1, inputs.title).font = Font(bold=True, size=14)
    for k, (key, val) in enumerate(lines[1:], start=3):
        _put(overview, k, 1, key).font = Font(bold=True)
        _put(overview, k, 2, val)
    row = 3 + len(lines)
    if inputs.any_unverified():
        _put(overview, row, 1, f"⚠ {t('unverified', lang)}").font = Font(bold=True,
                                                                         color="C00000")
        row += 2
    _put(overview, row, 1, t("sheet_list", lang)).font = Font(bold=True)
    for k, name in enumerate(taken[1:], start=row + 1):
        _put(overview, k, 1, name)
    overview.column_dimensions["A"].width = 40
    overview.column_dimensions["B"].width = 60
    print_setup(overview, 0)
    overview.page_setup.orientation = "portrait"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
