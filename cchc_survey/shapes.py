"""Every table the stages hand each other, declared once: its columns, their types, their meaning.

========================  =======================================================================
:data:`SCORE`             the score table: every estimate at every level (:mod:`.scoretable`)
:data:`FAILURES`          values an export reader could not type (``read_export(...).failures``)
:data:`FLAGS`             what the data-quality rules found (``run_checks``, ``clean(...).flags``)
:data:`EXCLUSIONS`        the questionnaires left out, with the rules and the reason
:data:`CHECK_SUMMARY`     per rule: questionnaires flagged and excluded (``clean(...).summary``)
:data:`PROBLEMS`          problems found in an input file (an instrument, a margin file)
:data:`COMPARISON`        survey estimates against the official published values
:data:`WEIGHTING_REPORT`  each weighting step: weights, margins reached, design effect
========================  =======================================================================

The three failure tables (:data:`FAILURES`, :data:`FLAGS`, :data:`PROBLEMS`) are built by one
constructor, :func:`failure_table`, so their columns come in one order with one set of types
whatever the stage, and an empty table has the same columns and types as a full one.

Types are pandas dtype names; ``None`` keeps the type of the data given (``value`` holds what the
export held; ``response_id`` is typed like the frame's response id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import CchcSurveyError, Problem
from .scoretable import BOOL_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS
from .scoretable import COLUMNS as _SCORE_COLUMNS


class ShapeError(CchcSurveyError):
    """A table does not have the columns its shape declares."""


@dataclass(frozen=True)
class Column:
    """One column of a shape: its name, pandas dtype (None: as given) and meaning."""

    name: str
    dtype: str | None
    doc: str


@dataclass(frozen=True)
class Shape:
    """The declared shape of one table."""

    name: str
    columns: tuple[Column, ...]
    doc: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def dtypes(self) -> dict[str, str | None]:
        return {c.name: c.dtype for c in self.columns}

    def check(self, df: pd.DataFrame, *, what: str = "") -> None:
        """Raise :class:`ShapeError` when ``df``'s columns are not this shape's, in order."""
        if list(df.columns) != self.names:
            missing = [c for c in self.names if c not in df.columns]
            extra = [c for c in df.columns if c not in self.names]
            raise ShapeError(f"{what or self.name}: columns {list(df.columns)} are not the "
                             f"{self.name} shape {self.names} (missing {missing}, extra {extra}). "
                             "Fix: build it with cchc_survey.shapes.failure_table or the stage "
                             "that makes it.")


def _cols(*spec: tuple[str, str | None, str]) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in spec)


def _score_dtype(name: str) -> str:
    if name in FLOAT_COLUMNS:
        return "float64"
    if name in INT_COLUMNS:
        return "Int64"
    if name in BOOL_COLUMNS:
        return "bool"
    return "str"


SCORE = Shape("score table", tuple(Column(c, _score_dtype(c), "see cchc_survey.scoretable")
                                   for c in _SCORE_COLUMNS),
              "One row per estimate: index, level, code, labels, group, estimate, SE, CI, n, "
              "effective n, design effect, method, source, verified, notes.")

FAILURES = Shape("import failures", _cols(
    ("column", "string", "the export column"),
    ("check", "string", "what failed: type, code, date_format, known_column, ..."),
    ("value", None, "the value as the export held it"),
    ("row", None, "the row of the export (0-based data row)"),
    ("severity", "string", "error or warning"),
    ("message", "string", "what is wrong and what to do"),
), "One row per value an export reader could not type, or column it could not place.")

FLAGS = Shape("check flags", _cols(
    ("rule", "str", "the rule's name (see cchc_survey.checks.RULES)"),
    ("row", "int64", "0-based position of the questionnaire in the tidy frame"),
    ("response_id", None, "LimeSurvey's response id of the questionnaire"),
    ("column", "str", "the column (item id, question code) the flag is about; '' for the row"),
    ("value", "str", "the flagged value as text"),
    ("severity", "str", "error, warning or info, from the rule"),
), "One row per flag: a questionnaire may carry several flags of several rules.")

EXCLUSIONS = Shape("exclusions", _cols(
    ("row", "int64", "0-based position of the questionnaire in the tidy frame"),
    ("response_id", None, "LimeSurvey's response id"),
    ("rules", "str", "the excluding rules that flagged it, comma-separated"),
    ("reason_vi", "str", "the reasons in Vietnamese, '; '-separated"),
), "One row per questionnaire left out of the analysis.")

CHECK_SUMMARY = Shape("check summary", _cols(
    ("rule", "str", "the rule's name"),
    ("severity", "str", "error, warning or info"),
    ("reason_vi", "str", "the rule's reason in Vietnamese"),
    ("reason_en", "str", "the rule's reason in English"),
    ("rows_flagged", "int64", "questionnaires (phiếu) with at least one flag of the rule"),
    ("flags", "int64", "flags of the rule (a questionnaire may have several)"),
    ("excludes", "bool", "whether the rule excludes (the instrument's checks.exclude)"),
    ("rows_excluded", "int64", "questionnaires excluded by the rule"),
), "One row per rule: questionnaires first, flags as detail.")

PROBLEMS = Shape("input problems", _cols(
    ("file", "str", "the file"),
    ("line", "Int64", "1-based line when known"),
    ("where", "str", "where in the file: YAML path, row and column, option"),
    ("message", "str", "what is wrong"),
    ("fix", "str", "what to do"),
    ("severity", "str", "error or warning"),
), "One row per problem found in an input file.")

COMPARISON = Shape("official comparison", _cols(
    ("index", "str", "PAPI, SIPAS, PAR"), ("component", "str", "official component"),
    ("code", "str", "survey component code"), ("label_vi", "str", ""), ("label_en", "str", ""),
    ("year", "int64", "official year"), ("survey_province", "str", ""),
    ("survey_group", "str", ""), ("estimate", "float64", "survey estimate"),
    ("se", "float64", ""), ("ci_low", "float64", ""), ("ci_high", "float64", ""),
    ("ci_level", "float64", ""), ("df", "float64", ""),
    ("counterpart_note", "str", "how loosely the survey component matches the official one"),
    ("counterpart_note_vi", "str", ""), ("role", "str", ""),
    ("official_province", "str", ""), ("official_value", "float64", ""),
    ("official_se", "float64", ""), ("official_source_url", "str", ""),
    ("official_note", "str", ""), ("aggregate_method", "str", ""),
    ("difference", "float64", "survey - official"), ("difference_se", "float64", ""),
    ("difference_ci_low", "float64", ""), ("difference_ci_high", "float64", ""),
    ("significant", "boolean", ""), ("difference_method", "str", ""),
    ("official_coverage", "str", "how full the official table of that year is"),
    ("official_coverage_vi", "str", ""), ("rank_if_official", "Int64", ""),
    ("rank_best", "Int64", ""), ("rank_worst", "Int64", ""),
    ("rank_among", "Int64", ""), ("rank_note", "str", ""), ("group", "str", ""),
    ("group_basis", "str", ""),
), "One row per official component compared (cchc_survey.compare_official).")

WEIGHTING_REPORT = Shape("weighting report", _cols(
    ("step", "int64", "0 = design weights, then one per weighting step"),
    ("method", "str", "design, poststratify, rake, calibrate, trim"),
    ("iterations", "int64", ""), ("converged", "bool", ""),
    ("margin", "str", "the margin variable ('' for the step's summary row)"),
    ("cell", "str", "the margin's cell"), ("target", "float64", "population count"),
    ("achieved", "float64", "weighted count reached"), ("diff", "float64", ""),
    ("n_resp", None, "respondents in the margin cell (integers; missing on summary rows)"),
    ("w_min", "float64", ""), ("w_max", "float64", ""), ("w_mean", "float64", ""),
    ("w_cv", "float64", ""), ("kish_deff", "float64", ""), ("n_eff", "float64", ""),
    ("detail", "str", ""),
), "One row per weighting step and margin cell (SurveyDesign.weighting_report()).")

ALL: tuple[Shape, ...] = (SCORE, FAILURES, FLAGS, EXCLUSIONS, CHECK_SUMMARY, PROBLEMS, COMPARISON,
                          WEIGHTING_REPORT)


def _column(values: Any, n: int, dtype: str | None) -> pd.Series:
    if np.ndim(values) == 0 and not isinstance(values, pd.Series | pd.api.extensions.ExtensionArray):
        values = [values] * n
    s = values.reset_index(drop=True) if isinstance(values, pd.Series) else pd.Series(values)
    if dtype is None:
        return s
    if dtype == "str" and s.dtype == object:
        return pd.Series(s.to_numpy(), dtype="str")
    return s.astype(dtype)  # type: ignore[call-overload]


def failure_table(shape: Shape, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]
                  | None = None) -> pd.DataFrame:
    """A failure table of ``shape`` (:data:`FAILURES`, :data:`FLAGS`, :data:`PROBLEMS`, ...):
    its columns in order, with their types; scalars are repeated; ``None`` or ``[]``: empty.

    ``data`` is either one array-like per column or a list of row records.

    Example:
        >>> t = failure_table(FLAGS, {"rule": "incomplete", "row": [3, 7],
        ...                           "response_id": [4, 8], "column": "lastpage",
        ...                           "value": ["2", "1"], "severity": "warning"})
        >>> t.shape, str(t["row"].dtype), t["rule"].tolist()
        ((2, 6), 'int64', ['incomplete', 'incomplete'])
        >>> list(failure_table(FLAGS).columns) == FLAGS.names
        True
    """
    if data is None or (isinstance(data, Sequence) and not data):
        return pd.DataFrame({c.name: pd.Series([], dtype=c.dtype or object)
                             for c in shape.columns})
    if isinstance(data, Sequence):
        records = list(data)
        data = {c: [r.get(c) for r in records] for c in shape.names}
    unknown = [k for k in data if k not in shape.names]
    if unknown:
        raise ShapeError(f"{shape.name}: unknown column(s) {unknown}; the shape has {shape.names}")
    lengths = {len(v) for v in data.values() if np.ndim(v) > 0}
    if len(lengths) > 1:
        raise ShapeError(f"{shape.name}: columns of different lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    return pd.DataFrame({c.name: _column(data.get(c.name), n, c.dtype) for c in shape.columns})


def problems_table(problems: Iterable[Problem], *, severity: str = "error") -> pd.DataFrame:
    """The :data:`PROBLEMS` table of a list of :class:`~cchc_survey.errors.Problem` records
    (e.g. ``err.problems`` of an :class:`~cchc_survey.errors.InstrumentError`)."""
    return failure_table(PROBLEMS, [{"file": p.file, "line": p.line, "where": p.where,
                                     "message": p.message, "fix": p.fix, "severity": severity}
                                    for p in problems])
