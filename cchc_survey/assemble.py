"""From computed results to what a report shows: the one place that turns an
:class:`~cchc_survey.pipeline.Analysis` into :class:`~cchc_survey.report.ReportInputs`.

The chain (:mod:`cchc_survey.pipeline`) computes and builds no report object; the report package
renders and computes nothing. The command line (``cchc-survey report``), the demo and the
notebooks all assemble their reports here, so they show the same things.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from .report.inputs import Provenance, WeightingReport

if TYPE_CHECKING:
    from .design import SurveyDesign
    from .instrument.model import Instrument
    from .pipeline import Analysis
    from .project import Project
    from .report import ReportInputs


def report_inputs(analyses: Analysis | Mapping[str, Analysis], *, title: str = "",
                  organisation: str = "", period: str = "", parent: str = "", place: str = "",
                  date: dt.date | None = None, doc_symbol: str = "BC",
                  comparison: pd.DataFrame | None = None, project: Project | None = None,
                  free_text: str | None = None) -> ReportInputs:
    """The report of one analysis, or of several (one section per index, keyed by its name).

    Args:
        analyses: an :class:`~cchc_survey.pipeline.Analysis`, or ``{section name: analysis}``.
        title: the report's title (default: the first instrument's Vietnamese title).
        organisation, period, parent, place: the reporting unit, the period, its superior
            body and the dateline's place; empty ones are taken from ``project``.
        comparison: the official comparison (:func:`cchc_survey.compare_official`), if any.
        free_text: the item id of the free-text question to quote (of the first analysis).

    Example:
        >>> from cchc_survey import analyse, bundled_example, bundled_instrument, read_export
        >>> inst = bundled_instrument("par_survey")
        >>> an = analyse(read_export(bundled_example("par_survey"), inst).frame, inst)
        >>> inputs = report_inputs(an, organisation="Sở Nội vụ")
        >>> list(inputs.scores), inputs.organisation
        (['PAR'], 'Sở Nội vụ')
    """
    from .checks import FLAG_COLUMNS
    from .report import ReportInputs

    named: dict[str, Analysis] = (dict(analyses) if isinstance(analyses, Mapping)
                                  else {analyses.instrument.methodology.index: analyses})
    first = next(iter(named.values()))
    inst = first.instrument
    flags = pd.concat([a.cleaned.flags.assign(instrument=a.instrument.id) for a in named.values()],
                      ignore_index=True)
    provs: Sequence = [p for a in named.values() for p in provenance(a.instrument)]
    texts = None
    if free_text is not None and free_text in first.design.data:
        texts = first.design.data[free_text].dropna()
    return ReportInputs(
        title=title or inst.title.vi,
        organisation=organisation or (project.unit if project else "") or "Sở Nội vụ",
        period=period or (project.period if project else ""),
        parent_organisation=parent or (project.parent if project else ""),
        place=place or (project.place if project else ""),
        date=date or dt.date.today(), doc_symbol=doc_symbol,
        scores={k: a.default_scores for k, a in named.items()},
        comparison=comparison, checks=flags[FLAG_COLUMNS],
        weighting=weighting_for_report(first.design), provenance=provs,
        free_texts=texts,
        free_text_question=inst.item(free_text).text.vi if texts is not None and free_text else "",
        unit_var=inst.design.unit or "donvi", wave_var="wave")


def weighting_for_report(design: SurveyDesign) -> WeightingReport:
    """The design's weighting report in the report package's shape (shares 0..1)."""
    rep = design.weighting_report()
    last = rep[rep["step"] == rep["step"].max()]
    tab = last.loc[last["margin"] != "", ["margin", "cell", "target", "achieved"]].copy()
    if len(tab):
        tot = tab.groupby("margin")["target"].transform("sum")
        tab["target"] = tab["target"] / tot
        tab["achieved"] = tab["achieved"] / tot
    first = last.iloc[0] if len(last) else rep.iloc[0]
    return WeightingReport(table=tab.reset_index(drop=True), summary={
        "iterations": int(first["iterations"]), "converged": bool(first["converged"]),
        "min_weight": float(first["w_min"]), "max_weight": float(first["w_max"]),
        "cv_weight": float(first["w_cv"]), "deff_kish": float(first["kish_deff"]),
        "n_eff": float(first["n_eff"])})


def provenance(inst: Instrument) -> list[Provenance]:
    """Every methodology element of ``inst`` with its source and verified flag."""
    m = inst.methodology
    out = [Provenance(what_vi=f"Phương pháp: {m.name.vi}", what_en=f"Method: {m.name.en}",
                      source=m.source.strip(), verified=m.verified, url=m.source_url)]
    for name, sc in inst.spec.scales.items():
        if sc.satisfied is not None:
            codes = ", ".join(str(c) for c in sc.satisfied.codes)
            out.append(Provenance(what_vi=f"Thang {name}: mức được tính là hài lòng {codes}",
                                  what_en=f"Scale {name}: codes counted as satisfied {codes}",
                                  source=sc.satisfied.source.strip(),
                                  verified=sc.satisfied.verified, url=sc.satisfied.source_url))
    for name, sf in m.scores.items():
        out.append(Provenance(what_vi=f"Cách tính điểm '{name}' ({sf.method})",
                              what_en=f"Score '{name}' ({sf.method})", source=sf.source.strip(),
                              verified=sf.verified, url=sf.source_url))
    for v in m.aggregation.variants:
        out.append(Provenance(what_vi=f"Tổng hợp '{v.id}': {v.label.vi}",
                              what_en=f"Aggregation '{v.id}': {v.label.en}",
                              source=v.source.strip(), verified=v.verified, url=v.source_url))
    for name, c in m.constants.items():
        out.append(Provenance(what_vi=f"Hằng số {name} = {c.value}",
                              what_en=f"Constant {name} = {c.value}", source=c.source.strip(),
                              verified=c.verified, url=c.source_url))
    return out
