"""Writing an instrument or a codebook as a LimeSurvey 6 ``.lss`` (see the package docstring)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from pathlib import Path

from ...codebook import (
    OTHER_CODE,
    Codebook,
    codebook_from_instrument,
)
from ...errors import Problem
from ...instrument.load import load_instrument
from ...instrument.model import Instrument
from .format import (
    _ALNUM,
    _LANG,
    _QCODE,
    _XML_BAD,
    DATE_NUMBER_FORMAT,
    DB_VERSION,
    FIELDS,
    KNOWN_TYPES,
    QUESTION_THEMES,
    RESERVED_QUESTION_CODES,
    SECTION_ORDER,
    LssWriteError,
)
from .settings import anonymity, has_own_no_answer, respondent_texts, survey_settings


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def survey_id_for(instrument_id: str) -> int:
    """A deterministic 6-digit survey id for an instrument (LimeSurvey keeps it on import when
    the id is free, else it picks another): ``100000 + crc32(id) mod 900000``."""
    return 100000 + zlib.crc32(instrument_id.encode("utf-8")) % 900000


def check_writable(cb: Codebook, where: str = "") -> list[Problem]:
    """Problems that would make LimeSurvey's importer reject or rename something."""
    fname = where or cb.source or cb.instrument_id or "<codebook>"
    probs: list[Problem] = []

    def bad(at: str, msg: str, fix: str) -> None:
        probs.append(Problem(fname, at, msg, fix))

    for lg in cb.languages:
        if not _LANG.match(lg):
            bad("languages", f"language code {lg!r} is not a LimeSurvey language code",
                "use codes such as vi, en, fr.")
    seen: set[str] = set()
    for q in cb.questions:
        at = f"question {q.code}"
        if not _QCODE.match(q.code) or len(q.code) > 20:
            bad(at, "a LimeSurvey question code starts with a letter, holds only letters and "
                "digits and has at most 20 characters", "rename the question code (e.g. C1A).")
        if q.code in RESERVED_QUESTION_CODES:
            bad(at, f"{q.code!r} is a reserved word of LimeSurvey's Expression Manager",
                "choose another code.")
        if q.code in seen:
            bad(at, "the question code is used twice", "give each question its own code.")
        seen.add(q.code)
        if q.type not in KNOWN_TYPES:
            bad(at, f"unknown LimeSurvey question type {q.type!r}", "use a LimeSurvey type.")
        sub_seen: set[tuple[int, str]] = set()
        for s in q.subquestions:
            sat = f"{at}, sub-question {s.code}"
            if not _ALNUM.match(s.code) or len(s.code) > 20:
                bad(sat, "a sub-question code holds only letters and digits (at most 20)",
                    "rename it (e.g. A1).")
            if s.code.lower() == "other" and q.other:
                bad(sat, "'other' cannot be a sub-question code when 'Other' is on",
                    "rename the sub-question.")
            if s.code == "time":
                bad(sat, "'time' is reserved for sub-questions", "rename it.")
            if (s.scale_id, s.code.lower()) in sub_seen:
                bad(sat, "the sub-question code is used twice (LimeSurvey ignores case)",
                    "give each sub-question its own code.")
            sub_seen.add((s.scale_id, s.code.lower()))
        ans_seen: set[tuple[int, str]] = set()
        for a in q.answers:
            if a.fixed:
                continue
            aat = f"{at}, answer code {a.code}"
            if not _ALNUM.match(a.code) or len(a.code) > 5:
                bad(aat, "a LimeSurvey answer code holds only letters and digits, at most 5",
                    "shorten or rename the code in the scale.")
            if (a.scale_id, a.code) in ans_seen:
                bad(aat, "the answer code is used twice", "give each option its own code.")
            ans_seen.add((a.scale_id, a.code))
    for text, at in _all_texts(cb):
        if _XML_BAD.search(text):
            bad(at, "the text holds a control character XML cannot carry",
                "remove it (copy-pasted from a PDF?).")
    return probs


