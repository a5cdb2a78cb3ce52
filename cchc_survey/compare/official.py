"""Survey estimates beside official published components; wave-to-wave change; league tables.

All three functions read score tables (:mod:`cchc_survey.scoretable`) and official tables
(:mod:`cchc_survey.official.loader`) and return tidy frames.

Statistics used (the reader can recompute every number):

* **Difference** ``d = estimate - official``. When the official value has no published SE it is
  treated as a fixed number: the CI of ``d`` is the survey CI shifted by the official value (this
  keeps an asymmetric survey CI asymmetric) and ``se(d) = se(estimate)``. When the official value
  has an SE the two are independent samples: ``se(d) = sqrt(se_s² + se_o²)`` and the CI is
  ``d ± q·se(d)`` with ``q`` the Student-t quantile on the score row's ``df`` (normal when ``df``
  is missing). ``significant`` = the CI of ``d`` excludes 0.
* **Hypothetical rank**: the estimate put in place of the province's own official value, among the
  *other* provinces with a published value that year: ``rank = 1 + #(others > estimate)``; the
  rank range uses the CI ends. The rank is "among the N provinces with published values", never
  among 63 unless 62 others are known.
* **PAPI-style group** (the four groups of the bundled ``papi_groups.yaml``: Cao / Trung bình cao /
  Trung bình thấp / Thấp): from the published group ranges when bundled or given; otherwise, only
  when the official table is complete, from the rank: with the group sizes PAPI published for that
  year (e.g. 15/15/15/16 in 2024) the first n1 ranks are the first group and so on; without them
  equal quarters of the rank order, ``group = ceil(4·rank / n)``. Both rank rules are the
  toolkit's (``group_basis`` says which was used); PAPI does not state how it sizes its groups.
* **Which components are compared**: the instrument declares, for each of its components, the
  official component it corresponds to (``official:`` in the instrument file); the comparison
  uses those declarations and prints the instrument's caveat (``counterpart_note``). Without an
  instrument a score code is compared with the official component of the same code
  (``code_map`` renames codes).
* **Official values**: only values in use (a conflicting source kept for the record is left out;
  the used value's ``conflict`` text goes into ``official_note``); every row says how complete the
  official table of that year is (``official_coverage``): the bundled tables are partial.
* **Change between waves**: independent samples, ``se = sqrt(se1² + se2²)``, CI ``change ± z·se``.
* **League table**: units whose CIs overlap are not ranked apart. ``rank_best = 1 + #(units whose
  CI lies wholly above this unit's CI)``, ``rank_worst = n - #(units wholly below)``; tiers are the
  connected groups of overlapping intervals, so two overlapping units are never in different tiers.
  CI overlap is a conservative comparison (two 95 % CIs can overlap while the difference is
  significant at 5 %); it is the rule the reform plan asks for.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import CchcSurveyError
from ..official.loader import coverage, group_cutoffs, papi_groups
from ..official.provinces import components as merger_components
from ..official.provinces import era_of_year, match_province
from ..scoretable import score_table

if TYPE_CHECKING:
    from ..instrument.model import Instrument

GROUPS_VI: tuple[str, ...] = papi_groups().vi
"""PAPI's group names, best first (from the bundled ``papi_groups.yaml``)."""
GROUPS_EN: tuple[str, ...] = papi_groups().en


class ComparisonError(CchcSurveyError):
    """A comparison request that cannot be answered (unknown province, nothing to compare)."""


def official_code_map(instrument: Instrument) -> dict[str, str]:
    """Component id -> official component, as the instrument declares (``official:``).

    Raises:
        ComparisonError: two components declare the same official component (the comparison
            would show one official value twice, against two different estimates).
    """
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for c in instrument.components.values():
        if c.official is None:
            continue
        other = seen.get(c.official.component)
        if other is not None:
            raise ComparisonError(
                f"instrument {instrument.id}: components {other!r} and {c.id!r} both declare the "
                f"official component {c.official.component!r}. Fix: keep 'official:' on one of them "
                f"in {instrument.path or 'the instrument file'}.")
        seen[c.official.component] = c.id
        out[c.id] = c.official.component
    return out


