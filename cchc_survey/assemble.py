"""From computed results to what a report shows: the one place that turns analyses
(:class:`~cchc_survey.pipeline.Analysis`) into :class:`~cchc_survey.report.ReportInputs`.

The chain (:mod:`cchc_survey.pipeline`) computes and builds no report object; the report package
renders and computes nothing. The command line (``cchc-survey report``), the demo and the
notebooks all assemble their reports here (:func:`report_inputs`), so they show the same things:
score tables, fieldwork and data quality (questionnaires first, flags as detail), respondent
profiles, units ranked, change since the last wave, weighting, comments, methodology sources.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .checks import FLAG_COLUMNS
from .design import SurveyDesign
from .instrument.model import Instrument
from .report.inputs import Fieldwork, Provenance, ReportInputs, WeightingReport

if TYPE_CHECKING:
    from .pipeline import Analysis
    from .project import Project


ROLE_NAMES: dict[str, tuple[str, str]] = {
    "unit": ("Đơn vị", "Unit"),
    "respondent_type": ("Đối tượng", "Respondent type"),
    "service": ("Lĩnh vực thủ tục", "Field of procedure"),
    "channel": ("Hình thức nộp hồ sơ", "Channel"),
}
"""Short names of the design variables for reports (the question text is often a sentence)."""
_NO_ANSWER = ("Không trả lời", "No answer")


def variable_name(inst: Instrument, var: str, lang: str = "vi") -> str:
    """A design or profile variable as a reader names it: its role (``Đơn vị``, ``Đối tượng``),
    else its question text (``Giới tính``, ``Độ tuổi``), else the variable itself."""
    for role, names in ROLE_NAMES.items():
        if getattr(inst.design, role) == var:
            return names[0] if lang == "vi" else names[1]
    if inst.has_item(var):
        return inst.item(var).text.get(lang)
    return var


def code_labels(inst: Instrument, var: str, lang: str = "vi") -> dict[str, str]:
    """``{code as text: label}`` of a variable's answer scale (empty when it has none)."""
    if not inst.has_item(var):
        return {}
    sc = inst.scales.get(inst.item(var).scale)
    if sc is None:
        return {}
    return {str(o.code): o.label.get(lang) for o in sc.all_options}


def weighting_for_report(design: SurveyDesign, inst: Instrument | None = None, *,
                         lang: str = "vi") -> WeightingReport:
    """The design's weighting report in the report package's shape (shares 0..1).

    With ``inst``, margins and cells are named as a reader names them (``Đơn vị`` /
    ``Sở Tài chính`` instead of ``donvi`` / ``U01``).
    """
    rep = design.weighting_report()
    last = rep[rep["step"] == rep["step"].max()]
    tab = last.loc[last["margin"] != "", ["margin", "cell", "target", "achieved"]].copy()
    if len(tab):
        tot = tab.groupby("margin")["target"].transform("sum")
        tab["target"] = tab["target"] / tot
        tab["achieved"] = tab["achieved"] / tot
    if inst is not None and len(tab):
        labels = {m: code_labels(inst, m, lang) for m in tab["margin"].unique()}
        tab["cell"] = [labels[m].get(str(c), str(c)) for m, c in zip(tab["margin"], tab["cell"],
                                                                      strict=True)]
        tab["margin"] = tab["margin"].map(lambda m: variable_name(inst, m, lang))
    first = last.iloc[0] if len(last) else rep.iloc[0]
    return WeightingReport(table=tab.reset_index(drop=True), summary={
        "iterations": int(first["iterations"]), "converged": bool(first["converged"]),
        "min_weight": float(first["w_min"]), "max_weight": float(first["w_max"]),
        "cv_weight": float(first["w_cv"]), "deff_kish": float(first["kish_deff"]),
        "n_eff": float(first["n_eff"])})


