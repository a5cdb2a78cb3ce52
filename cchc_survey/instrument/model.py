"""The instrument model: one questionnaire, declared as data.

An instrument file (YAML, in ``questionnaires/``) declares everything about one questionnaire:
wording (Vietnamese first, English second), answer scales and codes, the LimeSurvey layout, what
each item mirrors in an official index, how items aggregate, the methodology constants with their
source and a ``verified`` flag, and the profile and design variables. Everything downstream reads
this model; nothing repeats it.

The classes here are the *shape* (parsed by pydantic). Cross-references (scale names, component
ids, item ids, codes) are checked by :mod:`cchc_survey.instrument.validate`, and files are read by
:func:`cchc_survey.instrument.load.load_instrument`.

Why this module is longer than 500 lines: it is the file format itself, one pydantic class per
part of the YAML (texts, scales, questions, groups, methodology, design, checks), and the
validated :class:`Instrument` with its items; each part names the others, and one file is the
one place an analyst or a reviewer reads to know what an instrument may say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..structure import Answer as _Answer
from ..structure import Question as _StructureQuestion
from ..structure import Subquestion as _Subquestion
from ..structure.columns import default_item_id, question_columns
from ..structure.limesurvey import (
    CHECKED,
    GENDER,
    QUESTION_TYPES,
    YES_NO,
    FixedAnswer,
    ls_text,
)

Code = int | str
"""An answer code: an integer for ordinal scales (1..5), a short string otherwise (``F``, ``Y``)."""

LANGS = ("vi", "en")

# Every LimeSurvey question type (what each makes: :mod:`cchc_survey.structure.limesurvey`).
QuestionType = Literal["5", "A", "B", "C", "E", "F", "H", "1", ":", ";", "D", "G", "I", "K", "L",
                       "!", "O", "M", "N", "P", "Q", "R", "S", "T", "U", "X", "Y", "|", "*"]
SUBQUESTION_TYPES = frozenset(t for t, qt in QUESTION_TYPES.items() if qt.has_subquestions)
"""Types whose columns come from sub-questions (arrays, multiple choice, multiple inputs)."""
CHOICE_TYPES = frozenset(t for t, qt in QUESTION_TYPES.items() if qt.answers == "options")
"""Types whose answers come from a scale of the instrument (F H 1 L ! O R)."""
FIXED_CODE_TYPES = {"G": "gender", "Y": "yesno", "M": "checked"}
TEXT_TYPES = frozenset(t for t, qt in QUESTION_TYPES.items() if qt.value == "text")

Level = str
Period = Literal["month", "quarter", "half", "year"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in the instrument's languages: ``vi`` and ``en``, and any other language of the
    instrument by its code (``fr: ...``). The text of the instrument's first language is
    required (:mod:`.validate`), Vietnamese first for the bundled instruments."""

    model_config = ConfigDict(extra="allow", frozen=True)

    vi: str = ""
    en: str = ""

    @property
    def others(self) -> dict[str, str]:
        """The texts in languages other than Vietnamese and English."""
        return {k: str(v) for k, v in (self.model_extra or {}).items()}

    def given(self, lang: str) -> bool:
        """Whether the file gives this text in ``lang`` (even as ``''``)."""
        return lang in self.model_fields_set or lang in (self.model_extra or {})

    def get(self, lang: str) -> str:
        """The text in ``lang``; a text not given in ``lang`` is written in Vietnamese, else in
        English (as LimeSurvey shows its base language); ``''`` given stays empty."""
        own = self.vi if lang == "vi" else self.en if lang == "en" else self.others.get(lang, "")
        if own or self.given(lang):
            return own
        return self.vi or self.en or next(iter(self.others.values()), "")


class Provenance(_Strict):
    """Where a methodology constant comes from, and whether it was checked against that source."""

    source: str
    verified: bool
    source_url: str = ""
    note: str = ""


