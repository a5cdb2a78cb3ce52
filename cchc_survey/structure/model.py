"""A survey's structure, whole: the :class:`Codebook` (its records are in :mod:`.records`).

A :class:`Codebook` is the LimeSurvey-shaped view of one questionnaire. It is built from an
instrument (:func:`cchc_survey.instrument.structure.codebook_from_instrument`) or read from any
LimeSurvey ``.lss`` file (:func:`cchc_survey.limesurvey.lss.read_lss`); both give equal
codebooks for the same questionnaire (equality ignores the database ids sid, gid, qid, aid,
which LimeSurvey reassigns on every import, and the survey format).

Its :attr:`Codebook.column_list` is every response column the survey has, each
(:class:`~cchc_survey.structure.columns.Column`) named in every export format and knowing how
its values are coded; :meth:`Codebook.layout` is the part the tidy frame is made of.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import pandas as pd

from ..errors import CchcSurveyError
from .columns import Column, Layout, question_columns
from .limesurvey import OTHER_CODE, ls_text, question_type
from .records import Answer, Group, Question
from .relevance import Condition, conditions
from .text import code_str


class CodebookError(CchcSurveyError):
    """A codebook lookup names a column, item or answer code the codebook does not have."""


@dataclass(frozen=True)
class Codebook:
    """A survey's structure (see the module docstring).

    ``format`` is LimeSurvey's survey format: ``G`` group by group (a page per group), ``S``
    question by question (a page per question), ``A`` all in one; it says what ``lastpage``
    counts.
    """

    title: dict[str, str]
    languages: tuple[str, ...]
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]
    description: dict[str, str] = field(default_factory=dict)
    instrument_id: str = ""
    instrument_version: str = ""
    sid: int | None = field(default=None, compare=False)
    source: str = field(default="", compare=False)
    format: str = field(default="G", compare=False)

    # --- lookups --------------------------------------------------------------------------------
    @property
    def base_language(self) -> str:
        return self.languages[0]

    def question(self, code: str) -> Question:
        """The question with LimeSurvey code ``code``."""
        for q in self.questions:
            if q.code == code:
                return q
        raise CodebookError(
            f"{self._where()}: no question with code {code!r}. Known codes: "
            f"{', '.join(q.code for q in self.questions)}."
        )

    def group(self, code: str) -> Group:
        for g in self.groups:
            if g.code == code:
                return g
        raise CodebookError(f"{self._where()}: no group {code!r}.")

    def page_of(self, q: Question) -> int:
        """The page ``lastpage`` counts for question ``q`` (1-based)."""
        if self.format == "A":
            return 1
        if self.format == "S":
            return self.questions.index(q) + 1
        order = {g.code: i for i, g in enumerate(sorted(self.groups, key=lambda g: g.order), 1)}
        return order.get(q.group, 1)

    @cached_property
    def column_list(self) -> tuple[Column, ...]:
        """Every response column, in questionnaire order."""
        out: list[Column] = []
        for q in self.questions:
            out.extend(question_columns(q, self.sid, self.languages, self.page_of(q)))
        return tuple(out)

    @cached_property
    def _column_index(self) -> dict[str, Column]:
        idx: dict[str, Column] = {}
        for c in self.column_list:
            for name in (c.sgqa, c.underscore, c.item_id, c.code):
                if name:
                    idx.setdefault(name, c)
        return idx

    def column(self, name: str) -> Column:
        """The column called ``name`` in any convention (``TC[A1]``, ``TC_A1``, SGQA, item id)."""
        try:
            return self._column_index[name]
        except KeyError:
            raise CodebookError(
                f"{self._where()}: no response column {name!r}. Use a code heading such as "
                f"{self.column_list[0].code if self.column_list else 'Q[SQ]'!r}, its underscore "
                "form, the SGQA name or the item id (see Codebook.columns())."
            ) from None

    def has_column(self, name: str) -> bool:
        return name in self._column_index

    def answers_for(self, name: str) -> tuple[Answer, ...]:
        """The answer options a column's values are codes of (empty for free text/numbers)."""
        return self.column(name).answers

    def label(self, column_or_item: str, code: int | str, lang: str | None = None) -> str:
        """The label of answer ``code`` in column (or item) ``column_or_item``.

        Args:
            column_or_item: a column in any naming convention, or an item id.
            code: the stored code (``5`` and ``"5"`` are the same code).
            lang: the language (default: the survey's base language).

        Raises:
            CodebookError: the column is unknown, has no coded answers, or has no such code.
        """
        lang = lang or self.base_language
        col = self.column(column_or_item)
        if not col.answers:
            raise CodebookError(
                f"{self._where()}: column {col.code} (type {col.type}, {col.kind}) holds free "
                "values, not answer codes: there is no label to look up."
            )
        key = code_str(code)
        for a in col.answers:
            if a.code == key:
                return a.label(lang)
        raise CodebookError(
            f"{self._where()}: column {col.code} has no answer code {key!r}; its codes are "
            f"{', '.join(a.code for a in col.answers)}. Check the data or the questionnaire."
        )

    def layout(self) -> Layout:
        """The columns the tidy frame is made of (every column but text displays), with the
        codebook's identity (:class:`~cchc_survey.structure.columns.Layout`)."""
        grel = {g.code: conditions(g.relevance) for g in self.groups}
        shown: dict[str, tuple[Condition, ...]] = {}
        for q in self.questions:
            own, group = conditions(q.relevance), grel.get(q.group, [])
            if own is not None and group is not None and (own or group):
                shown[q.code] = (*group, *own)
        return Layout(
            shown_when=shown,
            columns=tuple(c for c in self.column_list if c.value != "display"),
            source="instrument" if self.instrument_id else "codebook",
            source_id=self.instrument_id or ("" if self.sid is None else str(self.sid))
            or self.source,
            version=self.instrument_version, languages=self.languages,
            sid="" if self.sid is None else str(self.sid),
            ignored=tuple(c for c in self.column_list if c.value == "display"))

    # --- tables ---------------------------------------------------------------------------------
    def columns(self) -> pd.DataFrame:
        """One row per response column: its names in every convention, texts and flags
        (``heading_<lang>`` and ``abbreviated_<lang>`` exactly as LimeSurvey's exports write
        the full and abbreviated headings)."""
        rows = []
        qs = {q.code: q for q in self.questions}
        grel = {g.code: g.relevance for g in self.groups}
        langs = self.languages
        for i, c in enumerate(self.column_list):
            q = qs[c.question]
            row: dict[str, object] = {
                "column": c.code, "underscore": c.underscore, "sgqa": c.sgqa,
                "item_id": c.item_id, "question": c.question, "subquestion": c.subquestion,
                "kind": c.kind, "type": c.type, "group": c.group, "position": i + 1,
            }
            for lang in langs:
                row[f"text_{lang}"] = c.texts.get(lang, "")
            for lang in langs:
                row[f"question_text_{lang}"] = q.texts.get(lang, "")
            for lang in langs:
                row[f"heading_{lang}"] = c.full_heading(lang)
            for lang in langs:
                row[f"abbreviated_{lang}"] = c.abbreviated_heading(lang)
            row.update({
                "mandatory": q.is_mandatory and c.kind == "answer", "hidden": q.hidden,
                "relevance": q.relevance, "group_relevance": grel.get(q.group, "1"),
                "scale": q.scale, "n_codes": len(c.answers), "value": c.value,
            })
            rows.append(row)
        cols = ["column", "underscore", "sgqa", "item_id", "question", "subquestion", "kind",
                "type", "group", "position", *(f"text_{x}" for x in langs),
                *(f"question_text_{x}" for x in langs), *(f"heading_{x}" for x in langs),
                *(f"abbreviated_{x}" for x in langs), "mandatory", "hidden", "relevance",
                "group_relevance", "scale", "n_codes", "value"]
        return pd.DataFrame(rows, columns=cols)

    def to_frame(self) -> pd.DataFrame:
        """The analyst's codebook table: one row per column x answer code (one row with an
        empty code for columns of free values), with labels in every language."""
        rows = []
        langs = self.languages
        for c in self.column_list:
            base: dict[str, object] = {
                "column": c.code, "underscore": c.underscore, "sgqa": c.sgqa,
                "item_id": c.item_id, "question": c.question, "subquestion": c.subquestion,
                "type": c.type, "group": c.group,
            }
            for lang in langs:
                base[f"text_{lang}"] = c.texts.get(lang, "")
            if not c.answers:
                rows.append({**base, "code": "", "order": 0, "missing": "",
                             **{f"label_{lang}": "" for lang in langs}})
            for a in c.answers:
                rows.append({**base, "code": a.code, "order": a.order, "missing": a.missing,
                             **{f"label_{lang}": a.label(lang) for lang in langs}})
        cols = ["column", "underscore", "sgqa", "item_id", "question", "subquestion", "type",
                "group", *(f"text_{x}" for x in langs), "code", "order",
                *(f"label_{x}" for x in langs), "missing"]
        return pd.DataFrame(rows, columns=cols)

    def _where(self) -> str:
        return f"codebook of {self.instrument_id or self.source or 'survey'}"


