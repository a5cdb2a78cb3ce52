"""What LimeSurvey did with each participant: outcomes of ``add_participants`` and of the mail
calls (``invite_participants``, ``remind_participants``), decoded as a real server answers.

* ``add_participants`` echoes every row in the order sent. A saved row carries ``tid`` (a string
  on 6.2.1 and 6.14.0); a refused row carries an ``errors`` object, field -> messages, and no
  ``tid`` (6.14.0: ``{"token": ["Access code \\"vnAn2025tokA1\\" has already been taken."]}``),
  while the other rows are saved.
* The mail calls answer one object per participant id, ``{"status": "OK"}`` or
  ``{"status": "fail", "error": "..."}``, next to ``"status": "<n> left to send"``, where *n* counts
  the participants still waiting that this call did not try (LimeSurvey sends at most
  ``maxemails`` per call). With no mail server every participant fails with ``Could not
  instantiate mail function.`` while the status still says ``"2 left to send"`` (6.14.0).

The tables (:meth:`AddParticipantsResult.table`, :meth:`MailResult.table`) hold no name and no
e-mail address; a token inside a server's reason is shortened to its first and last two
characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import ResponseMismatchError

__all__ = ["AddParticipantsResult", "MailOutcome", "MailResult", "ParticipantOutcome", "mask_token"]

_LEFT = re.compile(r"^(-?\d+) left to send$")


def mask_token(token: str) -> str:
    """``vnAn2025tokA1`` -> ``vn…A1`` (a token is an access code: never shown whole)."""
    return f"{token[:2]}…{token[-2:]}" if len(token) > 6 else "…"


@dataclass(frozen=True)
class ParticipantOutcome:
    """One row sent to ``add_participants``.

    Attributes:
        row: position of the row in what was sent (0-based).
        added: LimeSurvey saved it.
        tid: its participant id (None when refused).
        reason: LimeSurvey's reason for refusing it (``token: Access code "vn…A1" has already been
            taken.``), "" when added.
        echo: the row as LimeSurvey answered it (personal data: names, e-mail, token).
    """

    row: int
    added: bool
    tid: int | None
    reason: str
    echo: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class AddParticipantsResult:
    """The outcome of one ``add_participants`` call, row by row (rows in = added + rejected)."""

    outcomes: tuple[ParticipantOutcome, ...]

    @classmethod
    def from_answer(cls, sent: Sequence[Mapping[str, Any]], answer: Any, *,
                    survey_id: int) -> AddParticipantsResult:
        """Decode LimeSurvey's echo of the rows ``sent``.

        Raises:
            ResponseMismatchError: the answer is not one row per row sent.
        """
        if not isinstance(answer, list) or len(answer) != len(sent):
            got = len(answer) if isinstance(answer, list) else type(answer).__name__
            raise ResponseMismatchError(
                f"add_participants answered {got} rows for {len(sent)} sent, so the rows cannot "
                "be matched to the participants. Check the participants table in LimeSurvey "
                "before adding them again.",
                method="add_participants", survey_id=survey_id,
            )  # fmt: skip
        outcomes = []
        for i, (row, echo) in enumerate(zip(sent, answer, strict=True)):
            echo = dict(echo) if isinstance(echo, Mapping) else {"value": echo}
            errors = echo.get("errors") or echo.get("error")
            if errors or "tid" not in echo:
                reason = _reason(errors, str(row.get("token") or echo.get("token") or ""))
                outcomes.append(ParticipantOutcome(i, False, None, reason or "not saved (no tid)",
                                                   echo))
            else:
                echo["tid"] = int(echo["tid"])
                outcomes.append(ParticipantOutcome(i, True, echo["tid"], "", echo))
        return cls(tuple(outcomes))

    @property
    def added(self) -> list[dict[str, Any]]:
        """The saved rows as LimeSurvey echoed them (``tid`` as int, ``token``, ...)."""
        return [o.echo for o in self.outcomes if o.added]

    @property
    def rejected(self) -> list[ParticipantOutcome]:
        """The refused rows, with LimeSurvey's reason."""
        return [o for o in self.outcomes if not o.added]

    def table(self, *, first_row: int = 0) -> pd.DataFrame:
        """One row per participant: ``row`` (``first_row`` + position), ``status`` (``added`` /
        ``rejected``), ``tid``, ``reason``. No name, e-mail or whole token."""
        return pd.DataFrame({
            "row": pd.array([o.row + first_row for o in self.outcomes], dtype="int64"),
            "status": pd.array(["added" if o.added else "rejected" for o in self.outcomes],
                               dtype="string"),
            "tid": pd.array([o.tid for o in self.outcomes], dtype="Int64"),
            "reason": pd.array([o.reason for o in self.outcomes], dtype="string"),
        })  # fmt: skip


