"""An instrument as a survey structure (:class:`~cchc_survey.structure.Codebook`): what the
``.lss`` writer writes, what the ``.lss`` reader reads back from that file, and what the tidy
stage maps an export onto.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..structure import (
    Answer,
    Codebook,
    Group,
    Question,
    Subquestion,
    code_str,
    default_item_id,
    fixed_answers,
    question_type,
)
from ..structure.relevance import write as write_relevance
from ..text import nfc
from .model import FIXED_CODE_TYPES, Filter, Instrument, Text
from .model import Question as InstrumentQuestion

DEFAULT_DATE_FORMAT = "dd/mm/yyyy"
"""LimeSurvey ``date_format`` attribute written for date (D) questions (Vietnamese order)."""


def relevance_from_filters(filters: Iterable[Filter]) -> str:
    """A LimeSurvey Expression Manager relevance equation for instrument filters.

    Each filter becomes ``((Q.NAOK == "c1" or Q.NAOK == "c2"))`` (codes compared as strings, as
    LimeSurvey's own condition-to-relevance conversion writes them); several filters are joined
    with ``and``. No filter gives ``"1"`` (always shown). ``.NAOK`` makes a question whose filter
    question was itself hidden stay hidden instead of raising an error
    (:func:`cchc_survey.structure.relevance.write`, read back by ``conditions``).
    """
    return write_relevance([(f.question, tuple(code_str(c) for c in f.in_)) for f in filters])


def _texts(t: Text | None, langs: Iterable[str]) -> dict[str, str]:
    return {lg: (nfc(t.get(lg)) if t is not None else "") for lg in langs}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _scale_answers(inst: Instrument, name: str, scale_id: int, langs: tuple[str, ...]
                   ) -> tuple[Answer, ...]:
    if not name or name not in inst.spec.scales:
        return ()
    sc = inst.scales[name]
    miss = {code_str(m.code): m.reason for m in sc.missing}
    return tuple(Answer(code=code_str(o.code), labels=_texts(o.label, langs), order=i,
                        scale_id=scale_id, missing=miss.get(code_str(o.code), ""))
                 for i, o in enumerate(sc.all_options, start=1))


def _relevance(text: str, filters: Iterable[Filter]) -> str:
    return text.strip() or relevance_from_filters(filters)


def _attributes(q: InstrumentQuestion) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if q.hidden:
        attrs["hidden"] = "1"
    if q.type == "N" and q.min is not None:
        attrs["min_num_value_n"] = _num(q.min)
    if q.type == "N" and q.max is not None:
        attrs["max_num_value_n"] = _num(q.max)
    if q.attributes is None:
        if q.type == "D":
            attrs["date_format"] = DEFAULT_DATE_FORMAT
    else:
        attrs.update(q.attributes)
    return attrs


def codebook_from_instrument(inst: Instrument) -> Codebook:
    """The codebook of an instrument: what :func:`~cchc_survey.limesurvey.lss.write_lss` writes
    and what :func:`~cchc_survey.limesurvey.lss.read_lss` reads back from that file.

    Attributes written per question: ``hidden`` = ``1`` for hidden questions; for numeric (N)
    questions ``min_num_value_n`` / ``max_num_value_n`` from ``min`` / ``max``; for dates (D)
    ``date_format`` = :data:`DEFAULT_DATE_FORMAT` unless the question gives its own
    ``attributes``. Relevance comes from the filters (:func:`relevance_from_filters`), or is the
    question's own ``relevance`` equation; a group filter becomes the group's relevance.
    """
    spec = inst.spec
    langs = tuple(spec.languages)
    groups: list[Group] = []
    questions: list[Question] = []
    for gi, g in enumerate(spec.groups, start=1):
        groups.append(Group(
            code=g.code, order=gi, titles=_texts(g.title, langs),
            descriptions=_texts(g.description, langs),
            relevance=_relevance(g.relevance, g.filter),
        ))
        for qi, q in enumerate(g.questions, start=1):
            subs = tuple(
                Subquestion(code=sq.code, texts=_texts(sq.text, langs), order=si, scale_id=axis,
                            relevance=sq.relevance.strip() or "1",
                            item_id=sq.id or default_item_id(q.code, sq.code))
                for axis, part in ((0, q.subquestions), (1, q.columns))
                for si, sq in enumerate(part, start=1)
            ) if question_type(q.type).has_subquestions else ()
            answers: tuple[Answer, ...] = ()
            if q.type not in FIXED_CODE_TYPES:
                answers = (_scale_answers(inst, q.scale, 0, langs)
                           + _scale_answers(inst, q.scale2, 1, langs))
            n0 = sum(1 for a in answers if a.scale_id == 0)
            answers += fixed_answers(q.type, langs, q.other, start=n0 + 1)
            questions.append(Question(
                code=q.code, type=q.type, group=g.code, order=qi, texts=_texts(q.text, langs),
                help=_texts(q.help, langs),
                mandatory={True: "Y", False: "N", "soft": "S"}[q.mandatory],
                relevance=_relevance(q.relevance, q.filter),
                other=q.other, subquestions=subs, answers=answers, attributes=_attributes(q),
                item_id=q.id or default_item_id(q.code),
                scale=q.scale or FIXED_CODE_TYPES.get(q.type, ""),
            ))
    return Codebook(
        title=_texts(spec.title, langs), languages=langs, groups=tuple(groups),
        questions=tuple(questions), description=_texts(spec.description, langs),
        instrument_id=spec.id, instrument_version=spec.version, source=inst.path or spec.id,
    )


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
            miss = {code_str(m.code): m.reason for m in inst.scales[spec_q.scale].missing}
        answers = tuple(replace(a, missing=miss.get(a.code, a.missing)) for a in q.answers)
        qs.append(replace(
            q, group=new_group, subquestions=subs, answers=answers,
            item_id=spec_q.id or default_item_id(q.code),
            scale=spec_q.scale or FIXED_CODE_TYPES.get(spec_q.type, ""),
        ))
    return replace(cb, groups=groups, questions=tuple(qs), instrument_id=inst.id,
                   instrument_version=inst.version)