class ScaleOption(_Strict):
    """One answer option: its code and its label in each language (``vi``, ``en``, others)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: Code
    vi: str = ""
    en: str = ""

    @property
    def label(self) -> Text:
        return Text.model_validate({**({"vi": self.vi} if self.vi else {}), "en": self.en,
                                    **(self.model_extra or {})})


class MissingOption(ScaleOption):
    """A code that means the answer carries no value: it becomes missing, its reason is kept."""

    reason: Literal["dont_know", "not_applicable", "refused"]


class Satisfied(Provenance):
    """Which answer codes count as "satisfied" (a methodology constant)."""

    codes: list[Code]


class Scale(_Strict):
    """An answer scale: codes with labels, the non-substantive codes, and the satisfied codes."""

    options: list[ScaleOption]
    missing: list[MissingOption] = Field(default_factory=list)
    satisfied: Satisfied | None = None
    ordered: bool = True

    @property
    def codes(self) -> list[Code]:
        return [o.code for o in self.options]

    @property
    def missing_codes(self) -> list[Code]:
        return [o.code for o in self.missing]

    @property
    def all_options(self) -> list[ScaleOption]:
        return [*self.options, *self.missing]

    def label(self, code: Code, lang: str = "vi") -> str:
        for o in self.all_options:
            if o.code == code:
                return o.label.get(lang)
        raise KeyError(code)


class Filter(_Strict):
    """Ask a question only when an earlier single-choice question's answer is one of ``in``."""

    question: str
    in_: list[Code] = Field(alias="in")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SubQuestion(_Strict):
    """A row of an array, an option of a multiple choice, a column of a ``:``/``;`` array.

    ``relevance``: LimeSurvey's relevance equation of the sub-question ("" = always shown)."""

    code: str
    text: Text
    id: str = ""
    mirrors: list[str] = Field(default_factory=list)
    score: str = ""
    reverse: bool = False
    relevance: str = ""


class Question(_Strict):
    """One LimeSurvey question (any type: :mod:`cchc_survey.structure.limesurvey`).

    Questions with sub-questions (arrays, multiple choice, multiple inputs) have one item per
    sub-question; ``:``/``;`` arrays one per row (``subquestions``) x column (``columns``) and a
    dual-scale array (1) two per row, the second on ``scale2``; the others are one item
    themselves (with an "other" text, a comment, a file count where the type has one).

    ``filter`` says when the question is asked, in the instrument's terms; ``relevance`` keeps
    a LimeSurvey relevance equation that filters cannot express (read from a ``.lss``: it is
    written back as it is, and the checks do not evaluate it). ``mandatory`` may be ``soft``
    (LimeSurvey asks once). ``attributes``: LimeSurvey's advanced settings written as given
    (``name[lang]`` for a language's own value); left out, the instrument's defaults apply
    (``hidden``, ``min``/``max`` of numbers, the date format of dates).
    """

    code: str
    type: QuestionType
    text: Text
    help: Text | None = None
    id: str = ""
    scale: str = ""
    scale2: str = ""
    mandatory: bool | Literal["soft"] = False
    hidden: bool = False
    other: bool = False
    filter: list[Filter] = Field(default_factory=list)
    relevance: str = ""
    subquestions: list[SubQuestion] = Field(default_factory=list)
    columns: list[SubQuestion] = Field(default_factory=list)
    mirrors: list[str] = Field(default_factory=list)
    score: str = ""
    reverse: bool = False
    min: float | None = None
    max: float | None = None
    attributes: dict[str, str] | None = None
    role: Literal["item", "profile", "design", "meta", "open"] = "item"


class Group(_Strict):
    """A question group (a page). ``relevance``: a LimeSurvey equation kept as text (see
    :class:`Question`)."""

    code: str
    title: Text
    description: Text | None = None
    filter: list[Filter] = Field(default_factory=list)
    relevance: str = ""
    questions: list[Question]


class OfficialCounterpart(_Strict):
    """The published official component a component of the instrument corresponds to.

    ``component`` is the code of the official tables (``total``, ``D6``, ``D6.1``, ``policy``,
    ``services``, ``services.access``: see :mod:`cchc_survey.official.loader`) of the
    instrument's index; ``note`` says how far the two are alike (printed beside every
    comparison). In YAML either ``official: total`` or ``official: {component: total, note: ...}``.
    """

    component: str
    note: Text | None = None


class Component(_Strict):
    """A node of the official index structure (index/element/criterion; total/dimension/...).

    ``official``: the official published component it corresponds to (None: no counterpart, the
    component is not compared with official results).
    """

    id: str
    level: Level
    label: Text
    range: tuple[float, float] | None = None
    overall_item: str = ""
    official: OfficialCounterpart | None = None
    children: list[Component] = Field(default_factory=list)

    @field_validator("official", mode="before")
    @classmethod
    def _official_from_text(cls, v: object) -> object:
        return {"component": v} if isinstance(v, str) else v


