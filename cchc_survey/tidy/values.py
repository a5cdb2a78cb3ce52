"""The definition of the import, column by column: raw export values -> LimeSurvey codes ->
typed item values.

Both steps are value by value (no value depends on another row), which is what lets the speed
kernels (:mod:`cchc_survey.tidy.kernels`) compute them once per distinct value.

Decoding (:func:`decode_values`) undoes each format's coding of the answers
(:mod:`cchc_survey.structure.limesurvey`): ``long`` answers are labels in the export's language
(``N/A`` for a gender, yes/no or checkbox that holds nothing; ``No`` for an unticked box),
SPSS and R write G Y C E M P answers as numbers, Stata writes G Y C E as other numbers, and the
"convert Y/N" export option writes chosen values for Y and N.

Typing (:func:`type_values`) follows what a column holds (:attr:`Column.value
<cchc_survey.structure.Column.value>`):

* answer codes: ``Int64`` when every substantive code is a whole number, else ``string`` (the
  code itself; ``-oth-`` stays ``-oth-``); codes the instrument marks "don't know / not
  applicable" become NA with a reason; a code outside the scale is a failure;
* multiple-choice boxes: ``boolean`` (True ticked, False shown and not ticked, NA not shown);
* numbers (N, K, ``:`` arrays): ``Float64``; file counts: ``Int64``; dates: ``datetime64``;
* texts (S T U Q ``;``, other, comments), equations and file lists: ``string`` in NFC with line
  breaks ``\\n``, no surrounding blanks, "" -> NA; a language switch: the language code.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from ..shapes import FAILURES, failure_table
from ..structure import Column, plain
from ..structure.limesurvey import NA_LABEL, NUMERIC_CODING, STATA_CODING, ls_text
from .dates import Engine, parse_dates

Coding = Literal["codes", "labels", "numeric", "spss", "stata", "convertyn"]
"""How an export's answers are written: LimeSurvey's codes, ``long`` labels, R numbers
(``numeric``: an unticked box 0, NULL empty), SPSS ``.dat`` numbers (``spss``: the same, but an
unticked box and NULL are both empty), Stata numbers, or the "convert Y/N" option's values."""
FAILURE_COLUMNS = FAILURES.names
REASON_COLUMNS = ["response_id", "item", "code", "reason"]
EXCEL_ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NULL!")


class Failures:
    """The failures of one export (one row each), and (``typed``) the typed distinct values
    the ``auto`` engine shares between columns typed alike."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.typed: dict[tuple[Any, ...], tuple[list[Any], pd.Series, pd.DataFrame | None]] = {}

    def add(self, column: str, check: str, value: Any, row: Any, severity: str,
            message: str) -> None:
        self.rows.append({"column": column, "check": check, "value": value, "row": row,
                          "severity": severity, "message": message})

    def add_many(self, column: str, check: str, values: pd.Series, rows: pd.Series,
                 severity: str, message: str) -> None:
        for v, r in zip(values.tolist(), rows.tolist(), strict=True):
            self.add(column, check, v, r, severity, message)

    def frame(self) -> pd.DataFrame:
        """The failures as the package's one failure-table shape (:data:`cchc_survey.shapes.FAILURES`)."""
        return failure_table(FAILURES, self.rows)


# --------------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------------
def label_map(col: Column, langs: list[str]) -> dict[str, str | None]:
    """Answer label -> code (``None`` for NULL) for a ``long`` export of column ``col``; the
    labels of every language in ``langs`` (the first one wins when two languages share a
    label), each as stored and without HTML."""
    m: dict[str, str | None] = {NA_LABEL: None}
    for lang in reversed(langs):
        if col.value == "checkbox":
            m.update({ls_text("Yes", lang): "Y", ls_text("No", lang): ""})
            continue
        for a in col.answers:
            label = a.labels.get(lang, "")
            if label:
                m[plain(label)] = a.code
                m[label.strip()] = a.code
    m[""] = ""
    return m


INT_FLOAT = r"^(-?\d+)\.0*$"  # a string pattern: pandas runs it in Arrow, not per cell


def drop_zero_decimals(v: pd.Series) -> pd.Series:
    """``"1.0000000000"`` -> ``"1"`` (VV writes DECIMAL values, Excel numbers as floats)."""
    if not v.str.contains(".", regex=False).fillna(False).any():
        return v
    return v.str.replace(INT_FLOAT, r"\1", regex=True)


def decode_values(s: pd.Series, col: Column, coding: Coding, langs: list[str],
                  convert_yn: tuple[str, str] | None = None) -> pd.Series:
    """Raw values -> LimeSurvey codes (text; NA = NULL). See the module docstring."""
    if convert_yn is not None and col.type in ("Y", "M", "P"):
        yv, nv = convert_yn
        v = s.str.strip()
        if col.kind != "answer":  # LimeSurvey converts the empty other text too
            return s.mask(v == nv, "")
        table_yn = {yv: "Y", nv: "N" if col.type == "Y" else ""}
        return v.map(table_yn).astype("string").where(v.isin(list(table_yn)), v)
    if col.kind != "answer" or col.value not in ("code", "checkbox", "language"):
        return s
    v = s.str.strip()
    if coding == "labels":
        if col.value == "language":
            return v
        mapping = label_map(col, langs)
        known = v.isin(list(mapping))
        out = v.map(mapping).astype("string").where(known, v)
        unknown = ~known.fillna(True) & v.notna()
        if unknown.any():  # a label written without its HTML, or spaced otherwise
            by_plain = {x: mapping.get(plain(x), x) for x in pd.unique(v[unknown])}
            out = out.where(~unknown, v.map(by_plain).astype("string"))
        return out
    v = drop_zero_decimals(v)
    fixed = (NUMERIC_CODING if coding in ("numeric", "spss") else
             STATA_CODING if coding == "stata" else {}).get(col.type)
    table: dict[str, str | None] | None = dict(fixed) if fixed else None
    if table and coding == "numeric" and col.value == "checkbox":
        table = {**table, "": None}  # R: 0 is "not ticked", an empty field NULL
    if table:
        return v.map(table).astype("string").where(v.isin(list(table)), v)
    return v