def provenance(inst: Instrument) -> list[Provenance]:
    """The methodology elements the report rests on, in the reader's words, with their source
    and verified flag: the method, the answers counted as satisfied, the way the default result
    is aggregated. Raw constants and score-function codes stay in the instrument file."""
    m = inst.methodology
    out = [Provenance(what_vi=f"Phương pháp: {m.name.vi}", what_en=f"Method: {m.name.en}",
                      source=m.source.strip(), verified=m.verified, url=m.source_url)]
    seen: set[tuple[str, ...]] = set()
    for sc in inst.spec.scales.values():
        if sc.satisfied is not None:
            codes = [str(c) for c in sc.satisfied.codes]
            vi = ", ".join(f"“{sc.label(c).lower()}”" if _has(sc, c) else str(c)
                           for c in sc.satisfied.codes)
            en = ", ".join(f"'{sc.label(c, 'en').lower()}'" if _has(sc, c) else str(c)
                           for c in sc.satisfied.codes)
            key = (*codes, sc.satisfied.source)
            if key in seen:
                continue
            seen.add(key)
            out.append(Provenance(what_vi=f"Câu trả lời được tính là hài lòng: {vi}",
                                  what_en=f"Answers counted as satisfied: {en}",
                                  source=sc.satisfied.source.strip(),
                                  verified=sc.satisfied.verified, url=sc.satisfied.source_url))
    v = m.aggregation.variant()
    out.append(Provenance(what_vi=f"Cách tổng hợp kết quả: {v.label.vi}",
                          what_en=f"How results are aggregated: {v.label.en or v.label.vi}",
                          source=v.source.strip(), verified=v.verified, url=v.source_url))
    return out


def _has(sc: object, code: object) -> bool:
    try:
        sc.label(code)  # type: ignore[attr-defined]
    except KeyError:
        return False
    return True


def fieldwork_for_report(an: Analysis, *, handed_out: int | None = None,
                         lang: str = "vi") -> Fieldwork:
    """How the survey was fielded, from the analysis: questionnaires returned and valid, the
    first and last submission dates, the units surveyed, the questionnaires flagged and excluded
    per check rule (with the number of flags as detail), and the weighting variables in words."""
    kept = an.cleaned.kept
    d_from = d_to = None
    if "submitdate" in kept and kept["submitdate"].notna().any():
        dates = pd.to_datetime(kept["submitdate"], errors="coerce").dropna()
        if len(dates):
            d_from, d_to = dates.min().date(), dates.max().date()
    unit = an.instrument.design.unit
    units = int(kept[unit].nunique()) if unit and unit in kept else None
    quality = an.cleaned.summary.copy()
    flags = an.cleaned.flags["rule"].astype(str).value_counts()
    quality["flags"] = quality["rule"].map(flags).fillna(0).astype(int)
    rep = an.design.weighting_report()
    margins = [m for m in dict.fromkeys(rep["margin"].astype(str)) if m]
    return Fieldwork(returned=an.cleaned.n_in, valid=an.cleaned.n_kept, handed_out=handed_out,
                     date_from=d_from, date_to=d_to, units=units, quality=quality,
                     weighting_vars=[variable_name(an.instrument, m, lang).lower()
                                     for m in margins])


