"""The codebook: what every response column of a survey is called, asks and may contain.

A :class:`Codebook` is the LimeSurvey-shaped view of a questionnaire: groups, questions (code,
type, texts per language, mandatory flag, relevance equation, attributes), sub-questions and
answer codes with their labels per language. It can be built from an instrument
(:func:`codebook_from_instrument`) or read from any LimeSurvey ``.lss`` structure file
(:func:`read_lss`, also for surveys this package did not write). Both give equal codebooks for the
same questionnaire: equality ignores the database ids (sid, gid, qid, aid), which LimeSurvey
reassigns on every import.

From the questions the codebook derives the response *columns* and their name in every
convention LimeSurvey uses (README of the LimeSurvey fixtures, behaviour 14):

* ``code`` heading: ``TC[A1]``, ``NGHENGHIEP[other]``, ``GIOITINH`` (CSV/JSON/Excel exports);
* ``underscore``: ``TC_A1``, ``NGHENGHIEP_other`` (SPSS, R, Stata, VV version 2);
* ``sgqa``: ``385924X2X5A1``, ``385924X1X3other`` (``get_fieldmap``, ``add_response``, VV version
  1) -- only when the ids are known (a codebook read from a ``.lss``);
* ``item_id``: the instrument's item id (``tc_c1``, ``kenh``), or ``q_sq`` in lower case.

Example:
    >>> from cchc_survey.codebook import read_lss
    >>> cb = read_lss("tests/fixtures/limesurvey/survey.lss")
    >>> cb.label("TC[A1]", 5, "en")
    'Very satisfied'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import pandas as pd

from .errors import CchcSurveyError
from .instrument.model import (
    BUILTIN_SCALES,
    FIXED_CODE_TYPES,
    Filter,
    Instrument,
    Text,
    default_item_id,
)
from .text import nfc

ColumnKind = Literal["answer", "other", "comment", "filecount"]

OTHER_CODE = "-oth-"
"""The answer code LimeSurvey stores in a list question's column when "Other" was chosen."""

OTHER_LABEL = {"vi": "Khác", "en": "Other"}
"""Labels LimeSurvey's exports give the other option (``-oth-``, and the ``[other]`` heading)."""

# Question types whose columns are one per sub-question (scale 0).
SUBQUESTION_COLUMN_TYPES = frozenset("FABCEHMKQP")
# Question types LimeSurvey can give an "Other" option (an extra free-text column).
OTHER_TYPES = frozenset("L!MP")
# Question types whose answer options are fixed by LimeSurvey (not in the .lss answers table).
FIXED_ANSWER_TYPES = frozenset(FIXED_CODE_TYPES) | {"P"}
# Question types that hold no response column.
NO_COLUMN_TYPES = frozenset("X")


class CodebookError(CchcSurveyError):
    """A codebook lookup names a column, item or answer code the codebook does not have."""


# --------------------------------------------------------------------------------------------
# the records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CodebookAnswer:
    """One answer option of a question.

    Attributes:
        code: the code stored in the response column (always a string: ``"1"``, ``"F"``).
        labels: label per language.
        order: 1-based position among the question's answers.
        scale_id: LimeSurvey's answer scale (0; 1 for the second scale of dual-scale arrays).
        fixed: True for codes LimeSurvey fixes by type (G, Y, M, the ``-oth-`` of "Other"),
            which a ``.lss`` does not list in its answers table.
        missing: the instrument's reason when the code means "no substantive answer"
            (``dont_know``, ``not_applicable``, ``refused``), else ``""``.
        aid: LimeSurvey's answer id (ignored by equality).
    """

    code: str
    labels: dict[str, str]
    order: int
    scale_id: int = 0
    fixed: bool = False
    missing: str = ""
    aid: int | None = field(default=None, compare=False)

    def label(self, lang: str) -> str:
        return _pick(self.labels, lang)


