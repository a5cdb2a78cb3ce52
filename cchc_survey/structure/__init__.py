"""The structure of a survey: one model of its groups, questions, answers and response columns.

LimeSurvey's format knowledge lives in :mod:`.limesurvey` (question types, the columns each
makes, fixed answers and their labels, code rules, heading forms, each export format's
codings); :mod:`.records` holds the parts of a survey, :mod:`.model` the whole
(:class:`Codebook`); :mod:`.columns` names each response column in every export format. An
instrument becomes this model through
:func:`cchc_survey.instrument.structure.codebook_from_instrument`, any ``.lss`` through
:func:`cchc_survey.limesurvey.lss.read_lss`; the tidy stage maps export columns through it.

This package imports nothing else of cchc_survey but its error classes: everything above it
(instrument, ``.lss`` reader and writer, export readers, tidy) reads it, nothing here reads them.
"""

from .columns import Column, Layout, default_item_id, plain
from .limesurvey import (
    OTHER_CODE,
    QUESTION_TYPES,
    FixedAnswer,
    QuestionType,
    ls_text,
    question_type,
)
from .model import Codebook, CodebookError, fixed_answers, with_ids
from .records import Answer, Group, Question, Subquestion
from .text import code_str, pick

__all__ = [
    "OTHER_CODE", "QUESTION_TYPES", "Answer", "Codebook", "CodebookError", "Column",
    "FixedAnswer", "Group", "Layout", "Question", "QuestionType", "Subquestion", "code_str",
    "default_item_id", "fixed_answers", "ls_text", "pick", "plain", "question_type", "with_ids",
]
