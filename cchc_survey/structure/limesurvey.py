"""LimeSurvey's format knowledge, in one place: question types, the columns each type makes,
the answers LimeSurvey fixes and their labels, code rules, the texts LimeSurvey writes into
headings and answers, and how each export format codes the fixed answers.

Everything here was read off a real LimeSurvey 6.14 server (every question type, every export
format, with the payloads that were sent; ``tests/fixtures/limesurvey_corpus``) and a 6.2.1
server (``tests/fixtures/limesurvey``), and checked against LimeSurvey's source where the
recordings do not show a case:

* columns and their names: ``createFieldMap()`` (``common_helper.php``) as ``get_fieldmap``
  returns it;
* full and abbreviated headings: ``Writer::getHeadingText()`` (``helpers/admin/export``) with
  ``viewHelper::getFieldText()`` and ``flattenText()`` / ``ellipsize()``;
* ``long`` answers: ``SurveyObj::getFullAnswer()``;
* SPSS and R codings: ``SPSSExportData()`` (``export_helper.php``); Stata: the
  ``ExportSTATAxml`` plugin, as its files show (0/1 for gender, 1/0/9 for yes/no/uncertain,
  1/0/-1 for increase/same/decrease).

Vietnamese texts are LimeSurvey's own translation (``locale/vi``): Có, Không, Nữ, Nam, Khác,
Chú thích and Bình luận khác are recorded in real exports; Không chắc, Tăng, Không đổi, Giảm
and Hạng come from the same translation file and are not recorded in a real export.

No module of this package imports anything but this file's standard-library needs: the
instrument, the ``.lss`` reader and writer, the export readers and the tidy stage all read
their LimeSurvey facts from here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Layout = Literal["single", "list_comment", "subquestions", "subquestions_comment", "array",
                 "dual_scale", "ranking", "file"]
"""How a question's response columns are laid out (see :data:`QUESTION_TYPES`):

* ``single``: one column ``Q`` (plus ``Q[other]`` for a list with "Other");
* ``list_comment``: ``Q`` and ``Q[comment]`` (type O);
* ``subquestions``: one column per sub-question ``Q[SQ]`` (plus ``Q[other]``);
* ``subquestions_comment``: ``Q[SQ]`` and ``Q[SQcomment]`` per sub-question (type P; with
  "Other": ``Q[other]`` and ``Q[othercomment]``);