def _all_texts(cb: Codebook) -> Iterable[tuple[str, str]]:
    for d in (cb.title, cb.description):
        for v in d.values():
            yield v, "title/description"
    for g in cb.groups:
        for d in (g.titles, g.descriptions):
            for v in d.values():
                yield v, f"group {g.code}"
    for q in cb.questions:
        for d in (q.texts, q.help, q.attributes):
            for v in d.values():
                yield v, f"question {q.code}"
        for s in q.subquestions:
            for v in s.texts.values():
                yield v, f"question {q.code}, sub-question {s.code}"
        for a in q.answers:
            for v in a.labels.values():
                yield v, f"question {q.code}, answer {a.code}"


def _cdata(v: str) -> str:
    return "<![CDATA[" + v.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _section(name: str, rows: list[dict[str, str]]) -> list[str]:
    fields = FIELDS[name]
    out = [f" <{name}>", "  <fields>"]
    out += [f"   <fieldname>{f}</fieldname>" for f in fields]
    out += ["  </fields>", "  <rows>"]
    for row in rows:
        out.append("   <row>")
        for f in fields:
            if f not in row:
                continue  # NULL: LimeSurvey's export leaves the element out
            v = row[f]
            out.append(f"    <{f}/>" if v == "" else f"    <{f}>{_cdata(v)}</{f}>")
        out.append("   </row>")
    out += ["  </rows>", f" </{name}>"]
    return out