def _reason(errors: Any, token: str) -> str:
    """LimeSurvey's ``errors`` object as one line, a token in it shortened."""
    if isinstance(errors, Mapping):
        parts = []
        for fld, msgs in errors.items():
            texts = msgs if isinstance(msgs, list) else [msgs]
            parts.append(f"{fld}: " + " ".join(str(m) for m in texts))
        text = "; ".join(parts)
    else:
        text = str(errors or "")
    return text.replace(token, mask_token(token)) if token else text


@dataclass(frozen=True)
class MailOutcome:
    """One participant a mail call tried.

    Attributes:
        tid: the participant id.
        sent: LimeSurvey says the e-mail went out (``status`` ``OK``).
        status: LimeSurvey's own status (``OK``, ``fail``).
        reason: the error (and warning) LimeSurvey gave, "" when sent.
    """

    tid: int
    sent: bool
    status: str
    reason: str


@dataclass(frozen=True)
class MailResult:
    """The outcome of one ``invite_participants`` / ``remind_participants`` call.

    Attributes:
        method: the RPC method.
        outcomes: one per participant tried, by participant id.
        left: participants still waiting that this call did not try (LimeSurvey's
            ``"<n> left to send"``: its per-call limit, not a count of failures).
        note: why nothing was tried (``Error: No candidate tokens``), else "".
    """

    method: str
    outcomes: tuple[MailOutcome, ...] = ()
    left: int = 0
    note: str = ""

    @classmethod
    def from_answer(cls, method: str, answer: Any, *, survey_id: int) -> MailResult:
        """Decode the answer of a mail call (per-participant rows + ``"<n> left to send"``)."""
        if not isinstance(answer, Mapping):
            raise ResponseMismatchError(
                f"{method} answered {type(answer).__name__}, not the per-participant results; "
                "check in LimeSurvey which e-mails were sent.",
                method=method, survey_id=survey_id,
            )  # fmt: skip
        m = _LEFT.match(str(answer.get("status", "")))
        left = int(m.group(1)) if m else 0
        outcomes = []
        for key, value in answer.items():
            if key == "status" or not isinstance(value, Mapping):
                continue
            status = str(value.get("status", ""))
            sent = status == "OK"
            bits = [str(value[k]) for k in ("error", "warning") if value.get(k)]
            outcomes.append(MailOutcome(int(key), sent, status,
                                        "" if sent and not bits else " ".join(bits)))
        outcomes.sort(key=lambda o: o.tid)
        return cls(method, tuple(outcomes), left)

    @property
    def sent(self) -> int:
        """How many e-mails LimeSurvey says it sent."""
        return sum(o.sent for o in self.outcomes)

    @property
    def failed(self) -> list[MailOutcome]:
        """The participants whose e-mail did not go out, with LimeSurvey's reason."""
        return [o for o in self.outcomes if not o.sent]

    def table(self) -> pd.DataFrame:
        """One row per participant tried: ``tid``, ``status`` (``sent`` / ``failed``), ``reason``."""
        return pd.DataFrame({
            "tid": pd.array([o.tid for o in self.outcomes], dtype="int64"),
            "status": pd.array(["sent" if o.sent else "failed" for o in self.outcomes],
                               dtype="string"),
            "reason": pd.array([o.reason for o in self.outcomes], dtype="string"),
        })  # fmt: skip

    def summary(self) -> str:
        """One line: ``invitations: 0 sent, 2 failed (Could not instantiate mail function.); 2
        still waiting``."""
        what = "invitations" if self.method.startswith("invite") else "reminders"
        if self.note:
            return f"{what}: none sent ({self.note})"
        reasons = sorted({o.reason for o in self.failed if o.reason})
        failed = f", {len(self.failed)} failed" + (f" ({'; '.join(reasons)})" if reasons else "")
        return (f"{what}: {self.sent} sent{failed if self.failed else ''}; "
                f"{self.left} not tried by this call")