* ``array``: one column per row x column sub-question pair ``Q[SY_SX]`` (types ``:`` ``;``);
* ``dual_scale``: two columns per sub-question, ``Q[SQ][1]`` and ``Q[SQ][2]`` (type 1);
* ``ranking``: one column per rank ``Q[1]`` .. ``Q[n]``, n = number of answer options (R);
* ``file``: the file list ``Q`` and the count ``Q[filecount]`` (type ``|``).
"""

Value = Literal["code", "number", "text", "date", "checkbox", "language", "files", "count",
                "equation", "display"]
"""What one column holds: an answer ``code``, a ``number``, free ``text``, a ``date``, a
multiple-choice ``checkbox`` (``Y`` or ""), a survey ``language`` code, a JSON list of uploaded
``files``, a file ``count``, an ``equation`` result, or nothing (``display``: text display
questions have a column in LimeSurvey 6 that never holds a value)."""

ColumnKind = Literal["answer", "other", "comment", "filecount"]

ALL_TYPES = "5ABCEFH1:;DGIKL!OMNPQRSTUXY|*"
"""Every LimeSurvey question type (LimeSurvey 6)."""


@dataclass(frozen=True)
class FixedAnswer:
    """An answer code LimeSurvey fixes by question type, with its label per language."""

    code: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class QuestionType:
    """One LimeSurvey question type.

    Attributes:
        code: the type letter stored in the ``.lss`` (``F``, ``1``, ``*``).
        name: LimeSurvey's English name of the type.
        layout: how its response columns are laid out (:data:`Layout`).
        value: what its answer columns hold (:data:`Value`).
        answers: where its answer codes come from: ``options`` (the ``.lss`` answers table,
            per scale), ``fixed`` (LimeSurvey's own codes, :attr:`fixed`) or ``none``.
        other: whether the question may have an "Other" option (an extra text column).
        fixed: the fixed answers, in LimeSurvey's order.
    """

    code: str
    name: str
    layout: Layout
    value: Value
    answers: Literal["options", "fixed", "none"] = "none"
    other: bool = False
    fixed: tuple[FixedAnswer, ...] = ()

    @property
    def has_subquestions(self) -> bool:
        """Whether the question's columns come from its sub-questions (scale 0, and for the
        ``array`` layout also the column axis, scale 1)."""
        return self.layout in ("subquestions", "subquestions_comment", "array", "dual_scale")


def _fixed(*pairs: tuple[str, str, str]) -> tuple[FixedAnswer, ...]:
    return tuple(FixedAnswer(code, {"en": en, "vi": vi}) for code, en, vi in pairs)


def _points(n: int) -> tuple[FixedAnswer, ...]:
    return tuple(FixedAnswer(str(i), {"en": str(i), "vi": str(i)}) for i in range(1, n + 1))


YES_NO = _fixed(("Y", "Yes", "Có"), ("N", "No", "Không"))
GENDER = _fixed(("F", "Female", "Nữ"), ("M", "Male", "Nam"))
CHECKED = _fixed(("Y", "Yes", "Có"))
YES_UNCERTAIN_NO = _fixed(("Y", "Yes", "Có"), ("U", "Uncertain", "Không chắc"),
                          ("N", "No", "Không"))
INCREASE_SAME_DECREASE = _fixed(("I", "Increase", "Tăng"), ("S", "Same", "Không đổi"),
                                ("D", "Decrease", "Giảm"))

QUESTION_TYPES: dict[str, QuestionType] = {t.code: t for t in (
    QuestionType("5", "5 point choice", "single", "code", "fixed", fixed=_points(5)),
    QuestionType("A", "Array (5 point choice)", "subquestions", "code", "fixed",
                 fixed=_points(5)),
    QuestionType("B", "Array (10 point choice)", "subquestions", "code", "fixed",
                 fixed=_points(10)),
    QuestionType("C", "Array (Yes/No/Uncertain)", "subquestions", "code", "fixed",
                 fixed=YES_UNCERTAIN_NO),
    QuestionType("E", "Array (Increase/Same/Decrease)", "subquestions", "code", "fixed",
                 fixed=INCREASE_SAME_DECREASE),
    QuestionType("F", "Array", "subquestions", "code", "options"),
    QuestionType("H", "Array by column", "subquestions", "code", "options"),
    QuestionType("1", "Array dual scale", "dual_scale", "code", "options"),
    QuestionType(":", "Array (Numbers)", "array", "number"),
    QuestionType(";", "Array (Texts)", "array", "text"),
    QuestionType("D", "Date/Time", "single", "date"),
    QuestionType("G", "Gender", "single", "code", "fixed", fixed=GENDER),
    QuestionType("I", "Language switch", "single", "language"),
    QuestionType("K", "Multiple numerical input", "subquestions", "number"),
    QuestionType("L", "List (radio)", "single", "code", "options", other=True),
    QuestionType("!", "List (dropdown)", "single", "code", "options", other=True),
    QuestionType("O", "List with comment", "list_comment", "code", "options"),
    QuestionType("M", "Multiple choice", "subquestions", "checkbox", "fixed", other=True,
                 fixed=CHECKED),
    QuestionType("P", "Multiple choice with comments", "subquestions_comment", "checkbox",
                 "fixed", other=True, fixed=CHECKED),
    QuestionType("N", "Numerical input", "single", "number"),
    QuestionType("Q", "Multiple short text", "subquestions", "text"),
    QuestionType("R", "Ranking", "ranking", "code", "options"),
    QuestionType("S", "Short free text", "single", "text"),
    QuestionType("T", "Long free text", "single", "text"),
    QuestionType("U", "Huge free text", "single", "text"),
    QuestionType("X", "Text display", "single", "display"),
    QuestionType("Y", "Yes/No", "single", "code", "fixed", fixed=YES_NO),
    QuestionType("|", "File upload", "file", "files"),
    QuestionType("*", "Equation", "single", "equation"),
)}
"""Every LimeSurvey question type, keyed by its letter."""

OTHER_CODE = "-oth-"
"""The code a list question's column holds when the respondent chose "Other"."""


def question_type(code: str) -> QuestionType:
    """The type with letter ``code``.

    Raises:
        KeyError: not a LimeSurvey question type (the message lists them).
    """
    try:
        return QUESTION_TYPES[code]
    except KeyError:
        raise KeyError(f"{code!r} is not a LimeSurvey question type ({' '.join(ALL_TYPES)})") from None


# --------------------------------------------------------------------------------------------
# the texts LimeSurvey writes itself (headings of extra columns, long answers), per language
# --------------------------------------------------------------------------------------------
LS_TEXTS: dict[str, dict[str, str]] = {
    "Other": {"vi": "Khác"},
    "Comment": {"vi": "Chú thích"},
    "Other comment": {"vi": "Bình luận khác"},
    "Rank %s": {"vi": "Hạng %s"},
    "Scale 1": {},
    "Scale 2": {},
    "filecount - ": {},
    "N/A": {},
    "Yes": {"vi": "Có"},
    "No": {"vi": "Không"},
}
"""LimeSurvey's own texts (English msgid -> translation per language). An untranslated text
(``Scale 1``, ``N/A``) is written in English in every language."""


def ls_text(msgid: str, lang: str) -> str:
    """LimeSurvey's text ``msgid`` in ``lang`` (English when LimeSurvey does not translate it)."""
    return LS_TEXTS.get(msgid, {}).get(lang, msgid)


NA_LABEL = "N/A"
"""What ``long`` answers write for a gender, yes/no or checkbox column that holds nothing."""