def write_lss(
    source: Instrument | Codebook,
    *,
    sid: int | None = None,
    admin: str = "inherit",
    adminemail: str = "inherit",
) -> bytes:
    """Write an instrument (or a codebook) as a LimeSurvey 6 ``.lss`` structure file.

    Ids are deterministic: the survey id from :func:`survey_id_for` (or ``sid``), groups
    ``1..``, questions ``1..`` in questionnaire order, then sub-questions, answers and the
    ``*_l10ns`` rows numbered in order. LimeSurvey renumbers them all on import.

    Args:
        source: an instrument, or a codebook (e.g. one read from another ``.lss``).
        sid: the survey id to ask for.
        admin, adminemail: the survey administrator shown to respondents; ``inherit`` takes
            the server's (survey group) setting.

    Returns:
        The file's bytes (UTF-8 XML).

    Raises:
        LssWriteError: a code LimeSurvey would reject or rename (one problem per code).
    """
    cb = codebook_from_instrument(source) if isinstance(source, Instrument) else source
    where = source.path if isinstance(source, Instrument) and source.path else ""
    probs = check_writable(cb, where)
    anon = anonymity(respondent_texts(cb),
                     source.spec.anonymous if isinstance(source, Instrument) else None)
    if anon.conflict:
        probs.append(Problem(where or cb.source or cb.instrument_id, "anonymous",
                             f"anonymous: false, but the {anon.where} promises respondents "
                             f"anonymity ({anon.promise!r})",
                             "set anonymous: true (answers never linked to a participant) or "
                             "take the promise out of the text"))
    if probs:
        raise LssWriteError(probs, f"{where or cb.source}: cannot be written as a LimeSurvey "
                                   ".lss file")
    s = str(sid if sid is not None else
            (cb.sid or survey_id_for(cb.instrument_id or cb.title.get(cb.base_language, ""))))
    langs = list(cb.languages)
    sec: dict[str, list[dict[str, str]]] = {k: [] for k in SECTION_ORDER}

    gid = {g.code: str(i) for i, g in enumerate(cb.groups, start=1)}
    lid = 0
    for g in cb.groups:
        common = {"sid": s, "group_order": str(g.order), "randomization_group": "",
                  "grelevance": g.relevance}
        sec["groups"].append({"gid": gid[g.code], **common})
        for lg in langs:
            lid += 1
            sec["group_l10ns"].append({
                "id": str(lid), "gid": gid[g.code], "group_name": g.titles.get(lg, ""),
                "description": g.descriptions.get(lg, ""), "language": lg, **common})

    qid = {q.code: i for i, q in enumerate(cb.questions, start=1)}
    next_id = len(cb.questions)
    qlid = 0
    aid = 0
    alid = 0
    for q in cb.questions:
        theme = QUESTION_THEMES.get(q.type, "")
        base = {"sid": s, "gid": gid[q.group], "type": q.type, "preg": "", "encrypted": "N",
                "same_default": "0", "question_theme_name": theme, "modulename": "",
                "same_script": "0"}
        sec["questions"].append({
            "qid": str(qid[q.code]), "parent_qid": "0", "title": q.code,
            "other": "Y" if q.other else "N", "mandatory": q.mandatory or "N",
            "question_order": str(q.order), "scale_id": "0", "relevance": q.relevance, **base})
        for lg in langs:
            qlid += 1
            sec["question_l10ns"].append({
                "id": str(qlid), "qid": str(qid[q.code]), "question": q.texts.get(lg, ""),
                "help": q.help.get(lg, ""), "script": "", "language": lg})
        for sq in q.subquestions:
            next_id += 1
            sec["subquestions"].append({
                "qid": str(next_id), "parent_qid": str(qid[q.code]), "title": sq.code,
                "other": "N", "mandatory": "N", "question_order": str(sq.order),
                "scale_id": str(sq.scale_id), "relevance": sq.relevance, **base})
            for lg in langs:
                qlid += 1
                sec["question_l10ns"].append({
                    "id": str(qlid), "qid": str(next_id), "question": sq.texts.get(lg, ""),
                    "help": "", "script": "", "language": lg})
        for a in q.answers:
            if a.fixed or a.code == OTHER_CODE:
                continue
            aid += 1
            sec["answers"].append({
                "aid": str(aid), "qid": str(qid[q.code]), "code": a.code,
                "sortorder": str(a.order), "assessment_value": "0",
                "scale_id": str(a.scale_id)})
            for lg in langs:
                alid += 1
                sec["answer_l10ns"].append({
                    "id": str(alid), "aid": str(aid), "answer": a.labels.get(lg, ""),
                    "language": lg})
        for name, value in q.attributes.items():
            m = re.match(r"^(.*)\[([^\]]+)\]$", name)
            attr, lang = (m.group(1), m.group(2)) if m else (name, "")
            sec["question_attributes"].append({
                "qid": str(qid[q.code]), "attribute": attr, "value": value, "language": lang})

    sec["surveys"].append({
        "sid": s, "admin": admin, "adminemail": adminemail, "language": langs[0],
        "additional_languages": " ".join(langs[1:]), "bounce_email": adminemail,
        **survey_settings(anonymous=anon.required, own_no_answer=has_own_no_answer(cb.questions))})
    for lg in langs:
        datefmt, numfmt = DATE_NUMBER_FORMAT.get(lg, ("6", "0"))
        sec["surveys_languagesettings"].append({
            "surveyls_survey_id": s, "surveyls_language": lg,
            "surveyls_title": cb.title.get(lg, ""),
            "surveyls_description": cb.description.get(lg, ""),
            "surveyls_welcometext": "", "surveyls_endtext": "", "surveyls_url": "",
            "surveyls_urldescription": "", "surveyls_dateformat": datefmt,
            "surveyls_numberformat": numfmt})

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<document>",
             " <LimeSurveyDocType>Survey</LimeSurveyDocType>",
             f" <DBVersion>{DB_VERSION}</DBVersion>", " <languages>"]
    lines += [f"  <language>{lg}</language>" for lg in langs]
    lines.append(" </languages>")
    for name in SECTION_ORDER:
        if sec[name]:
            lines += _section(name, sec[name])
    lines.append("</document>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_lss(instrument_path: str | Path, out_path: str | Path | None = None) -> Path:
    """Write the ``.lss`` of the instrument file ``instrument_path``.

    ``out_path`` defaults to ``<instrument folder>/<instrument id>.lss``. Returns the path.
    """
    inst = load_instrument(instrument_path)
    out = Path(out_path) if out_path is not None else (
        Path(instrument_path).parent / f"{inst.id}.lss")
    data = write_lss(inst)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out


def build_all_lss(folder: str | Path) -> list[Path]:
    """Regenerate ``<id>.lss`` beside every ``*.yaml`` instrument in ``folder``."""
    return [build_lss(p) for p in sorted(Path(folder).glob("*.yaml"))]

