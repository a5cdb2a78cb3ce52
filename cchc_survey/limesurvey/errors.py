"""Typed errors of the LimeSurvey RemoteControl 2 layer.

LimeSurvey answers most failures with HTTP 200 and ``{"result": {"status": "<text>"}}``, some
with a real JSON-RPC ``error`` string, some with an HTML page and HTTP 500, and a disabled RPC
interface with an empty body (see ``tests/fixtures/limesurvey/README.md``, behaviours 1-10). This
module turns each of them into one exception class whose message says what to do.
:func:`error_from_status` and :func:`error_from_rpc_error` hold the mapping; every status string
recorded from LimeSurvey 6.2.1 and 6.14.0 is in :data:`STATUS_ERRORS` or matched by a pattern
(the login lock-out, whose minutes vary).

``No permission`` is the same text for every missing permission: :data:`PERMISSIONS` names, per
RPC method, the permission LimeSurvey checks (read from RemoteControl's
``remotecontrol_handle.php``), so the message can say which one to ask for.

No message ever contains the password or the session key.

The module is a catalogue (about thirty classes, one per way a call fails, each with the message
that tells the analyst what to do, and the tables that map LimeSurvey's texts onto them); it is
longer than the house's ~500 lines because splitting the catalogue would split that mapping.
"""

from __future__ import annotations

import html
import re

from ..errors import CchcSurveyError

__all__ = [
    "PERMISSIONS",
    "STATUS_ERRORS",
    "AuthenticationError",
    "ConfigError",
    "ConnectionFailedError",
    "CorruptExportError",
    "DeployRefusedError",
    "DuplicateDeployError",
    "HttpStatusError",
    "InvalidArgumentError",
    "LanguageNotInSurveyError",
    "LimeSurveyError",
    "LoginLockedError",
    "MalformedRequestError",
    "NoCandidatesError",
    "NoParticipantsError",
    "NoParticipantsTableError",
    "NoResponseForTokenError",
    "NoResponsesError",
    "NotJsonResponseError",
    "ObjectNotFoundError",
    "ParticipantNotFoundError",
    "PermissionDeniedError",
    "PullConsistencyError",
    "RPCDisabledError",
    "RequestTimeoutError",
    "ResponseMismatchError",
    "ServerError",
    "SessionKeyError",
    "StatusError",
    "SurveyNotActiveError",
    "SurveyNotFoundError",
    "SurveyPermissionError",
    "UnsupportedExportFormatError",
    "error_from_html",
    "error_from_rpc_error",
    "error_from_status",
]


class LimeSurveyError(CchcSurveyError):
    """Base class of every failure talking to LimeSurvey.

    Attributes:
        method: the RPC method that failed ("" when not known).
        survey_id: the survey concerned, when known.
        detail: LimeSurvey's own text (status string, RPC error, HTTP status), for logs.
    """

    hint: str = ""

    def __init__(
        self,
        message: str = "",
        *,
        method: str = "",
        survey_id: int | str | None = None,
        detail: str = "",
    ) -> None:
        self.method = method
        self.survey_id = survey_id
        self.detail = detail
        where = f"LimeSurvey {method}" if method else "LimeSurvey"
        if survey_id is not None:
            where += f" (survey {survey_id})"
        text = message or self.hint
        if detail:
            text += f" [server said: {detail}]"
        super().__init__(f"{where}: {text}")


# --- configuration and transport -----------------------------------------------------------
class ConfigError(LimeSurveyError):
    """URL, user name or password is missing or unusable."""


class ConnectionFailedError(LimeSurveyError):
    """The server could not be reached (refused, DNS, TLS), after the retries."""

    hint = (
        "cannot connect to the server. Check CCHC_LS_URL (it must end with "
        "/index.php/admin/remotecontrol), that the server is up and reachable from this machine, "
        "and any proxy settings; then run the command again."
    )


class RequestTimeoutError(LimeSurveyError):
    """The server did not answer within the timeout, after the retries."""

    hint = (
        "the server did not answer in time. Try again later, raise the timeout (timeout= / "
        "--timeout) or pull smaller pages (--page-size)."
    )


