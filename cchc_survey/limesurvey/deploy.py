"""Deploy an instrument to LimeSurvey: import the .lss, activate, participants, invitations.

:func:`deploy` runs, in order: duplicate check -> ``import_survey`` -> ``activate_survey`` ->
``activate_tokens`` (participants table, with ``attribute_<n>`` fields for the extra columns) ->
``add_participants`` (from a CSV or Excel list, :func:`read_participants`) ->
``invite_participants`` -> ``remind_participants`` (each optional), and returns the survey id.

**Duplicate protection.** The survey title carries the instrument's id and version as a tag,
``<title> [<instrument id> v<version>]`` (:func:`deploy_title`). Before importing, the surveys the
user can see (``list_surveys``) are searched for that tag *or* for the exact title to be
imported; a match raises :class:`~cchc_survey.limesurvey.errors.DuplicateDeployError` naming the
survey id, unless ``allow_duplicate=True`` (a deliberate second copy) or ``reuse=True`` (carry on
with the existing survey: activate it if needed, add participants, send invitations). Keep the tag
in the title when you rename a survey in LimeSurvey, or the next deploy cannot see it.
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
from .errors import DuplicateDeployError, NoParticipantsTableError

__all__ = [
    "PARTICIPANT_COLUMNS",
    "DeployResult",
    "deploy",
    "deploy_title",
    "find_deployed",
    "read_participants",
    "version_tag",
]

#: Columns of a participants list that go to LimeSurvey as they are.
PARTICIPANT_COLUMNS = ("firstname", "lastname", "email", "token", "language", "usesleft",
                       "validfrom", "validuntil")  # fmt: skip
_ATTRIBUTE = re.compile(r"^attribute_(\d{1,3})$")
_EMAIL = r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$"
_CODE_RE = r"^[A-Za-z0-9_~-]{1,36}$"


@dataclass(frozen=True)
class DeployResult:
    """What :func:`deploy` did.

    Attributes:
        survey_id: the survey on the server.
        title: its title (with the version tag).
        imported: False when an existing survey was reused.
        activated: the survey was activated by this call.
        participants: the participants added, as LimeSurvey echoed them (tid, token, ...).
        emails_left: e-mails still to send after invitations / reminders (None: none sent).
        steps: the RPC steps that ran, in order.
    """

    survey_id: int
    title: str
    imported: bool
    activated: bool
    participants: list[dict[str, Any]] = field(default_factory=list)
    emails_left: int | None = None
    steps: list[str] = field(default_factory=list)


def version_tag(instrument_id: str, version: str) -> str:
    """``[<instrument id> v<version>]``: the tag that identifies a deployed instrument version."""
    return f"[{instrument_id} v{version}]"


def deploy_title(title: str, instrument_id: str, version: str) -> str:
    """The survey title with the version tag (``Khảo sát ... [sipas_one_stop v2026.1]``)."""
    tag = version_tag(instrument_id, version)
    title = nfc(title.strip())
    return title if tag in title else f"{title} {tag}"


def find_deployed(
    ls: LimeSurvey, instrument_id: str, version: str, title: str | None = None
) -> list[dict[str, Any]]:
    """Surveys on the server whose title carries the version tag or equals ``title``."""
    tag = version_tag(instrument_id, version)
    wanted = nfc(title) if title else None
    return [s for s in ls.list_surveys()
            if tag in nfc(str(s.get("surveyls_title", "")))
            or (wanted is not None and nfc(str(s.get("surveyls_title", ""))) == wanted)]  # fmt: skip


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
    title: str,
    instrument_id: str,
    instrument_version: str,
    wished_id: int | None = None,
    participants: str | Path | pd.DataFrame | Sequence[Mapping[str, Any]] | None = None,
    activate: bool = True,
    invite: bool = False,
    remind: bool = False,
    allow_duplicate: bool = False,
    reuse: bool = False,
) -> DeployResult:
    """Put an instrument version on the server and return what was done.

    Args:
        ls: an open client.
        lss: the .lss bytes, or a callable that makes them (e.g.
            ``lambda: write_lss(instrument)``); not called when an existing survey is reused.
        title: the survey title; pass :func:`deploy_title` of the instrument's title so that the
            version tag is in it (an exact-title match is also treated as a duplicate).
        instrument_id: the instrument id (duplicate check, and the tag).
        instrument_version: its version.
        wished_id: the survey id to ask for (LimeSurvey picks another one if it is taken).
        participants: a CSV / Excel path, a frame, or rows (dicts); None = no participants table.
        activate: activate the survey after import.
        invite: send invitations to the participants not yet invited.
        remind: send reminders to the participants invited but not yet done.
        allow_duplicate: import although the same version (or title) is on the server.
        reuse: use the survey that is already on the server instead of importing.

    Raises:
        DuplicateDeployError: the version is already on the server (neither flag given).
        InputFileError: the participants list has problems (nothing was sent to the server).
        LimeSurveyError: a typed error from the server.
    """
    rows: list[dict[str, Any]] = []
    if participants is not None:
        if isinstance(participants, str | Path | pd.DataFrame):
            rows = read_participants(participants)
        else:
            rows = read_participants(pd.DataFrame([dict(r) for r in participants]))
    steps: list[str] = []
    title = nfc(title)
    existing = find_deployed(ls, instrument_id, instrument_version, title)
    steps.append("list_surveys")
    imported = activated = False
    if existing and not (allow_duplicate or reuse):
        ids = ", ".join(f"{s['sid']} ({s.get('surveyls_title')!s}, active={s.get('active')})"
                        for s in existing)  # fmt: skip
        raise DuplicateDeployError(
            f"{instrument_id} v{instrument_version} is already on the server as survey {ids}. "
            "Nothing was imported. Use that survey (--reuse / reuse=True), raise the instrument "
            "version, or pass --allow-duplicate if a second copy is really wanted."
        )
    if existing and reuse:
        current = existing[0]
        survey_id = int(current["sid"])
        if activate and current.get("active") != "Y":
            ls.activate_survey(survey_id)
            steps.append("activate_survey")
            activated = True
    else:
        data = lss() if callable(lss) else lss
        survey_id = ls.import_survey(data, name=title, wished_id=wished_id)
        steps.append("import_survey")
        imported = True
        if activate:
            ls.activate_survey(survey_id)
            steps.append("activate_survey")
            activated = True
    added: list[dict[str, Any]] = []
    if rows:
        if imported or not _has_participants_table(ls, survey_id):
            ls.activate_tokens(survey_id, _attribute_numbers(rows))
            steps.append("activate_tokens")
        create_tokens = not all("token" in r for r in rows)
        added = ls.add_participants(survey_id, rows, create_tokens=create_tokens)
        steps.append("add_participants")
    left: int | None = None
    if invite:
        left = ls.invite_participants(survey_id)
        steps.append("invite_participants")
    if remind:
        left = ls.remind_participants(survey_id)
        steps.append("remind_participants")
    return DeployResult(survey_id, title, imported, activated, added, left, steps)


def _has_participants_table(ls: LimeSurvey, survey_id: int) -> bool:
    try:
        ls.list_participants(survey_id, limit=1)
    except NoParticipantsTableError:
        return False
    return True
