"""The codebook: what every response column of a survey is called, asks and may contain.

This module keeps the names of the first release; the model now lives in
:mod:`cchc_survey.structure` (records, columns, LimeSurvey's format knowledge), the instrument's
codebook in :mod:`cchc_survey.instrument.structure`, and the ``.lss`` reader in
:mod:`cchc_survey.limesurvey.lss`.

Example:
    >>> from cchc_survey import QUESTIONNAIRES
    >>> from cchc_survey.codebook import read_lss
    >>> cb = read_lss(QUESTIONNAIRES / "sipas_one_stop.lss")
    >>> cb.label("TC[C1]", 5, "en")
    'Very satisfied'
    >>> col = cb.column("TC_C1")
    >>> col.code, col.sgqa, col.full_heading("vi")[-15:]
    ('TC[C1]', '623369X2X8C1', 'có đủ chỗ ngồi]')
"""

from __future__ import annotations

from pathlib import Path

from .instrument.model import Instrument
from .instrument.structure import (
    DEFAULT_DATE_FORMAT,
    attach_instrument,
    codebook_from_instrument,
    relevance_from_filters,
)
from .limesurvey.lss.read import read_lss as _read_lss
from .structure import Answer as CodebookAnswer
from .structure import Codebook, CodebookError, Column, fixed_answers
from .structure import Group as CodebookGroup
from .structure import Question as CodebookQuestion
from .structure import Subquestion as CodebookSubquestion
from .structure.limesurvey import OTHER_CODE, QUESTION_TYPES, ColumnKind, ls_text

OTHER_LABEL = {"vi": ls_text("Other", "vi"), "en": ls_text("Other", "en")}
"""Labels LimeSurvey's exports give the other option (``-oth-``, and the ``[other]`` heading)."""
SUBQUESTION_COLUMN_TYPES = frozenset(
    t for t, qt in QUESTION_TYPES.items() if qt.layout in ("subquestions", "subquestions_comment"))
OTHER_TYPES = frozenset(t for t, qt in QUESTION_TYPES.items() if qt.other)
FIXED_ANSWER_TYPES = frozenset(t for t, qt in QUESTION_TYPES.items() if qt.answers == "fixed")
NO_COLUMN_TYPES = frozenset(t for t, qt in QUESTION_TYPES.items() if qt.value == "display")


def read_lss(source: str | Path | bytes, instrument: Instrument | None = None) -> Codebook:
    """Read a LimeSurvey ``.lss`` structure file (a path or its bytes) into a codebook.

    See :func:`cchc_survey.limesurvey.lss.read_lss`; with ``instrument`` the codebook takes that
    instrument's names (:func:`attach_instrument`).
    """
    cb = _read_lss(source)
    return attach_instrument(cb, instrument) if instrument is not None else cb


__all__ = [
    "DEFAULT_DATE_FORMAT", "FIXED_ANSWER_TYPES", "NO_COLUMN_TYPES", "OTHER_CODE", "OTHER_LABEL",
    "OTHER_TYPES", "SUBQUESTION_COLUMN_TYPES", "Codebook", "CodebookAnswer", "CodebookError",
    "CodebookGroup", "CodebookQuestion", "CodebookSubquestion", "Column", "ColumnKind",
    "attach_instrument", "codebook_from_instrument", "fixed_answers", "read_lss",
    "relevance_from_filters",
]