def valid_codes(col: Column) -> set[str]:
    """The values a decoded answer column may hold (NA aside)."""
    if col.value == "checkbox":
        return {"Y", ""}
    return {*col.codes, *col.missing, *(["-oth-"] if col.has_other else []), ""}


# --------------------------------------------------------------------------------------------
# typing
# --------------------------------------------------------------------------------------------
def dtype_of(col: Column) -> str:
    """The dtype of a column's tidy item (see the module docstring)."""
    if col.kind != "answer" and col.kind != "filecount":
        return "string"
    return {"checkbox": "boolean", "number": "Float64", "count": "Int64",
            "date": "datetime64[ns]"}.get(col.value, "Int64" if (
                col.value == "code" and col.integer_codes and not col.has_other) else "string")


def clean_text(s: pd.Series) -> pd.Series:
    """Free text: line breaks ``\\n``, NFC, no surrounding blanks, "" -> NA."""
    t = s.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    t = t.str.normalize("NFC").str.strip()
    return t.mask(t == "")


def type_values(s: pd.Series, col: Column, rows: pd.Series, rid: pd.Series, fail: Failures,
                date_style: str = "iso", languages: tuple[str, ...] = (),
                engine: Engine = "auto") -> tuple[pd.Series, pd.DataFrame | None]:
    """Decoded values -> the typed item, and its "don't know" reasons (``response_id``,
    ``item``, ``code``, ``reason``) or ``None``. Failures go to ``fail`` with the file row
    (``rows``) of each value."""
    name = col.item_id
    where = col.code
    if col.kind in ("other", "comment") or col.value in ("text", "files", "equation"):
        text = clean_text(s).astype("string")
        xl = text.isin(EXCEL_ERRORS).fillna(False)
        if xl.any():
            fail.add_many(name, "excel_error_value", text[xl], rows[xl], "warning",
                          f"{where}: an Excel error value: the file was opened in "
                          "Excel, which read an answer starting with '=' as a formula and lost "
                          "it; take that answer from the original export")
        return text, None
    if col.value in ("number", "count"):
        t = s.str.strip()
        num = pd.to_numeric(t.mask(t == ""), errors="coerce")
        bad = num.isna() & t.notna() & (t != "")
        if bad.any():
            fail.add_many(name, "numeric", t[bad], rows[bad], "error", f"{where}: not a number")
        if col.value == "number":
            return num.astype("Float64"), None
        frac = num.notna() & (num != num.round())
        if frac.any():
            fail.add_many(name, "integer", t[frac], rows[frac], "error",
                          f"{where}: a file count is a whole number")
        return num.mask(frac).astype("Float64").round().astype("Int64"), None
    if col.value == "date":
        vals, bad = parse_dates(s, "stata_ms" if date_style == "stata_ms" else "iso", engine)
        if bad.any() and date_style != "stata_ms":
            vals2, _ = parse_dates(s[bad], "dmy", engine)
            vals.loc[bad] = vals2
            bad = bad & vals.isna()
        if bad.any():
            fail.add_many(name, "date_format", s[bad], rows[bad], "error",
                          f"{where}: not a date (YYYY-MM-DD HH:MM:SS)")
        return vals, None
    if col.value == "checkbox":
        t = s.str.strip()
        bad = t.notna() & ~t.isin(["Y", ""])
        if bad.any():
            fail.add_many(name, "code_in_scale", t[bad], rows[bad], "error",
                          f"{where}: a multiple-choice box holds 'Y' or nothing")
        return t.map({"Y": True, "": False}).astype("boolean").mask(bad.to_numpy()), None
    t = s.str.strip()
    t = t.mask(t == "")
    if col.value == "language":
        bad = t.notna() & ~t.isin(list(languages))
        if bad.any():
            fail.add_many(name, "code_in_scale", t[bad], rows[bad], "error",
                          f"{where}: not a language of the survey {list(languages)}")
        return t.mask(bad).astype("string"), None
    codes = list(col.codes)
    missing = col.missing
    allowed = [*codes, *missing, *(["-oth-"] if col.has_other else [])]
    reasons = None
    if missing:
        miss = t.isin(list(missing))
        if miss.any():
            reasons = pd.DataFrame({"response_id": rid[miss].to_numpy(), "item": name,
                                    "code": t[miss].to_numpy(),
                                    "reason": t[miss].map(missing).to_numpy()})
        t = t.mask(miss)
    if codes:
        bad = t.notna() & ~t.isin(allowed)
        if bad.any():
            fail.add_many(name, "code_in_scale", t[bad], rows[bad], "error",
                          f"{where}: code not in the scale {codes}")
            t = t.mask(bad)
    if dtype_of(col) == "Int64":
        return pd.to_numeric(t, errors="coerce").astype("Int64"), reasons
    return t.astype("string"), reasons