def profile_for_report(an: Analysis) -> pd.DataFrame:
    """The respondent profile: for each profile variable of the instrument (and the unit,
    channel and field of procedure), the valid questionnaires in each answer, unweighted
    (``n`` and ``share`` of the valid questionnaires; ``Không trả lời`` for the missing)."""
    inst, kept = an.instrument, an.cleaned.kept
    d = inst.design
    wanted = list(dict.fromkeys([*d.profile, d.service, d.channel]))
    parts = []
    total = len(kept)
    for var in wanted:
        if not var or var not in kept:
            continue
        codes = kept[var].astype("string")
        counts = codes.value_counts(dropna=False, sort=False)
        vi, en = code_labels(inst, var, "vi"), code_labels(inst, var, "en")
        vi.setdefault("-oth-", "Khác")  # LimeSurvey's code of the "other" answer
        en.setdefault("-oth-", "Other")
        order = [str(c) for c in vi] + sorted(str(c) for c in counts.index
                                              if not pd.isna(c) and str(c) not in vi)
        rows = [(c, int(counts.get(c, 0))) for c in order if int(counts.get(c, 0))]
        missing = int(codes.isna().sum())
        parts.append(pd.DataFrame({
            "variable": var, "variable_vi": variable_name(inst, var, "vi"),
            "variable_en": variable_name(inst, var, "en"),
            "category_vi": [vi.get(c, c) for c, _ in rows] + ([_NO_ANSWER[0]] if missing else []),
            "category_en": [en.get(c, vi.get(c, c)) for c, _ in rows]
            + ([_NO_ANSWER[1]] if missing else []),
            "n": [n for _, n in rows] + ([missing] if missing else []),
        }))
    if not parts:
        return pd.DataFrame(columns=["variable", "variable_vi", "variable_en", "category_vi",
                                     "category_en", "n", "share"])
    out = pd.concat(parts, ignore_index=True)
    out["share"] = out["n"] / total if total else np.nan
    return out


def league_for_report(an: Analysis) -> pd.DataFrame | None:
    """The units ranked on the index (:func:`~cchc_survey.compare.league_table`: tied where
    their difference is not significant, flagged estimates shown but not ranked), or None when
    fewer than two units have an interval. Units without an interval are added unranked; the
    column ``flagged`` marks every unit that is not ranked."""
    from .compare import league_table
    from .errors import CchcSurveyError

    unit = an.instrument.design.unit
    sc = an.default_scores
    top = an.instrument.methodology.components[0].id
    rows = sc[(sc["group_var"] == unit) & (sc["code"] == top)]
    has_ci = (rows["estimate"].notna() & rows["ci_low"].notna()
              & rows["ci_high"].notna()).to_numpy()
    if not unit or has_ci.sum() < 2:
        return None
    try:
        league = league_table(rows[has_ci], code=top, group_var=unit)
    except CchcSurveyError:
        return None
    rest = rows[~has_ci]
    extra = pd.DataFrame({"unit": rest["group_value"], "label_vi": rest["group_label_vi"],
                          "estimate": rest["estimate"], "ci_low": rest["ci_low"],
                          "ci_high": rest["ci_high"], "n": rest["n"], "rank_range": "",
                          "ranked": False})
    out = pd.concat([p for p in (league, extra) if len(p)], ignore_index=True)
    out["flagged"] = ~out["ranked"].astype(bool)
    out["label_en"] = out["unit"].map(dict(zip(rows["group_value"], rows["group_label_en"],
                                               strict=True))).fillna("")
    return out


def changes_for_report(an: Analysis) -> pd.DataFrame | None:
    """The change of the index and its elements from the previous wave to the last one
    (:func:`~cchc_survey.compare.change_between_waves`), or None with fewer than two waves."""
    from .compare import change_between_waves
    from .errors import CchcSurveyError

    sc = an.default_scores
    waves = sc.loc[sc["group_var"] == "wave", "group_value"]
    if waves.nunique() < 2:
        return None
    top = an.instrument.methodology.components[0]
    codes = [top.id, *(c.id for c in top.children)]
    try:
        ch = change_between_waves(sc[sc["code"].isin(codes)], wave_var="wave")
    except CchcSurveyError:
        return None
    last = ch[ch["wave_to"] == ch["wave_to"].max()]
    labels_en = sc.drop_duplicates("code").set_index("code")["label_en"]
    return last.assign(label_en=last["code"].map(labels_en).fillna("")).reset_index(drop=True)


