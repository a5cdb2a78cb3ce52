"""LimeSurvey ``.lss`` survey structure files: a safe reader (any ``.lss`` -> codebook) and a
writer (instrument or codebook -> a ``.lss`` LimeSurvey 6 imports).

The writer is modelled element by element on LimeSurvey 6.2.1's own export
(``tests/fixtures/limesurvey/survey.lss``, ``surveyGetXMLData()``, DBVersion 612) and on the
hand-written file a real 6.2.1 server accepted through ``import_survey``
(``survey_source.lss``): the same sections in the same order, the same ``<fields>`` lists, values
in CDATA, NULL columns left out of a row. The field rules it checks before writing are those of
LimeSurvey's importer (``XMLImportSurvey`` in ``application/helpers/admin/import_helper.php``)
and models: a question code starts with a letter and is alphanumeric (at most 20 characters, not
a reserved word, unique); a sub-question code is alphanumeric (not ``other`` when the question
has "Other", not ``time``); an answer code is alphanumeric and at most 5 characters.

Sections written: ``answers``/``answer_l10ns``, ``groups``/``group_l10ns``, ``questions``,
``subquestions``, ``question_l10ns``, ``question_attributes``, ``surveys``,
``surveys_languagesettings``. Not written: ``themes``/``themes_inherited`` (the export adds the
server's theme options; the importer does not need them and the survey uses ``template`` =
``inherit``). A section with no rows is left out (the importer tests each with ``isset``).

The reader understands both the LimeSurvey 4+ layout (``*_l10ns`` tables) and the older one
(texts and ``language`` inside the ``groups``/``questions``/``answers`` rows). XML is parsed with
:mod:`defusedxml`, with DTDs, entities and external references forbidden.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ..codebook import (
    FIXED_ANSWER_TYPES,
    OTHER_CODE,
    Codebook,
    CodebookAnswer,
    CodebookGroup,
    CodebookQuestion,
    CodebookSubquestion,
    codebook_from_instrument,
    fixed_answers,
)
from ..errors import CchcSurveyError, Problem, ProblemsError
from ..instrument.load import load_instrument
from ..instrument.model import Instrument, default_item_id
from ..text import nfc

DB_VERSION = 612
"""LimeSurvey database version of the files written (LimeSurvey 6.2.1, as the fixture)."""


class LssError(CchcSurveyError):
    """A ``.lss`` file cannot be read or written."""


class LssUnsafeXmlError(LssError):
    """A ``.lss`` file holds a DTD, an entity or an external reference (refused unread)."""


class LssFormatError(LssError):
    """A ``.lss`` file is not well-formed XML or lacks what a LimeSurvey survey file holds."""


class LssWriteError(ProblemsError, LssError):
    """A codebook cannot be written as a ``.lss`` LimeSurvey would import unchanged."""


# --------------------------------------------------------------------------------------------
# the format: field lists exactly as LimeSurvey 6.2.1 exports them (survey.lss)
# --------------------------------------------------------------------------------------------
QUESTION_FIELDS = (
    "qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory",
    "encrypted", "question_order", "scale_id", "same_default", "relevance",
    "question_theme_name", "modulename", "same_script",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "answers": ("aid", "qid", "code", "sortorder", "assessment_value", "scale_id"),
    "answer_l10ns": ("id", "aid", "answer", "language"),
    "groups": ("gid", "sid", "group_order", "randomization_group", "grelevance"),
    "group_l10ns": ("id", "gid", "group_name", "description", "language", "sid", "group_order",
                    "randomization_group", "grelevance"),
    "questions": QUESTION_FIELDS,
    "subquestions": QUESTION_FIELDS,
    "question_l10ns": ("id", "qid", "question", "help", "script", "language"),
    "question_attributes": ("qid", "attribute", "value", "language"),
    "surveys": (
        "sid", "gsid", "admin", "expires", "startdate", "adminemail", "anonymized", "format",
        "savetimings", "template", "language", "additional_languages", "datestamp",
        "usecookie", "allowregister", "allowsave", "autonumber_start", "autoredirect",
        "allowprev", "printanswers", "ipaddr", "ipanonymize", "refurl",
        "showsurveypolicynotice", "publicstatistics", "publicgraphs", "listpublic",
        "htmlemail", "sendconfirmation", "tokenanswerspersistence", "assessments", "usecaptcha",
        "usetokens", "bounce_email", "attributedescriptions", "emailresponseto",
        "emailnotificationto", "tokenlength", "showxquestions", "showgroupinfo",
        "shownoanswer", "showqnumcode", "bouncetime", "bounceprocessing", "bounceaccounttype",
        "bounceaccounthost", "bounceaccountpass", "bounceaccountencryption",
        "bounceaccountuser", "showwelcome", "showprogress", "questionindex",
        "navigationdelay", "nokeyboard", "alloweditaftercompletion", "googleanalyticsstyle",
        "googleanalyticsapikey", "tokenencryptionoptions",
    ),
    "surveys_languagesettings": (
        "surveyls_survey_id", "surveyls_language", "surveyls_title", "surveyls_description",
        "surveyls_welcometext", "surveyls_endtext", "surveyls_policy_notice",
        "surveyls_policy_error", "surveyls_policy_notice_label", "surveyls_url",
        "surveyls_urldescription", "surveyls_email_invite_subj", "surveyls_email_invite",
        "surveyls_email_remind_subj", "surveyls_email_remind", "surveyls_email_register_subj",
        "surveyls_email_register", "surveyls_email_confirm_subj", "surveyls_email_confirm",
        "surveyls_dateformat", "surveyls_attributecaptions", "surveyls_alias",
        "email_admin_notification_subj", "email_admin_notification",
        "email_admin_responses_subj", "email_admin_responses", "surveyls_numberformat",
        "attachments",
    ),
}
SECTION_ORDER = (
    "answers", "answer_l10ns", "groups", "group_l10ns", "questions", "subquestions",
    "question_l10ns", "question_attributes", "surveys", "surveys_languagesettings",
)

QUESTION_THEMES = {
    "G": "gender", "L": "listradio", "F": "arrays/array", "Y": "yesno",
    "M": "multiplechoice", "N": "numerical", "S": "shortfreetext", "T": "longfreetext",
    "D": "date",
}
"""``question_theme_name`` per type, as LimeSurvey 6.2.1 exported them (fixture). Other types are
written with an empty theme name, which LimeSurvey's ``Question`` model replaces by the type's
core theme when it saves the question."""

DATE_NUMBER_FORMAT = {"vi": ("5", "1"), "en": ("6", "0")}
"""``surveyls_dateformat`` / ``surveyls_numberformat`` per language: vi dd/mm/yyyy with a decimal
comma, en yyyy-mm-dd with a decimal point (as on the fixture survey)."""

SURVEY_SETTINGS: dict[str, str] = {
    "gsid": "1", "anonymized": "N", "format": "G", "savetimings": "N", "template": "inherit",
    "datestamp": "Y", "usecookie": "N", "allowregister": "N", "allowsave": "Y",
    "autonumber_start": "0", "autoredirect": "N", "allowprev": "Y", "printanswers": "N",
    "ipaddr": "N", "ipanonymize": "N", "refurl": "N", "showsurveypolicynotice": "0",
    "publicstatistics": "N", "publicgraphs": "N", "listpublic": "N", "htmlemail": "Y",
    "sendconfirmation": "N", "tokenanswerspersistence": "N", "assessments": "N",
    "usecaptcha": "N", "usetokens": "N", "attributedescriptions": "", "emailresponseto": "",
    "emailnotificationto": "", "tokenlength": "15", "showxquestions": "Y",
    "showgroupinfo": "B", "shownoanswer": "Y", "showqnumcode": "X", "bouncetime": "0",
    "bounceprocessing": "N", "bounceaccounttype": "", "bounceaccounthost": "",
    "bounceaccountpass": "", "bounceaccountencryption": "", "bounceaccountuser": "",
    "showwelcome": "Y", "showprogress": "Y", "questionindex": "0", "navigationdelay": "0",
    "nokeyboard": "N", "alloweditaftercompletion": "N", "googleanalyticsstyle": "0",
    "googleanalyticsapikey": "", "tokenencryptionoptions": "",
}
"""Survey settings written (the values of the fixture survey, which LimeSurvey 6.2.1 imported)."""

KNOWN_TYPES = frozenset("15ABCDEFGHIKLMNOPQRSTUXY!:;*|")
RESERVED_QUESTION_CODES = frozenset(
    {"LANG", "SID", "SAVEDID", "TOKEN", "QID", "GID", "SGQ", "self", "that", "this"})
_QCODE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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
        description=desc, sid=sid, source=where,
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


def _read_groups(root: Element, langs: list[str], where: str) -> list[CodebookGroup]:
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
        out.append(CodebookGroup(
            code=f"G{i}", order=i,
            titles={lg: names[gid].get(lg, "") for lg in langs},
            descriptions={lg: descs[gid].get(lg, "") for lg in langs},
            relevance=(r.get("grelevance", "") or "1").strip() or "1", gid=gid,
        ))
    return out


def _read_questions(
    root: Element, langs: list[str], gcode: dict[int | None, str], where: str
) -> list[CodebookQuestion]:
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
        attrs[qid][f"{name}[{lg}]" if lg else name] = nfc(r.get("value", ""))

    per_group: dict[int, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for qid, r in mains.items():
        per_group[_int(_need(r, "gid", "questions", where))].append((qid, r))
    gorder = {gid: i for i, gid in enumerate(gcode)}
    out: list[CodebookQuestion] = []
    for gid in sorted(per_group, key=lambda g: gorder.get(g, len(gorder) + g)):
        qs = sorted(per_group[gid], key=lambda x: (_int(x[1].get("question_order", "0")), x[0]))
        for order, (qid, r) in enumerate(qs, start=1):
            code = _need(r, "title", "questions", where)
            qtype = _need(r, "type", "questions", where)
            other = r.get("other", "N") == "Y"
            sq_rows = sorted(subs.get(qid, {}).items(), key=lambda x: (
                _int(x[1].get("scale_id", "0")), _int(x[1].get("question_order", "0")), x[0]))
            sq_out: list[CodebookSubquestion] = []
            rank: dict[int, int] = defaultdict(int)
            for sqid, sr in sq_rows:
                scale = _int(sr.get("scale_id", "0"))
                rank[scale] += 1
                sqcode = _need(sr, "title", "subquestions", where)
                sq_out.append(CodebookSubquestion(
                    code=sqcode, texts={lg: texts[sqid].get(lg, "") for lg in langs},
                    order=rank[scale], scale_id=scale,
                    relevance=(sr.get("relevance", "") or "1").strip() or "1",
                    item_id=default_item_id(code, sqcode), qid=sqid,
                ))
            ans = tuple(answers.get(qid, ()))
            if qtype in FIXED_ANSWER_TYPES or (other and qtype in {"L", "!"}):
                extra = fixed_answers(qtype, langs, other)
                n = len(ans)
                ans += tuple(CodebookAnswer(code=a.code, labels=a.labels, order=n + i,
                                            fixed=True) for i, a in enumerate(extra, start=1))
            out.append(CodebookQuestion(
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
) -> dict[int, list[CodebookAnswer]]:
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
    out: dict[int, list[CodebookAnswer]] = defaultdict(list)
    for (qid, scale, code), (_sort, answer_id, labs) in sorted(
            found.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1][0], kv[0][2])):
        n = sum(1 for a in out[qid] if a.scale_id == scale) + 1
        out[qid].append(CodebookAnswer(
            code=code, labels={lg: labs.get(lg, "") for lg in langs}, order=n,
            scale_id=scale, aid=answer_id,
        ))
    return out


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
        **SURVEY_SETTINGS})
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
