"""An instrument from any LimeSurvey survey: its structure (read from a ``.lss``) as an
instrument YAML the analyst completes.

What the survey says is written as it is: groups, every question with its type, code, texts in
every language, help, mandatory flag, sub-questions (rows and columns), "other", LimeSurvey's
advanced settings; answer options become scales (questions sharing the same options share one
scale); relevance equations become filters where an instrument filter says the same
(``((Q.NAOK == "1" or Q.NAOK == "2"))``, what the instrument's own ``.lss`` writes) and are kept
as text otherwise. What a ``.lss`` cannot say is left for the analyst, marked: the methodology
(``verified: false``), what each item ``mirrors`` in an official index, which codes mean "don't
know"; profile and design variables are guessed from the questions' texts and types, and the
file says so in comments.

The result loads (:func:`~cchc_survey.instrument.load.parse_instrument`), writes a ``.lss``, and
its codebook equals the ``.lss`` codebook read with it
(:func:`~cchc_survey.instrument.structure.attach_instrument`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..structure import Codebook, Question, default_item_id, plain, question_type
from ..structure.relevance import conditions
from ..text import fold
from .model import Filter, Instrument
from .structure import DEFAULT_DATE_FORMAT

PROFILE_WORDS = ("gioi tinh", "tuoi", "nam sinh", "hoc van", "trinh do", "nghe nghiep",
                 "dan toc", "thu nhap", "gender", "age", "year of birth", "education",
                 "occupation", "income", "ethnic")
"""Words of a question text that make it a guessed profile variable (folded: no diacritics)."""
UNIT_WORDS = ("don vi", "co quan", "ubnd", "huyen", "phuong", "department", "office",
              "district", "commune", "unit")
"""Words of a single-choice question's text that make it a guessed unit (design variable)."""


