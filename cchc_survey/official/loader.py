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
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from ..errors import InputFileError, Problem
from ..text import nfc, nfc_series
from .provinces import era_of_year, match_provinces, new_provinces, provinces, unmatched_error

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


def _bundled_csv(name: str) -> pd.DataFrame:
    with resources.files("cchc_survey.official").joinpath("data", name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def bundled_yaml(name: str) -> dict[str, Any]:
    """A bundled YAML file of ``cchc_survey/official/data`` as a mapping."""
    with resources.files("cchc_survey.official").joinpath("data", name).open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise OfficialTableError([Problem(name, "whole file", "is not a YAML mapping",
                                          fix="reinstall the package")])
    return data


@lru_cache(maxsize=1)
def _bundled() -> pd.DataFrame:
    parts = []
    for index, name in BUNDLED_TABLES.items():
        t = _bundled_csv(name)
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
    df = _bundled_csv("ranks.csv")
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
        >>> r.loc[(r["year"] == 2024) & (r["province_std"] == "Hà Nội"), "rank"].item()
        3
    """
    df = _ranks().copy()
    if index is not None:
        df = df[df["index"].str.upper() == index.upper()].reset_index(drop=True)
    return df


CONFLICT_COLUMNS: tuple[str, ...] = (
    "index", "year", "level", "province", "component", "statistic", "value_used", "source_used",
    "value_not_used", "source_not_used", "conflict")


def conflicts(table: pd.DataFrame) -> pd.DataFrame:
    """Every value the sources disagree on: both values, both sources, which is used and why.

    A conflict is a row with a ``conflict`` text. When the other source's value is itself a row
    (``use`` False, same index, year, level, province, component and statistic) it is shown beside
    the used one; otherwise (a value the other source only implies, a disputed rank) the
    ``conflict`` text says what the other source gives.
    """
    t = table.assign(who=np.where(table["province_std"] != "", table["province_std"],
                                  table["province"]))
    key = ["index", "year", "level", "who", "component", "statistic"]
    used = t[t["use"] & (t["conflict"] != "")]
    other = t[~t["use"]]
    rows: list[dict[str, object]] = []
    for r in used.to_dict("records"):
        o = other
        for k in key:
            o = o[o[k] == r[k]]
        rows.append({"index": r["index"], "year": r["year"], "level": r["level"],
                     "province": r["who"], "component": r["component"],
                     "statistic": r["statistic"], "value_used": r["value"],
                     "source_used": r["source_url"],
                     "value_not_used": "; ".join(f"{v:g}" for v in o["value"]),
                     "source_not_used": " ; ".join(o["source_url"]), "conflict": r["conflict"]})
    return pd.DataFrame(rows, columns=list(CONFLICT_COLUMNS))


COVERAGE_COLUMNS: tuple[str, ...] = ("index", "year", "level", "component", "n_values",
                                     "n_provinces", "of", "full", "note", "note_vi")


def _expected_units(table: pd.DataFrame) -> dict[tuple[str, int], tuple[int, str]]:
    """(index, year) -> (number of provinces scored, where that number comes from)."""
    out: dict[tuple[str, int], tuple[int, str]] = {}
    ranked = table[table["rank_of"].notna()]
    for idx, year in table[["index", "year"]].drop_duplicates().itertuples(index=False):
        r = ranked[(ranked["index"] == idx) & (ranked["year"] == year)]["rank_of"]
        if len(r):
            out[(str(idx), int(str(year)))] = (int(r.min()), "provinces ranked, as published")
        else:
            n = len(new_provinces()) if era_of_year(int(str(year))) == "new" else len(provinces())
            out[(str(idx), int(str(year)))] = (n, "provincial units of that year")
    return out


def coverage(table: pd.DataFrame) -> pd.DataFrame:
    """How complete an official table is: one row per index, year, level and component.

    ``n_provinces`` counts the provinces with a used value (province level); ``of`` is the number
    of provinces scored that year (the smallest ``rank_of`` printed for that index and year; else
    63 before 2025, 34 from 2025). ``full`` is True when every one of them has a value. ``note``
    says it in words, e.g. ``PAPI 2024 total: 4 of 61 provinces (partial table; ...)``, and
    ``note_vi`` in Vietnamese.
    """
    t = table[table["use"]]
    expected = _expected_units(t)
    rows: list[dict[str, object]] = []
    for (idx, year, level, comp), g in t.groupby(["index", "year", "level", "component"],
                                                 sort=True):
        y = int(str(year))
        n_vals = len(g)
        if level == "province":
            who = g["province_std"].where(g["province_std"] != "", g["province"])
            n_prov = int(who.nunique())
            of, why = expected[(str(idx), y)]
            full = n_prov >= of
            note = (f"{idx} {y} {comp}: {n_prov} of {of} provinces "
                    f"({'full table' if full else 'partial table'}; {of} = {why})")
            note_vi = (f"{idx} {y} {comp}: {n_prov}/{of} tỉnh có số liệu công bố"
                       f"{'' if full else ' (bảng chưa đầy đủ)'}")
        else:
            n_prov, of, full = 0, 0, False
            note = f"{idx} {y} {comp}: {level} figure(s) only"
            note_vi = (f"{idx} {y} {comp}: chỉ có số liệu "
                       f"{'toàn quốc' if level == 'national' else 'vùng'}")
        rows.append({"index": idx, "year": y, "level": level, "component": comp,
                     "n_values": n_vals, "n_provinces": n_prov, "of": of, "full": full,
                     "note": note, "note_vi": note_vi})
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


YEAR_COLUMNS: tuple[str, ...] = ("index", "year", "n_values", "levels", "n_provinces", "of",
                                 "full", "note")


def years(table: pd.DataFrame) -> pd.DataFrame:
    """One row per index and year of an official table: what it holds and whether it is full.

    ``n_values`` counts the values in use; ``levels`` the levels present (``national``,
    ``region``, ``province``); ``n_provinces`` the provinces with at least one value; ``of`` the
    provinces scored that year (see :func:`coverage`); ``full`` is True when the index itself
    (``total``) has a value for all of them. ``note`` says so in words.

    Example:
        >>> y = years(bundled_official())
        >>> y.loc[y["year"] == 2024, ["index", "n_provinces", "of", "full"]].to_numpy().tolist()
        [['PAPI', 4, 61, False], ['PAR', 1, 63, False], ['SIPAS', 1, 63, False]]
    """
    t = table[table["use"]]
    cov = coverage(table)
    expected = _expected_units(t)
    rows: list[dict[str, object]] = []
    for (idx, year), g in t.groupby(["index", "year"], sort=True):
        y = int(str(year))
        prov = g[g["level"] == "province"]
        who = prov["province_std"].where(prov["province_std"] != "", prov["province"])
        of, _ = expected[(str(idx), y)]
        tot = cov[(cov["index"] == idx) & (cov["year"] == y) & (cov["level"] == "province")
                  & (cov["component"] == "total")]
        full = bool(len(tot)) and bool(tot["full"].iloc[0])
        n_tot = int(tot["n_provinces"].iloc[0]) if len(tot) else 0
        levels = [lv for lv in ("national", "region", "province") if (g["level"] == lv).any()]
        note = ("full table" if full else
                f"partial: the index value for {n_tot} of {of} provinces; no full table")
        rows.append({"index": idx, "year": y, "n_values": len(g), "levels": ", ".join(levels),
                     "n_provinces": int(who.nunique()), "of": of, "full": full, "note": note})
    return pd.DataFrame(rows, columns=list(YEAR_COLUMNS))


@lru_cache(maxsize=1)
def group_cutoffs() -> pd.DataFrame:
    """Published PAPI group ranges (``index, year, component, group_order, group_vi, group_en,
    low, high, source_url, note``). Only the ranges found in a source are present."""
    df = _bundled_csv("papi_group_cutoffs.csv")
    for c in ("year", "group_order"):
        df[c] = df[c].astype(int)
    for c in ("low", "high"):
        df[c] = df[c].astype(float)
    return df


@dataclass(frozen=True)
class PapiGroups:
    """PAPI's four province groups, their published sizes and the toolkit's rank rule.

    Attributes:
        vi, en: the group names, best first (``Cao`` ... ``Thấp``).
        sizes: ``year, component, sizes, source_url, note`` (one row per published set of sizes).
        rule_source: how a rank is placed in a group (the toolkit's rule, not PAPI's).
        rule_verified: False: PAPI does not state how it sizes its groups.
        source_url: where the group names are printed.
    """

    vi: tuple[str, ...]
    en: tuple[str, ...]
    sizes: pd.DataFrame
    rule_source: str
    rule_verified: bool
    source_url: str

    def sizes_for(self, year: int, component: str) -> tuple[int, ...] | None:
        """The published group sizes of ``year`` and ``component``, best group first, or None."""
        s = self.sizes[(self.sizes["year"] == year) & (self.sizes["component"] == component)]
        return tuple(s["sizes"].iloc[0]) if len(s) else None


@lru_cache(maxsize=1)
def papi_groups() -> PapiGroups:
    """The bundled PAPI group names, published group sizes and rank rule (``papi_groups.yaml``)."""
    d = bundled_yaml("papi_groups.yaml")
    groups = sorted(d["groups"], key=lambda g: int(g["order"]))
    sizes = pd.DataFrame([{"year": int(s["year"]), "component": str(s["component"]),
                           "sizes": tuple(int(x) for x in s["sizes"]),
                           "source_url": str(s["source_url"]), "note": str(s.get("note", ""))}
                          for s in d.get("sizes", [])],
                         columns=["year", "component", "sizes", "source_url", "note"])
    rule = d["from_rank"]
    return PapiGroups(vi=tuple(nfc(str(g["vi"])) for g in groups),
                      en=tuple(str(g["en"]) for g in groups), sizes=sizes,
                      rule_source=" ".join(str(rule["source"]).split()),
                      rule_verified=bool(rule["verified"]), source_url=str(d["source_url"]))