class ScoreFunction(Provenance):
    """How one answer becomes a respondent-level number before it is averaged.

    * ``indicator``: ``value`` if the code is in ``codes`` (default: the scale's satisfied codes),
      else 0 (a mean of it is the share satisfied x ``value``);
    * ``map``: ``values[code]``;
    * ``linear``: codes (numbers) mapped linearly from ``from_`` to ``to``.
    """

    method: Literal["indicator", "map", "linear"]
    codes: list[Code] | None = None
    value: float = 1.0
    values: dict[Code, float] = Field(default_factory=dict)
    from_: tuple[float, float] | None = Field(default=None, alias="from")
    to: tuple[float, float] | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(_Strict):
    """How a level's score is made from its children's scores (or its items' scores).

    ``combine``: ``mean`` (equal weights), ``weighted_mean`` (``weights`` by child id), ``sum``,
    or ``overall_item`` (the score of the component's own overall question). With ``rescale_from``
    the combined value is mapped linearly from that range onto the component's ``range``.
    """

    combine: Literal["mean", "weighted_mean", "sum", "overall_item"]
    weights: dict[str, float] = Field(default_factory=dict)
    rescale_from: tuple[float, float] | None = None


class Variant(Provenance):
    id: str
    label: Text
    rules: dict[Level, Rule]


class Aggregation(_Strict):
    default: str
    variants: list[Variant]

    def variant(self, vid: str | None = None) -> Variant:
        want = vid or self.default
        for v in self.variants:
            if v.id == want:
                return v
        raise KeyError(want)


class Constant(Provenance):
    """A named methodology constant (a threshold, a point total, a sample-size margin)."""

    value: float | int | str | list[float] | list[int] | list[str]


class Methodology(Provenance):
    index: Literal["SIPAS", "PAPI", "PAR", "OTHER"]
    model: str
    name: Text
    notes: Text | None = None
    components: list[Component]
    scores: dict[str, ScoreFunction] = Field(default_factory=dict)
    score_by_scale: dict[str, str] = Field(default_factory=dict)
    aggregation: Aggregation
    constants: dict[str, Constant] = Field(default_factory=dict)


class WaveSpec(_Strict):
    """The survey wave: a period of a date column (meta ``submitdate`` by default) or an item."""

    source: str = "submitdate"
    period: Period = "month"


class Design(_Strict):
    """Which items hold the design and profile variables. All optional; names are item ids."""

    unit: str = ""
    service: str = ""
    channel: str = ""
    respondent_type: str = ""
    stratum: str = ""
    cluster: str = ""
    weight: str = ""
    selection_probability: str = ""
    wave: WaveSpec = Field(default_factory=WaveSpec)
    profile: list[str] = Field(default_factory=list)


CheckRule = Literal["out_of_scale", "duplicate_respondent", "incomplete", "straightlining",
                    "speeder", "item_nonresponse", "filter_breach"]
DEFAULT_EXCLUDE: tuple[CheckRule, ...] = ("duplicate_respondent", "incomplete")


class Checks(_Strict):
    """Data-quality rules for this instrument's responses (see :mod:`cchc_survey.checks`).

    ``exclude`` lists the rules whose flagged rows are excluded from analysis: an explicit
    decision recorded with its reason, never a silent drop.
    """

    speeder_seconds: float | None = None
    speeder_fraction_of_median: float = 0.3
    straightline_min_items: int = 4
    item_nonresponse_max: float = 0.5
    exclude: list[CheckRule] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE))


class InstrumentSpec(_Strict):
    """The file's content, as parsed (before cross-reference checks)."""

    id: str
    version: str
    languages: list[str] = Field(default_factory=lambda: list(LANGS))
    title: Text
    description: Text | None = None
    methodology: Methodology
    scales: dict[str, Scale]
    groups: list[Group]
    design: Design = Field(default_factory=Design)
    checks: Checks = Field(default_factory=Checks)
    anonymous: bool | None = None
    """True: answers are never linked to a participant (LimeSurvey ``anonymized``); False: they
    may be; None (not declared): decided by whether a text respondents read promises anonymity
    (see :mod:`cchc_survey.limesurvey.lss.settings`)."""