class HttpStatusError(LimeSurveyError):
    """An HTTP status other than 200 that is not a LimeSurvey error page (404, 502, ...)."""

    hint = (
        "the server answered with an HTTP error. A 404 means the URL is wrong (it must end "
        "with /index.php/admin/remotecontrol); 502/503/504 mean the server or its proxy is "
        "overloaded or down: try again later."
    )


class ServerError(LimeSurveyError):
    """LimeSurvey answered HTTP 500 with an HTML error page (a PHP error on the server)."""

    hint = (
        "LimeSurvey failed with an internal error (HTTP 500). This is usually a call with wrong "
        "or missing arguments or a method this LimeSurvey version does not have; check the "
        "message, the LimeSurvey version, and report it if it persists."
    )


class RPCDisabledError(LimeSurveyError):
    """HTTP 200 with an empty body: the JSON-RPC interface is off (or the request is wrong)."""

    hint = (
        "the server sent an empty answer: the RemoteControl interface is not enabled. In "
        "LimeSurvey go to Configuration > Global settings > Interfaces and set 'RPC interface "
        "enabled' to JSON-RPC, then try again."
    )


class NotJsonResponseError(LimeSurveyError):
    """A 200 answer that is not JSON (an HTML page: wrong URL, login page, maintenance page)."""

    hint = (
        "the server answered with something that is not JSON (probably an HTML page). Check that "
        "CCHC_LS_URL points at the RemoteControl endpoint, e.g. "
        "https://your-server/index.php/admin/remotecontrol, and that JSON-RPC is enabled in "
        "Global settings > Interfaces."
    )


class ResponseMismatchError(LimeSurveyError):
    """The JSON-RPC answer's id is not the request's id (a proxy or cache mixed answers up)."""

    hint = (
        "the answer does not belong to the request (JSON-RPC id mismatch). A caching proxy "
        "between you and the server is the usual cause: bypass it and try again."
    )


class CorruptExportError(LimeSurveyError):
    """An export result is not valid base64 (damaged in transit); nothing was written."""

    hint = (
        "the export could not be decoded (invalid base64): the answer was damaged in transit. "
        "Nothing was saved; run the pull again."
    )


# --- status strings --------------------------------------------------------------------------
class StatusError(LimeSurveyError):
    """A ``{"status": ...}`` answer that is not OK and has no more specific class."""

    hint = "LimeSurvey refused the request."


class AuthenticationError(StatusError):
    """``Invalid user name or password``."""

    hint = (
        "wrong user name or password. Check CCHC_LS_USER and CCHC_LS_PASSWORD (or user / "
        "password in ~/.config/cchc_survey/limesurvey.toml) and that the user may log in to "
        "LimeSurvey's admin interface. Do not try again and again: after 3 wrong passwords "
        "(LimeSurvey's default) the server refuses every login from this computer for 10 "
        "minutes, the right password included."
    )


class LoginLockedError(AuthenticationError):
    """``You have exceeded the number of maximum login attempts. Please wait N minutes ...``.

    LimeSurvey counts failed logins per IP address (``maxLoginAttempt``, default 3) and then
    refuses every login from that address, **the correct password included**, for
    ``timeOutTime`` (default 10 minutes). Recorded on 6.14.0: three wrong passwords, then the
    right one answered with this status.

    Attributes:
        minutes: how long the server says to wait (None when the text gives no number).
    """

    def __init__(self, message: str = "", *, method: str = "", survey_id: int | str | None = None,
                 detail: str = "") -> None:
        m = _LOCKOUT.search(detail)
        self.minutes: int | None = int(m.group(1)) if m and m.group(1) else None
        wait = f"{self.minutes} minutes" if self.minutes is not None else "the time it names"
        message = message or (
            "LimeSurvey has locked logins from this computer's address after too many wrong "
            "passwords, and refuses even the correct password until the lock ends. Nothing is "
            f"wrong with the survey. Wait {wait} before the next attempt, and meanwhile check "
            "CCHC_LS_USER / CCHC_LS_PASSWORD (or the config file) so that the next attempt is "
            "right: a wrong one starts the lock again. A LimeSurvey administrator can lift the "
            "lock at once (the failed-login entries of this address)."
        )
        super().__init__(message, method=method, survey_id=survey_id, detail=detail)


