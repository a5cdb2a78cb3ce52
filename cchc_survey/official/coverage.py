"""What an official table holds: conflicts between sources, and how complete each year is.

Every bundled table is partial (no full table of any year was found as text): :func:`coverage`
says, for each index, year and component, how many provinces have a value; :func:`years` sums it
up per index and year (``cchc-survey official load``); every comparison row carries the sentence
(``official_coverage``). :func:`conflicts` lists the values the sources disagree on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .provinces import era_of_year, new_provinces, provinces

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
        >>> from cchc_survey.official import bundled_official
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