class _Flow(dict[str, Any]):
    """A mapping written on one line (``{vi: ..., en: ...}``)."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the same text twice is written twice
        return True


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))
_Dumper.add_representer(  # a text on several lines is written as its lines (``|``)
    str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v,
                                         style="|" if "\n" in v else None))


def _filters(relevance: str) -> list[Filter] | None:
    """Instrument filters saying exactly ``relevance`` (None when they cannot)."""
    conds = conditions(relevance)
    if conds is None:
        return None
    return [Filter.model_validate({"question": q, "in": [_code(c) for c in codes]})
            for q, codes in conds]


def _code(c: str) -> int | str:
    """An answer code as the YAML holds it: a whole number without leading zeros as a number."""
    return int(c) if c.isdigit() and str(int(c)) == c else c


def _text(texts: Mapping[str, str], langs: tuple[str, ...]) -> dict[str, str]:
    """A text in every language it has; a language without it is written ``''`` (else the
    instrument would show another language's text there)."""
    given = [lg for lg in langs if texts.get(lg, "")]
    out = {lg: texts.get(lg, "") for lg in langs if given}
    return _Flow(out) if not any("\n" in v for v in out.values()) else out


def _scale_key(q: Question, scale_id: int, langs: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple((a.code, tuple(a.labels.get(lg, "") for lg in langs))
                 for a in q.answers_of_scale(scale_id) if not a.fixed)


def _scale_name(code: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]", "", code.lower()) or "scale"
    name, i = base, 2
    while name in taken or name in ("gender", "yesno", "checked"):
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def _words(q: Question) -> str:
    """The question's texts, folded (no diacritics, lower case), without HTML, padded."""
    return " " + " ".join(re.sub(r"[^a-z0-9]+", " ", fold(plain(v))) for v in q.texts.values()) + " "


def _guess_role(q: Question) -> str:
    qt = question_type(q.type)
    if qt.value in ("text", "equation", "files", "display"):
        return "open" if qt.value == "text" else "item"
    if q.type == "G" or (qt.layout == "single" and qt.value in ("code", "number") and any(
            f" {w} " in _words(q) for w in PROFILE_WORDS)):
        return "profile"
    return "item"


def instrument_data(cb: Codebook, instrument_id: str = "", version: str = "") -> tuple[
        dict[str, Any], dict[str, str]]:
    """The instrument (as YAML data) of a survey structure, and the guesses it makes.

    Returns:
        ``(data, notes)``: the mapping :func:`to_yaml` writes, and for each guessed field
        (``design.unit``, ``design.profile``) what it was guessed from.
    """
    langs = tuple(cb.languages)
    sid = cb.sid or 0
    iid = instrument_id or (f"lss_{sid}" if sid else "lss_survey")
    scales: dict[str, dict[str, Any]] = {}
    by_key: dict[tuple[Any, ...], str] = {}
    taken: set[str] = set()
    profile: list[str] = []
    unit = ""
    notes: dict[str, str] = {}

    def scale_of(q: Question, scale_id: int) -> str:
        key = _scale_key(q, scale_id, langs)
        if not key:
            return ""
        if key not in by_key:
            name = _scale_name(q.code if scale_id == 0 else f"{q.code}_2", taken)
            by_key[key] = name
            scales[name] = {"options": [
                _Flow({"code": _code(a.code), **{lg: a.labels.get(lg, "") for lg in langs
                                                  if a.labels.get(lg, "")}})
                for a in q.answers_of_scale(scale_id) if not a.fixed]}
        return by_key[key]

    groups = []
    for g in cb.groups:
        gd: dict[str, Any] = {"code": g.code, "title": _text(g.titles, langs)}
        if any(g.descriptions.values()):
            gd["description"] = _text(g.descriptions, langs)
        gf = _filters(g.relevance)
        if gf:
            gd["filter"] = [_Flow({"question": f.question, "in": list(f.in_)}) for f in gf]
        elif gf is None:
            gd["relevance"] = g.relevance
        questions = []
        for q in (q for q in cb.questions if q.group == g.code):
            qt = question_type(q.type)
            qd: dict[str, Any] = {"code": q.code, "type": q.type, "text": _text(q.texts, langs)}
            if any(q.help.values()):
                qd["help"] = _text(q.help, langs)
            if qt.answers == "options":
                qd["scale"] = scale_of(q, 0)
                if q.type == "1":
                    qd["scale2"] = scale_of(q, 1)
            if q.mandatory in ("Y", "S"):
                qd["mandatory"] = True if q.mandatory == "Y" else "soft"
            attrs = dict(q.attributes)
            if attrs.get("hidden") == "1":
                qd["hidden"] = True
                del attrs["hidden"]
            if q.other:
                qd["other"] = True
            qf = _filters(q.relevance)
            if qf:
                qd["filter"] = [_Flow({"question": f.question, "in": list(f.in_)}) for f in qf]
            elif qf is None:
                qd["relevance"] = q.relevance
            if qt.has_subquestions:
                for key, scale_id in (("subquestions", 0), ("columns", 1)):
                    subs = [_Flow({"code": s.code, "text": _text(s.texts, langs),
                                   **({"relevance": s.relevance} if s.relevance.strip() not in
                                      ("", "1") else {})})
                            for s in q.subquestions_of_scale(scale_id)]
                    if subs and (scale_id == 0 or qt.layout == "array"):
                        qd[key] = subs
            if attrs or (q.type == "D" and attrs.get("date_format") != DEFAULT_DATE_FORMAT):
                qd["attributes"] = _Flow(sorted(attrs.items()))
            role = _guess_role(q)
            if role != "item":
                qd["role"] = role
            item = q.item_id or default_item_id(q.code)
            if role == "profile" and qt.layout == "single":
                profile.append(item)
                notes.setdefault("design.profile", "guessed from the question types and texts")
            if (not unit and qt.layout == "single" and qt.answers == "options"
                    and any(f" {w} " in _words(q) for w in UNIT_WORDS)):
                unit = item
                notes["design.unit"] = f"guessed from question {q.code}'s text"
            questions.append(qd)
        gd["questions"] = questions
        groups.append(gd)

    title = _text(cb.title, langs)
    data: dict[str, Any] = {
        "id": iid,
        "version": version or "1",
        "languages": list(langs),
        "title": title,
    }
    if any(cb.description.values()):
        data["description"] = _text(cb.description, langs)
    data["methodology"] = {
        "index": "OTHER", "model": "from_lss", "name": title,
        "source": "to be filled in: the document that defines how this survey is scored",
        "verified": False,
        "components": [{"id": "total", "level": "total", "label": title}],
        "aggregation": {"default": "main", "variants": [{
            "id": "main", "label": _Flow({lg: "main" for lg in langs[:1]}),
            "source": "to be filled in", "verified": False,
            "rules": {"total": {"combine": "mean"}}}]},
    }
    data["scales"] = scales
    data["groups"] = groups
    design: dict[str, Any] = {}
    if unit:
        design["unit"] = unit
    if profile:
        design["profile"] = profile
    if design:
        data["design"] = design
    return data, notes


_HEADER = """\
# Instrument written from the LimeSurvey survey structure {source}.
# Everything the survey says is here as LimeSurvey holds it; check it, then fill in:
#   * methodology: how the survey is scored and where that is written (source, verified);
#   * mirrors: under each item that mirrors a component of an official index;
#   * missing: under a scale, the codes that mean "don't know / not applicable";
#   * design: the guessed variables below (unit, profile) and the design ones (stratum...).
"""

_COMMENTS = {
    "methodology": "# TO FILL IN: the components, scores and aggregation of the index this "
                   "survey mirrors (verified: false until checked against its source).",
    "scales": "# Answer options of the survey; list 'don't know' codes under 'missing:' with "
              "their reason.",
    "groups": "# Questions as in the survey. Add 'mirrors: [component id]' to what an official "
              "index measures.",
    "design": "# GUESSED from the questions: check, and add stratum, cluster, weight where the "
              "sample has them.",
}


def to_yaml(data: dict[str, Any], source: str = "", notes: Mapping[str, str] | None = None
            ) -> str:
    """The YAML text of :func:`instrument_data`, with the comments an analyst needs."""
    parts = [_HEADER.format(source=source or "(.lss)")]
    for key, value in data.items():
        comment = _COMMENTS.get(key)
        if comment:
            parts.append("\n" + comment + "\n")
        if key == "design" and notes:
            parts.extend(f"#   {k}: {v}\n" for k, v in notes.items())
        parts.append(yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True,
                               sort_keys=False, width=100, default_flow_style=False))
    return "".join(parts)


def from_codebook(cb: Codebook, instrument_id: str = "", version: str = "",
                  source: str = "") -> str:
    """The instrument YAML of a survey structure (:func:`instrument_data`, :func:`to_yaml`)."""
    data, notes = instrument_data(cb, instrument_id, version)
    return to_yaml(data, source or cb.source, notes)




def instrument_from_lss(lss: str | Path, instrument_id: str = "") -> Instrument:
    """The instrument of a LimeSurvey survey structure file, loaded (what ``cchc-survey
    instrument from-lss`` writes, without writing it): for a report straight from a ``.lss``."""
    from ..limesurvey.lss import read_lss
    from .load import parse_instrument

    path = Path(lss)
    cb = read_lss(path)
    return parse_instrument(from_codebook(cb, instrument_id=instrument_id, source=path.name),
                            str(path))


__all__ = ["from_codebook", "instrument_data", "instrument_from_lss", "to_yaml"]
