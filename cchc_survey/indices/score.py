"""Score an instrument the way its methodology declares, with design-based uncertainty.

One function serves every index (SIPAS one-stop and 2023, the PAPI mirror, PAR survey points):
the instrument's aggregation becomes ``score = b + A @ p`` (:mod:`cchc_survey.indices.linear`),
and :func:`cchc_survey.estimate.linear_ratio_combination` estimates every row of ``A @ p`` with
its Taylor-linearised standard error (delta method on the domain totals, calibration-aware when
the design was post-stratified or raked), overall and in each domain (unit, wave, any profile
variable), all in one pass. The output is the one score-table shape, each row carrying the
methodology's source and ``verified`` flag.

Example:
    >>> design = design_from_tidy(tidy.frame, inst)                      # doctest: +SKIP
    >>> table = score(design, inst, by=["donvi", "wave"])                # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..design import SurveyDesign
from ..errors import MethodologyError
from ..estimate import EstimationWarning, linear_ratio_combinations, presentation_flags
from ..instrument.model import Component, Instrument
from ..scoretable import concat, score_table
from .linear import Aggregation, build_aggregation, score_matrix

PERIOD_FORMAT = {"month": "M", "quarter": "Q", "half": "half", "year": "Y"}


def add_wave(frame: pd.DataFrame, inst: Instrument, column: str = "wave") -> pd.DataFrame:
    """Add the survey wave (the instrument's ``design.wave``: a period of a date) as ``column``.

    Months read ``2026-01``, quarters ``2026-Q1``, half-years ``2026-H1``, years ``2026``.
    Rows without the date (e.g. incomplete responses have no submit date) get a missing wave.
    """
    spec = inst.design.wave
    if spec.source not in frame.columns:
        raise MethodologyError(f"the wave of instrument {inst.id} comes from {spec.source!r}, "
                               "which the data lack")
    when = pd.to_datetime(frame[spec.source], errors="coerce")
    # (year, sub-period) as one integer per row; the label is formatted once per distinct wave
    year = when.dt.year.to_numpy(dtype=float, na_value=np.nan)
    month = when.dt.month.to_numpy(dtype=float, na_value=np.nan)
    sub = {"month": month, "quarter": (month - 1) // 3 + 1, "half": (month - 1) // 6 + 1}.get(
        spec.period, np.zeros_like(month))
    ok = ~np.isnan(year)
    key = np.where(ok, np.nan_to_num(year) * 100 + np.nan_to_num(sub), -1).astype(np.int64)
    codes, uniq = pd.factorize(key, sort=True)  # hashing: no sort of n keys
    fmt = {"month": "{y:04d}-{s:02d}", "quarter": "{y}-Q{s}", "half": "{y}-H{s}"}.get(
        spec.period, "{y}")
    labels = pd.array([fmt.format(y=int(k) // 100, s=int(k) % 100) if k >= 0 else None
                       for k in uniq], dtype="string")
    out = frame.copy(deep=False)
    out[column] = labels.take(codes)
    return out


def design_from_tidy(frame: pd.DataFrame, inst: Instrument, *, weighted: bool = True,
                     lonely_psu: str = "adjust") -> SurveyDesign:
    """The survey design the instrument declares (weight, stratum, cluster items).

    With ``weighted=False`` (or when the instrument declares no design), every respondent weighs
    1 and is their own PSU: the estimates are unweighted shares with simple-random-sampling SEs.
    """
    d = inst.design
    df = add_wave(frame, inst) if d.wave.source in frame.columns else frame
    if not weighted:
        return SurveyDesign.from_frame(df)
    cols = {"weights": d.weight, "strata": d.stratum, "cluster": d.cluster}
    kwargs = {role: c for role, c in cols.items() if c}
    for role, c in kwargs.items():
        if c not in df.columns:
            raise MethodologyError(f"design {role} item {c!r} of instrument {inst.id} is not in the data")
    if d.weight:
        df = df.assign(**{d.weight: pd.to_numeric(df[d.weight], errors="coerce").astype(float)})
    return SurveyDesign.from_frame(df, lonely_psu=lonely_psu, **kwargs)  # type: ignore[arg-type]


def _declared_range(inst: Instrument, comp: Component) -> tuple[float, float] | None:
    """The component's own range, or a (0, 100) range of an ancestor (percent scales)."""
    c: Component | None = comp
    while c is not None:
        if c.range is not None:
            if c is comp or tuple(c.range) == (0.0, 100.0):
                return float(c.range[0]), float(c.range[1])
            return None  # a parent's points range (PAPI, PAR) does not bound its children
        parent = inst.parents.get(c.id)
        c = inst.components.get(parent) if parent else None
    return None


def _unit_and_range(inst: Instrument, agg: Aggregation, row: int) -> tuple[str, float, float]:
    """(unit, low, high) of component ``row``: from its declared range, else its items' scores."""
    comp = inst.components[agg.components[row]]
    rng = _declared_range(inst, comp)
    if rng is not None:
        return ("percent" if rng == (0.0, 100.0) else "points"), rng[0], rng[1]
    used = [agg.items[j] for j in np.flatnonzero(agg.A[row] != 0)]
    fns = [inst.score_function(inst.item(i)) for i in used]
    if fns and all(f is not None and f.method == "indicator" for f in fns):
        values = {f.value for f in fns if f is not None}
        if values == {100.0}:
            return "percent", 0.0, 100.0
        if values == {1.0}:
            return "proportion", 0.0, 1.0
    return "score", -np.inf, np.inf


def _provenance(inst: Instrument, agg: Aggregation) -> tuple[str, bool]:
    m = inst.methodology
    v = agg.variant
    scores = [inst.score_function(inst.item(i)) for i in agg.items]
    scale_sat = [inst.scale_of(i) for i in agg.items]
    verified = (m.verified and v.verified and all(s is None or s.verified for s in scores)
                and all(s is None or s.satisfied is None or s.satisfied.verified for s in scale_sat))
    return f"{m.source.strip()} | {v.id}: {v.source.strip()}", verified


def _group_labels(inst: Instrument, var: str, values: Sequence[str]) -> tuple[list[str], list[str]]:
    if var and inst.has_item(var):
        scale = inst.scale_of(var)
        if scale is not None:
            lab = {str(o.code): o for o in scale.all_options}
            vi = [lab[v].vi if v in lab else v for v in values]
            en = [(lab[v].en or lab[v].vi) if v in lab else v for v in values]
            return vi, en
    return list(values), list(values)


def _decorate(t: pd.DataFrame, inst: Instrument, agg: Aggregation, var: str | None,
              domain_labels: Sequence[str], rows: Sequence[tuple[str, str, str]]) -> pd.DataFrame:
    """Fill the labels and provenance of ``t`` (domain-major rows of one estimator result).

    ``rows`` gives (level, label_vi, label_en) for each code, in the order of the estimates.
    """
    D = len(domain_labels)
    vi, en = _group_labels(inst, var or "", list(domain_labels))
    source, verified = _provenance(inst, agg)
    return t.assign(
        group_label_vi=np.repeat(vi, len(rows)), group_label_en=np.repeat(en, len(rows)),
        level=[r[0] for r in rows] * D, label_vi=[r[1] for r in rows] * D,
        label_en=[r[2] for r in rows] * D, index=inst.methodology.index, instrument=inst.id,
        source=source, verified=verified)


def score(design: SurveyDesign, inst: Instrument, *, variant: str | None = None,
          by: str | Sequence[str | None] | None = None, level: float = 0.95,
          method: str | None = None) -> pd.DataFrame:
    """Every component score of ``inst`` (one aggregation variant), overall and by domain.

    Args:
        design: the survey design whose data is the tidy frame (see :func:`design_from_tidy`).
        inst: the instrument: its methodology gives the score functions and the aggregation.
        variant: aggregation variant id (default: the instrument's declared default).
        by: domain variable(s); ``None`` in a list means the whole sample. Default: whole sample.
        level: confidence level of the intervals.
        method: the label for the ``method`` column (default ``taylor``, or ``unweighted`` when
            all weights are 1 with no strata or clusters).

    Returns:
        A score table: one row per component x domain. Components that no item covers are left
        out (and named in :func:`coverage`).
    """
    agg = build_aggregation(inst, variant)
    frame = design.data
    Y = score_matrix(frame, inst, agg.items)
    keep = np.flatnonzero(agg.covered)
    comps = [inst.components[agg.components[i]] for i in keep]
    A, b = agg.A[keep], agg.b[keep]
    comp_rows = [(c.level, c.label.vi, c.label.en or c.label.vi) for c in comps]
    units_ranges = [_unit_and_range(inst, agg, int(i)) for i in keep]
    units = [u for u, _, _ in units_ranges]
    lows = np.array([lo for _, lo, _ in units_ranges])
    highs = np.array([hi for _, _, hi in units_ranges])
    if method is None:
        plain = np.allclose(design.weights, 1.0) and design.n_psu == design.n and len(
            design.strata_levels) == 1
        method = "unweighted" if plain else "taylor"
    bys: list[str | None] = [by] if by is None or isinstance(by, str) else list(by)
    for var in bys:
        if var is not None and var not in frame.columns:
            raise MethodologyError(f"domain variable {var!r} is not in the data")
    with warnings.catch_warnings():  # an undefined deff is NaN in the table, said in flag_reason
        warnings.simplefilter("ignore", EstimationWarning)
        results = linear_ratio_combinations(design, Y, A, bys=bys, codes=[c.id for c in comps],
                                            level=level)
    parts = []
    for var, res in zip(bys, results, strict=True):
        t = res.to_frame(level)
        D = res.estimate.shape[0]
        bb = np.tile(b, D)
        for col in ("estimate", "ci_low", "ci_high"):
            t[col] = t[col].to_numpy() + bb
        # a score cannot leave its range: clip the (symmetric, t-based) interval to it
        t["ci_low"] = np.fmax(t["ci_low"].to_numpy(), np.tile(lows, D))
        t["ci_high"] = np.fmin(t["ci_high"].to_numpy(), np.tile(highs, D))
        # the reliability flag on the score's own range (a percent, a points scale)
        fl = presentation_flags(t["estimate"].to_numpy(), t["se"].to_numpy(),
                                t["n"].to_numpy(dtype=float), res.rows.ravel(),
                                t["domain_df"].to_numpy(), np.tile(lows, D), np.tile(highs, D),
                                t["n_eff"].to_numpy())
        for col in ("flag", "flag_reason", "flag_vi", "flag_en"):
            t[col] = fl[col]
        t = _decorate(t, inst, agg, var, res.domains.labels, comp_rows)
        t["unit"] = units * D
        t["variant"] = agg.variant.id
        t["method"] = method
        parts.append(t)
    return concat(parts)


def coverage(inst: Instrument, variant: str | None = None) -> pd.DataFrame:
    """Which components the instrument can score under ``variant``, and the linear form of each:
    how many items enter it, the sum of their coefficients and the constant (``b + A·p``)."""
    agg = build_aggregation(inst, variant)
    return pd.DataFrame({
        "variant": agg.variant.id,
        "code": list(agg.components),
        "level": [inst.components[c].level for c in agg.components],
        "label_vi": [inst.components[c].label.vi for c in agg.components],
        "covered": agg.covered,
        "n_items": [int((agg.A[i] != 0).sum()) if agg.covered[i] else 0
                    for i in range(len(agg.components))],
        "coef_sum": np.nansum(agg.A, axis=1),
        "constant": agg.b,
    })


def item_table(design: SurveyDesign, inst: Instrument, *,
               by: str | Sequence[str | None] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Item-level scores (the mean of each scored item's respondent score) as a score table.

    ``by``: domain variable(s) as in :func:`score` (all of them in one pass over the rows).
    """
    agg = build_aggregation(inst)
    Y = score_matrix(design.data, inst, agg.items)
    bys: list[str | None] = [by] if by is None or isinstance(by, str) else list(by)
    with warnings.catch_warnings():  # an undefined deff is NaN in the table, said in flag_reason
        warnings.simplefilter("ignore", EstimationWarning)
        results = linear_ratio_combinations(design, Y, None, bys=bys, codes=list(agg.items),
                                            level=level)
    rows = [("item", it.text.vi, it.text.en or it.text.vi) for it in map(inst.item, agg.items)]
    return concat(score_table(_decorate(res.to_frame(level), inst, agg, var, res.domains.labels,
                                        rows)) for var, res in zip(bys, results, strict=True))


def unit_wave_table(design: SurveyDesign, inst: Instrument, *, variant: str | None = None,
                    codes: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Units x waves: every component score in each (unit, wave) cell, for the reform plan.

    The cells are domains of the full design (never subsets), so their SEs are design-based.
    Returns a long table: ``code, level, label_vi, label_en, unit, unit_label_vi, unit_label_en,
    wave, estimate, se, ci_low, ci_high, n, verified, note_vi, df, domain_df, flag, flag_vi,
    flag_en`` (one row per code x unit x wave
    with respondents). Use :func:`pivot_units_waves` for the unit-by-wave grid of one code.
    """
    unit = inst.design.unit
    if not unit or unit not in design.data.columns or "wave" not in design.data.columns:
        raise MethodologyError(f"instrument {inst.id} needs a unit item and a wave (design.unit, "
                               "design.wave) in the data for a unit x wave table")
    sep = "\u241f"  # a separator no code or period contains
    u = design.data[unit].astype("string")
    w = design.data["wave"].astype("string")
    cross = (u + sep + w).rename("unit_wave")
    crossed = replace(design, data=design.data.assign(unit_wave=cross))
    t = score(crossed, inst, variant=variant, by="unit_wave", level=level)
    if codes is not None:
        t = t[t["code"].isin(list(codes))]
    parts = t["group_value"].str.split(sep, n=1, expand=True)
    measure = t["unit"]
    out = t.assign(unit=parts[0], wave=parts[1], unit_of_measure=measure)
    vi, en = _group_labels(inst, unit, list(out["unit"]))
    out = out.assign(unit_label_vi=vi, unit_label_en=en)
    cols = ["code", "level", "label_vi", "label_en", "unit", "unit_label_vi", "unit_label_en", "wave",
            "estimate", "se", "ci_low", "ci_high", "n", "unit_of_measure", "verified", "note_vi",
            "df", "domain_df", "flag", "flag_vi", "flag_en"]
    return out[cols].sort_values(["code", "unit", "wave"], kind="stable").reset_index(drop=True)


def pivot_units_waves(table: pd.DataFrame, code: str, *, lang: str = "vi") -> pd.DataFrame:
    """The unit-by-wave grid of one code's estimates (rows: unit labels; columns: waves)."""
    sel = table[table["code"] == code]
    if sel.empty:
        raise MethodologyError(f"no rows for code {code!r}; codes: {sorted(table['code'].unique())[:10]}")
    label = "unit_label_en" if lang == "en" else "unit_label_vi"
    return sel.pivot_table(index=label, columns="wave", values="estimate", sort=False)