@dataclass(frozen=True)
class CodebookSubquestion:
    """One sub-question (one row of an array, one option of a multiple-choice question)."""

    code: str
    texts: dict[str, str]
    order: int
    scale_id: int = 0
    relevance: str = "1"
    item_id: str = ""
    qid: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CodebookQuestion:
    """One LimeSurvey question.

    ``attributes`` holds LimeSurvey's advanced settings (``hidden``, ``date_format``,
    ``min_num_value_n``...); a language-specific one is keyed ``name[lang]``. ``scale`` and the
    item ids are the instrument's names (empty or derived when read from a foreign ``.lss``).
    """

    code: str
    type: str
    group: str
    order: int
    texts: dict[str, str]
    help: dict[str, str]
    mandatory: str = "N"
    relevance: str = "1"
    other: bool = False
    subquestions: tuple[CodebookSubquestion, ...] = ()
    answers: tuple[CodebookAnswer, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)
    item_id: str = ""
    scale: str = ""
    qid: int | None = field(default=None, compare=False)
    gid: int | None = field(default=None, compare=False)

    @property
    def hidden(self) -> bool:
        """True when LimeSurvey's ``hidden`` attribute is set (prefilled, never shown)."""
        return self.attributes.get("hidden", "0") == "1"

    @property
    def is_mandatory(self) -> bool:
        return self.mandatory == "Y"

    def subquestions_of_scale(self, scale_id: int) -> list[CodebookSubquestion]:
        return [s for s in self.subquestions if s.scale_id == scale_id]

    def answers_of_scale(self, scale_id: int) -> list[CodebookAnswer]:
        return [a for a in self.answers if a.scale_id == scale_id]


@dataclass(frozen=True)
class CodebookGroup:
    """A question group (a page in LimeSurvey's group-by-group format)."""

    code: str
    order: int
    titles: dict[str, str]
    descriptions: dict[str, str]
    relevance: str = "1"
    gid: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Column:
    """One response column, named in every LimeSurvey convention."""

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

    def heading(self, question: CodebookQuestion, lang: str) -> str:
        """LimeSurvey's ``full`` export heading: ``Question text [Sub-question text]``
        (``[Khác]`` / ``[Other]`` for the other text), the question text alone otherwise."""
        qtext = _pick(question.texts, lang)
        return f"{qtext} [{_pick(self.texts, lang)}]" if self.subquestion else qtext


