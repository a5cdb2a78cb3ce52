"""Vietnam's provinces before and after the 2025 merger, and province-name matching.

The bundled crosswalk has two files (both in ``cchc_survey/official/data``):

``provinces.csv``
    the 63 provinces and centrally-run cities that existed until 30/6/2025 (the units of every
    official SIPAS / PAPI / PAR Index result up to 2024): Vietnamese name, kind, the ASCII spelling
    PAPI uses (``Thua Thien Hue``, ``Ba Ria-Vung Tau``, ``Ho Chi Minh City``), extra aliases, the
    socio-economic region (6 regions of Nghị quyết 81/2023/QH15), and the post-2025 unit.
``merger_2025.csv``
    the 34 provincial units formed by Nghị quyết 202/2025/QH15 (12/6/2025; in operation from
    1/7/2025): 11 units not merged and 23 merged units with their component old provinces
    (11 + 52 = 63), with the source URL of every row. Thừa Thiên Huế has been the centrally-run
    Thành phố Huế since 1/1/2025 (Nghị quyết 175/2024/QH15); it was not merged.

Matching folds a name to a key: NFC, ``đ`` -> ``d``, diacritics removed, lower case, the
prefixes ``Tỉnh``, ``Thành phố``, ``TP.``, ``TP``, ``T.`` and the suffixes ``province`` /
``city`` removed, then every character that is not a letter or digit dropped (so ``Bà Rịa - Vũng
Tàu``, ``Ba Ria-Vung Tau`` and ``BA RIA VUNG TAU`` are one key). Which unit a name means depends on
the year: results for years up to 2024 are for the 63 old provinces, from 2025 on for the 34 new
units (``era``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..text import fold, nfc

Era = Literal["old", "new"]
#: First year whose official results are published for the 34 post-merger units.
FIRST_NEW_YEAR = 2025
MERGER_RESOLUTION = "Nghị quyết 202/2025/QH15 (12/6/2025)"

_PREFIX = re.compile(r"^(?:(?:tinh|thanh pho|tp\.?|t\.)\s*)+")
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
    with resources.files("cchc_survey.official").joinpath("data", name).open(encoding="utf-8") as f:
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
    return df.apply(lambda s: s.str.normalize("NFC"))


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
    """``"old"`` for results up to 2024 (63 provinces), ``"new"`` from 2025 (34 units)."""
    return "new" if int(year) >= FIRST_NEW_YEAR else "old"


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
            suggestion[i] = (f"{p_old.iloc[i]} was merged into {to_new[p_old.iloc[i]]} on 1/7/2025; "
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
