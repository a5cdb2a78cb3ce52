"""The target of the column mapping: which response columns a survey has, and how each is coded.

A :class:`Layout` is built from an instrument (:func:`layout_from_instrument`) or from a
LimeSurvey codebook read from a ``.lss`` (:func:`layout_from_codebook`, for surveys not built from
our instruments). It lists, in questionnaire order, one :class:`ColumnSpec` per response column
with every name that column can carry in an export: the item id, ``Q[SQ]`` (code headings),
``Q_SQ`` (SPSS, R, Stata, VV 2), the SGQA name ``385924X2X5A1`` (VV 1, RPC field map), and the
full-text and abbreviated headings in each language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...text import nfc

META_COLUMNS = ("response_id", "submitdate", "startdate", "datestamp", "lastpage",
                "startlanguage", "complete", "token_hash")
"""The meta columns of the tidy frame, in order."""

# LimeSurvey system columns: (field name, vi heading, en heading). ``seed`` is read and dropped.
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
PERSONAL_FIELDS = ("firstname", "lastname", "email", "emailstatus", "language", "sent",
                   "remindersent", "remindercount", "usesleft", "completed", "ipaddr", "refurl")
"""Participant-table and tracking columns some exports add: personal data, never kept in clear."""

OTHER_LABEL = {"vi": "Khác", "en": "Other"}
NA_LABEL = "N/A"
YES_NO_LABELS = {"vi": {"Y": "Có", "N": "Không"}, "en": {"Y": "Yes", "N": "No"}}
GENDER_LABELS = {"vi": {"F": "Nữ", "M": "Nam"}, "en": {"F": "Female", "M": "Male"}}


@dataclass(frozen=True)
class ColumnSpec:
    """One response column of a survey.

    Attributes:
        item_id: the tidy frame's column name.
        qcode: the LimeSurvey question code (``TC``).
        subcode: the sub-question code (``A1``), ``other`` for the other text, else "".
        qtype: the LimeSurvey question type (``F``, ``L``, ``!``, ``G``, ``Y``, ``M``, ``N``,
            ``S``, ``T``, ``D``; ``O`` list with comment).
        kind: ``answer`` or ``other`` (the free text of an "other" option).
        page: the page the question is on (group order, 1-based) in a group-by-group survey.
        sgqa: the SGQA column name when known (from a ``.lss``).
        codes: the substantive answer codes, as text.
        integer_codes: whether every substantive code is an integer (the item becomes Int64).
        missing: code (text) -> reason, for codes that mean "don't know / not applicable".
        labels: language -> code (text) -> label, for every code.
        question_text: language -> question text (no HTML).
        sub_text: language -> sub-question text.
        has_other: whether the question has an "other" option (``-oth-``).
    """

    item_id: str
    qcode: str
    subcode: str
    qtype: str
    kind: str = "answer"
    page: int = 1
    sgqa: str = ""
    codes: tuple[str, ...] = ()
    integer_codes: bool = False
    missing: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    question_text: Mapping[str, str] = field(default_factory=dict)
    sub_text: Mapping[str, str] = field(default_factory=dict)
    has_other: bool = False

    @property
    def code_heading(self) -> str:
        """``Q[SQ]``, ``Q[other]`` or ``Q``."""
        return f"{self.qcode}[{self.subcode}]" if self.subcode else self.qcode

    @property
    def underscore_name(self) -> str:
        """``Q_SQ``, ``Q_other`` or ``Q`` (SPSS, R, Stata, VV version 2)."""
        return f"{self.qcode}_{self.subcode}" if self.subcode else self.qcode

    def full_heading(self, lang: str) -> str:
        """``Question text [Sub-question text]`` as the ``full`` heading style writes it."""
        q = self.question_text.get(lang, "")
        if self.kind == "other":
            return f"{q} [{OTHER_LABEL.get(lang, 'Other')}]"
        s = self.sub_text.get(lang, "")
        return f"{q} [{s}]" if self.subcode else q

    def abbreviated_heading(self, lang: str) -> str:
        """The ``abbreviated`` heading: each text cut to 15 characters + ``.. ``."""
        q = abbreviate(self.question_text.get(lang, ""))
        if self.kind == "other":
            return f"{q} [{OTHER_LABEL.get(lang, 'Other')}]"
        return f"{q} [{abbreviate(self.sub_text.get(lang, ''))}]" if self.subcode else q

    def names(self, languages: Iterable[str]) -> list[str]:
        """Every name this column can carry in an export (exact strings, before normalising)."""
        out = [self.item_id, self.code_heading, self.underscore_name]
        if self.sgqa:
            out.append(self.sgqa)
        for lang in languages:
            for h in (self.full_heading(lang), self.abbreviated_heading(lang)):
                if h.strip():
                    out.append(h)
                    out.append(h.replace(" ", "_"))
            # VV files write sub-question texts in parentheses.
            if self.subcode:
                sub = (OTHER_LABEL.get(lang, "Other") if self.kind == "other"
                       else self.sub_text.get(lang, ""))
                out.append(f"{self.question_text.get(lang, '')} ({sub})")
        return out


def abbreviate(text: str, n: int = 15) -> str:
    """LimeSurvey's abbreviated heading of one text: the first ``n`` characters + ``.. ``."""
    return text if len(text) <= n else text[:n] + ".. "