@dataclass(frozen=True)
class Codebook:
    """A survey's codebook (see the module docstring). Build it with
    :func:`codebook_from_instrument` or :func:`read_lss`."""

    title: dict[str, str]
    languages: tuple[str, ...]
    groups: tuple[CodebookGroup, ...]
    questions: tuple[CodebookQuestion, ...]
    description: dict[str, str] = field(default_factory=dict)
    instrument_id: str = ""
    instrument_version: str = ""
    sid: int | None = field(default=None, compare=False)
    source: str = field(default="", compare=False)

    # --- lookups --------------------------------------------------------------------------------
    @property
    def base_language(self) -> str:
        return self.languages[0]

    def question(self, code: str) -> CodebookQuestion:
        """The question with LimeSurvey code ``code``."""
        for q in self.questions:
            if q.code == code:
                return q
        raise CodebookError(
            f"{self._where()}: no question with code {code!r}. Known codes: "
            f"{', '.join(q.code for q in self.questions)}."
        )

    def group(self, code: str) -> CodebookGroup:
        for g in self.groups:
            if g.code == code:
                return g
        raise CodebookError(f"{self._where()}: no group {code!r}.")

    @cached_property
    def column_list(self) -> tuple[Column, ...]:
        """Every response column, in questionnaire order."""
        out: list[Column] = []
        for q in self.questions:
            out.extend(_question_columns(q, self.sid, self.languages))
        return tuple(out)

    @cached_property
    def _column_index(self) -> dict[str, Column]:
        idx: dict[str, Column] = {}
        for c in self.column_list:
            for name in (c.sgqa, c.underscore, c.item_id, c.code):
                if name:
                    idx[name] = c
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

    def answers_for(self, name: str) -> tuple[CodebookAnswer, ...]:
        """The answer options a column's values are codes of (empty for free text/numbers)."""
        col = self.column(name)
        q = self.question(col.question)
        return _column_answers(q, col)

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
        answers = self.answers_for(column_or_item)
        if not answers:
            raise CodebookError(
                f"{self._where()}: column {col.code} (type {col.type}, {col.kind}) holds free "
                "values, not answer codes: there is no label to look up."
            )
        key = _code_str(code)
        for a in answers:
            if a.code == key:
                return a.label(lang)
        raise CodebookError(
            f"{self._where()}: column {col.code} has no answer code {key!r}; its codes are "
            f"{', '.join(a.code for a in answers)}. Check the data or the questionnaire."
        )

    # --- tables ---------------------------------------------------------------------------------
    def columns(self) -> pd.DataFrame:
        """One row per response column: its names in every convention, texts and flags."""
        rows = []
        qs = {q.code: q for q in self.questions}
        grel = {g.code: g.relevance for g in self.groups}
        for i, c in enumerate(self.column_list):
            q = qs[c.question]
            row: dict[str, object] = {
                "column": c.code, "underscore": c.underscore, "sgqa": c.sgqa,
                "item_id": c.item_id, "question": c.question, "subquestion": c.subquestion,
                "kind": c.kind, "type": c.type, "group": c.group, "position": i + 1,
            }
            for lang in self.languages:
                row[f"text_{lang}"] = c.texts.get(lang, "")
            for lang in self.languages:
                row[f"question_text_{lang}"] = q.texts.get(lang, "")
            for lang in self.languages:
                row[f"heading_{lang}"] = c.heading(q, lang)
            row.update({
                "mandatory": q.is_mandatory and c.kind == "answer", "hidden": q.hidden,
                "relevance": q.relevance, "group_relevance": grel.get(q.group, "1"),
                "scale": q.scale, "n_codes": len(_column_answers(q, c)),
            })
            rows.append(row)
        cols = ["column", "underscore", "sgqa", "item_id", "question", "subquestion", "kind",
                "type", "group", "position", *(f"text_{x}" for x in self.languages),
                *(f"question_text_{x}" for x in self.languages),
                *(f"heading_{x}" for x in self.languages), "mandatory", "hidden",
                "relevance", "group_relevance", "scale", "n_codes"]
        return pd.DataFrame(rows, columns=cols)

    def to_frame(self) -> pd.DataFrame:
        """The analyst's codebook table: one row per column x answer code (one row with an
        empty code for columns of free values), with labels in every language."""
        rows = []
        qs = {q.code: q for q in self.questions}
        for c in self.column_list:
            q = qs[c.question]
            base: dict[str, object] = {
                "column": c.code, "underscore": c.underscore, "sgqa": c.sgqa,
                "item_id": c.item_id, "question": c.question, "subquestion": c.subquestion,
                "type": c.type, "group": c.group,
            }
            for lang in self.languages:
                base[f"text_{lang}"] = c.texts.get(lang, "")
            answers = _column_answers(q, c)
            if not answers:
                rows.append({**base, "code": "", "order": 0, "missing": "",
                             **{f"label_{lang}": "" for lang in self.languages}})
            for a in answers:
                rows.append({**base, "code": a.code, "order": a.order, "missing": a.missing,
                             **{f"label_{lang}": a.label(lang) for lang in self.languages}})
        cols = ["column", "underscore", "sgqa", "item_id", "question", "subquestion", "type",
                "group", *(f"text_{x}" for x in self.languages), "code", "order",
                *(f"label_{x}" for x in self.languages), "missing"]
        return pd.DataFrame(rows, columns=cols)

    def _where(self) -> str:
        return f"codebook of {self.instrument_id or self.source or 'survey'}"


# --------------------------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------------------------
def _pick(texts: Mapping[str, str], lang: str) -> str:
    if texts.get(lang):
        return texts[lang]
    for alt in ("vi", "en"):
        if texts.get(alt):
            return texts[alt]
    return next(iter(texts.values()), "")


