"""Fieldwork status: response counts, completion and response rates by unit and participant status.

Sources: ``get_summary`` (response and participant counts kept by LimeSurvey) and the
participants table (``list_participants`` with the ``completed``, ``sent``, ``remindersent`` and
``emailstatus`` attributes, plus the unit attribute). Names, e-mails and tokens are read by the
server call but dropped at once; no table here holds them.

Definitions (all shares are fractions in [0, 1]; None when the denominator is 0):

* completion rate = ``completed_responses / full_responses`` (responses started that were
  submitted);
* response rate (participants) = completed participants / participants (AAPOR RR1-like with the
  participants table as the sample: every listed participant is eligible);
* participant status, first that applies: ``completed`` (``completed`` is not ``N``: LimeSurvey
  stores the completion date there), ``opted_out`` (``emailstatus`` = ``OptOut``),
  ``bad_email`` (another ``emailstatus`` than ``OK``), ``reminded`` (``remindersent`` not ``N``),
  ``invited`` (``sent`` not ``N``), ``not_invited``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .client import LimeSurvey
from .errors import NoParticipantsTableError

__all__ = ["STATUS_ORDER", "FieldworkStatus", "fieldwork_status", "participant_status"]

STATUS_ORDER = ("completed", "opted_out", "bad_email", "reminded", "invited", "not_invited")
_ATTRS = ["completed", "sent", "remindersent", "emailstatus"]


@dataclass(frozen=True)
class FieldworkStatus:
    """The fieldwork status of one survey.

    Attributes:
        survey_id: the survey.
        summary: ``get_summary`` counts (None: survey not active).
        overview: one row per measure (``measure``, ``value``, ``rate``).
        by_status: participants by status (``status``, ``participants``, ``share``).
        by_unit: per unit (``unit``, ``participants``, ``invited``, ``completed``,
            ``opted_out``, ``response_rate``) plus a last row ``unit = "(all)"``; empty without a
            unit attribute or participants.
        has_participants_table: False when the survey has none.
    """

    survey_id: int
    summary: dict[str, int] | None
    overview: pd.DataFrame
    by_status: pd.DataFrame
    by_unit: pd.DataFrame
    has_participants_table: bool


def _rate(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def participant_status(frame: pd.DataFrame) -> pd.Series:
    """Status of each participant (see the module doc), vectorised with :func:`numpy.select`."""
    def col(name: str, default: str) -> pd.Series:
        if name in frame:
            return frame[name].fillna(default).astype(str).str.strip()
        return pd.Series(default, index=frame.index)

    email = col("emailstatus", "OK")
    conditions = [
        _flag(frame, "completed"),
        email.str.lower() == "optout",
        ~email.isin(["OK", ""]),
        _flag(frame, "remindersent"),
        _flag(frame, "sent"),
    ]
    return pd.Series(np.select(conditions, list(STATUS_ORDER[:5]), default="not_invited"),
                     index=frame.index, name="status")  # fmt: skip


def _flag(frame: pd.DataFrame, name: str) -> pd.Series:
    """True where a participant field holds something other than ``N`` (a date or ``Y``)."""
    if name not in frame:
        return pd.Series(False, index=frame.index)
    return ~frame[name].fillna("N").astype(str).str.strip().isin(["N", ""])


def _list_all(ls: LimeSurvey, survey_id: int, attributes: list[str], page: int) -> pd.DataFrame:
    """Every participant, ``page`` at a time, whatever ``iStart`` means on this server.

    LimeSurvey 6.2.1 reads ``list_participants``' ``iStart`` as an offset into the table; newer
    RemoteControl code reads it as the first participant id (``tid >= iStart``). Asking for the
    next page at ``start`` = participants seen so far is right for both (with ids as the bound it
    repeats the last ids seen, which are dropped); once a page repeats an id, the server reads
    ids, and the next page starts after the highest id seen.
    """
    rows: dict[int, dict[str, object]] = {}
    start, by_id = 0, False
    while True:
        got = ls.list_participants(survey_id, attributes=attributes, start=start, limit=page)
        for r in got:
            tid = int(r["tid"])
            if tid in rows:
                by_id = True
                continue
            rows[tid] = {k: v for k, v in r.items() if k not in {"participant_info", "token"}}
        if len(got) < page:
            break
        nxt = max(rows) + 1 if by_id else len(rows)
        if nxt <= start:  # no progress: the server repeats itself
            break
        start = nxt
    return pd.DataFrame(list(rows.values()), columns=["tid", *attributes])


def fieldwork_status(
    ls: LimeSurvey, survey_id: int, *, unit_attribute: str | None = None, page: int = 5000
) -> FieldworkStatus:
    """Read the counts and the participants table and build the status tables.

    Args:
        ls: an open client.
        survey_id: the survey.
        unit_attribute: the participant field that holds the unit (``attribute_1`` when the
            list had a ``unit`` column; any participant field such as ``language`` works).
        page: participants read per ``list_participants`` call.
    """
    summary = ls.get_summary(survey_id)
    attributes = _ATTRS + ([unit_attribute] if unit_attribute and unit_attribute not in _ATTRS else [])
    has_table = True
    try:
        people = _list_all(ls, survey_id, attributes, page)
    except NoParticipantsTableError:
        has_table = False
        people = pd.DataFrame(columns=["tid", *attributes])
    status = participant_status(people)
    n = len(people)
    counts = status.value_counts().reindex(list(STATUS_ORDER), fill_value=0)
    by_status = pd.DataFrame({
        "status": list(STATUS_ORDER),
        "participants": counts.to_numpy(dtype=np.int64),
        "share": counts.to_numpy(dtype=float) / n if n else np.full(len(STATUS_ORDER), np.nan),
    })  # fmt: skip

    s = summary or {}
    full, done = s.get("full_responses", 0), s.get("completed_responses", 0)
    incomplete = s.get("incomplete_responses", 0)
    sent = _flag(people, "sent")
    n_sent, n_done, n_out = int(sent.sum()), int(counts["completed"]), int(counts["opted_out"])
    overview = pd.DataFrame(
        [
            ("responses (started)", full, None),
            ("responses completed", done, _rate(done, full)),
            ("responses incomplete", incomplete, _rate(incomplete, full)),
            ("participants", n, None),
            ("participants invited", n_sent, _rate(n_sent, n)),
            ("participants completed", n_done, _rate(n_done, n)),
            ("participants opted out", n_out, _rate(n_out, n)),
        ],
        columns=["measure", "value", "rate"],
    ).astype({"value": "int64", "rate": "float64"})

    by_unit = pd.DataFrame(columns=["unit", "participants", "invited", "completed", "opted_out",
                                    "response_rate"])  # fmt: skip
    if unit_attribute and n:
        unit = people[unit_attribute].fillna("").astype(str).str.normalize("NFC")
        unit = unit.mask(unit == "", "(none)")
        flags = pd.DataFrame({
            "unit": unit,
            "participants": 1,
            "invited": sent.astype(int),
            "completed": (status == "completed").astype(int),
            "opted_out": (status == "opted_out").astype(int),
        })  # fmt: skip
        g = flags.groupby("unit", sort=True).sum()
        g.loc["(all)"] = g.sum()
        g["response_rate"] = g["completed"] / g["participants"]
        by_unit = g.reset_index()
    return FieldworkStatus(int(survey_id), summary, overview, by_status, by_unit, has_table)
