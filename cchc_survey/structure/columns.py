"""A survey's response columns: which columns each question makes, and every name a column has
in every export format.

For a question ``Q`` of survey ``sid``, group ``gid``, question id ``qid`` (LimeSurvey 6.14,
``get_fieldmap``; the exports of every format of the real corpus):

======================  ===============  ==================  ========================
column                  code heading     underscore (VV 2,   SGQA (VV 1, field map,
                        (CSV, JSON,      SPSS, R, Stata)     add_response)
                        Excel, R data)
======================  ===============  ==================  ========================
one answer              ``Q``            ``Q``               ``sidXgidXqid``
"Other" text            ``Q[other]``     ``Q_other``         ``...qidother``
comment of a list (O)   ``Q[comment]``   ``Q_comment``       ``...qidcomment``
sub-question            ``Q[SQ]``        ``Q_SQ``            ``...qidSQ``
comment of a box (P)    ``Q[SQcomment]`` ``Q_SQcomment``     ``...qidSQcomment``
array cell (``:`` ``;``)  ``Q[SY_SX]``   ``Q_SY_SX``         ``...qidSY_SX``
dual scale (1)          ``Q[SQ][1]``,    ``Q_SQ_0``,         ``...qidSQ#0``,
                        ``Q[SQ][2]``     ``Q_SQ_1``          ``...qidSQ#1``
rank n (R)              ``Q[n]``         ``Q_n``             ``...qidn``
file count (``|``)      ``Q[filecount]`` ``Q_filecount``     ``...qid_filecount``
======================  ===============  ==================  ========================

Two more names differ for a few columns: the SPSS ``.sav``, Stata and R plugin exports write the
code heading with ``_`` for the brackets (``Q_SQ_1``, ``Q_SQ_2`` for the two scales of a dual
scale: 1-based, while VV 2's ``Q_SQ_1`` is the *second* scale), and the SPSS syntax file
writes the question code, ``_`` and the SGQA suffix (``Q_SQ#0``, ``Q__filecount``). Which names
an export uses is decided by its format (:meth:`Column.names`), so these never meet.

The ``full`` and ``abbreviated`` headings are built as LimeSurvey builds them
(:func:`~cchc_survey.structure.limesurvey.full_heading`), from the question text and the
column's parts: the sub-question text, the array column's text, the scale header (``Scale 1``
even when the ``dualscale_headerA``/``B`` attributes name the scales for respondents),
``Rank n``, ``Other``, ``Comment``,
``Other comment`` (in the export's language), and ``filecount - `` before the question text of
a file count.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .limesurvey import (
    OTHER_CODE,
    ColumnKind,
    Value,
    abbreviated_heading,
    flatten,
    full_heading,
    ls_text,
    question_type,
)
from .records import Answer, Question
from .relevance import Condition
from .text import pick


def default_item_id(qcode: str, subcode: str = "") -> str:
    """The item id used when none is given: ``tc_a1`` for ``TC[A1]``, ``gioitinh``."""
    return f"{qcode}_{subcode}".lower() if subcode else qcode.lower()


def plain(text: str) -> str:
    """A text without HTML or entities, on one line, single spaces (messages, labels)."""
    return " ".join(html.unescape(flatten(text)).split())


@dataclass(frozen=True)
class Column:
    """One response column, named in every export format, with what its values are.

    Attributes:
        code: the code heading (``TC[A1]``, ``Q[SQ][1]``, ``GIOITINH``).
        underscore: the underscore name (``TC_A1``, ``Q_SQ_0``): VV version 2, SPSS, R, Stata.
        sgqa: the SGQA name (``385924X2X5A1``) when the database ids are known, else "".
        item_id: the tidy frame's column name.
        question: the question code.
        subquestion: what follows the question code in the field name (``A1``, ``other``,
            ``A1comment``, ``SY_SX``, the sub-question of a dual-scale cell, the rank).
        kind: ``answer``, ``other``, ``comment`` or ``filecount``.
        type: the question type letter.
        group: the group code.
        texts: the column's own text per language (sub-question text, ``Other``...).
        scale_id: the answer scale of a dual-scale cell (0 or 1), else 0 or None.
        page: the page ``lastpage`` counts for this column's question.
        value: what the column holds (:data:`~cchc_survey.structure.limesurvey.Value`).
        answers: the answer codes its values are (fixed ones included), empty for free values.
        has_other: a list column that may hold ``-oth-``.
        question_texts: the question text per language, as stored (may hold HTML).
        parts: per language, the texts that follow the question text in a full heading.
    """

    code: str
    underscore: str
    sgqa: str
    item_id: str
    question: str
    subquestion: str
    kind: ColumnKind
    type: str
    group: str
    texts: dict[str, str]
    scale_id: int | None = 0
    page: int = 1
    value: Value = "text"
    answers: tuple[Answer, ...] = ()
    has_other: bool = False
    question_texts: dict[str, str] = field(default_factory=dict)
    parts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    spss: str = ""

    @property
    def variable(self) -> str:
        """The variable name of the SPSS ``.sav``, Stata and R plugin exports (``Q_SQ_1``)."""
        return _BRACKETS.sub(r"_\1", self.code)

    # --- headings -------------------------------------------------------------------------------
    def _heading_question(self, lang: str) -> str:
        q = pick(self.question_texts, lang)
        return ls_text("filecount - ", lang) + q if self.kind == "filecount" else q

    def full_heading(self, lang: str) -> str:
        """The ``full`` heading LimeSurvey writes for this column in language ``lang``."""
        return full_heading(self._heading_question(lang), self.parts.get(lang, ()))

    def abbreviated_heading(self, lang: str) -> str:
        """The ``abbreviated`` heading LimeSurvey writes for this column in ``lang``."""
        return abbreviated_heading(self._heading_question(lang), self.parts.get(lang, ()))

    def names(self, languages: Iterable[str], style: str = "text") -> list[str]:
        """Every name this column can carry in an export of ``style`` (exact strings).

        ``style``: the export format (:attr:`RawExport.format
        <cchc_survey.limesurvey.exports.RawExport.format>`): ``stata`` and ``sav`` use
        :attr:`variable`, ``spss_dat`` :attr:`spss`, ``vv1`` the SGQA name, ``vv2`` the
        underscore name; any other (CSV, JSON, Excel, R data) the item id, the code heading,
        the underscore name (the "use expression code" option), the SGQA name, and the full
        and abbreviated headings in every language, also with spaces written ``_`` and, as the
        JSON export writes a heading another column already has, followed by `` (SGQA)``.
        """
        if style in ("stata", "sav"):
            return [self.item_id, self.variable]
        if style == "spss_dat":
            return [self.item_id, self.spss or self.underscore]
        if style == "vv1":
            return [self.sgqa] if self.sgqa else [self.item_id]
        if style == "vv2":
            return [self.underscore]
        out = [self.item_id, self.code, self.underscore]
        if self.sgqa:
            out.append(self.sgqa)
        for lang in languages:
            for h in (self.full_heading(lang), self.abbreviated_heading(lang)):
                if h.strip():
                    out += [h, h.replace(" ", "_")]
                    if self.sgqa:  # JSON keys are unique: a repeated heading gets its SGQA
                        out.append(f"{h} ({self.sgqa})")
        return out

    # --- values ---------------------------------------------------------------------------------
    @property
    def codes(self) -> tuple[str, ...]:
        """The substantive answer codes (no "don't know" codes, no ``-oth-``, none for
        multiple-choice boxes), in scale order."""
        if self.value != "code":
            return ()
        return tuple(a.code for a in self.answers if not a.missing and a.code != OTHER_CODE)

    @property
    def missing(self) -> dict[str, str]:
        """Code -> reason, for the codes that mean "no substantive answer"."""
        return {a.code: a.missing for a in self.answers if a.missing}

    @property
    def integer_codes(self) -> bool:
        """Whether every substantive code is a whole number (the item is typed ``Int64``)."""
        cs = self.codes
        return bool(cs) and all(c.lstrip("-").isdigit() for c in cs)

    @property
    def labels(self) -> dict[str, dict[str, str]]:
        """Language -> code -> label, for every answer code (``-oth-`` included)."""
        langs = {lg for a in self.answers for lg in a.labels} or set(self.question_texts)
        return {lg: {a.code: a.label(lg) for a in self.answers} for lg in sorted(langs)}

    # --- the names the tidy stage used before this model (kept for readers of that code) ------
    @property
    def qcode(self) -> str:
        return self.question

    @property
    def subcode(self) -> str:
        return self.subquestion

    @property
    def qtype(self) -> str:
        return self.type

    @property
    def code_heading(self) -> str:
        return self.code

    @property
    def underscore_name(self) -> str:
        return self.underscore

    @property
    def question_text(self) -> dict[str, str]:
        """The question text per language, without HTML."""
        return {lg: plain(t) for lg, t in self.question_texts.items()}

    @property
    def sub_text(self) -> dict[str, str]:
        """The sub-question text per language (empty for a column without one)."""
        return dict(self.texts) if self.kind == "answer" and self.subquestion else {}


@dataclass(frozen=True)
class Layout:
    """The columns of the tidy frame, with the identity of the codebook they come from.

    Attributes:
        columns: the item columns, in questionnaire order.
        source: ``instrument`` or ``codebook`` (a ``.lss`` read without an instrument).
        source_id: the instrument id, or the survey id.
        version: the instrument version ("" for a codebook).
        languages: the survey languages, base language first.
        sid: the LimeSurvey survey id when known (SGQA names start with it).
        ignored: columns the exports have that hold no answer (text displays): known, and
            left out of the frame without a word.
        shown_when: question code -> the conditions (its group's and its own) under which
            the question is shown, for the questions whose relevance is written as instrument
            filters write it (:mod:`cchc_survey.structure.relevance`).
    """

    columns: tuple[Column, ...]
    source: str
    source_id: str
    version: str = ""
    languages: tuple[str, ...] = ("vi", "en")
    sid: str = ""
    ignored: tuple[Column, ...] = ()
    shown_when: dict[str, tuple[Condition, ...]] = field(default_factory=dict)

    @property
    def item_ids(self) -> list[str]:
        return [c.item_id for c in self.columns]

    def spec(self, item_id: str) -> Column:
        for c in self.columns:
            if c.item_id == item_id:
                return c
        raise KeyError(item_id)


_BRACKETS = re.compile(r"\[([^\]]*)\]")


def _texts(langs: tuple[str, ...], msgid: str) -> dict[str, str]:
    return {lg: ls_text(msgid, lg) for lg in langs}


def question_columns(q: Question, sid: int | None, languages: Iterable[str],
                     page: int = 1) -> list[Column]:
    """The response columns of question ``q``, in LimeSurvey's field order."""
    langs = tuple(languages)
    qt = question_type(q.type)
    base = f"{sid}X{q.gid}X{q.qid}" if sid is not None and q.gid is not None and q.qid is not None else ""
    qitem = q.item_id or default_item_id(q.code)
    out: list[Column] = []

    def col(parts: tuple[str, ...], sgqa_suffix: str, kind: ColumnKind, item: str,
            texts: Mapping[str, str], heading: Mapping[str, tuple[str, ...]],
            scale_id: int | None = 0, answers: tuple[Answer, ...] = (),
            underscore: tuple[str, ...] | None = None) -> None:
        value: Value = qt.value if kind == "answer" else (
            "count" if kind == "filecount" else "text")
        und = parts if underscore is None else underscore
        out.append(Column(
            code=q.code + "".join(f"[{p}]" for p in parts),
            underscore="_".join((q.code, *und)),
            sgqa=base + sgqa_suffix if base else "",
            item_id=item, question=q.code, subquestion=parts[0] if parts else "", kind=kind,
            type=q.type, group=q.group, texts=dict(texts), scale_id=scale_id, page=page,
            value=value, answers=answers if kind == "answer" and value in (
                "code", "checkbox") else (),
            has_other=kind == "answer" and q.other and qt.layout == "single",
            question_texts=dict(q.texts), parts={lg: heading.get(lg, ()) for lg in langs},
            spss=f"{q.code}_{sgqa_suffix}" if sgqa_suffix else q.code))

    scale0 = tuple(q.answers_of_scale(0))
    subs = q.subquestions_of_scale(0)
    if qt.layout == "single":
        col((), "", "answer", qitem, q.texts, {}, answers=scale0)
    elif qt.layout == "list_comment":
        col((), "", "answer", qitem, q.texts, {}, answers=scale0)
        col(("comment",), "comment", "comment", f"{qitem}_comment", _texts(langs, "Comment"),
            {lg: (ls_text("Comment", lg),) for lg in langs}, None)
    elif qt.layout in ("subquestions", "subquestions_comment"):
        for sq in subs:
            item = sq.item_id or default_item_id(q.code, sq.code)
            col((sq.code,), sq.code, "answer", item, sq.texts,
                {lg: (pick(sq.texts, lg),) for lg in langs}, answers=scale0)
            if qt.layout == "subquestions_comment":
                col((f"{sq.code}comment",), f"{sq.code}comment", "comment", f"{item}comment",
                    sq.texts, {lg: (pick(sq.texts, lg), ls_text("Comment", lg)) for lg in langs},
                    None)
    elif qt.layout == "array":
        for sy in subs:
            for sx in q.subquestions_of_scale(1):
                sub = f"{sy.code}_{sx.code}"
                col((sub,), sub, "answer", default_item_id(q.code, sub),
                    {lg: f"{pick(sy.texts, lg)} / {pick(sx.texts, lg)}" for lg in langs},
                    {lg: (pick(sy.texts, lg), pick(sx.texts, lg)) for lg in langs}, None)
    elif qt.layout == "dual_scale":
        for sq in subs:
            for scale in (0, 1):  # the export writes Scale 1/2 whatever dualscale_headerA/B say
                headers = {lg: ls_text(f"Scale {scale + 1}", lg) for lg in langs}
                col((sq.code, str(scale + 1)), f"{sq.code}#{scale}", "answer",
                    default_item_id(q.code, f"{sq.code}_{scale}"), sq.texts,
                    {lg: (pick(sq.texts, lg), headers[lg]) for lg in langs}, scale,
                    tuple(q.answers_of_scale(scale)), underscore=(sq.code, str(scale)))
    elif qt.layout == "ranking":
        for i in range(1, len(scale0) + 1):
            rank = {lg: ls_text("Rank %s", lg).replace("%s", str(i)) for lg in langs}
            col((str(i),), str(i), "answer", default_item_id(q.code, str(i)), rank,
                {lg: (rank[lg],) for lg in langs}, answers=scale0)
    elif qt.layout == "file":
        col((), "", "answer", qitem, q.texts, {})
        col(("filecount",), "_filecount", "filecount", f"{qitem}_filecount", q.texts, {}, None)
    if q.other and qt.other:
        other = {lg: (ls_text("Other", lg),) for lg in langs}
        col(("other",), "other", "other", f"{qitem}_other", _texts(langs, "Other"), other, None)
        if qt.layout == "subquestions_comment":
            col(("othercomment",), "othercomment", "comment", f"{qitem}_othercomment",
                _texts(langs, "Other comment"),
                {lg: (ls_text("Other comment", lg),) for lg in langs}, None)
    return out