def _code_str(code: int | str | float) -> str:
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _sgqa_base(q: CodebookQuestion, sid: int | None) -> str:
    if sid is None or q.gid is None or q.qid is None:
        return ""
    return f"{sid}X{q.gid}X{q.qid}"


def _question_columns(
    q: CodebookQuestion, sid: int | None, languages: Iterable[str]
) -> list[Column]:
    base = _sgqa_base(q, sid)
    out: list[Column] = []
    langs = tuple(languages)
    qitem = q.item_id or default_item_id(q.code)

    def col(suffix: str, sub: str, kind: ColumnKind, texts: dict[str, str], item: str,
            scale_id: int | None = 0, sgqa_suffix: str | None = None) -> Column:
        return Column(
            code=f"{q.code}[{suffix}]" if suffix else q.code,
            underscore=f"{q.code}_{suffix}" if suffix else q.code,
            sgqa=f"{base}{suffix if sgqa_suffix is None else sgqa_suffix}" if base else "",
            item_id=item, question=q.code, subquestion=sub, kind=kind, type=q.type,
            group=q.group, texts=texts, scale_id=scale_id,
        )

    t = q.type
    if t in NO_COLUMN_TYPES:
        return out
    if t in SUBQUESTION_COLUMN_TYPES:
        for sq in q.subquestions_of_scale(0):
            item = sq.item_id or default_item_id(q.code, sq.code)
            out.append(col(sq.code, sq.code, "answer", dict(sq.texts), item))
            if t == "P":
                out.append(col(f"{sq.code}comment", f"{sq.code}comment", "comment",
                               dict(sq.texts), f"{item}comment", None))
    elif t in {":", ";"}:
        for sy in q.subquestions_of_scale(0):
            for sx in q.subquestions_of_scale(1):
                sub = f"{sy.code}_{sx.code}"
                texts = {lg: f"{_pick(sy.texts, lg)}][{_pick(sx.texts, lg)}" for lg in langs}
                out.append(col(sub, sub, "answer", texts, default_item_id(q.code, sub), None))
    elif t == "1":
        for sq in q.subquestions_of_scale(0):
            for scale in (0, 1):
                sub = f"{sq.code}#{scale}"
                out.append(col(sub, sub, "answer", dict(sq.texts),
                               default_item_id(q.code, f"{sq.code}_{scale}"), scale))
    elif t == "R":
        for i in range(1, len(q.answers_of_scale(0)) + 1):
            texts = {lg: str(i) for lg in langs}
            out.append(col(str(i), str(i), "answer", texts, default_item_id(q.code, str(i))))
    else:
        out.append(col("", "", "answer", dict(q.texts), qitem))
        if t == "O":
            out.append(col("comment", "comment", "comment", dict(q.texts), f"{qitem}_comment",
                           None))
        if t == "|":
            out.append(col("filecount", "filecount", "filecount", dict(q.texts),
                           f"{qitem}_filecount", None, "_filecount"))
    if q.other and t in OTHER_TYPES:
        texts = {lg: OTHER_LABEL.get(lg, OTHER_LABEL["en"]) for lg in langs}
        out.append(col("other", "other", "other", texts, f"{qitem}_other", None))
    return out


def _column_answers(q: CodebookQuestion, c: Column) -> tuple[CodebookAnswer, ...]:
    if c.kind != "answer" or q.type in {":", ";"}:
        return ()  # other/comment texts, arrays of numbers or texts: free values
    if q.type == "1":
        return tuple(q.answers_of_scale(c.scale_id or 0))
    return tuple(q.answers_of_scale(0))


# --------------------------------------------------------------------------------------------
# building a codebook from an instrument
# --------------------------------------------------------------------------------------------
DEFAULT_DATE_FORMAT = "dd/mm/yyyy"
"""LimeSurvey ``date_format`` attribute written for date (D) questions (Vietnamese order)."""


