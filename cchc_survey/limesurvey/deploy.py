"""Deploy an instrument to LimeSurvey: import the .lss, record its identity, check what
respondents will see, activate, add participants, send invitations.

:func:`deploy` runs, in order: duplicate check (``list_surveys``, then the survey aliases) ->
``import_survey`` -> ``set_language_properties`` (the identity) -> ``get_survey_properties``
(the settings respondents meet; ``set_survey_properties`` where anonymity must be switched on)
-> ``activate_survey`` -> ``activate_tokens`` (participants table, with ``attribute_<n>`` fields
for the extra columns) -> ``add_participants`` (from a CSV or Excel list,
:func:`read_participants`) -> ``invite_participants`` -> ``remind_participants`` (each optional).
Every participant's outcome comes back (added / rejected with LimeSurvey's reason; invited /
failed with LimeSurvey's reason), never a bare count.

**The instrument's identity stays out of respondents' sight.** It is recorded as the survey's
*alias* in the base language (``surveyls_alias``, :func:`instrument_alias`, e.g.
``sipas_one_stop-v2026-1``): a documented language setting that no page shows, that
``get_language_properties`` returns, and that LimeSurvey keeps unique on the server (a second
deploy cannot take it; a deliberate copy gets ``<alias>--2``). The title respondents read is the
instrument's own title in each language. The alias is also the survey's short link
(``index.php/<alias>``) if someone chooses to share that link; the invitation links use the
survey id. Surveys deployed by earlier versions carry ``[<id> v<version>]`` at the end of their
title; the duplicate check still recognises them.

**Duplicate protection.** Before importing, the surveys the user can see are searched for that
version: a title with the old tag or equal to the title to be imported, else an alias of that
version (one ``get_language_properties`` per survey). A match raises
:class:`~cchc_survey.limesurvey.errors.DuplicateDeployError` naming the survey, unless
``allow_duplicate=True`` (a deliberate second copy) or ``reuse=True`` (carry on with the existing
survey: activate it if needed, add participants, send invitations).

**Anonymity.** An instrument that promises anonymity (:mod:`.lss.settings`) is deployed with
``anonymized=Y``: participants' access codes serve the invitations and the login only, and the
responses table holds no token. Deploy reads the imported survey's setting back and switches it
on before activation when the ``.lss`` did not (a ``--lss`` file of your own); a reused survey that
is already active without it is refused, since LimeSurvey cannot anonymise an active survey.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputFileError, Problem
from ..text import nfc
from .client import LimeSurvey
from .errors import DeployRefusedError, DuplicateDeployError, NoParticipantsTableError, StatusError
from .lss.settings import Anonymity
from .results import AddParticipantsResult, MailResult

__all__ = [
    "PARTICIPANT_COLUMNS",
    "DeployResult",
    "deploy",
    "deploy_title",
    "find_deployed",
    "instrument_alias",
    "read_participants",
    "version_tag",
]

#: Columns of a participants list that go to LimeSurvey as they are.
PARTICIPANT_COLUMNS = ("firstname", "lastname", "email", "token", "language", "usesleft",
                       "validfrom", "validuntil")  # fmt: skip
_ATTRIBUTE = re.compile(r"^attribute_(\d{1,3})$")
_EMAIL = r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$"
_CODE_RE = r"^[A-Za-z0-9_~-]{1,36}$"
_ALIAS_BAD = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_COPIES = 20
#: LimeSurvey's global setting ``shownoanswer``: 0 off, 1 on for every survey, 2 per survey.
_NO_ANSWER_GLOBAL = {"0": "Off", "1": "On", "2": "Selectable"}


@dataclass(frozen=True)
class DeployResult:
    """What :func:`deploy` did.

    Attributes:
        survey_id: the survey on the server.
        title: the title respondents read: the reused survey's (base language), or the one
            given to the import; "" when the import kept the ``.lss`` titles.
        imported: False when an existing survey was reused.
        activated: the survey was activated by this call.
        identity: the alias that records the instrument and version ("" when it could not be
            set; see ``warnings``).
        anonymized: the survey is anonymised (``anonymized=Y``), as the server says.
        participant_outcomes: every row of the participants list: added or rejected (None: no
            participants given).
        invitations, reminders: every e-mail tried: sent or failed, with the server's reason
            (None: not asked for).
        warnings: what the analyst should know (server settings that override the survey's).
        steps: the RPC steps that ran, in order.
    """

    survey_id: int
    title: str
    imported: bool
    activated: bool
    identity: str = ""
    anonymized: bool | None = None
    participant_outcomes: AddParticipantsResult | None = None
    invitations: MailResult | None = None
    reminders: MailResult | None = None
    warnings: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def participants(self) -> list[dict[str, Any]]:
        """The participants added, as LimeSurvey echoed them (tid, token, ...)."""
        return self.participant_outcomes.added if self.participant_outcomes else []

    @property
    def emails_left(self) -> int | None:
        """Participants still waiting after the last mail call (None: no mail call)."""
        last = self.reminders or self.invitations
        return last.left if last else None

    @property
    def nothing_sent(self) -> bool:
        """Invitations or reminders were asked for and not one e-mail went out."""
        mails = [m for m in (self.invitations, self.reminders) if m is not None]
        return bool(mails) and sum(m.sent for m in mails) == 0


def version_tag(instrument_id: str, version: str) -> str:
    """``[<instrument id> v<version>]``: the title tag earlier versions put on a deployed survey
    (still recognised by :func:`find_deployed`)."""
    return f"[{instrument_id} v{version}]"


def deploy_title(title: str, instrument_id: str, version: str) -> str:
    """The survey title with the version tag (``Khảo sát ... [sipas_one_stop v2026.1]``).

    Kept for code that still builds such titles; :func:`deploy` no longer puts the tag in the
    title respondents read (the identity is the alias, :func:`instrument_alias`).
    """
    tag = version_tag(instrument_id, version)
    title = nfc(title.strip())
    return title if tag in title else f"{title} {tag}"


def instrument_alias(instrument_id: str, version: str) -> str:
    """The survey alias that records an instrument version: ``sipas_one_stop-v2026-1``.

    LimeSurvey accepts letters, digits, ``_`` and ``-`` in an alias, not starting with a digit, at
    most 100 characters; every other character (the ``.`` of a version) becomes ``-``.

    >>> instrument_alias("sipas_one_stop", "2026.1")
    'sipas_one_stop-v2026-1'
    """
    alias = _ALIAS_BAD.sub("-", f"{instrument_id}-v{version}").strip("-")
    if not alias or not (alias[0].isalpha() or alias[0] == "_"):
        alias = f"i-{alias}"
    return alias[:100]


def _alias_matches(alias: str, wanted: str) -> bool:
    return alias == wanted or bool(re.fullmatch(re.escape(wanted) + r"--\d+", alias))


def find_deployed(
    ls: LimeSurvey, instrument_id: str, version: str, title: str | None = None
) -> list[dict[str, Any]]:
    """Surveys on the server that hold this instrument version.

    First from ``list_surveys`` alone: a title with the old ``[<id> v<version>]`` tag, or equal to
    ``title``. Only when none matches, the alias of every survey is read
    (``get_language_properties``; a survey whose texts the user may not read is skipped). Each
    match carries ``found_by`` (``title tag``, ``title`` or ``alias``).
    """
    return _find(ls, instrument_id, version, title)[0]


def _find(ls: LimeSurvey, instrument_id: str, version: str,
          title: str | None) -> tuple[list[dict[str, Any]], int]:
    """:func:`find_deployed`, and how many aliases it read."""
    surveys = ls.list_surveys()
    tag = version_tag(instrument_id, version)
    wanted = nfc(title) if title else None
    found = []
    for s in surveys:
        t = nfc(str(s.get("surveyls_title") or ""))
        if tag in t:
            found.append({**s, "found_by": "title tag"})
        elif wanted is not None and t == wanted:
            found.append({**s, "found_by": "title"})
    if found:
        return found, 0
    alias = instrument_alias(instrument_id, version)
    for s in surveys:
        try:
            props = ls.get_language_properties(int(s["sid"]), ["surveyls_alias"])
        except StatusError:  # texts not readable by this user, or no alias on this LimeSurvey
            continue
        got = str(props.get("surveyls_alias") or "")
        if _alias_matches(got, alias):
            found.append({**s, "surveyls_alias": got, "found_by": "alias"})
    return found, len(surveys)


def read_participants(source: str | Path | pd.DataFrame) -> list[dict[str, Any]]:
    """Read a participants list (CSV, UTF-8 with or without BOM, ``,`` or ``;``; or .xlsx).

    Columns: any of :data:`PARTICIPANT_COLUMNS`, ``attribute_<n>``, and ``unit`` (the unit the
    participant belongs to, stored as ``attribute_1`` so that ``cchc-survey status --by
    attribute_1`` can break rates down by unit). Text is NFC-normalised and trimmed; empty cells
    are left out of the row.

    Raises:
        InputFileError: unknown column, bad e-mail, bad or duplicate token, ``unit`` together
            with ``attribute_1`` (each problem names the file, row and column).
    """
    where = "<frame>" if isinstance(source, pd.DataFrame) else str(source)
    if isinstance(source, pd.DataFrame):
        frame = source.astype("string")
    else:
        path = Path(source)
        if not path.is_file():
            raise InputFileError([Problem(where, "file", "not found",
                                          "give the path of a .csv or .xlsx participants list")])  # fmt: skip
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            frame = pd.read_excel(path, dtype=str).astype("string")
        else:
            frame = pd.read_csv(path, dtype=str, sep=None, engine="python", encoding="utf-8-sig",
                                keep_default_na=False).astype("string")  # fmt: skip
    frame.columns = [nfc(str(c)).strip().lower() for c in frame.columns]
    problems: list[Problem] = []
    if "unit" in frame.columns:
        if "attribute_1" in frame.columns:
            problems.append(Problem(where, "column unit", "both 'unit' and 'attribute_1' given",
                                    "keep one of them (unit is stored as attribute_1)"))  # fmt: skip
        frame = frame.rename(columns={"unit": "attribute_1"})
    unknown = [c for c in frame.columns if c not in PARTICIPANT_COLUMNS and not _ATTRIBUTE.match(c)]
    for c in unknown:
        problems.append(Problem(where, f"column {c!r}", "unknown participant column",
                                f"use {', '.join(PARTICIPANT_COLUMNS)}, unit or attribute_<n>"))  # fmt: skip
    frame = frame.fillna("").apply(lambda s: s.str.strip().str.normalize("NFC"))
    excel_offset = 2  # header is row 1
    if "email" in frame.columns:
        bad = frame.index[(frame["email"] != "") & ~frame["email"].str.match(_EMAIL)]
        problems += [Problem(where, f"row {i + excel_offset}, column email",
                             f"{frame.at[i, 'email']!r} is not an e-mail address",
                             "correct it or leave the cell empty")
                     for i in bad]  # fmt: skip
    if "token" in frame.columns:
        tok = frame["token"]
        bad = frame.index[(tok != "") & ~tok.str.match(_CODE_RE)]
        problems += [Problem(where, f"row {i + excel_offset}, column token",
                             "a token may hold only letters, digits, '_', '~', '-' (at most 36)",
                             "correct it or leave it empty so LimeSurvey makes one")
                     for i in bad]  # fmt: skip
        dup = frame.index[(tok != "") & tok.duplicated(keep=False)]
        problems += [Problem(where, f"row {i + excel_offset}, column token",
                             "the same token is given to more than one participant",
                             "give every participant their own token")
                     for i in dup]  # fmt: skip
    if problems:
        raise InputFileError(problems, summary=f"{where}: the participants list cannot be used")
    records = frame.to_dict(orient="records")
    return [{str(k): v for k, v in r.items() if v != ""} for r in records]


def _attribute_numbers(rows: Sequence[Mapping[str, Any]]) -> list[int]:
    nums = {int(m.group(1)) for r in rows for k in r if (m := _ATTRIBUTE.match(k))}
    return sorted(nums)


def deploy(
    ls: LimeSurvey,
    lss: bytes | Callable[[], bytes],
    *,
    instrument_id: str,
    instrument_version: str,
    title: str | None = None,
    anonymity: Anonymity | None = None,
    wished_id: int | None = None,
    participants: str | Path | pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    activate: bool = True,
    invite: bool = False,
    remind: bool = False,
    allow_duplicate: bool = False,
    reuse: bool = False,
) -> DeployResult:
    """Put an instrument version on the server and return what was done, participant by
    participant.

    Args:
        ls: an open client.
        lss: the .lss bytes, or a callable that makes them (e.g.
            ``lambda: write_lss(instrument)``); not called when an existing survey is reused.
        instrument_id: the instrument id (identity and duplicate check).
        instrument_version: its version.
        title: a title to give the survey in *every* language (LimeSurvey's importer); None keeps
            each language's title from the ``.lss``. An exact-title match counts as a duplicate.
        anonymity: the instrument's anonymity decision (:func:`.lss.settings.anonymity`); when it
            is required the survey is deployed anonymised or not at all.
        wished_id: the survey id to ask for (LimeSurvey picks another one if it is taken).
        participants: a CSV / Excel path, a frame, or rows (dicts); None = no participants table.
        activate: activate the survey after import.
        invite: send invitations: to the participants this call added, or, when it added none,
            to every participant not invited yet.
        remind: send reminders to the participants invited but not yet done.
        allow_duplicate: import although the same version (or title) is on the server.
        reuse: use the survey that is already on the server instead of importing.

    Raises:
        DuplicateDeployError: the version is already on the server (neither flag given).
        DeployRefusedError: the survey would not be anonymised although respondents are told it
            is (or the instrument contradicts itself); nothing more was done.
        InputFileError: the participants list has problems (nothing was sent to the server).
        LimeSurveyError: a typed error from the server.
    """
    anon = anonymity or Anonymity(required=False)
    if anon.conflict:
        raise DeployRefusedError(
            f"{instrument_id} v{instrument_version} says anonymous: false, but its {anon.where} "
            f"tells respondents {anon.promise!r}. Nothing was sent. Set anonymous: true in the "
            "instrument (answers are then never linked to a participant), or take the promise "
            "out of the text."
        )
    rows: list[dict[str, Any]] = []
    if participants is not None:
        if isinstance(participants, str | Path | pd.DataFrame):
            rows = read_participants(participants)
        else:
            rows = read_participants(pd.DataFrame([dict(r) for r in participants]))
    steps: list[str] = []
    warnings: list[str] = []
    title = nfc(title) if title else None
    existing, aliases_read = _find(ls, instrument_id, instrument_version, title)
    steps += ["list_surveys"] + ["get_language_properties"] * aliases_read
    if existing and not (allow_duplicate or reuse):
        ids = ", ".join(f"{s['sid']} ({s.get('surveyls_title')!s}, active={s.get('active')}, "
                        f"found by its {s['found_by']})" for s in existing)  # fmt: skip
        raise DuplicateDeployError(
            f"{instrument_id} v{instrument_version} is already on the server as survey {ids}. "
            "Nothing was imported. Use that survey (--reuse / reuse=True), raise the instrument "
            "version, or pass --allow-duplicate if a second copy is really wanted."
        )
    identity = ""
    if existing and reuse:
        current = existing[0]
        survey_id = int(current["sid"])
        imported = False
        identity = str(current.get("surveyls_alias") or "")
        shown_title = nfc(str(current.get("surveyls_title") or ""))
        active = current.get("active") == "Y"
        if current["found_by"] == "title tag":
            alias = instrument_alias(instrument_id, instrument_version)
            warnings.append(
                f"respondents of survey {survey_id} read the tag "
                f"{version_tag(instrument_id, instrument_version)!r} in its title (an earlier "
                f"deploy put it there). Set the survey alias to {alias!r} (Survey > Settings > "
                "Text elements > Survey alias), then take the tag out of the title: the alias "
                "is how the next deploy recognises this survey.")
        anonymized = (_ensure_anonymized(ls, survey_id, anon, active=active, steps=steps)
                      if anon.required else None)
    else:
        data = lss() if callable(lss) else lss
        shown_title = title or ""
        survey_id = ls.import_survey(data, name=title, wished_id=wished_id)
        steps.append("import_survey")
        imported, active = True, False
        identity = _record_identity(ls, survey_id, instrument_alias(instrument_id, instrument_version),
                                    steps, warnings)
        anonymized = _ensure_anonymized(ls, survey_id, anon, active=False, steps=steps,
                                        warnings=warnings)
    activated = False
    if activate and not active:
        ls.activate_survey(survey_id)
        steps.append("activate_survey")
        activated = True
    outcomes: AddParticipantsResult | None = None
    if rows:
        attrs = _attribute_numbers(rows)
        create_tokens = not all("token" in r for r in rows)
        if imported:
            ls.activate_tokens(survey_id, attrs)
            steps.append("activate_tokens")
        try:
            outcomes = ls.add_participants(survey_id, rows, create_tokens=create_tokens)
        except NoParticipantsTableError:
            ls.activate_tokens(survey_id, attrs)
            steps += ["add_participants", "activate_tokens"]
            outcomes = ls.add_participants(survey_id, rows, create_tokens=create_tokens)
        steps.append("add_participants")
    invitations = reminders = None
    if invite:
        tids = [o.tid for o in outcomes.outcomes if o.tid is not None] if outcomes else []
        invitations = ls.invite_participants(survey_id, token_ids=tids or None)
        steps.append("invite_participants")
    if remind:
        reminders = ls.remind_participants(survey_id)
        steps.append("remind_participants")
    return DeployResult(survey_id, shown_title, imported, activated, identity, anonymized,
                        outcomes, invitations, reminders, warnings, steps)


def _record_identity(ls: LimeSurvey, survey_id: int, alias: str, steps: list[str],
                     warnings: list[str]) -> str:
    """Set the survey alias to ``alias`` (``alias--2``... when a copy holds it); the alias set."""
    for n in range(1, _MAX_COPIES + 1):
        candidate = alias if n == 1 else f"{alias}--{n}"
        steps.append("set_language_properties")
        try:
            saved = ls.set_language_properties(survey_id, {"surveyls_alias": candidate})
        except StatusError as exc:  # e.g. "No valid Data": this LimeSurvey has no survey alias
            warnings.append(
                f"LimeSurvey refused to record the survey alias {alias!r} on survey {survey_id} "
                f"({exc.detail}), so the next deploy recognises this version only by its exact "
                "title. Keep the title as it is, or set the alias by hand if your LimeSurvey has "
                "one (Survey > Settings > Text elements > Survey alias).")
            return ""
        if saved.get("surveyls_alias"):
            return candidate
    warnings.append(
        f"LimeSurvey did not keep the alias {alias!r} (nor {_MAX_COPIES - 1} numbered copies) on "
        f"survey {survey_id}, so the next deploy cannot recognise this version. Set the alias by "
        "hand (Survey > Settings > Text elements > Survey alias)."
    )
    return ""


def _ensure_anonymized(ls: LimeSurvey, survey_id: int, anon: Anonymity, *, active: bool,
                       steps: list[str], warnings: list[str] | None = None) -> bool | None:
    """Make sure a survey that promises anonymity is anonymised; return whether it is.

    Before activation LimeSurvey lets ``anonymized`` be changed (it is switched on here when the
    ``.lss`` did not set it); on an active survey it cannot be, and deploy refuses.
    """
    names = ["anonymized", "active", "shownoanswer"]
    props = ls.get_survey_properties(survey_id, names)
    steps.append("get_survey_properties")
    is_anon = props.get("anonymized") == "Y"
    if warnings is not None and props.get("shownoanswer") == "N":
        _check_no_answer_global(ls, warnings, steps)
    if not anon.required or is_anon:
        return is_anon
    if active or props.get("active") == "Y":
        raise DeployRefusedError(
            f"survey {survey_id} is active and not anonymised (anonymized=N), but respondents "
            f"are told it is anonymous ({anon.reason()}). LimeSurvey cannot anonymise an active "
            "survey, and its answers would be linked to the participants' access codes. Nothing "
            "more was done. Deploy a new copy (without --reuse), or deactivate this survey in "
            "LimeSurvey and set Anonymized responses to On before activating it again.",
            survey_id=survey_id,
        )
    saved = ls.set_survey_properties(survey_id, {"anonymized": "Y"})
    steps.append("set_survey_properties")
    if not saved.get("anonymized"):
        raise DeployRefusedError(
            f"LimeSurvey did not accept anonymized=Y on the imported survey {survey_id}, but "
            f"respondents are told it is anonymous ({anon.reason()}). The survey was NOT "
            "activated: set Anonymized responses to On in its settings (Participant settings) "
            "or delete it, then deploy again.",
            survey_id=survey_id,
        )
    return True


def _check_no_answer_global(ls: LimeSurvey, warnings: list[str], steps: list[str]) -> None:
    """Warn when the server's global "no answer" setting overrides the survey's ``N``."""
    value = ls.site_setting("shownoanswer")
    steps.append("get_site_settings")
    if value == "2" or value == "0":
        return
    if value == "1":
        warnings.append(
            "the survey turns LimeSurvey's own \"No answer\" choice off (the instrument has its "
            "own \"don't know\"), but this server's global setting shows it on every survey "
            "(Show 'no answer' option = On). Ask the administrator to set it to Selectable "
            "(Configuration > Global settings > Presentation)."
        )
    else:
        warnings.append(
            "the survey turns LimeSurvey's own \"No answer\" choice off, which takes effect only "
            "if the server's global setting Show 'no answer' option is Selectable; this user "
            "may not read that setting (super-administrators only): ask the administrator."
        )