class SessionKeyError(StatusError):
    """``Invalid session key`` even after one renewal (session expired or released)."""

    hint = (
        "the session key was refused again after getting a new one. The server may be "
        "dropping sessions (short session lifetime, several servers without shared sessions); "
        "try again, and ask the LimeSurvey administrator to check the session settings."
    )


class SurveyNotFoundError(StatusError):
    """``Error: Invalid survey ID``, ``Invalid surveyid`` or ``No permission`` on a survey."""

    hint = (
        "survey not found, or your user has no permission on it. Check the survey id (the "
        "number in the survey's admin URL; `cchc-survey status` lists what you can see) and ask "
        "the survey owner to give your user the 'Responses' and 'Survey' permissions."
    )


class SurveyNotActiveError(StatusError):
    """``No Data, survey table does not exist.``, ``No survey response table``, ..."""

    hint = (
        "the survey is not active, so it has no responses table. Activate it (LimeSurvey: "
        "Survey > Activate this survey, or `cchc-survey deploy`) before collecting or pulling."
    )


class NoResponsesError(StatusError):
    """``No Data, could not get max id.``: the survey is active but has no response yet."""

    hint = (
        "the survey has no responses yet. Nothing to pull: send the invitations or wait for "
        "respondents, then pull again."
    )


class NoParticipantsTableError(StatusError):
    """``Error: No survey participants table``."""

    hint = (
        "the survey has no participants table. Create it (LimeSurvey: Survey participants > "
        "Initialise participant table, or deploy with --participants) before adding or listing "
        "participants."
    )


class NoParticipantsError(StatusError):
    """``No survey participants found.``: the participants table exists but is empty."""

    hint = "the participants table is empty. Add participants (deploy --participants list.csv)."


class NoResponseForTokenError(StatusError):
    """``No Response found for Token``."""

    hint = (
        "this participant has not answered yet (no response for the token). Check the token, "
        "or send a reminder."
    )


class ParticipantNotFoundError(StatusError):
    """``Error: No results were found based on your attributes.``."""

    hint = "no participant matches (unknown token or id). Check the token in the participants table."


class LanguageNotInSurveyError(StatusError):
    """``Language code not found for this survey.``."""

    hint = (
        "the survey has no such language. Use one of the survey's languages (e.g. 'vi' or 'en')."
    )


class ObjectNotFoundError(StatusError):
    """``Error: Invalid questionid``, ``Error: group not found``."""

    hint = "the question or group does not exist in this survey. Check its id."


class NoCandidatesError(StatusError):
    """``Error: No candidate tokens``: nobody is waiting for an invitation or a reminder."""

    hint = (
        "no participant is waiting for this e-mail: every participant was already invited "
        "(or reminded), has completed, opted out, has a bad e-mail status, or is outside the "
        "dates the participant may answer. Nothing was sent."
    )


class PermissionDeniedError(StatusError):
    """``No permission``: the user lacks the permission the call needs (see :data:`PERMISSIONS`).

    Attributes:
        permission: the permission, in LimeSurvey's words (``Surveys: create``), or "" when the
            method is not in :data:`PERMISSIONS`.
        scope: ``global`` (granted in User management) or ``survey`` (the survey's permissions).
    """

    def __init__(self, message: str = "", *, method: str = "", survey_id: int | str | None = None,
                 detail: str = "") -> None:
        scope, permission = PERMISSIONS.get(method, ("survey", ""))
        self.permission = permission
        self.scope = scope
        if not message:
            if not permission:
                message = (
                    "your LimeSurvey user lacks a permission this call needs. Ask the survey's "
                    "owner or a LimeSurvey administrator for it."
                )
            elif scope == "global":
                message = (
                    f"your LimeSurvey user lacks the global permission '{permission}'. Ask a "
                    "LimeSurvey administrator to grant it (Configuration > User management > "
                    "your user > Edit permissions), or run this step as a user who has it."
                )
            else:
                message = (
                    f"your LimeSurvey user lacks the permission '{permission}' on this survey. "
                    "Ask the survey's owner or an administrator to grant it (the survey's "
                    "Settings > Survey permissions)."
                )
        super().__init__(message, method=method, survey_id=survey_id, detail=detail)