def relevance_from_filters(filters: Iterable[Filter]) -> str:
    """A LimeSurvey Expression Manager relevance equation for instrument filters.

    Each filter becomes ``((Q.NAOK == "c1" or Q.NAOK == "c2"))`` (codes compared as strings, as
    LimeSurvey's own condition-to-relevance conversion writes them); several filters are joined
    with ``and``. No filter gives ``"1"`` (always shown). ``.NAOK`` makes a question whose filter
    question was itself hidden stay hidden instead of raising an error.
    """
    parts = []
    for f in filters:
        ors = " or ".join(f'{f.question}.NAOK == "{_code_str(c)}"' for c in f.in_)
        parts.append(f"(({ors}))")
    return " and ".join(parts) if parts else "1"


def _texts(t: Text | None, langs: Iterable[str]) -> dict[str, str]:
    return {lg: (nfc(t.get(lg)) if t is not None else "") for lg in langs}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def fixed_answers(qtype: str, langs: Iterable[str], other: bool) -> tuple[CodebookAnswer, ...]:
    """The answer codes LimeSurvey fixes by question type (G, Y, M) and the ``-oth-`` code of
    a list with "Other". Labels come from the instrument model's built-in scales."""
    langs = tuple(langs)
    out: list[CodebookAnswer] = []
    scale_name = FIXED_CODE_TYPES.get(qtype, "checked" if qtype == "P" else "")
    if scale_name:
        for i, o in enumerate(BUILTIN_SCALES[scale_name].options, start=1):
            labels = {lg: (o.vi if lg == "vi" else (o.en or o.vi)) for lg in langs}
            out.append(CodebookAnswer(code=str(o.code), labels=labels, order=i, fixed=True))
    if other and qtype in {"L", "!"}:
        labels = {lg: OTHER_LABEL.get(lg, OTHER_LABEL["en"]) for lg in langs}
        out.append(CodebookAnswer(code=OTHER_CODE, labels=labels, order=len(out) + 1,
                                  fixed=True))
    return tuple(out)


def codebook_from_instrument(inst: Instrument) -> Codebook:
    """The codebook of an instrument: what :func:`~cchc_survey.limesurvey.lss.write_lss` writes
    and what :func:`read_lss` reads back from that file.

    Attributes written per question: ``hidden`` = ``1`` for hidden questions; for numeric (N)
    questions ``min_num_value_n`` / ``max_num_value_n`` from ``min`` / ``max``; for dates (D)
    ``date_format`` = :data:`DEFAULT_DATE_FORMAT`. Relevance comes from the filters
    (:func:`relevance_from_filters`); a group filter becomes the group's relevance.
    """
    spec = inst.spec
    langs = tuple(spec.languages)
    scales = inst.scales
    groups: list[CodebookGroup] = []
    questions: list[CodebookQuestion] = []
    for gi, g in enumerate(spec.groups, start=1):
        groups.append(CodebookGroup(
            code=g.code, order=gi, titles=_texts(g.title, langs),
            descriptions=_texts(g.description, langs), relevance=relevance_from_filters(g.filter),
        ))
        for qi, q in enumerate(g.questions, start=1):
            attrs: dict[str, str] = {}
            if q.hidden:
                attrs["hidden"] = "1"
            if q.type == "N" and q.min is not None:
                attrs["min_num_value_n"] = _num(q.min)
            if q.type == "N" and q.max is not None:
                attrs["max_num_value_n"] = _num(q.max)
            if q.type == "D":
                attrs["date_format"] = DEFAULT_DATE_FORMAT
            subs = tuple(
                CodebookSubquestion(code=sq.code, texts=_texts(sq.text, langs), order=si,
                                    item_id=sq.id or default_item_id(q.code, sq.code))
                for si, sq in enumerate(q.subquestions, start=1)
            ) if q.type in SUBQUESTION_COLUMN_TYPES else ()
            answers: tuple[CodebookAnswer, ...] = ()
            if q.type in FIXED_ANSWER_TYPES:
                answers = fixed_answers(q.type, langs, q.other)
            elif q.scale:
                sc = scales[q.scale]
                miss = {_code_str(m.code): m.reason for m in sc.missing}
                answers = tuple(
                    CodebookAnswer(code=_code_str(o.code), labels=_texts(o.label, langs),
                                   order=i, missing=miss.get(_code_str(o.code), ""))
                    for i, o in enumerate(sc.all_options, start=1)
                )
                answers += fixed_answers(q.type, langs, q.other)
            questions.append(CodebookQuestion(
                code=q.code, type=q.type, group=g.code, order=qi, texts=_texts(q.text, langs),
                help=_texts(q.help, langs), mandatory="Y" if q.mandatory else "N",
                relevance=relevance_from_filters(q.filter),
                other=q.other, subquestions=subs, answers=_renumber(answers), attributes=attrs,
                item_id=q.id or default_item_id(q.code),
                scale=q.scale or FIXED_CODE_TYPES.get(q.type, ""),
            ))
    return Codebook(
        title=_texts(spec.title, langs), languages=langs, groups=tuple(groups),
        questions=tuple(questions), description=_texts(spec.description, langs),
        instrument_id=spec.id, instrument_version=spec.version, source=inst.path or spec.id,
    )


