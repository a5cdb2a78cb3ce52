"""cchc_survey: survey toolkit for Vietnam's administrative-reform indices (SIPAS, PAPI, PAR Index).

The instrument file (``questionnaires/*.yaml``) is the single source of truth; everything else
reads it. Every stage's entry point is here, imported on first use (``import cchc_survey`` stays
cheap)::

    from cchc_survey import open_project, read_export, analyse, write_all

==============  ===========================================================================
project         :func:`init_project`, :func:`open_project`, :func:`find_project`, :class:`Project`
instrument      :func:`load_instrument`, :func:`load_all`, :func:`bundled_instrument`,
                :class:`Instrument`, :func:`build_lss`, :func:`write_lss`
LimeSurvey      :class:`LimeSurvey`, :func:`load_config`, :func:`deploy`, :func:`pull_responses`,
                :func:`fieldwork_status`, :func:`read_lss`
import          :func:`read_export`, :func:`import_export`, :func:`read_processed`,
                :func:`label_frame`, :func:`bundled_example`, :func:`codebook_from_instrument`
check, clean    :func:`run_checks`, :func:`clean`, :data:`RULES`
design, weight  :func:`design_from_tidy`, :class:`SurveyDesign`, :func:`read_margins`,
                :func:`example_margins`
estimate        :func:`proportion`, :func:`mean`, :func:`total`, :func:`ciprop`
score           :func:`score`, :func:`item_table`, :func:`coverage`
reliability     :func:`reliability_inputs`, :func:`alpha`, :func:`reliability_table`
whole chain     :func:`analyse`, :class:`Analysis`
compare         :func:`compare_official`, :func:`bundled_official`, :func:`match_province`,
                :func:`change_between_waves`, :func:`league_table`
report          :func:`report_inputs`, :class:`ReportInputs`, :func:`write_all`,
                :func:`bar_chart`, :func:`trend_chart`, :func:`gap_chart`
planning        :func:`sample_size`, :func:`allocate`
errors          :class:`CchcSurveyError`
==============  ===========================================================================
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CchcSurveyError

__version__ = "0.1.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The folder above the package: a clone's root (in an installed package: site-packages)."""
QUESTIONNAIRES = Path(__file__).resolve().parent / "questionnaires"
"""The bundled instruments (package data; ``questionnaires/`` of a clone links here)."""

_EXPORTS: dict[str, str] = {
    # project
    "Project": "project", "init_project": "project", "open_project": "project",
    "find_project": "project",
    # instrument
    "Instrument": "instrument", "load_instrument": "instrument", "load_all": "instrument",
    "bundled_instrument": "bundled", "build_lss": "limesurvey.lss", "write_lss": "limesurvey.lss",
    # LimeSurvey
    "LimeSurvey": "limesurvey.client", "load_config": "limesurvey.client",
    "deploy": "limesurvey.deploy", "pull_responses": "limesurvey.pull",
    "fieldwork_status": "limesurvey.status", "read_lss": "codebook",
    # import
    "read_export": "tidy", "label_frame": "tidy", "import_export": "processed",
    "read_processed": "processed", "bundled_example": "bundled", "example_margins": "bundled",
    "codebook_from_instrument": "codebook",
    # check and clean
    "run_checks": "checks", "clean": "checks", "RULES": "checks",
    # design, weight
    "SurveyDesign": "design", "design_from_tidy": "indices.score", "read_margins": "margins",
    # estimate, score, reliability
    "proportion": "estimate", "mean": "estimate", "total": "estimate", "ciprop": "estimate",
    "score": "indices.score", "item_table": "indices.score", "coverage": "indices.score",
    "alpha": "reliability", "reliability_table": "reliability",
    "reliability_inputs": "pipeline",
    # the chain
    "analyse": "pipeline", "Analysis": "pipeline",
    # compare
    "compare_official": "compare", "change_between_waves": "compare", "league_table": "compare",
    "bundled_official": "official", "match_province": "official",
    # report
    "ReportInputs": "report", "write_all": "report", "report_inputs": "assemble",
    "bar_chart": "report.charts", "trend_chart": "report.charts", "gap_chart": "report.charts",
    # planning
    "sample_size": "sampling", "allocate": "sampling",
}

if TYPE_CHECKING:
    from .assemble import report_inputs
    from .bundled import bundled_example, bundled_instrument, example_margins
    from .checks import RULES, clean, run_checks
    from .codebook import codebook_from_instrument, read_lss
    from .compare import change_between_waves, compare_official, league_table
    from .design import SurveyDesign
    from .estimate import ciprop, mean, proportion, total
    from .indices.score import coverage, design_from_tidy, item_table, score
    from .instrument import Instrument, load_all, load_instrument
    from .limesurvey.client import LimeSurvey, load_config
    from .limesurvey.deploy import deploy
    from .limesurvey.lss import build_lss, write_lss
    from .limesurvey.pull import pull_responses
    from .limesurvey.status import fieldwork_status
    from .margins import read_margins
    from .official import bundled_official, match_province
    from .pipeline import Analysis, analyse, reliability_inputs
    from .processed import import_export, read_processed
    from .project import Project, find_project, init_project, open_project
    from .reliability import alpha, reliability_table
    from .report import ReportInputs, write_all
    from .report.charts import bar_chart, gap_chart, trend_chart
    from .sampling import allocate, sample_size
    from .tidy import label_frame, read_export


def __getattr__(name: str) -> Any:
    """Import a stage's entry point on first use (PEP 562), so start-up pays for none of them."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cchc_survey' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = ["QUESTIONNAIRES", "REPO_ROOT", "CchcSurveyError", *_EXPORTS]