def _counterpart_notes(instrument: Instrument | None, lang: str) -> dict[str, str]:
    if instrument is None:
        return {}
    return {c.id: c.official.note.get(lang) for c in instrument.components.values()
            if c.official is not None and c.official.note is not None}


def _crit(level: float, df: float) -> float:
    if not np.isfinite(df) or df <= 0:
        return float(stats.norm.ppf(0.5 + level / 2))
    return float(stats.t.ppf(0.5 + level / 2, df))


def _group_from_cutoffs(value: float, cut: pd.DataFrame) -> tuple[str, str]:
    """Group whose published range holds ``value``; with all 4 ranges, a value between ranges or
    beyond the ends goes to the highest group whose lower end it reaches (else the lowest)."""
    if not np.isfinite(value) or cut.empty:
        return "", ""
    inside = cut[(cut["low"] <= value) & (value <= cut["high"])]
    if len(inside):
        r = inside.iloc[0]
        return str(r["group_vi"]), f"published range {r['low']}–{r['high']} ({r['source_url']})"
    if len(cut) == 4:
        reach = cut[cut["low"] <= value].sort_values("group_order")
        r = reach.iloc[0] if len(reach) else cut.sort_values("group_order").iloc[-1]
        return str(r["group_vi"]), "outside the printed ranges; placed by the published lower ends"
    return "", "only some group ranges are published and the value is in none of them"


def _in_use(official: pd.DataFrame) -> pd.DataFrame:
    """The rows of an official table that are used (not a conflicting value kept for record)."""
    if "use" not in official:
        return official
    return official[official["use"].astype(bool)]


def _official_rows(official: pd.DataFrame, index: str | None) -> pd.DataFrame:
    t = _in_use(official)
    t = t[(t["level"] == "province") & (t["statistic"] == "value")]
    if index is not None:
        t = t[t["index"].str.upper() == index.upper()]
    return t


def _note(r: Mapping[Any, Any]) -> str:
    conflict = str(r.get("conflict", "") or "")
    note = str(r.get("note", "") or "")
    return "; ".join(x for x in (note, f"CONFLICT: {conflict}" if conflict else "") if x)


def _comparison_rows(base: dict[str, object], role: str, official: pd.DataFrame
                     ) -> list[dict[str, object]]:
    """One comparison row per published value in ``official`` (tidy official rows)."""
    return [{**base, "role": role, "official_province": r["province_std"],
             "official_value": r["value"], "official_se": r["se"],
             "official_source_url": r["source_url"], "official_note": _note(r),
             "aggregate_method": ""} for r in official.to_dict("records")]