class SurveyPermissionError(PermissionDeniedError, SurveyNotFoundError):
    """``No permission`` from a call that checks the permission *before* the survey exists.

    ``export_responses`` and ``activate_survey`` answer ``No permission`` both when the user
    lacks the permission and when there is no such survey (6.2.1 fixtures README, behaviour 4),
    so the message names both causes; it is a :class:`SurveyNotFoundError` too.
    """

    def __init__(self, message: str = "", *, method: str = "", survey_id: int | str | None = None,
                 detail: str = "") -> None:
        _, permission = PERMISSIONS.get(method, ("survey", ""))
        message = message or (
            f"either your LimeSurvey user lacks the permission '{permission}' on this survey, or "
            "there is no survey with this id (LimeSurvey gives the same answer for both). Check "
            "the id (`cchc-survey status` lists the surveys you can see), then ask the survey's "
            "owner to grant the permission (the survey's Settings > Survey permissions)."
        )
        super().__init__(message, method=method, survey_id=survey_id, detail=detail)


class InvalidArgumentError(StatusError):
    """``Invalid summary key`` and other answers that mean the call itself was wrong."""

    hint = "LimeSurvey rejected an argument of the call; this is a bug in the caller: report it."


# --- JSON-RPC error strings ------------------------------------------------------------------
class UnsupportedExportFormatError(LimeSurveyError):
    """``Writer for <type> should implement IWriter``: unknown export document type."""

    hint = "this export type is not available on the server. Use csv or json."


class MalformedRequestError(LimeSurveyError):
    """``unable to decode malformed json``: the request body was not valid JSON (a bug here)."""

    hint = "the server could not decode the request (malformed JSON). This is a bug: report it."


# --- our own checks ---------------------------------------------------------------------------
class DuplicateDeployError(LimeSurveyError):
    """The same instrument version is already on the server."""


class DeployRefusedError(LimeSurveyError):
    """Deploy stopped because the survey would break a promise made to respondents (e.g. it
    promises anonymity but would link answers to participants); the message says what to do."""


class PullConsistencyError(LimeSurveyError):
    """A page of a pull does not hold what was asked for; nothing of that page was written."""


#: The permission LimeSurvey checks before answering ``No permission``, per RPC method:
#: (``global`` or ``survey``, the permission as LimeSurvey's permission screens name it).
#: Read from ``application/helpers/remotecontrol/remotecontrol_handle.php`` (6.x): e.g.
#: ``import_survey`` checks ``hasGlobalPermission('surveys', 'create')``, ``export_responses``
#: ``hasSurveyPermission($iSurveyID, 'responses', 'export')``.
PERMISSIONS: dict[str, tuple[str, str]] = {
    "import_survey": ("global", "Surveys: create"),
    "add_survey": ("global", "Surveys: create"),
    "activate_survey": ("survey", "Survey activation: update"),
    "activate_tokens": ("survey", "Survey settings: update (or Participants: create)"),
    "add_participants": ("survey", "Participants: create"),
    "list_participants": ("survey", "Participants: read"),
    "get_participant_properties": ("survey", "Participants: read"),
    "set_participant_properties": ("survey", "Participants: update"),
    "invite_participants": ("survey", "Participants: update"),
    "remind_participants": ("survey", "Participants: update"),
    "export_responses": ("survey", "Responses: export"),
    "export_responses_by_token": ("survey", "Responses: export"),
    "add_response": ("survey", "Responses: create"),
    "get_summary": ("survey", "Survey: read"),
    "get_survey_properties": ("survey", "Survey settings: read"),
    "set_survey_properties": ("survey", "Survey settings: update"),
    "get_language_properties": ("survey", "Survey text elements: read"),
    "set_language_properties": ("survey", "Survey text elements: update"),
    "list_groups": ("survey", "Survey content: read"),
    "list_questions": ("survey", "Survey content: read"),
    "delete_survey": ("survey", "Survey: delete"),
}
#: Methods whose permission check runs before the survey's existence check (so ``No permission``
#: may also mean "no such survey").
_PERMISSION_FIRST = frozenset({"export_responses", "activate_survey"})