def _renumber(answers: tuple[CodebookAnswer, ...]) -> tuple[CodebookAnswer, ...]:
    out = []
    per_scale: dict[int, int] = {}
    for a in answers:
        per_scale[a.scale_id] = per_scale.get(a.scale_id, 0) + 1
        out.append(replace(a, order=per_scale[a.scale_id]) if a.fixed else a)
    return tuple(out)


def attach_instrument(cb: Codebook, inst: Instrument) -> Codebook:
    """Give a codebook read from a ``.lss`` the instrument's own names: instrument id and version,
    group codes, item ids, scale names and the reasons of missing codes.

    Questions are matched by LimeSurvey code, sub-questions and answers by code; whatever does
    not match keeps its derived name (so a ``.lss`` edited on the server still reads).
    """
    iq = {q.code: (g, q) for g, q in inst.questions()}
    # a .lss group takes the instrument group that holds its questions
    gmap: dict[str, str] = {}
    for g in cb.groups:
        codes = [q.code for q in cb.questions if q.group == g.code]
        owners = {iq[c][0].code for c in codes if c in iq}
        if len(owners) == 1:
            gmap[g.code] = owners.pop()
    groups = tuple(replace(g, code=gmap.get(g.code, g.code)) for g in cb.groups)
    qs = []
    for q in cb.questions:
        new_group = gmap.get(q.group, q.group)
        if q.code not in iq:
            qs.append(replace(q, group=new_group))
            continue
        _, spec_q = iq[q.code]
        sub_ids = {s.code: s.id or default_item_id(q.code, s.code) for s in spec_q.subquestions}
        subs = tuple(replace(s, item_id=sub_ids.get(s.code, s.item_id)) for s in q.subquestions)
        miss: dict[str, str] = {}
        if spec_q.scale and spec_q.scale in inst.scales:
            miss = {_code_str(m.code): m.reason for m in inst.scales[spec_q.scale].missing}
        answers = tuple(replace(a, missing=miss.get(a.code, a.missing)) for a in q.answers)
        qs.append(replace(
            q, group=new_group, subquestions=subs, answers=answers,
            item_id=spec_q.id or default_item_id(q.code),
            scale=spec_q.scale or FIXED_CODE_TYPES.get(spec_q.type, ""),
        ))
    return replace(cb, groups=groups, questions=tuple(qs), instrument_id=inst.id,
                   instrument_version=inst.version)


def read_lss(source: str | Path | bytes, instrument: Instrument | None = None) -> Codebook:
    """Read a LimeSurvey ``.lss`` structure file (a path or its bytes) into a codebook.

    See :func:`cchc_survey.limesurvey.lss.read_lss`; with ``instrument`` the codebook takes that
    instrument's names (:func:`attach_instrument`).
    """
    from .limesurvey.lss import read_lss as _read

    cb = _read(source)
    return attach_instrument(cb, instrument) if instrument is not None else cb