def answers_for_report(an: Analysis) -> pd.DataFrame:
    """The weighted share of each answer of every item that mirrors a criterion, grouped by
    element, for the diverging Likert charts: ``element``, ``element_vi``, ``element_en``,
    ``item``, ``item_vi``, ``item_en`` (the criterion's label), ``answer`` (code, in scale order),
    ``answer_vi``, ``answer_en``, ``position``, ``neutral`` (the scale's middle answer of an odd
    ordered scale), ``share`` (percent of the valid answers; "don't know" and missing left out).

    ``share = 100 · Σ w_i [y_i = k] / Σ w_i [y_i valid]`` with the analysis weights ``w``; only
    elements whose items share one ordered scale of three to seven answers are given.
    """
    inst, data = an.instrument, an.design.data
    w = np.asarray(an.design.weights, dtype=float)
    rows = []
    for el in inst.components.values():
        crits = [c for c in el.children if not c.children]
        if not crits or len(crits) != len(el.children):
            continue
        items = [(c, it) for c in crits for it in inst.mirroring_items(c.id)[:1]
                 if it.id in data]
        scales = {it.scale for _, it in items}
        sc = inst.scales.get(next(iter(scales))) if len(scales) == 1 else None
        if sc is None or not sc.ordered or not 3 <= len(sc.codes) <= 7:
            continue
        codes = [str(c) for c in sc.codes]
        neutral = codes[len(codes) // 2] if len(codes) % 2 else None
        for crit, it in items:  # one vectorised pass per item column
            pos = data[it.id].astype("string").map({c: float(k) for k, c in enumerate(codes)}
                                                    ).to_numpy(dtype=float, na_value=np.nan)
            ok = ~np.isnan(pos)
            tot = float(w[ok].sum())
            if tot <= 0:
                continue
            share = np.bincount(pos[ok].astype(int), weights=w[ok], minlength=len(codes)) / tot
            for k, c in enumerate(codes):
                rows.append({"element": el.id, "element_vi": el.label.vi,
                             "element_en": el.label.en or el.label.vi, "item": it.id,
                             "item_vi": crit.label.vi, "item_en": crit.label.en or crit.label.vi,
                             "answer": c, "answer_vi": sc.label(sc.codes[k], "vi"),
                             "answer_en": sc.label(sc.codes[k], "en") or sc.label(sc.codes[k]),
                             "position": k, "neutral": c == neutral,
                             "share": 100.0 * float(share[k])})
    return pd.DataFrame(rows)


def mark_comparable(comparison: pd.DataFrame, scores: Mapping[str, pd.DataFrame]
                    ) -> pd.DataFrame:
    """Add ``verified`` to a report comparison (:func:`~cchc_survey.compare.for_report` shape):
    a row may carry a significance statement only when the survey estimate behind it rests on a
    verified method. ``scores`` maps the comparison's ``index`` values (``PAPI``, ``PAR``) to
    the score tables the survey side came from."""
    verified = []
    for idx, comp in zip(comparison["index"], comparison["component"], strict=True):
        sc = scores.get(str(idx))
        if sc is None:
            verified.append(False)
            continue
        hit = sc[(sc["group_var"] == "") & (sc["code"] == str(comp))]
        if hit.empty and str(comp) == "total":
            hit = sc[(sc["group_var"] == "") & (sc["level"] == "total")]
        verified.append(bool(len(hit)) and bool(hit["verified"].all()))
    return comparison.assign(verified=verified)


FREE_TEXT_TYPES = ("T", "S", "U", "Q")
"""LimeSurvey question types whose answer is free text (long, short, huge, multiple short)."""


def open_question(inst: Instrument) -> str | None:
    """The first free-text comment question of ``inst`` (``role: open``, a text question type,
    not the "other" box of a list), or None."""
    return next((it.id for it in inst.items if it.role == "open" and it.kind == "answer"
                 and it.type in FREE_TEXT_TYPES), None)


def report_inputs(analyses: Analysis | Mapping[str, Analysis], *, title: str = "",
                  organisation: str = "", comparison: pd.DataFrame | None = None,
                  handed_out: Mapping[str, int] | None = None, lang: str = "vi",
                  project: Project | None = None, **meta: Any) -> ReportInputs:
    """Everything the reports show, from one or several analyses (one per index, keyed by the
    name the report gives it): score tables (default variant), fieldwork and data quality,
    respondent profiles, units ranked, change since the last wave, the weighting of the first
    analysis, the comments of the first one that has an open question, the methodology sources.

    Every part that cannot be computed (one unit, one wave, no interval) is left out and the
    report says so in its place; it never stops the report.

    Args:
        analyses: ``{"SIPAS": analysis, ...}`` in the order of the report.
        title, organisation: the report's title and the reporting unit.
        comparison: the official comparison in the report's shape
            (:func:`~cchc_survey.compare.for_report`), or None.
        handed_out: questionnaires handed out per name, when known.
        lang: the language of the texts taken from the instrument (the comments' question, the
            weighting variables).
        meta: any other :class:`~cchc_survey.report.ReportInputs` field (``period``, ``place``,
            ``date``, ``parent_organisation``, ``doc_symbol``, ``unit_var``...).
        project: the analyst's project: the unit, period, superior body and place of its
            project file fill what is not given.

    One analysis alone is keyed by its index (``{"PAR": analysis}``); an empty title is the
    first instrument's.

    Example:
        >>> from cchc_survey import analyse, bundled_example, bundled_instrument, read_export
        >>> inst = bundled_instrument("par_survey")
        >>> an = analyse(read_export(bundled_example("par_survey"), inst).frame, inst)
        >>> inputs = report_inputs(an, organisation="Sở Nội vụ")
        >>> list(inputs.scores), inputs.organisation, inputs.fieldwork["PAR"].returned
        (['PAR'], 'Sở Nội vụ', 40)
    """
    if not isinstance(analyses, Mapping):
        analyses = {analyses.instrument.methodology.index: analyses}
    first = next(iter(analyses.values()))
    if project is not None:
        organisation = organisation or project.unit
        for key, value in (("period", project.period), ("parent_organisation", project.parent),
                           ("place", project.place)):
            if value and not meta.get(key):
                meta[key] = value
    title = title or first.instrument.title.get(lang)
    organisation = organisation or "Sở Nội vụ"
    league = {k: lg for k, an in analyses.items() if (lg := league_for_report(an)) is not None}
    changes = {k: ch for k, an in analyses.items() if (ch := changes_for_report(an)) is not None}
    texts, question = None, ""
    for an in analyses.values():
        q = open_question(an.instrument)
        if q is not None and q in an.design.data:
            texts, question = an.design.data[q], an.instrument.item(q).text.get(lang)
            break
    several = len(analyses) > 1  # then each flag says which questionnaire it is of
    flags = pd.concat([an.cleaned.flags[FLAG_COLUMNS].assign(instrument=an.instrument.id)
                       if several else an.cleaned.flags[FLAG_COLUMNS]
                       for an in analyses.values()], ignore_index=True)
    provs = [p for an in analyses.values() for p in provenance(an.instrument)]
    by_index: dict[str, pd.DataFrame] = {}
    for an in analyses.values():
        by_index.setdefault(an.instrument.methodology.index, an.default_scores)
    if comparison is not None and len(comparison) and "verified" not in comparison:
        comparison = mark_comparable(comparison, by_index)
    meta.setdefault("unit_var", first.instrument.design.unit or "donvi")
    meta.setdefault("wave_var", "wave")
    return ReportInputs(
        title=title, organisation=organisation,
        scores={k: an.default_scores for k, an in analyses.items()},
        comparison=comparison if comparison is not None and len(comparison) else None,
        checks=flags,
        weighting=weighting_for_report(first.design, first.instrument, lang=lang),
        free_texts=texts, free_text_question=question, provenance=provs,
        fieldwork={k: fieldwork_for_report(an, handed_out=(handed_out or {}).get(k), lang=lang)
                   for k, an in analyses.items()},
        profiles={k: profile_for_report(an) for k, an in analyses.items()},
        answers={k: a for k, an in analyses.items() if len(a := answers_for_report(an))},
        league=league, changes=changes, **meta)