def compare_official(
    scores: pd.DataFrame,
    official: pd.DataFrame,
    *,
    province: str,
    index: str | None = None,
    era: Literal["old", "new"] = "old",
    years: list[int] | None = None,
    code_map: Mapping[str, str] | None = None,
    instrument: Instrument | None = None,
    group_var: str = "",
    group_value: str = "",
    scale: float = 1.0,
    aggregate: Literal["mean", "weighted"] = "mean",
    weights: Mapping[str, float] | None = None,
    weights_label: str = "",
    complete: bool | None = None,
    cutoffs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare a unit's survey estimates with the official values of its province.

    Args:
        scores: a score table (one row per estimate).
        official: an official table (:func:`~cchc_survey.official.bundled_official` or
            :func:`~cchc_survey.official.load_official`).
        province: the province the survey covers, any spelling.
        index: keep only this index (``PAPI``, ``SIPAS``, ``PAR``); both tables are filtered.
            Default: the instrument's index when ``instrument`` is given.
        era: ``old`` when ``province`` is one of the 63 pre-2025 provinces, ``new`` when it is one
            of the 34 units of 2025. For a merged new unit, each official year before 2025 gives
            one row per component old province (``role = component``) and one ``aggregate`` row.
        years: official years to use (default: all).
        code_map: score-table ``code`` -> official ``component`` (default: the same text, or
            the instrument's declarations; entries here override the instrument's).
        instrument: the instrument the scores come from: its components' ``official:``
            declarations say which official component each corresponds to (only declared
            components are compared) and its caveats are printed (``counterpart_note``).
        group_var, group_value: which score rows to use (default the whole sample, ``""``).
        scale: multiply the survey estimate, SE and CI by this (e.g. 100 for a proportion
            compared with a published percentage).
        aggregate: for merged units, ``mean`` (unweighted) or ``weighted`` (needs ``weights``,
            e.g. population or respondents per old province; the method is printed in the output).
        weights: old province (any spelling) -> weight, for ``aggregate="weighted"``.
        weights_label: what the weights are (``population 2019``), printed in the output.
        complete: the official table holds every scored province of each year (enables groups
            from ranks). Default (None): decided per year and component from
            :func:`~cchc_survey.official.coverage`; True or False forces it.
        cutoffs: published group ranges (default: the bundled ones).

    Returns:
        One row per (component, year, role): survey estimate/SE/CI, official value (+SE), the
        difference with its SE, CI and method, ``significant``, hypothetical rank, group, notes,
        ``official_coverage`` (how complete the official table of that year is) and
        ``counterpart_note`` (the instrument's caveat on the correspondence).
    """
    if era not in ("old", "new"):
        raise ComparisonError(f"era {era!r} is not known. Fix: use --era old (the 63 provinces "
                              "before 2025) or --era new (the 34 units from 2025); in Python "
                              "era='old' or era='new'.")
    target = match_province(province, era=era)
    if target is None:
        raise ComparisonError(f"province {province!r} is not one of the "
                              f"{'34 post-2025' if era == 'new' else '63 pre-2025'} units; "
                              "check the spelling or the era (--era old|new)")
    comps = merger_components(target) if era == "new" else [target]
    if instrument is not None and index is None:
        index = instrument.methodology.index
    sc = score_table(scores)
    if instrument is not None:
        other = sorted(set(sc["instrument"]) - {"", instrument.id})
        if other:
            raise ComparisonError(
                f"the score table comes from instrument(s) {other}, not {instrument.id}. Fix: give "
                f"the instrument file of that survey (--instrument; in Python instrument=).")
    sc = sc[(sc["group_var"] == group_var) & (sc["group_value"] == group_value)]
    if index is not None:
        sc = sc[sc["index"].str.upper() == index.upper()]
    if sc.empty:
        raise ComparisonError(f"no score rows for group_var={group_var!r}, "
                              f"group_value={group_value!r}, index={index!r}")
    cmap: dict[str, str] = {}
    if instrument is not None:
        cmap = official_code_map(instrument)
        if not cmap:
            raise ComparisonError(
                f"instrument {instrument.id} declares no official counterpart for any component. "
                f"Fix: add 'official: <component>' (e.g. 'official: total') to the components of "
                f"{instrument.path or 'the instrument file'} that correspond to a published one.")
    cmap.update(code_map or {})
    if instrument is not None:
        sc = sc[sc["code"].isin(list(cmap))]
    sc = sc.assign(component=sc["code"].map(lambda c: cmap.get(c, c)))
    notes_vi = _counterpart_notes(instrument, "vi")
    notes_en = _counterpart_notes(instrument, "en")
    off = _official_rows(official, index)
    if years is not None:
        off = off[off["year"].isin(years)]
    cut = group_cutoffs() if cutoffs is None else cutoffs
    w: dict[str, float] = {}
    if aggregate == "weighted":
        if not weights:
            raise ComparisonError("aggregate='weighted' needs weights per old province")
        for k, v in weights.items():
            name = match_province(k, era="old")
            if name is None:
                raise ComparisonError(f"weights: {k!r} is not a pre-2025 province")
            w[name] = float(v)
    elif aggregate != "mean":
        raise ComparisonError(f"aggregate={aggregate!r}; use 'mean' or 'weighted'")

    rows: list[dict[str, object]] = []
    for s in sc.to_dict("records"):
        o = off[(off["index"].str.upper() == str(s["index"]).upper()) & (off["component"] == s["component"])]
        if o.empty:
            continue
        for year, oy in o.groupby("year", sort=True):
            yr = int(str(year))
            base = {
                "index": s["index"], "component": s["component"], "code": s["code"],
                "label_vi": s["label_vi"], "label_en": s["label_en"], "year": yr,
                "survey_province": target, "survey_group": f"{group_var}={group_value}"
                if group_var else "",
                "estimate": float(s["estimate"]) * scale, "se": float(s["se"]) * scale,
                "ci_low": float(s["ci_low"]) * scale, "ci_high": float(s["ci_high"]) * scale,
                "ci_level": s["ci_level"], "df": s["df"],
                "counterpart_note": notes_en.get(str(s["code"]), ""),
                "counterpart_note_vi": notes_vi.get(str(s["code"]), ""),
            }
            new_year = era_of_year(yr) == "new"
            if era == "old" or new_year or len(comps) == 1:
                own_names = [target] if (era == "old" or new_year) else comps
                mine = oy[oy["province_std"].isin(own_names)]
                rows.extend(_comparison_rows(base, "province", mine))
                if mine.empty:
                    rows.append({**base, "role": "province", "official_province": "",
                                 "official_value": np.nan, "official_se": np.nan,
                                 "official_source_url": "", "aggregate_method": "",
                                 "official_note": f"no published {s['component']} for "
                                                  f"{target} in {yr}"})
                continue
            # A merged post-2025 unit against pre-2025 official values.
            mine = oy[oy["province_std"].isin(comps)]
            rows.extend(_comparison_rows(base, "component", mine))
            have = mine.drop_duplicates("province_std")
            missing = [c for c in comps if c not in set(have["province_std"])]
            if aggregate == "weighted":
                ww = np.array([w.get(p, np.nan) for p in have["province_std"]])
                method = f"weighted mean by {weights_label or 'given weights'} of " + ", ".join(
                    f"{p} ({w.get(p, float('nan')):g})" for p in comps)
            else:
                ww = np.ones(len(have))
                method = "unweighted mean of " + ", ".join(comps)
            if missing or not np.isfinite(ww).all() or mine["province_std"].duplicated().any():
                val, se_o = np.nan, np.nan
                why = (f"not computed: no published value for {', '.join(missing)}" if missing
                       else "not computed: a component has two published values or no weight")
                method = f"{method}; {why}"
            else:
                vals = have["value"].to_numpy(dtype=float)
                ses = have["se"].to_numpy(dtype=float)
                val = float((ww * vals).sum() / ww.sum())
                se_o = (float(np.sqrt(((ww / ww.sum()) ** 2 * ses ** 2).sum()))
                        if np.isfinite(ses).all() else np.nan)
            rows.append({**base, "role": "aggregate", "official_province": "+".join(comps),
                         "official_value": val, "official_se": se_o,
                         "official_source_url": " ; ".join(dict.fromkeys(have["source_url"])),
                         "official_note": "", "aggregate_method": method})
    if not rows:
        declared = sorted(set(cmap.values())) if instrument is not None else []
        fix = (f"the instrument declares {declared}; check --year and --index, or the official "
               "table (--official)" if instrument is not None else
               "give the survey's instrument (--instrument; in Python instrument=): its "
               "components declare their official counterparts")
        raise ComparisonError(f"no official value shares a component with the score table "
                              f"(index={index!r}). Fix: {fix}.")
    out = pd.DataFrame(rows)
    out["official_value"] = out["official_value"].astype(float)
    out["official_se"] = out["official_se"].astype(float)
    # Difference and its uncertainty.
    d = out["estimate"] - out["official_value"]
    fixed = out["official_se"].isna()
    q = np.array([_crit(lv if np.isfinite(lv) else 0.95, df)
                  for lv, df in zip(out["ci_level"], out["df"], strict=True)])
    se_d = np.where(fixed, out["se"], np.sqrt(out["se"] ** 2 + out["official_se"] ** 2))
    se_d = np.where(out["official_value"].isna(), np.nan, se_d)
    out["difference"] = d
    out["difference_se"] = se_d
    out["difference_ci_low"] = np.where(fixed, out["ci_low"] - out["official_value"], d - q * se_d)
    out["difference_ci_high"] = np.where(fixed, out["ci_high"] - out["official_value"], d + q * se_d)
    sig = (out["difference_ci_low"] > 0) | (out["difference_ci_high"] < 0)
    out["significant"] = sig.where(out["difference_ci_low"].notna()).astype("boolean")
    out["difference_method"] = np.where(
        fixed, "official value fixed (no published SE): survey CI shifted",
        "independent samples: SE = sqrt(se_survey² + se_official²)")
    out.loc[out["role"] == "component", ["difference", "difference_se", "difference_ci_low",
                                         "difference_ci_high"]] = np.nan
    out.loc[out["role"] == "component", "significant"] = pd.NA
    out.loc[out["role"] == "component", "difference_method"] = "component of the merged unit: " \
        "shown, not compared"
    cov = coverage(_in_use(official))
    cov = cov[cov["level"] == "province"].set_index(["index", "year", "component"])
    full: dict[Any, Any] = cov["full"].to_dict()
    cov_en: dict[Any, Any] = cov["note"].to_dict()
    cov_vi: dict[Any, Any] = cov["note_vi"].to_dict()
    keys = list(zip(out["index"].astype(str), out["year"].astype(int), out["component"].astype(str),
                    strict=True))
    out["official_coverage"] = [cov_en.get(k, f"{k[0]} {k[1]} {k[2]}: no province value published")
                                for k in keys]
    out["official_coverage_vi"] = [cov_vi.get(k, f"{k[0]} {k[1]} {k[2]}: không có số liệu tỉnh")
                                   for k in keys]
    is_complete = [bool(full.get(k, False)) if complete is None else complete for k in keys]
    _add_ranks(out, off, official, comps, is_complete, cut)
    return out.reset_index(drop=True)


def _group_from_rank(rank: int, n: int, year: int, component: str) -> tuple[str, str]:
    """Group of ``rank`` among ``n`` ranked provinces (the toolkit's rule, see the module doc)."""
    groups = papi_groups()
    sizes = groups.sizes_for(year, component)
    if sizes is not None and sum(sizes) == n:
        k = int(np.searchsorted(np.cumsum(sizes), rank))
        return groups.vi[k], (f"rank {rank} of {n} with the published group sizes "
                              f"{'/'.join(map(str, sizes))} of {year} (toolkit rule, unverified)")
    k = min(len(groups.vi) - 1, math.ceil(len(groups.vi) * rank / n) - 1)
    return groups.vi[k], (f"quartile of the rank order among {n} provinces (table complete; "
                          "toolkit rule, unverified: PAPI's group sizes may differ by one or two)")


def _add_ranks(out: pd.DataFrame, off: pd.DataFrame, official: pd.DataFrame, comps: list[str],
               complete: list[bool], cut: pd.DataFrame) -> None:
    rank: list[object] = []
    best: list[object] = []
    worst: list[object] = []
    among: list[object] = []
    note: list[str] = []
    group: list[str] = []
    gbasis: list[str] = []
    used = _in_use(official)
    nat = used[(used["level"] == "national") & used["statistic"].isin(["min", "max"])]
    for r, is_complete in zip(out.to_dict("records"), complete, strict=True):
        if r["role"] == "component":
            for lst in (rank, best, worst, among):
                lst.append(pd.NA)
            note.append("")
            group.append("")
            gbasis.append("")
            continue
        est, lo, hi = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
        own = set(comps) if r["role"] == "aggregate" else {r["official_province"],
                                                          r["survey_province"]}
        others = off[(off["index"] == r["index"]) & (off["component"] == r["component"])
                     & (off["year"] == r["year"]) & ~off["province_std"].isin(own)]
        vals = others.drop_duplicates("province_std")["value"].to_numpy(dtype=float)
        n = len(vals) + 1
        rank.append(int(1 + (vals > est).sum()))
        best.append(int(1 + (vals > hi).sum()) if np.isfinite(hi) else pd.NA)
        worst.append(int(1 + (vals > lo).sum()) if np.isfinite(lo) else pd.NA)
        among.append(n)
        txt = f"among the {n} provinces with published values in {r['year']}"
        if r["role"] == "aggregate":
            txt += " (pre-merger provinces)"
        mm = nat[(nat["index"] == r["index"]) & (nat["component"] == r["component"])
                 & (nat["year"] == r["year"])]
        vmax = mm.loc[mm["statistic"] == "max", "value"].to_numpy(dtype=float)
        vmin = mm.loc[mm["statistic"] == "min", "value"].to_numpy(dtype=float)
        if len(vmax) and est > vmax[0]:
            txt += f"; above the published maximum ({vmax[0]:g})"
        if len(vmin) and est < vmin[0]:
            txt += f"; below the published minimum ({vmin[0]:g})"
        note.append(txt)
        c = cut[(cut["index"].str.upper() == str(r["index"]).upper()) & (cut["year"] == r["year"])
                & (cut["component"] == r["component"])]
        g, basis = _group_from_cutoffs(est, c)
        if not g and is_complete and n >= len(GROUPS_VI):
            g, basis = _group_from_rank(int(str(rank[-1])), n, int(r["year"]), str(r["component"]))
        elif not g and not basis:
            basis = ("not assigned: the official distribution is incomplete and no group ranges "
                     "are published")
        group.append(g)
        gbasis.append(basis)
    out["rank_if_official"] = pd.Series(rank, index=out.index, dtype="Int64")
    out["rank_best"] = pd.Series(best, index=out.index, dtype="Int64")
    out["rank_worst"] = pd.Series(worst, index=out.index, dtype="Int64")
    out["rank_among"] = pd.Series(among, index=out.index, dtype="Int64")
    out["rank_note"] = note
    out["group"] = group
    out["group_basis"] = gbasis


def for_report(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison in the report package's shape (:mod:`cchc_survey.report.inputs`).

    Renames, adds nothing: survey estimate and CI, official value, difference and its CI,
    significance, with index, province, year and the official source; the notes carry the
    instrument's caveat on the correspondence, how complete the official table is, the official
    value's note (conflicts) and, in English, the difference method. Rows with no official value
    (a component published that year for other provinces only) and the components of a merged
    unit are left out: they compare nothing (the full comparison keeps them).
    """
    c = comparison[comparison["official_value"].notna() & comparison["difference"].notna()]

    def col(name: str) -> pd.Series:
        return (c[name].fillna("").astype(str) if name in c
                else pd.Series([""] * len(c), index=c.index, dtype=object))

    def join(*parts: pd.Series) -> list[str]:
        return ["; ".join(x for x in row if x) for row in zip(*parts, strict=True)]

    return pd.DataFrame({
        "component": c["component"], "label_vi": c["label_vi"], "label_en": c["label_en"],
        "index": c["index"], "province": c["official_province"], "year": c["year"],
        "survey_estimate": c["estimate"], "survey_ci_low": c["ci_low"],
        "survey_ci_high": c["ci_high"], "official": c["official_value"],
        "difference": c["difference"], "diff_ci_low": c["difference_ci_low"],
        "diff_ci_high": c["difference_ci_high"], "significant": c["significant"].astype(bool),
        "official_source": c["official_source_url"],
        "note_vi": join(col("counterpart_note_vi"), col("official_coverage_vi"),
                        col("official_note")),
        "note_en": join(col("difference_method"), col("counterpart_note"), col("official_coverage"),
                        col("official_note")),
    }).reset_index(drop=True)
