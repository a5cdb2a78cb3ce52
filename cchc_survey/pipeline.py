"""The analysis chain for one instrument: tidy frame -> checks -> weights -> scores -> reliability.

Each stage is a module of its own; this one only strings them together the way an analyst does,
so the demo, the command line and the notebooks run the same chain:

``analyse(frame, inst, margins=...)`` returns an :class:`Analysis` with the cleaning result (flags,
exclusions, the books), the survey design (weighted and, when population margins are given,
raked from the design weights), every aggregation variant's score table overall and by unit and
wave, item scores, reliability per element or dimension, and the provenance of every method.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .checks import CleanResult, clean
from .design import SurveyDesign, WeightingError
from .errors import CchcSurveyError
from .indices.linear import score_matrix
from .indices.score import coverage, design_from_tidy, item_table, score
from .instrument.model import Instrument, Item
from .reliability import ReliabilityError, ReliabilityWarning, alpha
from .scoretable import concat


class AnalysisError(CchcSurveyError):
    """The chain cannot run on this frame at all (no questionnaire is left after the checks)."""


@dataclass(frozen=True)
class Note:
    """Something the chain could not do, said where its result would have been.

    Attributes:
        stage: ``weighting``, ``reliability``, ...
        vi, en: what was not done and why, in Vietnamese and English.
    """

    stage: str
    vi: str
    en: str

    def text(self, lang: str = "vi") -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Analysis:
    """Everything computed for one instrument (see :func:`analyse`).

    ``notes`` says what could not be computed (raking to margins with a cell that has no
    respondent, the reliability of a scale with too few questionnaires): the rest is computed
    all the same, and the note stands in the place of the missing result.
    """

    instrument: Instrument
    cleaned: CleanResult
    design: SurveyDesign
    scores: pd.DataFrame
    items: pd.DataFrame
    reliability: pd.DataFrame
    reliability_items: pd.DataFrame
    reliability_warnings: tuple[str, ...]
    weighting: pd.DataFrame
    notes: tuple[Note, ...] = ()

    @property
    def default_scores(self) -> pd.DataFrame:
        """The rows of the instrument's default aggregation variant."""
        default = self.instrument.methodology.aggregation.default
        return self.scores[self.scores["variant"] == default].reset_index(drop=True)


def domains(inst: Instrument, frame: pd.DataFrame) -> list[str | None]:
    """The domains every table is broken down by: whole sample, unit, wave (when present)."""
    out: list[str | None] = [None]
    if inst.design.unit and inst.design.unit in frame.columns:
        out.append(inst.design.unit)
    if "wave" in frame.columns:
        out.append("wave")
    return out


def reliability_scales(inst: Instrument) -> dict[str, list[Item]]:
    """Items per element/dimension: each component whose children are all leaves is one scale.

    Items behind a filter (asked of a subgroup only) are left out of a scale that also holds
    unfiltered items: pairs never answered together have no covariance. A scale made only of
    items behind the same filter (SIPAS feedback handling) is kept.
    """
    out: dict[str, list[Item]] = {}
    for c in inst.components.values():
        if c.children and all(not ch.children for ch in c.children):
            items: list[Item] = []
            for ch in c.children:
                items += [it for it in inst.mirroring_items(ch.id) if it not in items]
            filters = {tuple((f.question, tuple(map(str, f.in_))) for f in it.filter)
                       for it in items}
            if len(filters) > 1:
                items = [it for it in items if not it.filter]
            if len(items) >= 2:
                out[c.id] = items
    return out


class ReliabilityTables(NamedTuple):
    """One summary row per scale (``note_vi``/``note_en`` say why a scale could not be computed)
    and one row per item of every computed scale."""

    summary: pd.DataFrame
    items: pd.DataFrame


def reliability_tables(scales: Mapping[str, pd.DataFrame], *, weights: np.ndarray | None = None
                       ) -> ReliabilityTables:
    """:func:`~cchc_survey.reliability.reliability_table` and ``item_table`` of ``scales``.

    One :func:`~cchc_survey.reliability.alpha` per scale gives both (the item rows do not depend
    on the weights or on omega), instead of one call for each table. A scale that cannot be
    computed (too few questionnaires, fewer than 2 items with variance) gets a summary row with
    the reason instead of stopping the others.
    """
    if not scales:
        return ReliabilityTables(pd.DataFrame(), pd.DataFrame())
    summaries: list[dict[str, object]] = []
    items: list[pd.DataFrame] = []
    for k, v in scales.items():
        try:
            # a handful of questionnaires can make a ratio 0/0 or x/0 (e.g. two items that agree
            # perfectly): the statistic is then NaN or inf in its place, not a warning
            with np.errstate(divide="ignore", invalid="ignore"):
                res = alpha(v, scale=str(k), weights=weights)
        except (ReliabilityError, np.linalg.LinAlgError) as exc:
            # too few questionnaires or items with variance: the scale's row says why
            vi, en = _not_computed(exc, v)
            summaries.append({"scale": str(k), "k": v.shape[1],
                              "n": int(v.notna().any(axis=1).sum()), "note_vi": vi, "note_en": en})
            continue
        summaries.append({**res.summary, "note_vi": "", "note_en": ""})
        items.append(res.items)
    return ReliabilityTables(pd.DataFrame(summaries),
                             pd.concat(items, ignore_index=True) if items else pd.DataFrame())


