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

if TYPE_CHECKING:
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
    from .pipeline import provenance, weighting_for_report
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
