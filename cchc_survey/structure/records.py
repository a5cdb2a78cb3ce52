"""The records of a survey's structure: groups, questions, sub-questions, answer options
(the parts of a :class:`~cchc_survey.structure.model.Codebook`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .text import pick


@dataclass(frozen=True)
class Answer:
    """One answer option of a question.

    Attributes:
        code: the code stored in the response column (always a string: ``"1"``, ``"F"``).
        labels: label per language.
        order: 1-based position among the question's answers of its scale.
        scale_id: LimeSurvey's answer scale (0; 1 for the second scale of dual-scale arrays).
        fixed: True for codes LimeSurvey fixes by type (5 A B C E G Y M P, the ``-oth-`` of
            "Other"), which a ``.lss`` does not list in its answers table.
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
        return pick(self.labels, lang)


@dataclass(frozen=True)
class Subquestion:
    """One sub-question: a row of an array (scale 0), a column of a ``:``/``;`` array
    (scale 1), one option of a multiple-choice question."""

    code: str
    texts: dict[str, str]
    order: int
    scale_id: int = 0
    relevance: str = "1"
    item_id: str = ""
    qid: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Question:
    """One LimeSurvey question.

    ``mandatory`` is LimeSurvey's ``Y``, ``N`` or ``S`` (soft). ``attributes`` holds
    LimeSurvey's advanced settings (``hidden``, ``date_format``, ``min_num_value_n``...); a
    language-specific one is keyed ``name[lang]``. ``scale`` and the item ids are the
    instrument's names (derived when read from a foreign ``.lss``).
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
    subquestions: tuple[Subquestion, ...] = ()
    answers: tuple[Answer, ...] = ()
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

    def subquestions_of_scale(self, scale_id: int) -> list[Subquestion]:
        return [s for s in self.subquestions if s.scale_id == scale_id]

    def answers_of_scale(self, scale_id: int) -> list[Answer]:
        return [a for a in self.answers if a.scale_id == scale_id]


@dataclass(frozen=True)
class Group:
    """A question group (a page in LimeSurvey's group-by-group format)."""

    code: str
    order: int
    titles: dict[str, str]
    descriptions: dict[str, str]
    relevance: str = "1"
    gid: int | None = field(default=None, compare=False)
