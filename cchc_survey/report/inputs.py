"""What a report is made of: the tables the computing side produced, passed in explicitly.

The report package reads these tables; it computes no statistics. :class:`ReportInputs` checks
each table's shape once, NFC-normalises its text, and every writer (Excel, CSV, charts, HTML, Word)
reads the same object.

Shapes
------
score tables
    :mod:`cchc_survey.scoretable` shape, one table per index (``{"SIPAS": table, ...}``).
comparison
    one row per official component: ``component``, ``label_vi``, ``survey_estimate``,
    ``survey_ci_low``, ``survey_ci_high``, ``official``, ``difference``, ``diff_ci_low``,
    ``diff_ci_high``, ``significant``; optional ``label_en``, ``index``, ``province``, ``year``,
    ``unit``, ``official_source``, ``verified``, ``note_vi``, ``note_en``.
checks
    the audit of the validation rules: ``rule``, ``row``, ``column``, ``value``, ``severity``;
    optional ``message``.
weighting
    :class:`WeightingReport`: a table (``margin``, ``cell``, ``target``, ``achieved``) plus a
    summary (``iterations``, ``converged``, ``min_weight``, ``max_weight``, ``cv_weight``,
    ``deff_kish``, ``n_eff``).
codebook
    one row per column x answer code; any columns, typically ``column``, ``question_vi``, ``code``,
    ``label_vi``, ``label_en``.
free texts
    a Series of answers, one per respondent (empty answers are dropped for display).
fieldwork
    :class:`Fieldwork` per index: questionnaires returned and valid, the period, the units and
    the data-quality table (questionnaires flagged and excluded by rule).
profiles
    per index, the respondent profile: ``variable``, ``variable_vi``, ``variable_en``,
    ``category_vi``, ``category_en``, ``n``, ``share`` (0..1 of the valid questionnaires).
league
    per index, the units ranked (:func:`cchc_survey.compare.league_table` shape: ``unit``,
    ``label_vi``, ``estimate``, ``ci_low``, ``ci_high``, ``n``, ``rank_range``; optional
    ``flagged``).
answers
    per index, the share of each answer per criterion item and element (``element``,
    ``element_vi``, ``item``, ``item_vi``, ``answer``, ``answer_vi``, ``position``, ``neutral``,
    ``share`` in percent; optional ``*_en``).
changes
    per index, the change from the previous wave (:func:`cchc_survey.compare.change_between_waves`
    shape, the last pair of waves).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import CchcSurveyError
from ..scoretable import COLUMNS as SCORE_COLUMNS
from ..scoretable import score_table
from ..text import nfc, nfc_series

COMPARISON_REQUIRED: tuple[str, ...] = (
    "component", "label_vi", "survey_estimate", "survey_ci_low", "survey_ci_high", "official",
    "difference", "diff_ci_low", "diff_ci_high", "significant",
)
COMPARISON_OPTIONAL: tuple[str, ...] = (
    "label_en", "index", "province", "year", "unit", "official_source", "verified", "note_vi",
    "note_en",
)
CHECKS_REQUIRED: tuple[str, ...] = ("rule", "row", "column", "value", "severity")
WEIGHTING_REQUIRED: tuple[str, ...] = ("margin", "cell", "target", "achieved")
QUALITY_REQUIRED: tuple[str, ...] = ("rule", "severity", "rows_flagged", "excludes",
                                     "rows_excluded")
PROFILE_REQUIRED: tuple[str, ...] = ("variable", "variable_vi", "category_vi", "n", "share")
LEAGUE_REQUIRED: tuple[str, ...] = ("unit", "label_vi", "estimate", "ci_low", "ci_high", "n")
CHANGES_REQUIRED: tuple[str, ...] = ("code", "label_vi", "wave_from", "wave_to", "estimate_from",
                                     "estimate_to", "change", "ci_low", "ci_high", "significant")
ANSWERS_REQUIRED: tuple[str, ...] = ("element", "element_vi", "item", "item_vi", "answer",
                                     "answer_vi", "position", "neutral", "share")
WEIGHTING_SUMMARY_KEYS: tuple[str, ...] = (
    "iterations", "converged", "min_weight", "max_weight", "cv_weight", "deff_kish", "n_eff",
)


class ReportInputError(CchcSurveyError):
    """A table handed to the report writers does not have the expected shape."""


def _require(df: pd.DataFrame, required: Sequence[str], what: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ReportInputError(
            f"report input '{what}': missing column(s) {missing}; it has {list(df.columns)}. "
            f"Fix: build '{what}' with the columns {list(required)} (see "
            "cchc_survey.report.inputs for the shapes).")


def _nfc_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            s = out[c]
            try:
                normalised = s.str.normalize("NFC")
            except AttributeError:  # an object column without any string
                continue
            out[c] = normalised.where(normalised.notna(), s)
    return out


@dataclass(frozen=True)
class WeightingReport:
    """The weighting step's report: achieved vs target margins and a summary of the weights.

    Attributes:
        table: one row per margin cell: ``margin``, ``cell``, ``target``, ``achieved``
            (proportions, 0..1).
        summary: ``iterations``, ``converged``, ``min_weight``, ``max_weight``, ``cv_weight``,
            ``deff_kish``, ``n_eff`` (missing keys are shown as blank).
    """

    table: pd.DataFrame
    summary: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require(self.table, WEIGHTING_REQUIRED, "weighting.table")
        unknown = [k for k in self.summary if k not in WEIGHTING_SUMMARY_KEYS]
        if unknown:
            raise ReportInputError(
                f"report input 'weighting.summary': unknown key(s) {unknown}. "
                f"Fix: use only {list(WEIGHTING_SUMMARY_KEYS)}.")
        object.__setattr__(self, "table", _nfc_frame(self.table))


@dataclass(frozen=True)
class Fieldwork:
    """How one survey was fielded, in the numbers a report states.

    Attributes:
        returned: questionnaires received (rows of the export).
        valid: questionnaires kept for analysis (``returned`` minus the excluded ones).
        handed_out: questionnaires handed out or invitations sent, when known (else None).
        date_from, date_to: the first and last submission dates, when known.
        units: the number of units surveyed, when known.
        quality: per check rule: ``rule``, ``severity``, ``rows_flagged`` (questionnaires),
            ``excludes``, ``rows_excluded``; optional ``flags`` (flags raised, a questionnaire
            may carry several) and ``reason_vi``. None when no checks ran.
        weighting_vars: the variables the weights were adjusted to, in words
            (``["đơn vị", "đối tượng"]``); empty when the sample was not weighted to margins.
    """

    returned: int
    valid: int
    handed_out: int | None = None
    date_from: _dt.date | None = None
    date_to: _dt.date | None = None
    units: int | None = None
    quality: pd.DataFrame | None = None
    weighting_vars: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.valid > self.returned:
            raise ReportInputError(
                f"report input 'fieldwork': {self.valid} valid questionnaires out of "
                f"{self.returned} returned. Fix: valid is returned minus the excluded ones.")
        if self.quality is not None:
            _require(self.quality, QUALITY_REQUIRED, "fieldwork.quality")
        object.__setattr__(self, "weighting_vars", tuple(nfc(v) for v in self.weighting_vars))


@dataclass(frozen=True)
class Provenance:
    """Where one methodological element comes from, and whether it was checked.

    Attributes:
        what_vi: the element, in Vietnamese (``Ngưỡng "hài lòng": mức 4 và 5``).
        source: the document it rests on (decision number, report table).
        verified: whether it was checked against the official text.
        url: the document's address, shown as plain text (never a live link).
        what_en: the element in English (falls back to ``what_vi``).
    """

    what_vi: str
    source: str
    verified: bool
    url: str = ""
    what_en: str = ""

    def __post_init__(self) -> None:
        for name in ("what_vi", "source", "url", "what_en"):
            object.__setattr__(self, name, nfc(getattr(self, name)))

    def what(self, lang: str) -> str:
        return self.what_en if lang == "en" and self.what_en else self.what_vi


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report shows. Only ``title``, ``organisation`` and ``scores`` are required.

    Attributes:
        title: the survey's title (``Khảo sát mức độ hài lòng ... năm 2024``).
        organisation: the reporting unit (``Sở Nội vụ tỉnh Quảng Ninh``).
        scores: one score table per index, keyed by the index name shown as a section title.
        period: the period covered (``Quý I/2024``).
        parent_organisation: the unit's superior body for the Word header (``UBND TỈNH ...``).
        place: the place for the Word dateline (``Quảng Ninh``).
        date: the report date (default: today).
        doc_symbol: the document symbol after the number (``BC-SNV``).
        comparison: survey vs official components (see module docstring), or None.
        checks: the checks/audit table, or None.
        weighting: the weighting report, or None.
        codebook: the codebook frame, or None.
        free_texts: free-text answers (one per respondent, blank ones included: they are
            counted), or None. Kept without the blank ones; ``free_texts_blank`` counts those.
        free_text_question: the question the free texts answer.
        provenance: the methodological elements and their sources.
        fieldwork: per index (keys of ``scores``), how the survey was fielded.
        profiles: per index, the respondent profile table.
        league: per index, the units ranked on the index.
        changes: per index, the change of each component since the previous wave.
        answers: per index, the share of each answer of the criteria's items, by element
            (:func:`cchc_survey.pipeline.answers_for_report`), for the diverging Likert charts.
        unit_var: the ``group_var`` whose groups are organisational units (for the heatmap).
        wave_var: the ``group_var`` whose groups are survey waves (for trend charts).
        answer_var: the ``group_var`` whose groups are answer codes (for Likert bars).
    """

    title: str
    organisation: str
    scores: Mapping[str, pd.DataFrame]
    period: str = ""
    parent_organisation: str = ""
    place: str = ""
    date: _dt.date = field(default_factory=_dt.date.today)
    doc_symbol: str = "BC"
    comparison: pd.DataFrame | None = None
    checks: pd.DataFrame | None = None
    weighting: WeightingReport | None = None
    codebook: pd.DataFrame | None = None
    free_texts: pd.Series | None = None
    free_text_question: str = ""
    provenance: Sequence[Provenance] = ()
    fieldwork: Mapping[str, Fieldwork] = field(default_factory=dict)
    profiles: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    league: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    changes: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    answers: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    free_texts_blank: int = field(default=0, init=False)
    unit_var: str = "donvi"
    wave_var: str = "wave"
    answer_var: str = "answer"

    def __post_init__(self) -> None:
        for name in ("title", "organisation", "period", "parent_organisation", "place",
                     "doc_symbol", "free_text_question"):
            object.__setattr__(self, name, nfc(getattr(self, name)))
        if not self.scores:
            raise ReportInputError(
                "report input 'scores' is empty. Fix: pass at least one score table, "
                "e.g. scores={'SIPAS': table}.")
        checked: dict[str, pd.DataFrame] = {}
        for name, table in self.scores.items():
            if not isinstance(table, pd.DataFrame):
                raise ReportInputError(
                    f"report input scores[{name!r}] is a {type(table).__name__}, not a DataFrame."
                    " Fix: pass a score table from cchc_survey.scoretable.score_table().")
            extra = [c for c in table.columns if c not in SCORE_COLUMNS]
            if extra:
                raise ReportInputError(
                    f"report input scores[{name!r}]: columns {extra} are not in the score-table "
                    "shape. Fix: build it with cchc_survey.scoretable.score_table().")
            checked[nfc(str(name))] = _nfc_frame(score_table(table))
        object.__setattr__(self, "scores", checked)
        if self.comparison is not None:
            _require(self.comparison, COMPARISON_REQUIRED, "comparison")
            object.__setattr__(self, "comparison", _nfc_frame(self.comparison))
        if self.checks is not None:
            _require(self.checks, CHECKS_REQUIRED, "checks")
            object.__setattr__(self, "checks", _nfc_frame(self.checks))
        if self.codebook is not None:
            object.__setattr__(self, "codebook", _nfc_frame(self.codebook))
        for what, required in (("profiles", PROFILE_REQUIRED), ("league", LEAGUE_REQUIRED),
                               ("changes", CHANGES_REQUIRED), ("answers", ANSWERS_REQUIRED)):
            tables: Mapping[str, pd.DataFrame] = getattr(self, what)
            for key, frame in tables.items():
                _require(frame, required, f"{what}[{key!r}]")
            object.__setattr__(self, what, {nfc(str(k)): _nfc_frame(v) for k, v in tables.items()})
        object.__setattr__(self, "fieldwork", {nfc(str(k)): v for k, v in self.fieldwork.items()})
        if self.free_texts is not None:
            s = pd.Series(self.free_texts)
            n = len(s)
            s = s[s.notna()].astype(str)
            s = nfc_series(s)
            s = s[s.str.strip() != ""]
            object.__setattr__(self, "free_texts", s.reset_index(drop=True))
            object.__setattr__(self, "free_texts_blank", n - len(s))

    def any_unverified(self) -> bool:
        """True when any number shown rests on a method not checked against the official text."""
        in_scores = any((~t["verified"]).any() for t in self.scores.values())
        in_prov = any(not p.verified for p in self.provenance)
        return bool(in_scores or in_prov)
