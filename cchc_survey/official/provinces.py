"""Vietnam's provinces before and after the 2025 merger, over time, and province-name matching.

The bundled crosswalk (in ``cchc_survey/official/data``):

``provinces.csv``
    the 63 provinces and centrally-run cities that existed until 30/6/2025 (the units of every
    official SIPAS / PAPI / PAR Index result up to 2024): Vietnamese name, kind, the ASCII spelling
    PAPI uses (``Thua Thien Hue``, ``Ba Ria-Vung Tau``, ``Ho Chi Minh City``), extra aliases, the
    socio-economic region (6 regions of Nghị quyết 81/2023/QH15), and the post-2025 unit.
``merger_2025.csv``
    the 34 provincial units formed by Nghị quyết 202/2025/QH15 (12/6/2025; in operation from
    1/7/2025): 11 units not merged and 23 merged units with their component old provinces
    (11 + 52 = 63), with the source URL of every row (the resolution and the government's
    merger-map data). ``kind_2025`` is the kind on 1/7/2025.
``units_2025.csv``
    the 34 units with their codes of QĐ 19/2025/QĐ-TTg (30/6/2025), the official name where it
    differs ("Thủ đô Hà Nội"), and the old province whose territory holds the administrative
    centre where the sources say it differs from the unit's name (Lào Cai, Bắc Ninh, Quảng Trị;
    the others were not read).
``kind_changes.csv``
    dated changes of kind: Thừa Thiên Huế became the centrally-run Thành phố Huế on 1/1/2025
    (Nghị quyết 175/2024/QH15); Đồng Nai became the centrally-run Thành phố Đồng Nai on
    30/4/2026 (Nghị quyết 30/2026/QH16). So there were 6 centrally-run cities among the 34 units
    from 1/7/2025, and 7 (with 27 provinces) from 30/4/2026 (:func:`kind_at`).
``crosswalk.yaml``
    the merger's dates (in force 1/7/2025) and the first result year of the new units (2025, an
    assumption not yet confirmed by a published table).

Matching folds a name to a key: NFC, ``đ`` -> ``d``, diacritics removed, lower case, the
prefixes ``Thủ đô``, ``Tỉnh``, ``Thành phố``, ``TP.``, ``TP``, ``T.`` and the suffixes ``province`` /
``city`` removed, then every character that is not a letter or digit dropped (so ``Bà Rịa - Vũng
Tàu``, ``Ba Ria-Vung Tau`` and ``BA RIA VUNG TAU`` are one key). Which unit a name means depends on
the year: results for years up to 2024 are for the 63 old provinces, from 2025 on for the 34 new
units (``era``, :func:`era_of_year`); a name at a *date* means the unit as it was that day
(:func:`match_province_at`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..text import fold, nfc
from .bundle import bundled_csv, bundled_yaml

Era = Literal["old", "new"]


_CROSSWALK: dict[str, Any] = bundled_yaml("crosswalk.yaml")
#: First year whose official results are for the 34 post-merger units (``crosswalk.yaml``; an
#: assumption: no 2025 result had been published when the data were bundled).
FIRST_NEW_YEAR: int = int(_CROSSWALK["first_new_result_year"]["value"])
#: The day the 34 units came into being (Nghị quyết 202/2025/QH15).
MERGER_IN_FORCE: dt.date = _CROSSWALK["merger"]["in_force"]
MERGER_RESOLUTION = (f"{_CROSSWALK['merger']['resolution']} "
                     f"({_CROSSWALK['merger']['adopted']:%d/%m/%Y})")

_PREFIX = re.compile(r"^(?:(?:thu do|tinh|thanh pho|tp\.?|t\.)\s*)+")
_SUFFIX = re.compile(r"\s*(province|city)$")
_NONALNUM = re.compile(r"[^0-9a-z]+")


class UnmatchedProvinceError(InputFileError):
    """Province names in an input table that match no province of the crosswalk."""


def province_key(name: str) -> str:
    """Return the matching key of a province name.

    Examples:
        >>> province_key("TP. Hồ Chí Minh") == province_key("Ho Chi Minh City")
        True
        >>> province_key("Tỉnh Bà Rịa - Vũng Tàu")
        'bariavungtau'
    """
    t = fold(nfc(str(name))).strip()
    t = _PREFIX.sub("", t)
    t = _SUFFIX.sub("", t)
    return _NONALNUM.sub("", t)


def _data(name: str) -> pd.DataFrame:
    return bundled_csv(name).apply(lambda s: s.str.normalize("NFC"))


@lru_cache(maxsize=1)
def provinces() -> pd.DataFrame:
    """The 63 pre-2025 provinces: ``province, kind, name_ascii, aliases, region_vi, region_en,
    province_2025, region_source_url`` (one row each)."""
    return _data("provinces.csv")


@lru_cache(maxsize=1)
def merger_2025() -> pd.DataFrame:
    """The 2025 merger, one row per old province: ``province_2025, kind_2025, old_province,
    merged, source_url, note`` (63 rows, 34 distinct ``province_2025``)."""
    return _data("merger_2025.csv")


def new_provinces() -> list[str]:
    """The 34 post-merger units, in the order of the bundled table."""
    return list(dict.fromkeys(merger_2025()["province_2025"]))


def components(new_province: str) -> list[str]:
    """The old provinces that form the post-2025 unit ``new_province`` (any spelling)."""
    name = match_province(new_province, era="new")
    if name is None:
        raise UnmatchedProvinceError(
            [Problem("merger_2025.csv", f"province {new_province!r}",
                     "is not one of the 34 post-2025 provincial units",
                     fix=f"use one of: {', '.join(new_provinces())}")])
    m = merger_2025()
    return list(m.loc[m["province_2025"] == name, "old_province"])


@lru_cache(maxsize=1)
def _keys() -> tuple[dict[str, str], dict[str, str]]:
    """Key -> canonical name for old provinces and for new units."""
    p = provinces()
    old: dict[str, str] = {}
    for name, ascii_, aliases in zip(p["province"], p["name_ascii"], p["aliases"], strict=True):
        for a in [name, ascii_, *[x for x in aliases.split(";") if x]]:
            old[province_key(a)] = name
    new: dict[str, str] = {}
    for name in new_provinces():
        new[province_key(name)] = name
    # The post-merger name of an unmerged unit is also reachable by all of its old spellings.
    m = merger_2025()
    single = m[m["merged"] == "no"]
    for key, oldname in old.items():
        hit = single.loc[single["old_province"] == oldname, "province_2025"]
        if len(hit):
            new.setdefault(key, hit.iloc[0])
    # TP. Hồ Chí Minh absorbed two provinces but keeps its name (and its spellings).
    for key, oldname in old.items():
        if oldname == "TP. Hồ Chí Minh":
            new.setdefault(key, "TP. Hồ Chí Minh")
    return old, new


def era_of_year(year: int) -> Era:
    """The units an official result *for* ``year`` refers to: ``"old"`` (63 provinces) up to 2024,
    ``"new"`` (34 units) from :data:`FIRST_NEW_YEAR`.

    >>> era_of_year(2024), era_of_year(2025)
    ('old', 'new')
    """
    return "new" if int(year) >= FIRST_NEW_YEAR else "old"


def era_of_date(day: dt.date) -> Era:
    """The units that existed on ``day``: the 34 units from 1/7/2025 (:data:`MERGER_IN_FORCE`).

    >>> era_of_date(dt.date(2025, 6, 30)), era_of_date(dt.date(2025, 7, 1))
    ('old', 'new')
    """
    return "new" if _as_date(day) >= MERGER_IN_FORCE else "old"


def _as_date(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.datetime):
        return day.date()
    if isinstance(day, dt.date):
        return day
    return dt.date.fromisoformat(str(day))


@lru_cache(maxsize=1)
def units_2025() -> pd.DataFrame:
    """The 34 units: ``province_2025, code_2025`` (QĐ 19/2025/QĐ-TTg), ``kind_2025`` (on
    1/7/2025), ``admin_centre_in`` (old province holding the administrative centre, where the
    sources say; else ``""``), ``official_name``, ``code_source_url``, ``centre_source_url``,
    ``note``. Codes are text (``"01"``)."""
    return _data("units_2025.csv")


@lru_cache(maxsize=1)
def kind_changes() -> pd.DataFrame:
    """Dated changes of a unit's kind: ``unit, era, kind_before, kind_after, name_after,
    in_force`` (a date), ``resolution, source_url, note``."""
    df = _data("kind_changes.csv")
    return df.assign(in_force=pd.to_datetime(df["in_force"]).dt.date)


def kind_at(unit: str, day: dt.date | str) -> str:
    """The kind (``tỉnh`` or ``thành phố``) of ``unit`` on ``day`` (any spelling; the unit is
    looked up among the units that existed that day).

    >>> kind_at("Đồng Nai", "2026-04-29"), kind_at("Đồng Nai", "2026-04-30")
    ('tỉnh', 'thành phố')
    """
    hit = match_province_at(unit, day)
    if hit is None:
        raise UnmatchedProvinceError([Problem("crosswalk", f"province {unit!r}",
                                              f"is not a provincial unit on {_as_date(day):%d/%m/%Y}",
                                              fix="check the spelling and the date")])
    return hit.kind


@dataclass(frozen=True)
class ProvinceAt:
    """A provincial unit as it was on one day.

    Attributes:
        name: the canonical name (one of the 63 before 1/7/2025, of the 34 from then).
        era: ``old`` or ``new``.
        day: the day asked about.
        kind: ``tỉnh`` or ``thành phố`` on that day.
        code: the QĐ 19/2025/QĐ-TTg code (new units only; ``""`` before 1/7/2025: the old codes
            are not bundled).
        province_2025: the unit it belongs to from 1/7/2025.
        official_name: the official name where it differs from the common one (``Thủ đô Hà Nội``,
            ``Thành phố Đồng Nai`` from 30/4/2026), else ``""``.
    """

    name: str
    era: Era
    day: dt.date
    kind: str
    code: str
    province_2025: str
    official_name: str


def match_province_at(name: str, day: dt.date | str) -> ProvinceAt | None:
    """Match ``name`` (any spelling) among the units that existed on ``day``; None if no match.

    Before 1/7/2025 a name means one of the 63 old provinces (``Hải Dương``); from then one of the
    34 units, and an old name of a merged province no longer matches (use :func:`match_provinces`
    for the reason and the suggestion). Kinds follow the dated changes (:func:`kind_changes`).

    >>> hit = match_province_at("Thủ đô Hà Nội", "2026-05-01")
    >>> hit.name, hit.kind, hit.code
    ('Hà Nội', 'thành phố', '01')
    """
    d = _as_date(day)
    era = era_of_date(d)
    canon = match_province(name, era=era)
    if canon is None:
        return None
    if era == "old":
        row = provinces().set_index("province").loc[canon]
        kind, code, p2025, official = str(row["kind"]), "", str(row["province_2025"]), ""
    else:
        row = units_2025().set_index("province_2025").loc[canon]
        kind, code, p2025 = str(row["kind_2025"]), str(row["code_2025"]), canon
        official = str(row["official_name"])
    ch = kind_changes()
    done = ch[(ch["unit"] == canon) & (ch["era"] == era) & (ch["in_force"] <= d)]
    if len(done):
        last = done.sort_values("in_force").iloc[-1]
        kind, official = str(last["kind_after"]), str(last["name_after"])
    return ProvinceAt(name=canon, era=era, day=d, kind=kind, code=code, province_2025=p2025,
                      official_name=official)


def match_province(name: str, era: Era = "old") -> str | None:
    """Return the canonical name of ``name`` among the old (63) or new (34) units, or None."""
    old, new = _keys()
    return (new if era == "new" else old).get(province_key(name))


@dataclass(frozen=True)
class ProvinceMatch:
    """The result of matching a column of province names.

    Attributes:
        table: one row per input row: ``row`` (1-based data row), ``input``, ``era``, ``province``
            (canonical name in that era, ``""`` if unmatched), ``province_2025`` (the post-merger
            unit), ``region_vi``, ``status`` (``matched``, ``unmatched``, ``old_name_after_merger``)
            and ``suggestion``.
    """

    table: pd.DataFrame

    @property
    def unmatched(self) -> pd.DataFrame:
        return self.table[self.table["status"] != "matched"].reset_index(drop=True)

    @property
    def ok(self) -> bool:
        return bool((self.table["status"] == "matched").all())


def _suggest(key: str, keys: list[str], lookup: dict[str, str]) -> str:
    hits = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
    return lookup[hits[0]] if hits else ""


def match_provinces(names: pd.Series | list[str], years: pd.Series | list[int] | int | None = None,
                    *, era: Era | None = None, first_row: int = 1) -> ProvinceMatch:
    """Match a column of province names (any spelling) to the crosswalk.

    Args:
        names: province names as the user typed them.
        years: the result year of each row (decides the era: up to 2024 old, from 2025 new);
            ignored when ``era`` is given. ``None`` with no ``era`` means old.
        era: force one era for all rows.
        first_row: the row number reported for the first name (2 for a CSV with a header line).

    Returns:
        A :class:`ProvinceMatch`; nothing is dropped, unmatched rows carry a status and a
        suggestion.
    """
    s = pd.Series(list(names) if not isinstance(names, pd.Series) else names.to_list(),
                  dtype=object).fillna("").astype(str)
    n = len(s)
    if era is not None:
        eras = np.array([era] * n, dtype=object)
    elif years is None:
        eras = np.array(["old"] * n, dtype=object)
    else:
        y = pd.to_numeric(pd.Series(years if not isinstance(years, int) else [years] * n),
                          errors="coerce").to_numpy(dtype=float)
        eras = np.where(y >= FIRST_NEW_YEAR, "new", "old").astype(object)
    keys = s.map(province_key)
    old, new = _keys()
    p_old = keys.map(old).fillna("")
    p_new = keys.map(new).fillna("")
    is_new = eras == "new"
    province = np.where(is_new, p_new, p_old)
    status = np.where(province != "", "matched", "unmatched").astype(object)
    stale = is_new & (p_new == "") & (p_old != "")
    status[stale] = "old_name_after_merger"
    prov_tab = provinces().set_index("province")
    to_new = prov_tab["province_2025"]
    p2025 = np.where(is_new, province, p_old.map(to_new).fillna(""))
    # Regions are the 6 regions of the 63 old provinces (the 2025 units straddle some of them).
    region = np.where(is_new, "", pd.Series(p_old).map(prov_tab["region_vi"]).fillna(""))
    suggestion = np.array([""] * n, dtype=object)
    old_keys, new_keys = list(old), list(new)
    for i in np.flatnonzero(status != "matched"):
        if stale[i]:
            suggestion[i] = (f"{p_old.iloc[i]} was merged into {to_new[p_old.iloc[i]]} on "
                             f"{MERGER_IN_FORCE.day}/{MERGER_IN_FORCE.month}/{MERGER_IN_FORCE.year}; "
                             f"use {to_new[p_old.iloc[i]]} for {MERGER_RESOLUTION} units")
        elif is_new[i]:
            suggestion[i] = _suggest(keys.iloc[i], new_keys, new)
        else:
            suggestion[i] = _suggest(keys.iloc[i], old_keys, old)
    table = pd.DataFrame({
        "row": np.arange(first_row, first_row + n), "input": s.to_numpy(), "era": eras,
        "province": province, "province_2025": p2025, "region_vi": region,
        "status": status, "suggestion": suggestion,
    })
    return ProvinceMatch(table)


def unmatched_error(match: ProvinceMatch, file: str, column: str = "province") -> UnmatchedProvinceError:
    """Build the error that lists every unmatched row of ``match``."""
    problems = []
    for r in match.unmatched.itertuples(index=False):
        fix = (f"did you mean {r.suggestion!r}?" if r.suggestion and r.status == "unmatched"
               else str(r.suggestion) or "spell it as in provinces.csv (column province or "
               "name_ascii) or add an alias there")
        problems.append(Problem(file, f"row {r.row}, column {column}",
                                f"{r.input!r} is not a known province ({r.era} units)", fix=fix))
    return UnmatchedProvinceError(problems, summary=f"{len(problems)} province name(s) not matched")
