"""The instrument model: one questionnaire, declared as data.

An instrument file (YAML, in ``questionnaires/``) declares everything about one questionnaire:
wording (Vietnamese first, English second), answer scales and codes, the LimeSurvey layout, what
each item mirrors in an official index, how items aggregate, the methodology constants with their
source and a ``verified`` flag, and the profile and design variables. Everything downstream reads
this model; nothing repeats it.

The classes here are the *shape* (parsed by pydantic). Cross-references (scale names, component
ids, item ids, codes) are checked by :mod:`cchc_survey.instrument.validate`, and files are read by
:func:`cchc_survey.instrument.load.load_instrument`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Code = int | str
"""An answer code: an integer for ordinal scales (1..5), a short string otherwise (``F``, ``Y``)."""

LANGS = ("vi", "en")

# LimeSurvey question types the instruments use. Items of the types in ``SUBQUESTION_TYPES`` have
# one column per sub-question; ``CHOICE_TYPES`` take their answers from a scale.
QuestionType = Literal["F", "L", "!", "G", "Y", "M", "N", "S", "T", "D"]
SUBQUESTION_TYPES = frozenset({"F", "M"})
CHOICE_TYPES = frozenset({"F", "L", "!"})
FIXED_CODE_TYPES = {"G": "gender", "Y": "yesno", "M": "checked"}
TEXT_TYPES = frozenset({"S", "T"})

Level = str
Period = Literal["month", "quarter", "half", "year"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in the instrument's languages. Vietnamese is required, English is expected."""

    vi: str
    en: str = ""

    @field_validator("vi")
    @classmethod
    def _vi_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the Vietnamese text is empty")
        return v

    def get(self, lang: str) -> str:
        """The text in ``lang`` (falls back to Vietnamese when the English text is missing)."""
        if lang == "en" and self.en:
            return self.en
        return self.vi


class Provenance(_Strict):
    """Where a methodology constant comes from, and whether it was checked against that source."""

    source: str
    verified: bool
    source_url: str = ""
    note: str = ""


class ScaleOption(_Strict):
    code: Code
    vi: str
    en: str = ""

    @property
    def label(self) -> Text:
        return Text(vi=self.vi, en=self.en)


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
    code: str
    text: Text
    id: str = ""
    mirrors: list[str] = Field(default_factory=list)
    score: str = ""
    reverse: bool = False


class Question(_Strict):
    """One LimeSurvey question. Questions of type F (array) and M (multiple choice) carry
    sub-questions, each of which is one item; the others are one item themselves."""

    code: str
    type: QuestionType
    text: Text
    help: Text | None = None
    id: str = ""
    scale: str = ""
    mandatory: bool = False
    hidden: bool = False
    other: bool = False
    filter: list[Filter] = Field(default_factory=list)
    subquestions: list[SubQuestion] = Field(default_factory=list)
    mirrors: list[str] = Field(default_factory=list)
    score: str = ""
    reverse: bool = False
    min: float | None = None
    max: float | None = None
    role: Literal["item", "profile", "design", "meta", "open"] = "item"


class Group(_Strict):
    code: str
    title: Text
    description: Text | None = None
    filter: list[Filter] = Field(default_factory=list)
    questions: list[Question]


class Component(_Strict):
    """A node of the official index structure (index/element/criterion; total/dimension/...)."""

    id: str
    level: Level
    label: Text
    range: tuple[float, float] | None = None
    overall_item: str = ""
    children: list[Component] = Field(default_factory=list)


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
    list or multiple-choice question.
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
    kind: Literal["answer", "other"] = "answer"

    @property
    def column(self) -> str:
        """The column name in a LimeSurvey export with code headings (``TC[A1]``, ``GIOITINH``)."""
        if self.kind == "other":
            return f"{self.question_code}[other]"
        return f"{self.question_code}[{self.subcode}]" if self.subcode else self.question_code


def default_item_id(qcode: str, subcode: str = "") -> str:
    """The item id used when a file gives none: ``tc_a1`` for ``TC[A1]``, ``gioitinh``."""
    return f"{qcode}_{subcode}".lower() if subcode else qcode.lower()


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


def _item_from(
    g: Group, q: Question, *, iid: str, sub: SubQuestion | None, kind: str = "answer"
) -> Item:
    scale = q.scale or FIXED_CODE_TYPES.get(q.type, "")
    filters = (*g.filter, *q.filter)
    if kind == "other":
        return Item(
            id=iid, question_code=q.code, subcode="other", type=q.type,
            text=Text(vi=f"{q.text.vi} [Khác]", en=f"{q.text.en} [Other]" if q.text.en else ""),
            question_text=q.text, scale="", mandatory=False, filter=filters, group=g.code,
            mirrors=(), score="", reverse=False, role="open", hidden=q.hidden, kind="other",
        )
    if sub is None:
        return Item(
            id=iid, question_code=q.code, subcode="", type=q.type, text=q.text, question_text=q.text,
            scale=scale, mandatory=q.mandatory, filter=filters, group=g.code,
            mirrors=tuple(q.mirrors), score=q.score, reverse=q.reverse, role=q.role,
            hidden=q.hidden,
        )
    return Item(
        id=iid, question_code=q.code, subcode=sub.code, type=q.type, text=sub.text,
        question_text=q.text, scale=scale, mandatory=q.mandatory, filter=filters, group=g.code,
        mirrors=tuple(sub.mirrors or q.mirrors), score=sub.score or q.score,
        reverse=sub.reverse or q.reverse, role=q.role, hidden=q.hidden,
    )


def iter_items(spec: InstrumentSpec) -> Iterator[Item]:
    """Expand questions into items, in questionnaire order."""
    for g in spec.groups:
        for q in g.questions:
            base = q.id or default_item_id(q.code)
            if q.type in SUBQUESTION_TYPES:
                for sq in q.subquestions:
                    yield _item_from(g, q, iid=sq.id or default_item_id(q.code, sq.code), sub=sq)
            else:
                yield _item_from(g, q, iid=base, sub=None)
            if q.other:
                yield _item_from(g, q, iid=f"{base}_other", sub=None, kind="other")


BUILTIN_SCALES: dict[str, Scale] = {
    "gender": Scale(
        ordered=False,
        options=[ScaleOption(code="F", vi="Nữ", en="Female"), ScaleOption(code="M", vi="Nam", en="Male")],
    ),
    "yesno": Scale(
        ordered=False,
        options=[ScaleOption(code="Y", vi="Có", en="Yes"), ScaleOption(code="N", vi="Không", en="No")],
    ),
    "checked": Scale(
        ordered=False,
        options=[ScaleOption(code="Y", vi="Có", en="Yes")],
    ),
}
"""Scales LimeSurvey fixes by question type (G, Y, M); an instrument may not redefine them."""
