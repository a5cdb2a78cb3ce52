"""Reading any LimeSurvey ``.lss`` structure file into a survey structure
(:class:`~cchc_survey.structure.Codebook`; see the package docstring)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ...structure import (
    QUESTION_TYPES,
    Answer,
    Codebook,
    Group,
    Question,
    Subquestion,
    default_item_id,
    fixed_answers,
)
from ...text import nfc
from .format import (
    LssFormatError,
    LssUnsafeXmlError,
)


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _parse(data: bytes, where: str) -> Element:
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise LssUnsafeXmlError(
            f"{where}: refused: the XML declares a DTD, an entity or an external reference "
            f"({type(exc).__name__}). A LimeSurvey .lss never does; re-export the survey "
            "structure from LimeSurvey and do not edit the file's header."
        ) from None
    except ParseError as exc:
        raise LssFormatError(
            f"{where}: not well-formed XML ({exc}). Re-export the survey structure (.lss) from "
            "LimeSurvey; a file opened and saved by a word processor or truncated by a download "
            "is broken."
        ) from None
    return root


def _rows(root: Element, section: str) -> list[dict[str, str]]:
    return [{c.tag: (c.text or "") for c in row} for row in root.findall(f"{section}/rows/row")]


def _need(row: dict[str, str], key: str, section: str, where: str) -> str:
    if key not in row:
        raise LssFormatError(
            f"{where}: a row of <{section}> has no <{key}>: the file is not a LimeSurvey survey "
            "structure export (or was edited by hand). Re-export it from LimeSurvey."
        )
    return row[key]


def _int(v: str, default: int = 0) -> int:
    try:
        return int(v)
    except ValueError:
        return default


def read_lss(source: str | Path | bytes) -> Codebook:
    """Read a LimeSurvey ``.lss`` structure file (path or bytes) into a :class:`Codebook`.

    Every text is returned in Unicode NFC, as stored (LimeSurvey texts may hold HTML).
    Group codes are ``G1``, ``G2``... (LimeSurvey groups have no code), item ids are derived
    (``tc_a1``); :func:`cchc_survey.codebook.read_lss` with an instrument gives its own names.

    Raises:
        LssUnsafeXmlError: the file declares a DTD, entities or external references.
        LssFormatError: not XML, not a survey structure file, or a required field is missing.
    """
    if isinstance(source, bytes):
        data, where = source, "<.lss bytes>"
    else:
        where = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise LssFormatError(f"{where}: cannot read the file ({exc.strerror}); check the "
                                 "path.") from None
    root = _parse(data, where)
    doctype = (root.findtext("LimeSurveyDocType") or "").strip()
    if root.tag != "document" or doctype != "Survey":
        raise LssFormatError(
            f"{where}: not a LimeSurvey survey structure file (root <{root.tag}>, "
            f"LimeSurveyDocType {doctype!r}; expected <document> and 'Survey'). Export it with "
            "'Export > Survey structure (.lss)'."
        )
    surveys = _rows(root, "surveys")
    if not surveys:
        raise LssFormatError(f"{where}: the file has no <surveys> row; re-export it.")
    srow = surveys[0]
    sid = _int(_need(srow, "sid", "surveys", where), 0) or None
    base = _need(srow, "language", "surveys", where).strip()
    langs = [base, *[x for x in srow.get("additional_languages", "").split() if x != base]]

    title: dict[str, str] = {}
    desc: dict[str, str] = {}
    for r in _rows(root, "surveys_languagesettings"):
        lg = _need(r, "surveyls_language", "surveys_languagesettings", where)
        if lg in langs:
            title[lg] = nfc(r.get("surveyls_title", ""))
            desc[lg] = nfc(r.get("surveyls_description", ""))

    groups = _read_groups(root, langs, where)
    gcode = {g.gid: g.code for g in groups}
    questions = _read_questions(root, langs, gcode, where)
    return Codebook(
        title=title, languages=tuple(langs), groups=tuple(groups), questions=tuple(questions),
        description=desc, sid=sid, source=where, format=(srow.get("format") or "G").strip(),
    )


def _texts_by_language(rows: list[dict[str, str]], key: str, fields: tuple[str, ...],
                       langs: list[str], table: str, where: str) -> list[dict[int, dict[str, str]]]:
    """For each of ``fields``: id (``key``) -> language -> NFC text, from the l10n rows."""
    out: list[dict[int, dict[str, str]]] = [defaultdict(dict) for _ in fields]
    for r in rows:
        if "language" not in r or r["language"] not in langs:
            continue
        rid = _int(_need(r, key, table, where))
        for texts, f in zip(out, fields, strict=True):
            texts[rid][r["language"]] = nfc(r.get(f, ""))
    return out


def _read_groups(root: Element, langs: list[str], where: str) -> list[Group]:
    grows = _rows(root, "groups")
    l10n = _rows(root, "group_l10ns") or grows  # before LimeSurvey 4 texts sit in the group rows
    names, descs = _texts_by_language(l10n, "gid", ("group_name", "description"), langs,
                                      "group_l10ns", where)
    seen: dict[int, dict[str, str]] = {}
    for r in grows:
        gid = _int(_need(r, "gid", "groups", where))
        seen.setdefault(gid, r)
    ordered = sorted(seen.items(), key=lambda kv: (_int(kv[1].get("group_order", "0")), kv[0]))
    out = []
    for i, (gid, r) in enumerate(ordered, start=1):
        out.append(Group(
            code=f"G{i}", order=i,
            titles={lg: names[gid].get(lg, "") for lg in langs},
            descriptions={lg: descs[gid].get(lg, "") for lg in langs},
            relevance=(r.get("grelevance", "") or "1").strip() or "1", gid=gid,
        ))
    return out


def _read_questions(
    root: Element, langs: list[str], gcode: dict[int | None, str], where: str
) -> list[Question]:
    rows = _rows(root, "questions") + _rows(root, "subquestions")
    l10n = _rows(root, "question_l10ns") or rows
    texts, helps = _texts_by_language(l10n, "qid", ("question", "help"), langs,
                                      "question_l10ns", where)

    mains: dict[int, dict[str, str]] = {}
    subs: dict[int, dict[int, dict[str, str]]] = defaultdict(dict)
    for r in rows:
        qid = _int(_need(r, "qid", "questions", where))
        parent = _int(r.get("parent_qid", "0"))
        if parent:
            subs[parent].setdefault(qid, r)
        else:
            mains.setdefault(qid, r)

    answers = _read_answers(root, langs, where)
    attrs: dict[int, dict[str, str]] = defaultdict(dict)
    for r in _rows(root, "question_attributes"):
        qid = _int(_need(r, "qid", "question_attributes", where))
        name = _need(r, "attribute", "question_attributes", where)
        lg = r.get("language", "")
        if lg and lg not in langs:
            continue
        value = nfc(r.get("value", ""))
        if value:  # an empty attribute is LimeSurvey's default (the theme saves every one)
            attrs[qid][f"{name}[{lg}]" if lg else name] = value

    per_group: dict[int, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for qid, r in mains.items():
        per_group[_int(_need(r, "gid", "questions", where))].append((qid, r))
    gorder = {gid: i for i, gid in enumerate(gcode)}
    out: list[Question] = []
    for gid in sorted(per_group, key=lambda g: gorder.get(g, len(gorder) + g)):
        qs = sorted(per_group[gid], key=lambda x: (_int(x[1].get("question_order", "0")), x[0]))
        for order, (qid, r) in enumerate(qs, start=1):
            code = _need(r, "title", "questions", where)
            qtype = _need(r, "type", "questions", where)
            if qtype not in QUESTION_TYPES:
                raise LssFormatError(
                    f"{where}: question {code} has type {qtype!r}, which LimeSurvey 6 does not "
                    f"have (its types: {' '.join(QUESTION_TYPES)}). Open the survey in "
                    "LimeSurvey 6, check the question's type and export the structure again.")
            other = r.get("other", "N") == "Y"
            sq_rows = sorted(subs.get(qid, {}).items(), key=lambda x: (
                _int(x[1].get("scale_id", "0")), _int(x[1].get("question_order", "0")), x[0]))
            sq_out: list[Subquestion] = []
            rank: dict[int, int] = defaultdict(int)
            for sqid, sr in sq_rows:
                scale = _int(sr.get("scale_id", "0"))
                rank[scale] += 1
                sqcode = _need(sr, "title", "subquestions", where)
                sq_out.append(Subquestion(
                    code=sqcode, texts={lg: texts[sqid].get(lg, "") for lg in langs},
                    order=rank[scale], scale_id=scale,
                    relevance=(sr.get("relevance", "") or "1").strip() or "1",
                    item_id=default_item_id(code, sqcode), qid=sqid,
                ))
            ans = tuple(answers.get(qid, ()))
            ans += fixed_answers(qtype, langs, other, start=len(ans) + 1)
            out.append(Question(
                code=code, type=qtype, group=gcode.get(gid, f"gid{gid}"), order=order,
                texts={lg: texts[qid].get(lg, "") for lg in langs},
                help={lg: helps[qid].get(lg, "") for lg in langs},
                mandatory=(r.get("mandatory", "") or "N"),
                relevance=(r.get("relevance", "") or "1").strip() or "1",
                other=other, subquestions=tuple(sq_out), answers=ans,
                attributes=dict(attrs.get(qid, {})), item_id=default_item_id(code),
                qid=qid, gid=gid,
            ))
    return out


def _read_answers(
    root: Element, langs: list[str], where: str
) -> dict[int, list[Answer]]:
    rows = _rows(root, "answers")
    l10n = _rows(root, "answer_l10ns")
    # key: (qid, scale, code) -> (sortorder, aid, labels)
    found: dict[tuple[int, int, str], tuple[int, int | None, dict[str, str]]] = {}
    if l10n:
        labels: dict[int, dict[str, str]] = defaultdict(dict)
        for r in l10n:
            if r.get("language") in langs:
                aid = _int(_need(r, "aid", "answer_l10ns", where))
                labels[aid][r["language"]] = nfc(r.get("answer", ""))
        for r in rows:
            aid = _int(_need(r, "aid", "answers", where))
            key = (_int(_need(r, "qid", "answers", where)), _int(r.get("scale_id", "0")),
                   _need(r, "code", "answers", where))
            found[key] = (_int(r.get("sortorder", "0")), aid, labels.get(aid, {}))
    else:  # before LimeSurvey 4: one row per language
        for r in rows:
            key = (_int(_need(r, "qid", "answers", where)), _int(r.get("scale_id", "0")),
                   _need(r, "code", "answers", where))
            prev = found.get(key, (_int(r.get("sortorder", "0")), None, {}))
            if r.get("language") in langs:
                prev[2][r["language"]] = nfc(r.get("answer", ""))
            found[key] = prev
    out: dict[int, list[Answer]] = defaultdict(list)
    for (qid, scale, code), (_sort, answer_id, labs) in sorted(
            found.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1][0], kv[0][2])):
        n = sum(1 for a in out[qid] if a.scale_id == scale) + 1
        out[qid].append(Answer(
            code=code, labels={lg: labs.get(lg, "") for lg in langs}, order=n,
            scale_id=scale, aid=answer_id,
        ))
    return out