@dataclass(frozen=True)
class Item:
    """One response column: a question without sub-questions, or one sub-question.

    ``kind`` is ``answer`` for the substantive value, ``other`` for the "other" free text of a
    list or multiple-choice question, ``comment`` for a comment (list with comment, multiple
    choice with comments), ``filecount`` for the number of files uploaded. ``heading`` is the
    column's code heading (:attr:`column`).
    """

    id: str
    question_code: str
    subcode: str
    type: str
    text: Text
    question_text: Text
    scale: str
    mandatory: bool
    filter: tuple[Filter, ...]
    group: str
    mirrors: tuple[str, ...]
    score: str
    reverse: bool
    role: str
    hidden: bool
    kind: Literal["answer", "other", "comment", "filecount"] = "answer"
    heading: str = ""

    @property
    def column(self) -> str:
        """The column name in a LimeSurvey export with code headings (``TC[A1]``, ``GIOITINH``)."""
        if self.heading:
            return self.heading
        if self.kind == "other":
            return f"{self.question_code}[other]"
        return f"{self.question_code}[{self.subcode}]" if self.subcode else self.question_code


class Instrument:
    """A validated instrument. Build it with :func:`cchc_survey.instrument.load_instrument`."""

    def __init__(self, spec: InstrumentSpec, path: str = "", warnings: list[str] | None = None):
        self.spec = spec
        self.path = path
        self.warnings: list[str] = list(warnings or [])

    # --- identity -------------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def title(self) -> Text:
        return self.spec.title

    @property
    def methodology(self) -> Methodology:
        return self.spec.methodology

    @property
    def scales(self) -> dict[str, Scale]:
        return {**BUILTIN_SCALES, **self.spec.scales}

    @property
    def design(self) -> Design:
        return self.spec.design

    def __repr__(self) -> str:
        return f"Instrument({self.id!r}, version={self.version!r}, items={len(self.items)})"

    # --- items ----------------------------------------------------------------------------------
    @cached_property
    def items(self) -> list[Item]:
        return list(iter_items(self.spec))

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {it.id: it for it in self.items}

    def item(self, item_id: str) -> Item:
        try:
            return self._by_id[item_id]
        except KeyError:
            raise KeyError(f"instrument {self.id!r} has no item {item_id!r}") from None

    def has_item(self, item_id: str) -> bool:
        return item_id in self._by_id

    def scale_of(self, item: Item | str) -> Scale | None:
        it = self.item(item) if isinstance(item, str) else item
        return self.scales.get(it.scale) if it.scale else None

    def questions(self) -> Iterator[tuple[Group, Question]]:
        for g in self.spec.groups:
            for q in g.questions:
                yield g, q

    # --- the official structure -----------------------------------------------------------------
    @cached_property
    def components(self) -> dict[str, Component]:
        out: dict[str, Component] = {}

        def walk(c: Component) -> None:
            out[c.id] = c
            for ch in c.children:
                walk(ch)

        for c in self.methodology.components:
            walk(c)
        return out

    @cached_property
    def parents(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for c in self.components.values():
            for ch in c.children:
                out[ch.id] = c.id
        return out

    def mirroring_items(self, component_id: str) -> list[Item]:
        """Items that mirror ``component_id`` directly (in questionnaire order)."""
        return [it for it in self.items if component_id in it.mirrors]

    def score_function(self, item: Item) -> ScoreFunction | None:
        name = item.score or self.methodology.score_by_scale.get(item.scale, "")
        return self.methodology.scores.get(name) if name else None


def _text_of(vi: str, en: str) -> Text:
    """A text of the given languages (an empty one left out)."""
    return Text.model_validate({k: v for k, v in (("vi", vi), ("en", en)) if v})


def _suffixed(t: Text, msgid: str) -> Text:
    """``t`` followed by LimeSurvey's ``[Khác]`` / ``[Other]`` (or another of its texts)."""
    return _text_of(f"{t.vi} [{ls_text(msgid, 'vi')}]" if t.vi else "",
                    f"{t.en} [{ls_text(msgid, 'en')}]" if t.en else "")


def _layout_question(q: Question, scales: dict[str, Scale]) -> _StructureQuestion:
    """The parts of ``q`` its column layout depends on, as a structure question."""
    subs = tuple(_Subquestion(code=sq.code, texts={}, order=i, scale_id=axis,
                              item_id=sq.id or default_item_id(q.code, sq.code))
                 for axis, part in ((0, q.subquestions), (1, q.columns))
                 for i, sq in enumerate(part, start=1))
    ranks = len(scales[q.scale].all_options) if q.type == "R" and q.scale in scales else 0
    return _StructureQuestion(
        code=q.code, type=q.type, group="", order=0, texts={}, help={}, other=q.other,
        subquestions=subs, item_id=q.id or default_item_id(q.code),
        answers=tuple(_Answer(code=str(i), labels={}, order=i) for i in range(1, ranks + 1)))


def _question_items(g: Group, q: Question, scales: dict[str, Scale]) -> Iterator[Item]:
    """The items of one question: one per response column of its type, text displays none."""
    filters = (*g.filter, *q.filter)
    rows = {sq.code: sq for sq in q.subquestions}
    cols = {sq.code: sq for sq in q.columns}
    fixed = FIXED_CODE_TYPES.get(q.type, "")
    for c in question_columns(_layout_question(q, scales), None, ("vi", "en")):
        if c.value == "display":
            continue
        common: dict[str, Any] = {
            "id": c.item_id, "question_code": q.code, "type": q.type, "question_text": q.text,
            "filter": filters, "group": g.code, "hidden": q.hidden, "heading": c.code}
        if c.kind != "answer":
            msgid = {"other": "Other", "comment": "Comment", "filecount": "filecount - "}[c.kind]
            text = _suffixed(q.text, msgid) if c.kind != "filecount" else q.text
            if c.subquestion.endswith("comment") and c.subquestion[:-7] in rows:
                text = _suffixed(rows[c.subquestion[:-7]].text, "Comment")
            yield Item(subcode=c.subquestion, text=text, scale="", mandatory=False, mirrors=(),
                       score="", reverse=False, role="open" if c.kind != "filecount" else "meta",
                       kind=c.kind, **common)
            continue
        sub = rows.get(c.subquestion)
        if sub is None and "_" in c.subquestion:  # a cell of a : or ; array
            sy, sx = c.subquestion.split("_", 1)
            if sy in rows and sx in cols:
                sub = SubQuestion(code=c.subquestion, text=_text_of(
                    f"{rows[sy].text.vi} / {cols[sx].text.vi}" if rows[sy].text.vi else "",
                    f"{rows[sy].text.en} / {cols[sx].text.en}" if rows[sy].text.en else ""),
                    mirrors=rows[sy].mirrors, score=rows[sy].score, reverse=rows[sy].reverse)
        scale = (q.scale2 if c.scale_id == 1 else q.scale) or fixed
        if q.type == "R":
            sub = SubQuestion(code=c.subquestion, text=_text_of(
                f"{q.text.vi} [{c.texts.get('vi', '')}]" if q.text.vi else "",
                f"{q.text.en} [{c.texts.get('en', '')}]" if q.text.en else ""))
        text = sub.text if sub is not None else q.text
        yield Item(subcode=c.subquestion, text=text, scale=scale,
                   mandatory=q.mandatory is True,
                   mirrors=tuple((sub.mirrors if sub is not None else []) or q.mirrors),
                   score=(sub.score if sub is not None else "") or q.score,
                   reverse=(sub.reverse if sub is not None else False) or q.reverse,
                   role=q.role, **common)


def iter_items(spec: InstrumentSpec) -> Iterator[Item]:
    """Expand questions into items, in questionnaire order (the column layout of each
    question's type, :func:`cchc_survey.structure.columns.question_columns`)."""
    scales = {**BUILTIN_SCALES, **spec.scales}
    for g in spec.groups:
        for q in g.questions:
            yield from _question_items(g, q, scales)


def _builtin(fixed: tuple[FixedAnswer, ...]) -> Scale:
    return Scale(ordered=False, options=[
        ScaleOption(code=f.code, vi=f.labels["vi"], en=f.labels["en"]) for f in fixed])


BUILTIN_SCALES: dict[str, Scale] = {
    "gender": _builtin(GENDER), "yesno": _builtin(YES_NO), "checked": _builtin(CHECKED)}
"""Scales LimeSurvey fixes by question type (G, Y, M; codes and labels from
:mod:`cchc_survey.structure.limesurvey`); an instrument may not redefine them."""
