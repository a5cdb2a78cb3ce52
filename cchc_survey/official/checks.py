"""Checks of published arithmetic in official tables.

Two PAPI rules are checked:

* **dimension = sum of its sub-dimensions** (``D6 = D6.1 + D6.2 + D6.3 + D6.4``). It holds on the
  printed 2023 PAPI report Table 3.6 (18 provinces) and the 2019 Table 3.1
  (https://fliphtml5.com/vfkvv/ipje/2023_PAPI_REPORT/103,
  https://fliphtml5.com/vfkvv/ojja/THE_2019_PAPI_REPORT_ENG/67).
* **aggregate = sum of the dimensions** (``total = D1 + … + D8`` from 2018, 6 dimensions before).
  Official numbers support it: Bắc Giang 2023 on the provincial portal, 8 dimensions summing to
  44.3205 against a printed 44.3204 (https://en.bacgiang.gov.vn/detailed-news/-/asset_publisher/MVQI5B2YMPsk/content/bac-giang-ranks-10th-nationwide-in-terms-of-papi-index).
  PAPI never *states* the rule, and a news report of Hải Dương 2021 breaks it (43.22 vs 42.68),
  so rows of this rule carry ``rule_verified = False``.

Tolerance: each printed number is rounded to its printed decimals, so a correct sum can miss by
up to half a unit of the last printed decimal of each number involved:
``tolerance = 0.5·10^-d_parent + Σ_children 0.5·10^-d_child`` (n summands with d decimals each
give ``(n + 1)·0.5·10^-d``). The comparison is made in integer units of the finest printed
decimal, so a difference exactly equal to the tolerance (Bắc Giang: 0.0001 with 8 four-decimal
dimensions) is consistent, never a floating-point accident.
A check is only made when every expected child is present (``status = "incomplete"`` otherwise),
so a partial table never produces a false inconsistency. Values kept for the record only
(``use`` False, a conflicting source) are not checked.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Number of sub-dimensions per PAPI dimension, where an official table shows it.
PAPI_SUBDIMENSIONS: dict[str, int] = {"D1": 4, "D6": 4}

_SUB = re.compile(r"^(D\d+)\.\d+$")
_DIM = re.compile(r"^D\d+$")

CHECK_COLUMNS = (
    "index", "year", "level", "province", "rule", "parent", "parent_value", "children",
    "n_children", "expected_children", "children_sum", "difference", "tolerance", "status",
    "rule_verified", "source_url", "note",
)


def _rounding_check(parent: float, parent_dec: int, children: np.ndarray,
                    child_dec: np.ndarray) -> tuple[float, float, float, bool]:
    """``(children_sum, difference, tolerance, consistent)`` of one published sum.

    Every number is turned into an integer count of ``10^-(D+1)`` with ``D`` the finest printed
    decimal, so the tolerance test is exact.
    """
    finest = int(max(parent_dec, int(child_dec.max()) if len(child_dec) else 0)) + 1
    scale = 10 ** finest
    p_units = round(parent * scale)
    c_units = [round(float(v) * scale) for v in children]
    tol_units = 5 * 10 ** (finest - 1 - parent_dec) + sum(5 * 10 ** (finest - 1 - int(d))
                                                          for d in child_dec)
    diff_units = p_units - sum(c_units)
    return (sum(c_units) / scale, diff_units / scale, tol_units / scale,
            abs(diff_units) <= tol_units)


def check_arithmetic(table: pd.DataFrame) -> pd.DataFrame:
    """Check published sums in an official table (from :func:`~.loader.load_official` or
    :func:`~.loader.bundled_official`); return one row per checkable parent value.

    ``status`` is ``consistent``, ``inconsistent`` (``|difference| > tolerance``), ``incomplete``
    (some expected children missing: not checked) or ``ambiguous`` (a child is published twice).
    ``difference = parent_value - children_sum``.
    """
    use = table["use"] if "use" in table else pd.Series(True, index=table.index)
    t = table[(table["index"].str.upper() == "PAPI") & (table["statistic"] == "value")
              & use.astype(bool)].copy()
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
                    s, diff, tol, ok = _rounding_check(
                        float(pr["value"]), int(pr["decimals"]),
                        krows["value"].to_numpy(dtype=float), krows["decimals"].to_numpy())
                    rec.update(children_sum=s, difference=diff, tolerance=tol,
                               status="consistent" if ok else "inconsistent", note=note)
                out.append(rec)
    return pd.DataFrame(out, columns=list(CHECK_COLUMNS))