def fixed_answers(qtype: str, languages: tuple[str, ...] | list[str], other: bool,
                  start: int = 1) -> tuple[Answer, ...]:
    """The answers LimeSurvey fixes for a question of type ``qtype`` (5 A B C E G Y M P), and
    the ``-oth-`` code of a list with "Other", numbered from ``start``; labels in every
    language of ``languages`` (:data:`~cchc_survey.structure.limesurvey.QUESTION_TYPES`)."""
    qt = question_type(qtype)
    langs = tuple(languages)
    out = [Answer(code=f.code, labels={lg: f.labels.get(lg, f.labels["en"]) for lg in langs},
                  order=start + i, fixed=True) for i, f in enumerate(qt.fixed)]
    if other and qt.other and qt.layout == "single":
        out.append(Answer(code=OTHER_CODE, labels={lg: ls_text("Other", lg) for lg in langs},
                          order=start + len(out), fixed=True))
    return tuple(out)


def with_ids(cb: Codebook, ids_from: Codebook) -> Codebook:
    """``cb`` with the database ids (sid, gid, qid of questions and sub-questions) of
    ``ids_from``, matched by question and sub-question code: the instrument's codebook named
    as the survey on the server names its columns (SGQA)."""
    qs = {q.code: q for q in ids_from.questions}
    out = []
    for q in cb.questions:
        other = qs.get(q.code)
        if other is None:
            out.append(q)
            continue
        sq_ids = {(s.scale_id, s.code): s.qid for s in other.subquestions}
        subs = tuple(replace(s, qid=sq_ids.get((s.scale_id, s.code), s.qid))
                     for s in q.subquestions)
        out.append(replace(q, qid=other.qid, gid=other.gid, subquestions=subs))
    return replace(cb, questions=tuple(out), sid=ids_from.sid)