SYSTEM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "ID trả lời", "Response ID"),
    ("submitdate", "Ngày gửi", "Date submitted"),
    ("lastpage", "Trang cuối cùng", "Last page"),
    ("startlanguage", "Ngôn ngữ bắt đầu", "Start language"),
    ("seed", "Seed", "Seed"),
    ("token", "Mã truy cập", "Access code"),
    ("startdate", "Ngày bắt đầu", "Date started"),
    ("datestamp", "Ngày hành động cuối cùng", "Date last action"),
    ("ipaddr", "Địa chỉ IP", "IP address"),
    ("refurl", "URL giới thiệu", "Referrer URL"),
)
"""LimeSurvey's response-table system columns: (field name, vi heading, en heading)."""

PERSONAL_FIELDS = ("firstname", "lastname", "email", "emailstatus", "language", "sent",
                   "remindersent", "remindercount", "usesleft", "completed", "ipaddr", "refurl")
"""Participant-table and tracking columns some exports add (and the participant attributes
``attribute_1``, ``attribute_2``...): personal data, never kept."""

# --------------------------------------------------------------------------------------------
# how each export format writes the fixed answers
# --------------------------------------------------------------------------------------------
NUMERIC_CODING: dict[str, dict[str, str]] = {
    "G": {"1": "F", "2": "M"},
    "Y": {"1": "Y", "2": "N"},
    "C": {"1": "Y", "2": "N", "3": "U"},
    "E": {"1": "I", "2": "S", "3": "D"},
    "M": {"1": "Y", "0": ""},
    "P": {"1": "Y", "0": ""},
}
"""SPSS (``.sps`` + ``.dat``) and R: number -> LimeSurvey code, for the types whose codes are
letters (``SPSSExportData``). Every other answer is written as its code."""

STATA_CODING: dict[str, dict[str, str]] = {
    "G": {"0": "F", "1": "M"},
    "Y": {"1": "Y", "0": "N", "2": "N"},
    "C": {"1": "Y", "0": "N", "9": "U"},
    "E": {"1": "I", "0": "S", "-1": "D"},
}
"""Stata XML: number -> code. Multiple-choice boxes stay ``Y``/"". (LimeSurvey 6.2.1's value
label of yes/no says 2 = No while its data hold 0; both are read.)"""

# --------------------------------------------------------------------------------------------
# code rules of LimeSurvey's importer
# --------------------------------------------------------------------------------------------
QUESTION_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
"""A question or sub-question code as LimeSurvey 6 accepts it: a letter, then letters and
digits (no spaces, no ``_`` or ``-``)."""
SUBQUESTION_CODE = re.compile(r"^[A-Za-z0-9]+$")
"""A sub-question code LimeSurvey's importer keeps as it is (letters and digits)."""
ANSWER_CODE = re.compile(r"^[A-Za-z0-9]{1,5}$")
"""An answer code: letters and digits, at most 5."""
MAX_CODE_LENGTH = 20
MAX_ANSWER_CODE_LENGTH = 5
RESERVED_QUESTION_CODES = frozenset(
    {"LANG", "SID", "SAVEDID", "TOKEN", "QID", "GID", "SGQ", "self", "that", "this"})
"""Words of LimeSurvey's Expression Manager that cannot be question codes."""

# --------------------------------------------------------------------------------------------
# headings as LimeSurvey writes them
# --------------------------------------------------------------------------------------------
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
_LINEBREAK = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
HEADING_LENGTH = 15
"""The abbreviated heading keeps this many characters of each text (the export's default)."""


def flatten(text: str) -> str:
    """A text as LimeSurvey's export headings write it: entities decoded (``&nbsp;`` becomes a
    no-break space), scripts and HTML tags removed, every line break one space, then ``&``,
    ``<`` and ``>`` written as entities again (an expression ``{a > 3}`` is headed
    ``{a &gt; 3}``); surrounding spaces are kept (``<p>Q?</p>\\n`` gives ``Q? ``)."""
    t = _TAG.sub("", _SCRIPT.sub("", html.unescape(text or "")))
    t = _LINEBREAK.sub(" ", t)
    return html.escape(t, quote=False)


def ellipsize(text: str, n: int = HEADING_LENGTH) -> str:
    """An abbreviated heading text (``ellipsize``): flattened and trimmed; a text longer than
    ``n`` + 3 characters is cut to ``n`` and ends in ``.. ``."""
    t = flatten(text).strip(" \t\n\r\0\x0b")
    return t if len(t) <= n + 3 else t[:n] + ".. "


def full_heading(question: str, parts: tuple[str, ...]) -> str:
    """The ``full`` heading: the flattened question text, then `` [part]`` per sub-question
    part (sub-question, column, scale), each flattened."""
    head = flatten(question)
    subs = "".join(f"[{flatten(p)}]" for p in parts)
    return f"{head} {subs.strip()}" if subs.strip() else head


def abbreviated_heading(question: str, parts: tuple[str, ...]) -> str:
    """The ``abbreviated`` heading: as :func:`full_heading` with every text ellipsized."""
    head = ellipsize(question)
    subs = "".join(f"[{ellipsize(p)}]" for p in parts)
    return f"{head} {subs.strip()}" if subs.strip() else head
