"""Checks of published arithmetic in official tables.

Two PAPI rules are checked (see the research notes ``papi.md`` §2.2):

* **dimension = sum of its sub-dimensions** (``D6 = D6.1 + D6.2 + D6.3 + D6.4``). Verified on the
  printed 2023 Table 3.6 (18 provinces, to ±0.0001) and the 2019 Table 3.1.
* **aggregate = sum of the dimensions** (``total = D1 + … + D8`` from 2018, 6 dimensions before).
  This rule is *not* stated by PAPI (it fits the 8–80 scale); a news report of Hải Dương 2021
  breaks it (43.22 vs 42.68). Rows of this rule carry ``rule_verified = False``.

Tolerance: ±0.0001 when every number involved is printed with 4 or more decimals (PAPI's own
tables); otherwise the worst-case rounding error, ``0.5·10^-d_parent + Σ 0.5·10^-d_child`` (a sum
of numbers rounded to 2 decimals can be off by that much without any error in the source).
A check is only made when every expected child is present (``status = "incomplete"`` otherwise),
so a partial table never produces a false inconsistency.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Number of sub-dimensions per PAPI dimension, where an official table shows it.
PAPI_SUBDIMENSIONS: dict[str, int] = {"D1": 4, "D6": 4}
ABS_TOL = 1e-4

_SUB = re.compile(r"^(D\d+)\.\d+$")
_DIM = re.compile(r"^D\d+$")

CHECK_COLUMNS = (
    "index", "year", "level", "province", "rule", "parent", "parent_value", "children",
    "n_children", "expected_children", "children_sum", "difference", "tolerance", "status",
    "rule_verified", "source_url", "note",
)


def _tolerance(parent_dec: int, child_dec: np.ndarray) -> float:
    if parent_dec >= 4 and (child_dec >= 4).all():
        return ABS_TOL
    return float(0.5 * 10.0 ** -parent_dec + (0.5 * 10.0 ** -child_dec.astype(float)).sum())


def check_arithmetic(table: pd.DataFrame) -> pd.DataFrame:
    """Check published sums in an official table (from :func:`~.loader.load_official` or
    :func:`~.loader.bundled_official`); return one row per checkable parent value.

    ``status`` is ``consistent``, ``inconsistent`` (``|difference| > tolerance``), ``incomplete``
    (some expected children missing: not checked) or ``ambiguous`` (a child is published twice).
    ``difference = parent_value - children_sum``.
    """
    t = table[(table["index"].str.upper() == "PAPI") & (table["statistic"] == "value")].copy()
    t["who"] = np.where(t["province_std"] != "", t["province_std"], t["province"])
    out: list[dict[str, object]] = []
    for (year, level, who), g in t.groupby(["year", "level", "who"], sort=True):
        comps = g["component"].to_numpy()
        parents: list[tuple[str, str, list[str], int | None, bool]] = []
        dims = sorted({c for c in comps if _DIM.match(c)}
                      | {m.group(1) for c in comps if (m := _SUB.match(c))},
                      key=lambda c: int(c[1:]))
        for d in dims:
            kids = sorted({c for c in comps if (m := _SUB.match(c)) and m.group(1) == d})
            if kids and d in comps:
                parents.append(("dimension = sum of sub-dimensions", d, kids,
                                PAPI_SUBDIMENSIONS.get(d), True))
        if "total" in comps:
            kids = [c for c in dims if c in comps]
            if kids:
                parents.append(("total = sum of dimensions", "total", kids,
                                8 if int(str(year)) >= 2018 else 6, False))
        for rule, parent, kids, expected, verified in parents:
            prow = g[g["component"] == parent]
            krows = g[g["component"].isin(kids)]
            for _, pr in prow.iterrows():
                rec: dict[str, object] = {
                    "index": "PAPI", "year": int(str(year)), "level": level, "province": who,
                    "rule": rule, "parent": parent, "parent_value": float(pr["value"]),
                    "children": "+".join(kids), "n_children": len(kids),
                    "expected_children": expected if expected is not None else pd.NA,
                    "rule_verified": verified, "source_url": pr["source_url"],
                }
                note = "" if expected is not None else (
                    "number of sub-dimensions not confirmed by an official table")
                if krows["component"].duplicated().any():
                    rec.update(children_sum=np.nan, difference=np.nan, tolerance=np.nan,
                               status="ambiguous", note="a child component is published twice")
                elif expected is not None and len(kids) < expected:
                    rec.update(children_sum=np.nan, difference=np.nan, tolerance=np.nan,
                               status="incomplete",
                               note=f"{len(kids)} of {expected} children published; not checked")
                else:
                    s = float(krows["value"].sum())
                    tol = _tolerance(int(pr["decimals"]), krows["decimals"].to_numpy())
                    diff = float(pr["value"]) - s
                    rec.update(children_sum=round(s, 10), difference=round(diff, 10), tolerance=tol,
                               status="consistent" if abs(diff) <= tol + 1e-12
                               else "inconsistent", note=note)
                out.append(rec)
    return pd.DataFrame(out, columns=list(CHECK_COLUMNS))