def norm_name(name: str) -> str:
    """Normalise a heading for matching: NFC, single spaces, no surrounding space."""
    return " ".join(nfc(name).split())


@dataclass(frozen=True)
class Layout:
    """Every response column of a survey, in questionnaire order.

    Attributes:
        columns: the column specs.
        source: ``instrument`` or ``codebook``.
        source_id: the instrument id, or the survey id of the codebook.
        version: the instrument version ("" for a codebook).
        languages: the survey languages, base language first.
        sid: the LimeSurvey survey id when known (SGQA names start with it).
    """

    columns: tuple[ColumnSpec, ...]
    source: str
    source_id: str
    version: str = ""
    languages: tuple[str, ...] = ("vi", "en")
    sid: str = ""

    @property
    def item_ids(self) -> list[str]:
        return [c.item_id for c in self.columns]

    def spec(self, item_id: str) -> ColumnSpec:
        for c in self.columns:
            if c.item_id == item_id:
                return c
        raise KeyError(item_id)


def _int_like(codes: Iterable[str]) -> bool:
    cs = list(codes)
    return bool(cs) and all(c.lstrip("-").isdigit() for c in cs)


def layout_from_instrument(inst: Any) -> Layout:
    """The layout of an instrument (:class:`cchc_survey.instrument.Instrument`).

    Pages follow the group order (LimeSurvey format ``G``, group by group), which is how the
    instrument's ``.lss`` is written.
    """
    pages = {g.code: i for i, g in enumerate(inst.spec.groups, start=1)}
    other_q = {q.code for _, q in inst.questions() if q.other}
    specs: list[ColumnSpec] = []
    for it in inst.items:
        scale = inst.scales.get(it.scale) if it.scale and it.kind == "answer" else None
        codes: tuple[str, ...] = ()
        labels: dict[str, dict[str, str]] = {"vi": {}, "en": {}}
        missing: dict[str, str] = {}
        if scale is not None:
            codes = tuple(str(o.code) for o in scale.options)
            for o in scale.all_options:
                labels["vi"][str(o.code)] = nfc(o.label.get("vi"))
                labels["en"][str(o.code)] = nfc(o.label.get("en"))
            missing = {str(o.code): o.reason for o in scale.missing}
        qt = it.question_text
        specs.append(ColumnSpec(
            item_id=it.id, qcode=it.question_code,
            subcode="other" if it.kind == "other" else it.subcode,
            qtype=it.type, kind=it.kind, page=pages[it.group], codes=codes,
            integer_codes=_int_like(codes) and it.type in ("F", "L", "!"),
            missing=missing, labels=labels,
            question_text={"vi": nfc(qt.vi), "en": nfc(qt.en)},
            sub_text=({"vi": nfc(it.text.vi), "en": nfc(it.text.en)} if it.subcode and
                      it.kind == "answer" else {}),
            has_other=it.question_code in other_q and it.kind == "answer",
        ))
    langs = tuple(inst.spec.languages) or ("vi", "en")
    return Layout(columns=tuple(specs), source="instrument", source_id=inst.id,
                  version=inst.version, languages=langs)
