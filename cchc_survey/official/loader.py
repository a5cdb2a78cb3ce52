"""Official published results: the bundled (partial) tables and the analyst's own full tables.

Every official number is one row of a tidy *official table*:

============  ==========================================================================
index         ``SIPAS``, ``PAPI`` or ``PAR`` (any non-empty text is accepted)
year          the year the result is *for* (PAPI 2023 = the survey of 2023)
province      the province as published, any spelling (``TP. Hồ Chí Minh``, ``Ha Noi``,
              ``Thua Thien Hue``, ``Bà Rịa - Vũng Tàu``); the region name for ``level=region``;
              empty for ``level=national``
component     ``total`` for the index itself; PAPI dimensions ``D1``..``D8`` and sub-dimensions
              ``D6.1``; SIPAS/PAR components with the codes of the instrument file
value         the published number, on the published scale (PAPI points; SIPAS/PAR percent)
se            its standard error, when published (optional)
ci_low/high   its confidence interval, when published (optional)
source_url    where the number was read (required: no number without a source)
note          caveats (rounded, conflicting sources, methodology change)
============  ==========================================================================

Optional columns: ``level`` (``province`` [default], ``region``, ``national``), ``statistic``
(``value`` [default], ``mean``, ``min``, ``max``), ``rank`` and ``rank_of`` (as published),
``group`` (the published group, e.g. ``A`` or ``Cao``), ``use`` (``yes`` [default] or ``no``: a
conflicting value kept for the record and left out of comparisons, ranks and checks) and
``conflict`` (when sources disagree: the other value, its source, which one the table uses and why).

:func:`load_official` adds ``row`` (the file row), ``decimals`` (decimals printed in the value,
used by the arithmetic checks), ``era``, ``province_std`` (the canonical province in the year's
era), ``province_2025`` and ``region_vi``; ``use`` becomes a boolean.

Every bundled table is partial (no full table of any year was found as text):
:func:`coverage` says, for each index, year and component, how many provinces have a value, and
every comparison row carries that sentence (``official_coverage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..text import nfc_series
from .bundle import bundled_csv, bundled_yaml
from .coverage import (
    CONFLICT_COLUMNS,
    COVERAGE_COLUMNS,
    YEAR_COLUMNS,
    conflicts,
    coverage,
    years,
)
from .groups import PapiGroups, group_cutoffs, papi_groups
from .provinces import era_of_year, match_provinces, unmatched_error

TEMPLATE_COLUMNS: tuple[str, ...] = (
    "index", "year", "province", "component", "value", "se", "ci_low", "ci_high",
    "source_url", "note",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("level", "statistic", "rank", "rank_of", "group", "use",
                                     "conflict")
REQUIRED_COLUMNS: tuple[str, ...] = ("index", "year", "province", "component", "value",
                                     "source_url")
LEVELS = ("province", "region", "national")
STATISTICS = ("value", "mean", "min", "max")

TEMPLATE_DOC: dict[str, str] = {
    "index": "SIPAS, PAPI or PAR (required)",
    "year": "year the result is for, e.g. 2023 (required)",
    "province": "province as published; any spelling: 'TP. Hồ Chí Minh', 'Ha Noi', 'Tỉnh Hà "
                "Giang'; pre-2025 names for years up to 2024, the 34 new units from 2025 "
                "(required unless level is national)",
    "component": "'total' for the index; PAPI 'D1'..'D8', sub-dimensions 'D6.1'; SIPAS/PAR codes "
                 "of the instrument (required)",
    "value": "the published number, as printed (keep its decimals) (required)",
    "se": "standard error if published (optional)",
    "ci_low": "lower CI bound if published (optional)",
    "ci_high": "upper CI bound if published (optional)",
    "source_url": "URL or document (decision number, report page) the number was read in "
                  "(required)",
    "note": "caveats: rounded, conflicting sources, method change (optional)",
    "level": "province (default), region or national (optional column)",
    "statistic": "value (default), mean, min or max (optional column)",
    "rank": "published rank (optional column)",
    "rank_of": "number of provinces ranked (optional column)",
    "group": "published group, e.g. A/B/C or Cao/Trung bình cao (optional column)",
    "use": "yes (default) or no: 'no' keeps a conflicting value for the record without using it "
           "(optional column)",
    "conflict": "when sources disagree: the other value, its source, which one is used and why "
                "(optional column)",
}
_YES = ("", "yes", "y", "true", "1", "có", "co")
_NO = ("no", "n", "false", "0", "không", "khong")


class OfficialTableError(InputFileError):
    """An official-results table cannot be read as it stands."""


def official_template(path: str | Path) -> Path:
    """Write an empty official-results template (``.csv`` or ``.xlsx``).

    The CSV has the header only (the columns are documented in :data:`TEMPLATE_DOC` and by
    ``cchc-survey official template --help``); the Excel file has a ``data`` sheet with the header
    and a ``README`` sheet with one line per column.
    """
    p = Path(path)
    cols = [*TEMPLATE_COLUMNS, *OPTIONAL_COLUMNS]
    empty = pd.DataFrame(columns=cols)
    if p.suffix.lower() == ".csv":
        empty.to_csv(p, index=False, encoding="utf-8")
    elif p.suffix.lower() == ".xlsx":
        doc = pd.DataFrame({"column": cols, "meaning": [TEMPLATE_DOC[c] for c in cols]})
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            empty.to_excel(xw, sheet_name="data", index=False)
            doc.to_excel(xw, sheet_name="README", index=False)
    else:
        raise OfficialTableError([Problem(str(p), "file name", "unsupported extension",
                                          fix="use .csv or .xlsx")])
    return p


def _decimals(raw: pd.Series) -> pd.Series:
    s = raw.fillna("").astype(str).str.strip().str.replace(",", ".", regex=False)
    frac = s.str.extract(r"\.(\d+)$", expand=False)
    return frac.str.len().fillna(0).astype(int)


def _to_number(raw: pd.Series, file: str, column: str, rows: np.ndarray,
               required: bool) -> tuple[pd.Series, list[Problem]]:
    s = raw.fillna("").astype(str).str.strip()
    s = s.where(~s.str.lower().isin(["nan", "none", "<na>"]), "")  # numbers given as a frame
    # Vietnamese decimal comma ("8,3") when there is no dot.
    s = s.where(s.str.contains(".", regex=False), s.str.replace(",", ".", regex=False))
    num = pd.to_numeric(s.where(s != ""), errors="coerce")
    bad = (s != "") & num.isna()
    missing = (s == "") if required else pd.Series(False, index=s.index)
    problems = [Problem(file, f"row {rows[i]}, column {column}", f"{raw.iloc[i]!r} is not a number",
                        fix="write a plain number such as 45.5054")
                for i in np.flatnonzero(bad.to_numpy())]
    problems += [Problem(file, f"row {rows[i]}, column {column}", "is empty",
                         fix=f"every row needs a {column}")
                 for i in np.flatnonzero(missing.to_numpy())]
    return num.astype(float), problems


def tidy_official(df: pd.DataFrame, *, file: str = "<table>", first_row: int = 2,
                  on_unmatched: Literal["raise", "report"] = "raise") -> OfficialLoad:
    """Check and standardise an official table given as a frame (see :func:`load_official`)."""
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise OfficialTableError([Problem(file, "header", f"missing column(s) {missing}",
                                          fix=f"use the template columns {list(TEMPLATE_COLUMNS)}")])
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = nfc_series(df[c].fillna("").astype(str).str.strip())
    for c in (*TEMPLATE_COLUMNS, *OPTIONAL_COLUMNS):
        if c not in df.columns:
            df[c] = ""
    rows = np.arange(first_row, first_row + len(df))
    problems: list[Problem] = []
    df["level"] = df["level"].astype(str).replace("", "province")
    df["statistic"] = df["statistic"].astype(str).replace("", "value")
    for col, allowed in (("level", LEVELS), ("statistic", STATISTICS)):
        bad = ~df[col].isin(allowed)
        problems += [Problem(file, f"row {rows[i]}, column {col}", f"{df[col].iloc[i]!r}",
                             fix=f"use one of {list(allowed)}") for i in np.flatnonzero(bad)]
    use = df["use"].astype(str).str.strip().str.lower()
    bad = ~use.isin([*_YES, *_NO])
    problems += [Problem(file, f"row {rows[i]}, column use", f"{df['use'].iloc[i]!r}",
                         fix="write yes, no or leave it empty (yes)") for i in np.flatnonzero(bad)]
    df["use"] = ~use.isin(_NO)
    df["decimals"] = _decimals(df["value"].astype(str))
    for col, req in (("value", True), ("year", True), ("se", False), ("ci_low", False),
                     ("ci_high", False), ("rank", False), ("rank_of", False)):
        num, pr = _to_number(df[col].astype(str), file, col, rows, req)
        df[col] = num
        problems += pr
    for col in ("index", "component", "source_url"):
        empty = df[col].astype(str) == ""
        problems += [Problem(file, f"row {rows[i]}, column {col}", "is empty",
                             fix=("give the URL or document each number was read in"
                                  if col == "source_url" else f"every row needs a {col}"))
                     for i in np.flatnonzero(empty)]
    if problems:
        raise OfficialTableError(problems, summary=f"{file}: {len(problems)} problem(s)")
    df["year"] = df["year"].astype(int)
    df["row"] = rows
    is_prov = (df["level"] == "province").to_numpy()
    match = match_provinces(df.loc[is_prov, "province"], df.loc[is_prov, "year"],
                            first_row=first_row)
    mt = match.table
    mt["row"] = rows[is_prov]
    df["era"] = df["year"].map(era_of_year)
    for col in ("province_std", "province_2025", "region_vi"):
        df[col] = ""
    df.loc[is_prov, "province_std"] = mt["province"].to_numpy()
    df.loc[is_prov, "province_2025"] = mt["province_2025"].to_numpy()
    df.loc[is_prov, "region_vi"] = mt["region_vi"].to_numpy()
    unmatched = mt[mt["status"] != "matched"].reset_index(drop=True)
    if len(unmatched) and on_unmatched == "raise":
        from .provinces import ProvinceMatch

        raise unmatched_error(ProvinceMatch(mt), file)
    cols = ["row", *TEMPLATE_COLUMNS, *OPTIONAL_COLUMNS, "decimals", "era", "province_std",
            "province_2025", "region_vi"]
    return OfficialLoad(df.loc[:, cols].reset_index(drop=True), unmatched)


@dataclass(frozen=True)
class OfficialLoad:
    """A loaded official table and the rows whose province was not matched.

    Attributes:
        table: the tidy official table (see the module docstring).
        unmatched: ``row, input, era, status, suggestion`` of every unmatched province row
            (empty when all matched). Unmatched rows stay in ``table`` with ``province_std == ""``.
    """

    table: pd.DataFrame
    unmatched: pd.DataFrame


def load_official(path: str | Path, *, sheet: str | int = 0,
                  on_unmatched: Literal["raise", "report"] = "raise") -> OfficialLoad:
    """Load an analyst's official-results table (CSV or Excel in the template's columns).

    Args:
        path: a ``.csv`` (UTF-8, with or without BOM) or ``.xlsx`` file.
        sheet: the Excel sheet (name or 0-based position).
        on_unmatched: ``"raise"`` an :class:`~cchc_survey.official.provinces.UnmatchedProvinceError`
            listing every unmatched row with its row number, or ``"report"`` them in
            :attr:`OfficialLoad.unmatched`.

    Raises:
        OfficialTableError: a missing column, a non-numeric value, an empty source.
    """
    p = Path(path)
    if not p.exists():
        raise OfficialTableError([Problem(str(p), "file", "does not exist",
                                          fix="check the path; `cchc-survey official template` "
                                              "writes an empty template")])
    if p.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        df = pd.read_excel(p, sheet_name=sheet, dtype=str, keep_default_na=False)
    elif p.suffix.lower() == ".csv":
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        raise OfficialTableError([Problem(str(p), "file name", "unsupported extension",
                                          fix="save the table as .csv or .xlsx")])
    return tidy_official(df, file=str(p), first_row=2, on_unmatched=on_unmatched)


BUNDLED_TABLES: dict[str, str] = {"PAPI": "papi_values.csv", "SIPAS": "sipas_values.csv",
                                  "PAR": "par_values.csv"}
"""The bundled value table of each index (the template's columns without ``index``)."""

@lru_cache(maxsize=1)
def _bundled() -> pd.DataFrame:
    parts = []
    for index, name in BUNDLED_TABLES.items():
        t = bundled_csv(name)
        t.insert(0, "index", index)
        parts.append(t)
    df = pd.concat(parts, ignore_index=True).fillna("")
    return tidy_official(df, file="bundled official data", first_row=1).table


def bundled_official(index: str | None = None) -> pd.DataFrame:
    """The bundled published results (PARTIAL: see ``data/README.md``), as an official table.

    Every row carries the ``source_url`` it was read in. Rows are never filled in: a province or
    component without a published value simply has no row. Where sources conflict, both values
    are rows: the one the toolkit uses (``use`` True) says in ``conflict`` what the other source
    prints and why; the other (``use`` False) is kept for the record (see :func:`conflicts`).

    Example:
        >>> t = bundled_official("PAR")
        >>> t.loc[(t["year"] == 2024) & (t["province_std"] == "Hải Phòng"), "value"].item()
        96.17
    """
    df = _bundled().copy()
    if index is not None:
        df = df[df["index"].str.upper() == index.upper()].reset_index(drop=True)
    return df


RANK_COLUMNS: tuple[str, ...] = ("index", "year", "province", "component", "rank", "rank_of",
                                 "group", "source_url", "note")


@lru_cache(maxsize=1)
def _ranks() -> pd.DataFrame:
    df = bundled_csv("ranks.csv")
    match = match_provinces(df["province"], df["year"].astype(int), first_row=2)
    if not match.ok:
        raise unmatched_error(match, "ranks.csv")
    out = df.assign(year=df["year"].astype(int), province_std=match.table["province"].to_numpy(),
                    rank=pd.to_numeric(df["rank"]).astype("Int64"),
                    rank_of=pd.to_numeric(df["rank_of"]).astype("Int64"))
    return out.loc[:, [*RANK_COLUMNS, "province_std"]]


def official_ranks(index: str | None = None) -> pd.DataFrame:
    """Rank-only facts: a rank or a group published without the value (``RANK_COLUMNS`` +
    ``province_std``). A missing ``rank`` means only the group (``top 5``, ``Thấp``) was printed.

    Example:
        >>> r = official_ranks("PAR")
        >>> int(r.loc[(r["year"] == 2024) & (r["province_std"] == "Hà Nội"), "rank"].item())
        3
    """
    df = _ranks().copy()
    if index is not None:
        df = df[df["index"].str.upper() == index.upper()].reset_index(drop=True)
    return df


__all__ = [
    "BUNDLED_TABLES", "CONFLICT_COLUMNS", "COVERAGE_COLUMNS", "OPTIONAL_COLUMNS", "RANK_COLUMNS",
    "REQUIRED_COLUMNS", "TEMPLATE_COLUMNS", "TEMPLATE_DOC", "YEAR_COLUMNS", "OfficialLoad",
    "OfficialTableError", "PapiGroups", "bundled_csv", "bundled_official", "bundled_yaml",
    "conflicts", "coverage", "group_cutoffs", "load_official", "official_ranks",
    "official_template", "papi_groups", "tidy_official", "years",
]
