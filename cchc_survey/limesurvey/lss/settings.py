"""The survey settings that decide what respondents see, derived from the instrument.

Three decisions, each from what the instrument says (never a default forgotten in a table):

* **Anonymity** (``anonymized``). An instrument that promises anonymity is deployed anonymised:
  LimeSurvey then keeps no token in the responses table, so an access code can be used to send
  invitations and to let a participant in, but no answer is ever linked to the participant.
  The promise is the instrument's ``anonymous: true``, or, when the instrument does not say, a
  text respondents read that promises it (:data:`ANONYMITY_PROMISES`, e.g. "phiếu không ghi
  tên" in the welcome text). ``anonymous: false`` next to such a text is a contradiction that
  :func:`anonymity` reports; deploy refuses it.
* **LimeSurvey's own "no answer" option** (``shownoanswer``). LimeSurvey adds a "No answer" choice
  to every optional single-choice question and preselects it. When the instrument gives its own
  non-substantive answers ("Không biết / Không có ý kiến", not applicable, refused) the two
  choices stand side by side, so it is turned off. It is a survey-wide setting; questions without
  such an answer can still be left unanswered. LimeSurvey applies the survey's value only when
  the server's global setting "Show 'no answer' option for non-mandatory questions" is
  *Selectable*; on *On* or *Off* the server decides (deploy checks it where it can).
* The instrument's identity is **not** a setting of the ``.lss``: it must not reach the title
  respondents read, and deploy records it as the survey alias after import
  (:mod:`cchc_survey.limesurvey.deploy`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .format import SURVEY_SETTINGS

if TYPE_CHECKING:
    from ...codebook import Codebook
    from ...instrument.model import Instrument

__all__ = ["ANONYMITY_PROMISES", "Anonymity", "anonymity", "has_own_no_answer",
           "instrument_anonymity", "respondent_texts", "survey_settings"]

ANONYMITY_PROMISES = (
    "không ghi tên", "ẩn danh", "không cần ghi tên", "không yêu cầu ghi tên",
    "anonymous", "anonymously", "anonymised", "anonymized",
)
"""Phrases that promise respondents anonymity (compared case-insensitively, NFC, whole words)."""

_PROMISE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(unicodedata.normalize("NFC", p)) for p in ANONYMITY_PROMISES)
    + r")(?!\w)", re.IGNORECASE)
_NEGATED = re.compile(r"(?<!\w)(không|not|non)[\s-]*$", re.IGNORECASE)


@dataclass(frozen=True)
class Anonymity:
    """Whether a survey must be anonymised, and why.

    Attributes:
        required: deploy it anonymised (``anonymized=Y``).
        declared: the instrument's own ``anonymous`` setting (None: not declared).
        promise: the text that promises anonymity (``phiếu không ghi tên``), "" when none.
        where: where that text is (``description (vi)``).
        conflict: the instrument says ``anonymous: false`` while a text promises anonymity.
    """

    required: bool
    declared: bool | None = None
    promise: str = ""
    where: str = ""

    @property
    def conflict(self) -> bool:
        return self.declared is False and bool(self.promise)

    def reason(self) -> str:
        """Why the survey is (or must be) anonymised, in the analyst's words."""
        if self.declared:
            return "the instrument declares anonymous: true"
        if self.promise:
            return f"the {self.where} promises it ({self.promise!r})"
        return "the instrument does not promise anonymity"


def find_promise(texts: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """The first ``(phrase in context, where)`` promising anonymity among ``(text, where)``."""
    for text, where in texts:
        t = unicodedata.normalize("NFC", text or "")
        for m in _PROMISE.finditer(t):
            if _NEGATED.search(t[max(0, m.start() - 12): m.start()]):
                continue  # "không ẩn danh", "not anonymous": the opposite of a promise
            start = max(0, t.rfind(";", 0, m.start()) + 1, t.rfind(".", 0, m.start()) + 1)
            return t[start:m.end()].strip(), where
    return "", ""


def anonymity(texts: Iterable[tuple[str, str]], declared: bool | None = None) -> Anonymity:
    """The anonymity decision from the texts respondents read and the instrument's declaration.

    >>> anonymity([("Ý kiến chỉ dùng để cải tiến; phiếu không ghi tên.", "description (vi)")])
    Anonymity(required=True, declared=None, promise='phiếu không ghi tên', where='description (vi)')
    """
    promise, where = find_promise(texts)
    required = bool(declared) or (declared is None and bool(promise))
    return Anonymity(required, declared, promise, where)


def respondent_texts(cb: Codebook) -> list[tuple[str, str]]:
    """The survey-level texts respondents read (title, welcome/description, group texts), each
    with where it is (``description (vi)``)."""
    out = [(v, f"title ({lg})") for lg, v in cb.title.items()]
    out += [(v, f"description ({lg})") for lg, v in cb.description.items()]
    for g in cb.groups:
        out += [(v, f"group {g.code} ({lg})") for d in (g.titles, g.descriptions)
                for lg, v in d.items()]
    return out


def instrument_anonymity(inst: Instrument) -> Anonymity:
    """:func:`anonymity` of an instrument: its ``anonymous`` setting and the texts it shows."""
    from ...codebook import codebook_from_instrument

    return anonymity(respondent_texts(codebook_from_instrument(inst)), inst.spec.anonymous)


def has_own_no_answer(questions: Iterable[Any]) -> bool:
    """True when a question offers the instrument's own non-substantive answer (an answer with a
    ``missing`` reason: don't know, not applicable, refused)."""
    return any(getattr(a, "missing", "") for q in questions for a in getattr(q, "answers", ()))


def survey_settings(*, anonymous: bool, own_no_answer: bool) -> dict[str, str]:
    """The ``surveys`` row settings of a ``.lss``: :data:`~.format.SURVEY_SETTINGS` with the two
    decisions above applied."""
    return {**SURVEY_SETTINGS, "anonymized": "Y" if anonymous else "N",
            "shownoanswer": "N" if own_no_answer else "Y"}
