"""PAPI's province groups: the published score ranges, the group names, the published group
sizes and the toolkit's rule for placing a rank in a group (``papi_groups.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..text import nfc
from .bundle import bundled_csv, bundled_yaml


@lru_cache(maxsize=1)
def group_cutoffs() -> pd.DataFrame:
    """Published PAPI group ranges (``index, year, component, group_order, group_vi, group_en,
    low, high, source_url, note``). Only the ranges found in a source are present."""
    df = bundled_csv("papi_group_cutoffs.csv")
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