#: Every status string seen from LimeSurvey 6.2.1 (fixtures README, behaviour 1) and 6.14.0
#: (corpus README, behaviours 11-13) -> class. ``No permission`` is resolved per method
#: (:class:`PermissionDeniedError` / :class:`SurveyPermissionError`).
STATUS_ERRORS: dict[str, type[StatusError]] = {
    "Invalid user name or password": AuthenticationError,
    "Invalid session key": SessionKeyError,
    "Error: Invalid survey ID": SurveyNotFoundError,
    "Invalid surveyid": SurveyNotFoundError,
    "Invalid survey ID": SurveyNotFoundError,
    "No permission": PermissionDeniedError,
    "Error: No candidate tokens": NoCandidatesError,
    "Invalid summary key": InvalidArgumentError,
    "Error: Invalid questionid": ObjectNotFoundError,
    "Error: group not found": ObjectNotFoundError,
    "No Data, could not get max id.": NoResponsesError,
    "No Data, survey table does not exist.": SurveyNotActiveError,
    "No survey response table": SurveyNotActiveError,
    "No available data": SurveyNotActiveError,
    "Error: No survey participants table": NoParticipantsTableError,
    "No survey participants found.": NoParticipantsError,
    "No Response found for Token": NoResponseForTokenError,
    "Language code not found for this survey.": LanguageNotInSurveyError,
    "Error: No results were found based on your attributes.": ParticipantNotFoundError,
}

_LOCKOUT = re.compile(r"exceeded the number of maximum login attempts\D*(\d+)?", re.I)
_MISSING_TABLE = re.compile(r'The table "\{\{survey_\d+\}\}" .*cannot be found', re.S)
_WRITER = re.compile(r"^Writer for (\S+) should implement IWriter")


def error_from_status(
    status: str, *, method: str = "", survey_id: int | str | None = None
) -> StatusError:
    """The typed error for a LimeSurvey ``{"status": ...}`` answer (not ``OK``)."""
    text = status.strip()
    cls = STATUS_ERRORS.get(text, StatusError)
    if _LOCKOUT.search(text):
        cls = LoginLockedError
    elif cls is PermissionDeniedError and method in _PERMISSION_FIRST:
        cls = SurveyPermissionError
    return cls(method=method, survey_id=survey_id, detail=status)


def error_from_rpc_error(
    error: str, *, method: str = "", survey_id: int | str | None = None
) -> LimeSurveyError:
    """The typed error for a JSON-RPC ``error`` string (a PHP exception on the server)."""
    if _MISSING_TABLE.search(error):
        return SurveyNotActiveError(
            "the survey does not exist or is not active (it has no responses table). Check "
            "the survey id, and activate the survey before collecting or pulling.",
            method=method,
            survey_id=survey_id,
            detail=error,
        )
    if m := _WRITER.match(error):
        return UnsupportedExportFormatError(
            f"export type {m.group(1)!r} is not available on the server. Use csv or json.",
            method=method,
            survey_id=survey_id,
            detail=error,
        )
    if "malformed json" in error:
        return MalformedRequestError(method=method, survey_id=survey_id, detail=error)
    return LimeSurveyError(
        "LimeSurvey raised an error while handling the call. Check the arguments and the "
        "server's log; report it if it persists.",
        method=method,
        survey_id=survey_id,
        detail=error,
    )


_ERROR_TITLE = re.compile(r'<h2 class="error-title">(.*?)</h2>', re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def html_error_text(body: str) -> str:
    """The error message inside a LimeSurvey HTML error page (whitespace squeezed)."""
    m = _ERROR_TITLE.search(body)
    text = m.group(1) if m else ""
    if not text:
        t = re.search(r"<title>(.*?)</title>", body, re.S | re.I)
        text = t.group(1) if t else body[:200]
    text = html.unescape(_TAG.sub(" ", text))
    return " ".join(text.split())


def error_from_html(
    status_code: int, body: str, *, method: str = "", survey_id: int | str | None = None
) -> LimeSurveyError:
    """The typed error for an HTML page with an HTTP error status."""
    text = html_error_text(body)
    if status_code == 500:
        return ServerError(method=method, survey_id=survey_id, detail=text)
    return HttpStatusError(method=method, survey_id=survey_id, detail=f"HTTP {status_code} {text}")