def _not_computed(exc: Exception, x: pd.DataFrame) -> tuple[str, str]:
    """The note (Vietnamese, English) in place of a reliability that cannot be computed."""
    n = int(x.notna().any(axis=1).sum())
    return (f"Không tính được độ tin cậy: cần ít nhất 3 phiếu có trả lời và 2 câu hỏi có trả lời "
            f"khác nhau (có {n} phiếu).",
            f"Reliability not computed: it needs at least 3 answered questionnaires and 2 items "
            f"whose answers differ ({n} questionnaires; {exc}).")


def reliability_inputs(inst: Instrument, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One numeric frame per scale of :func:`reliability_scales`, ready for the reliability
    functions: the answer codes when the items share one ordered numeric scale, else their
    respondent scores (mixed yes/no and Likert items)."""
    return {cid: _scale_frame(inst, frame, its) for cid, its in reliability_scales(inst).items()}


def _scale_frame(inst: Instrument, frame: pd.DataFrame, items: list[Item]) -> pd.DataFrame:
    """Numeric codes when the items share one ordered numeric scale, else their scores.

    The codes are written column by column into one float matrix (NaN = missing; non-numeric
    columns through ``pd.to_numeric(errors="coerce")``), so the frame is a single block and
    the reliability functions read it without a copy.
    """
    scales = {it.scale for it in items}
    sc = inst.scales.get(next(iter(scales))) if len(scales) == 1 else None
    ids = [it.id for it in items]
    if sc is not None and sc.ordered and all(isinstance(c, int) for c in sc.codes):
        out = np.empty((len(frame), len(ids)), order="F")
        for j, col in enumerate(ids):  # loop over the scale's items, each column vectorised
            s = frame[col]
            if not pd.api.types.is_numeric_dtype(s.dtype):
                s = pd.to_numeric(s, errors="coerce")
            out[:, j] = s.to_numpy(dtype=float, na_value=np.nan)
        return pd.DataFrame(out, columns=ids, index=frame.index, copy=False)
    return pd.DataFrame(score_matrix(frame, inst, tuple(ids)), columns=ids, index=frame.index)


def analyse(frame: pd.DataFrame, inst: Instrument, *,
            margins: Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame] | None = None,
            weighted: bool = True, by: Sequence[str | None] | None = None,
            exclude: list[str] | None = None, rake_maxit: int = 50) -> Analysis:
    """Run the chain on a tidy frame (see the module docstring).

    Args:
        frame: the tidy frame of :func:`cchc_survey.tidy.read_export`.
        inst: its instrument.
        margins: population margins to rake to (R's ``population=`` shape: variable columns +
            ``Freq``), starting from the design weights. None: design weights only.
        weighted: False for unweighted shares (every weight 1, SRS standard errors).
        by: domain variables (default: whole sample, unit, wave).
        exclude: override the instrument's excluding rules.
    """
    cleaned = clean(frame, inst, exclude=exclude)
    if cleaned.n_kept == 0:
        summ = cleaned.summary
        why = ", ".join(f"{r}: {k}" for r, k in zip(summ["rule"], summ["rows_excluded"], strict=True)
                        if k)
        raise AnalysisError(
            f"no questionnaire is left to analyse: {cleaned.n_in} read, all excluded by the checks"
            f" ({why or 'none read'}). Fix: export the complete responses too, or change the "
            "instrument's checks.exclude if those questionnaires should count.")
    notes: list[Note] = []
    design = design_from_tidy(cleaned.kept, inst, weighted=weighted)
    if margins is not None and weighted:
        try:
            design = design.rake(margins, maxit=rake_maxit, epsilon=1e-9)
        except WeightingError as exc:
            notes.append(Note(
                "weighting",
                f"Không gia quyền được theo cơ cấu tổng thể ({exc}); kết quả dùng trọng số thiết "
                "kế, chưa điều chỉnh theo tổng thể.",
                f"Weights not adjusted to the population margins ({exc}); the results use the "
                "design weights."))
    doms = list(by) if by is not None else domains(inst, design.data)
    variants = [v.id for v in inst.methodology.aggregation.variants]
    scores = concat(score(design, inst, variant=v, by=doms) for v in variants)
    items = item_table(design, inst, by=doms)
    rel_input = reliability_inputs(inst, design.data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReliabilityWarning)
        rel, rel_items = reliability_tables(rel_input, weights=design.weights)
    messages = tuple(dict.fromkeys(str(w.message) for w in caught
                                   if issubclass(w.category, ReliabilityWarning)))
    if "note_vi" in rel.columns:
        notes += [Note("reliability", f"Thang {sc}: {vi}", f"Scale {sc}: {en}")
                  for sc, vi, en in zip(rel["scale"], rel["note_vi"], rel["note_en"], strict=True)
                  if isinstance(vi, str) and vi]
    return Analysis(instrument=inst, cleaned=cleaned, design=design, scores=scores, items=items,
                    reliability=rel, reliability_items=rel_items, reliability_warnings=messages,
                    weighting=design.weighting_report(), notes=tuple(notes))


def check_aggregation(inst: Instrument) -> pd.DataFrame:
    """The linear form of every aggregation variant (:func:`~cchc_survey.indices.score.coverage`
    of each), one table."""
    return pd.concat([coverage(inst, v.id) for v in inst.methodology.aggregation.variants],
                     ignore_index=True)


_MOVED = ("ROLE_NAMES", "variable_name", "code_labels", "weighting_for_report", "provenance",
          "fieldwork_for_report", "profile_for_report", "league_for_report", "changes_for_report",
          "answers_for_report", "mark_comparable", "open_question", "report_inputs")


def __getattr__(name: str) -> object:
    """The functions that build report objects live in :mod:`cchc_survey.assemble` (this module
    computes); their old import path from here still works."""
    if name in _MOVED:
        from . import assemble

        return getattr(assemble, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
