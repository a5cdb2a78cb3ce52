"""The JSON-RPC plumbing under :class:`~cchc_survey.limesurvey.client.LimeSurvey`.

LimeSurvey's RemoteControl 2 is JSON-RPC over one POST endpoint. :class:`RpcSession` is the whole
transport, written for what real servers answer (fixtures of 6.2.1 and 6.14.0):

* **Timeouts and retries.** Every request goes through :class:`HttpSession`, a
  :class:`requests.Session` that always sends a ``(connect, read)`` timeout. Retries back off
  exponentially (:class:`~cchc_survey.limesurvey.config.RetryPolicy`): connection failures for
  every method (the request never reached the server), read timeouts and HTTP 502/503/504 only
  for methods that change nothing on the server (``get_*``, ``list_*``, ``export_*``), so a slow
  ``import_survey`` or ``add_participants`` is never sent twice. LimeSurvey's HTTP 500 is a PHP
  error page for a wrong call and is not retried.
* **Session key.** Taken lazily on the first call that needs it, renewed once when the server says
  ``Invalid session key`` (expired mid-pull), released by :meth:`RpcSession.close` on every path.
* **Errors.** Every status string, RPC error, HTML page and empty body becomes one typed error of
  :mod:`cchc_survey.limesurvey.errors` whose message says what to do.

Why our own session and not citric's: citric's session logs in when it is created, raises on any
``status`` that is not ``OK`` (``"2 left to send"`` included, which is how LimeSurvey reports the
per-participant results of ``invite_participants``), turns LimeSurvey's HTML error pages into a
bare ``HTTPError`` and has no notion of which calls are safe to resend. The transport below is
about the size of what overriding citric's private attributes took, and it is ours to keep.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from .config import RetryPolicy
from .errors import (
    ConnectionFailedError,
    HttpStatusError,
    LimeSurveyError,
    NotJsonResponseError,
    RequestTimeoutError,
    ResponseMismatchError,
    RPCDisabledError,
    SessionKeyError,
    UnsupportedExportFormatError,
    error_from_html,
    error_from_rpc_error,
    error_from_status,
)

__all__ = ["REQUEST_ID", "HttpSession", "RpcSession"]

logger = logging.getLogger(__name__)

REQUEST_ID = 1
"""The JSON-RPC id of every request (LimeSurvey echoes it; the recorded exchanges all use 1)."""

#: RPC methods that change something on the server: never re-sent after a read timeout or 5xx.
_WRITE_PREFIXES = (
    "add_", "import_", "activate_", "invite_", "remind_", "set_", "delete_", "copy_",
    "cpd_", "mail_", "update_", "upload_",
)  # fmt: skip
#: Methods whose first parameter (after the session key) is not a survey id.
_NO_SURVEY = {
    "get_session_key", "release_session_key", "list_surveys", "list_users", "get_site_settings",
    "import_survey", "get_question_properties", "get_group_properties", "get_available_site_settings",
}  # fmt: skip
_RETRY_STATUS = {502, 503, 504}
_BINARY_TRAILER = re.compile(rb'\{"id":\s*[^,]*,\s*"result":\s*"",\s*"error":\s*null\}\s*$')
_INVALID_KEY = "Invalid session key"


def _user_agent() -> str:
    try:
        return f"cchc_survey/{metadata.version('cchc_survey')}"
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "cchc_survey"


class HttpSession(requests.Session):
    """A :class:`requests.Session` that always sends a timeout and carries a retry policy."""

    def __init__(
        self, *, timeout: tuple[float, float] = (10.0, 120.0), retry: RetryPolicy | None = None
    ) -> None:
        super().__init__()
        self.timeout = timeout
        self.retry = retry or RetryPolicy()

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        """Send a request; ``timeout`` defaults to :attr:`timeout` (requests has none)."""
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def survey_of(method: str, params: Sequence[Any]) -> int | str | None:
    """The survey id a call is about (its first parameter), for error messages."""
    if method in _NO_SURVEY or not params:
        return None
    sid = params[0]
    return sid if isinstance(sid, int | str) else None


class RpcSession:
    """A RemoteControl 2 session: lazy, renewable session key over a safe transport.

    Args:
        url: the RemoteControl endpoint.
        username: LimeSurvey user name.
        password: its password (kept private, never in ``repr``, logs or messages).
        auth_plugin: LimeSurvey authentication plugin (``Authdb`` = its own user table).
        http: the HTTP session (default: an :class:`HttpSession` with default timeouts).
        retry: the retry policy (default: the one ``http`` carries, else :class:`RetryPolicy`).

    Attributes:
        logins: how many session keys were taken (1 normally, 2 after a renewal).
    """

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        auth_plugin: str = "Authdb",
        http: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url
        self._http = http or HttpSession()
        self._http.headers["User-Agent"] = _user_agent()
        carried = getattr(self._http, "retry", None)
        self.retry: RetryPolicy = retry or (carried if isinstance(carried, RetryPolicy) else RetryPolicy())
        self._username = username
        self._password = password
        self._auth_plugin = auth_plugin
        self._key: str | None = None
        self._closed = False
        self.logins = 0

    def __repr__(self) -> str:
        key = "set" if self._key else "none"
        return f"RpcSession(url={self.url!r}, user={self._username!r}, key={key})"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def key(self) -> str | None:
        """The current session key, or None before the first call / after close."""
        return self._key

    # -- calls ---------------------------------------------------------------------------------
    def rpc(self, method: str, *params: Any) -> Any:
        """Call ``method`` (session key added) and return its result, or raise its typed error."""
        return self._result(method, params, self.call(method, *params))

    def call(self, method: str, *params: Any) -> dict[str, Any]:
        """Send ``method`` with the session key first; the decoded answer (``result``/``error``).

        A key refused as ``Invalid session key`` is renewed once and the call sent again.
        """
        if method == "get_session_key" or method.startswith("system."):
            return self._invoke(method, *params)
        key = self._key or self._login()
        data = self._invoke(method, key, *params)
        if _is_invalid_key(data):
            logger.info("LimeSurvey session key refused on %s; taking a new one (once)", method)
            self._key = None
            key = self._login()
            data = self._invoke(method, key, *params)
            if _is_invalid_key(data):
                self._key = None
                raise SessionKeyError(method=method, survey_id=survey_of(method, params),
                                      detail=_INVALID_KEY)  # fmt: skip
        return data

    def close(self) -> None:
        """Release the session key if one was taken, then close the HTTP session."""
        if self._closed:
            return
        try:
            if self._key is not None:
                try:
                    self._invoke("release_session_key", self._key)
                except LimeSurveyError as exc:  # the server may be gone: nothing to release
                    logger.warning("could not release the LimeSurvey session key: %s", exc)
        finally:
            self._key = None
            self._closed = True
            self._http.close()

    # -- key handling --------------------------------------------------------------------------
    def _login(self) -> str:
        if self._closed:
            raise LimeSurveyError("the session is closed; open a new LimeSurvey client.")
        result = self._result(
            "get_session_key",
            (),
            self._invoke("get_session_key", self._username, self._password, self._auth_plugin),
        )
        if not isinstance(result, str) or not result:
            raise LimeSurveyError(
                "get_session_key did not return a key; check the URL and the LimeSurvey version.",
                method="get_session_key",
                detail=repr(result)[:80],
            )
        self._key = result
        self.logins += 1
        logger.info("LimeSurvey session opened at %s", self.url)
        return result

    @staticmethod
    def _result(method: str, params: Sequence[Any], data: Mapping[str, Any]) -> Any:
        sid = survey_of(method, params)
        error = data.get("error")
        result = data.get("result")
        if error is not None:
            raise error_from_rpc_error(str(error), method=method, survey_id=sid)
        if isinstance(result, dict) and "status" in result and result["status"] != "OK" \
                and not _is_mail_result(method, result):  # fmt: skip
            raise error_from_status(str(result["status"]), method=method, survey_id=sid)
        return result

    # -- transport -----------------------------------------------------------------------------
    def _post(self, method: str, body: str) -> requests.Response:
        idempotent = not method.startswith(_WRITE_PREFIXES)
        attempt = 0
        while True:
            retryable: LimeSurveyError | None = None
            try:
                res = self._http.post(self.url, data=body.encode("utf-8"),
                                      headers={"content-type": "application/json"})  # fmt: skip
            except requests.exceptions.ConnectTimeout as exc:
                retryable = ConnectionFailedError(method=method, detail=type(exc).__name__)
            except requests.exceptions.Timeout as exc:
                if not idempotent:
                    raise RequestTimeoutError(
                        "the server did not answer in time. This call changes data on the "
                        "server and was NOT sent again: check in LimeSurvey whether it took "
                        "effect before repeating it.",
                        method=method,
                    ) from exc
                retryable = RequestTimeoutError(method=method, detail=type(exc).__name__)
            except requests.exceptions.ConnectionError as exc:
                # A refused connection never reached the server: safe to retry any call. A
                # connection that broke later may have delivered a write: do not resend it.
                if not idempotent and not _never_sent(exc):
                    raise ConnectionFailedError(
                        "the connection broke while sending a call that changes data; it was "
                        "NOT sent again. Check in LimeSurvey whether it took effect.",
                        method=method,
                        detail=type(exc).__name__,
                    ) from exc
                retryable = ConnectionFailedError(method=method, detail=type(exc).__name__)
            else:
                if res.status_code in _RETRY_STATUS and idempotent:
                    retryable = HttpStatusError(method=method, detail=f"HTTP {res.status_code}")
                else:
                    return res
            attempt += 1
            if attempt > self.retry.retries:
                raise retryable
            wait = self.retry.wait(attempt)
            logger.warning("LimeSurvey %s failed (%s); retry %d/%d in %.1fs", method,
                           retryable.detail, attempt, self.retry.retries, wait)  # fmt: skip
            self.retry.sleep(wait)

    def _invoke(self, method: str, *params: Any) -> dict[str, Any]:
        """POST one JSON-RPC request and return the decoded answer (a dict)."""
        body = json.dumps({"method": method, "params": [*params], "id": REQUEST_ID})
        sid = survey_of(method, params[1:] if method != "get_session_key" else ())
        res = self._post(method, body)
        ctype = res.headers.get("content-type", "")
        if res.status_code != 200:
            text = res.content.decode("utf-8", "replace")
            if "html" in ctype.lower() or text.lstrip().startswith("<"):
                raise error_from_html(res.status_code, text, method=method, survey_id=sid)
            raise HttpStatusError(method=method, survey_id=sid,
                                  detail=f"HTTP {res.status_code} {text[:200]}")  # fmt: skip
        if not res.content.strip():
            raise RPCDisabledError(method=method, survey_id=sid)
        try:
            data = json.loads(res.content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            if _BINARY_TRAILER.search(res.content[-200:]):
                # export plugins such as spsssav stream the raw file, then append the envelope
                # (fixtures README behaviour 8): not usable through JSON-RPC.
                raise UnsupportedExportFormatError(
                    "the server streamed a binary file instead of a JSON-RPC result (the spsssav "
                    "export does this). Export csv or json instead.",
                    method=method, survey_id=sid, detail=f"{len(res.content)} bytes of {ctype}",
                ) from None  # fmt: skip
            head = res.content[:80].decode("utf-8", "replace")
            detail = f"{ctype or 'no content type'}: {head!r}"
            raise NotJsonResponseError(method=method, survey_id=sid, detail=detail) from None
        if not isinstance(data, dict) or not {"result", "error"} <= data.keys():
            raise NotJsonResponseError(method=method, survey_id=sid,
                                       detail="JSON without result/error")  # fmt: skip
        if data.get("id") not in (REQUEST_ID, None):
            raise ResponseMismatchError(method=method, survey_id=sid,
                                        detail=f"id {data.get('id')!r}")  # fmt: skip
        logger.debug("LimeSurvey %s answered (%d bytes)", method, len(res.content))
        return data


_MAIL_METHODS = frozenset({"invite_participants", "remind_participants", "mail_registered_participants"})
_LEFT_TO_SEND = re.compile(r"^-?\d+ left to send$")


def _is_mail_result(method: str, result: Mapping[str, Any]) -> bool:
    """A mail call's success form: per-participant results and ``"<n> left to send"``.

    LimeSurvey puts its batch count in the ``status`` key of the same object that holds the
    per-participant results (6.14.0 recording: two ``"fail"`` rows and ``"2 left to send"``);
    it is not an error, and the rows must reach the caller.
    """
    return method in _MAIL_METHODS and bool(_LEFT_TO_SEND.match(str(result.get("status", ""))))


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before the request was sent (refused, DNS)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _is_invalid_key(data: Any) -> bool:
    result = data.get("result") if isinstance(data, dict) else None
    return isinstance(result, dict) and result.get("status") == _INVALID_KEY
