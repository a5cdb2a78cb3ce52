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

Example:
    >>> from cchc_survey import QUESTIONNAIRES, load_instrument
    >>> from cchc_survey.instrument.structure import codebook_from_instrument
    >>> cb = codebook_from_instrument(load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml"))
    >>> [c.code for c in cb.column_list[:3]]
    ['DONVI', 'LINHVUC', 'KENHNOP']
    >>> col = cb.column("kenh")             # by item id, code heading, underscore or SGQA name
    >>> col.code, col.value, [a.code for a in col.answers]
    ('KENHNOP', 'code', ['1', '2', '3'])
    >>> QUESTION_TYPES["1"].name, QUESTION_TYPES["1"].layout
    ('Array dual scale', 'dual_scale')
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
