"""LimeSurvey RemoteControl 2 client: configuration, a safe transport under citric, typed errors.

Built on `citric <https://citric.readthedocs.io>`_ (its :class:`citric.Client` gives one typed
method per RPC call). Three things citric leaves to us are done here:

* **Timeouts and retries.** :class:`HttpSession` is a :class:`requests.Session` that always sends a
  ``(connect, read)`` timeout and carries a :class:`RetryPolicy`. :class:`RpcSession` (citric's
  low-level session, subclassed) retries with exponential backoff: connection failures for every
  method (the request never reached the server), read timeouts and HTTP 502/503/504 only for
  methods that change nothing on the server (``get_*``, ``list_*``, ``export_*``), so a slow
  ``import_survey`` or ``add_participants`` is never sent twice. LimeSurvey's HTTP 500 is a PHP
  error page for a wrong call and is not retried.
* **Session key.** Taken lazily on the first call that needs it, renewed once when the server says
  ``Invalid session key`` (expired mid-pull), released by :meth:`LimeSurvey.close` on every path
  (use ``with LimeSurvey(...) as ls:``).
* **Errors.** Every status string, RPC error, HTML page and empty body is turned into one typed
  error of :mod:`cchc_survey.limesurvey.errors` whose message says what to do.

Credentials come from the environment (``CCHC_LS_URL``, ``CCHC_LS_USER``, ``CCHC_LS_PASSWORD``)
or a TOML file outside the repository (``~/.config/cchc_survey/limesurvey.toml``, or the path in
``CCHC_LS_CONFIG``); see :func:`load_config`. The password is never logged, never put in an error
message, never in ``repr``; :attr:`LimeSurveyConfig.public_url` is the URL that may be recorded.

Example:
    >>> with LimeSurvey(load_config()) as ls:                          # doctest: +SKIP
    ...     ls.get_summary(385924)["completed_responses"]
    51
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import requests
from citric import Client as CitricClient
from citric.session import Session as CitricSession
from urllib3.exceptions import NewConnectionError

from .errors import (
    ConfigError,
    ConnectionFailedError,
    CorruptExportError,
    HttpStatusError,
    LimeSurveyError,
    NotJsonResponseError,
    RequestTimeoutError,
    ResponseMismatchError,
    RPCDisabledError,
    SessionKeyError,
    StatusError,
    UnsupportedExportFormatError,
    error_from_html,
    error_from_rpc_error,
    error_from_status,
)

__all__ = [
    "ENV_CONFIG",
    "ENV_PASSWORD",
    "ENV_URL",
    "ENV_USER",
    "HttpSession",
    "LimeSurvey",
    "LimeSurveyConfig",
    "RetryPolicy",
    "RpcSession",
    "default_config_path",
    "load_config",
]

logger = logging.getLogger(__name__)

ENV_URL = "CCHC_LS_URL"
ENV_USER = "CCHC_LS_USER"
ENV_PASSWORD = "CCHC_LS_PASSWORD"  # noqa: S105 - the variable's name, not a password
ENV_CONFIG = "CCHC_LS_CONFIG"

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
REQUEST_ID = 1  # LimeSurvey echoes the id; the recorded exchanges all use 1.


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failed request.

    The wait before retry ``k`` (1-based) is ``backoff * 2 ** (k - 1)`` seconds, at most
    ``max_backoff``.

    Attributes:
        retries: retries after the first attempt (0 = no retry).
        backoff: first wait in seconds.
        max_backoff: cap on one wait.
        sleep: the sleep function (tests pass a recorder instead of :func:`time.sleep`).
    """

    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        return float(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class LimeSurveyConfig:
    """Where the LimeSurvey server is and how to log in. ``password`` never appears in ``repr``.

    Attributes:
        url: the RemoteControl endpoint, e.g. ``https://ls.example.org/index.php/admin/remotecontrol``.
        username: LimeSurvey user name.
        password: its password.
        connect_timeout: seconds to wait for the TCP/TLS connection.
        read_timeout: seconds to wait for an answer (an export of a large page can take long).
        retry: the retry policy.
        auth_plugin: LimeSurvey authentication plugin (``Authdb`` = its own user table).
    """

    url: str
    username: str
    password: str = field(repr=False)
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    auth_plugin: str = "Authdb"

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(
                f"the URL {self.public_url!r} is not an http(s) URL. Set {ENV_URL} to the "
                "RemoteControl endpoint, e.g. https://your-server/index.php/admin/remotecontrol."
            )
        if parts.username or parts.password:
            raise ConfigError(
                "the URL carries a user name or password. Remove them from the URL and set "
                f"{ENV_USER} and {ENV_PASSWORD} (or the config file) instead."
            )
        if not self.username or not self.password:
            raise ConfigError(
                f"user name or password is empty. Set {ENV_USER} and {ENV_PASSWORD}, or user and "
                f"password in {default_config_path()} (chmod 600)."
            )
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ConfigError("timeouts must be positive numbers of seconds.")
        if self.retry.retries < 0:
            raise ConfigError("retries must be 0 or more.")

    @property
    def public_url(self) -> str:
        """The URL without user info, query or fragment: safe to write into a manifest."""
        p = urlsplit(self.url)
        host = p.hostname or ""
        if p.port:
            host = f"{host}:{p.port}"
        return urlunsplit((p.scheme, host, p.path, "", ""))


def default_config_path() -> Path:
    """``$CCHC_LS_CONFIG``, else ``$XDG_CONFIG_HOME/cchc_survey/limesurvey.toml`` (``~/.config``)."""
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG]).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "cchc_survey" / "limesurvey.toml"


def _inside_repo(path: Path) -> Path | None:
    """The git work tree that contains ``path``, if any."""
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            return parent
    return None


def load_config(
    config_file: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> LimeSurveyConfig:
    """Read the connection settings: environment variables over the config file.

    The config file (TOML) has one table::

        [limesurvey]
        url = "https://ls.example.org/index.php/admin/remotecontrol"
        user = "analyst"
        password = "..."          # or leave it out and set CCHC_LS_PASSWORD
        read_timeout = 120        # optional: connect_timeout, retries, backoff, auth_plugin

    A file that holds a password must not be readable by others (``chmod 600``) and must not be
    inside a git work tree (it would end up in a commit).

    Args:
        config_file: the TOML file; default :func:`default_config_path` (skipped if absent).
        env: the environment (default :data:`os.environ`).
        **overrides: values that win over both (e.g. ``read_timeout=30``).

    Raises:
        ConfigError: something is missing, or the file is unsafe or unreadable.
    """
    env = os.environ if env is None else env
    path = Path(config_file).expanduser() if config_file else default_config_path()
    table: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot be read as TOML ({exc}); fix the file.") from exc
        raw_table = data.get("limesurvey", data)
        if not isinstance(raw_table, dict):
            raise ConfigError(f"{path}: [limesurvey] must be a table of settings.")
        table = raw_table
        if "password" in table:
            repo = _inside_repo(path)
            if repo is not None:
                raise ConfigError(
                    f"{path}: a file with a password is inside the git work tree {repo}; move it "
                    f"to {default_config_path()} (outside any repository) or use {ENV_PASSWORD}."
                )
            if os.name == "posix" and path.stat().st_mode & 0o077:
                raise ConfigError(
                    f"{path}: holds a password but others can read it; run `chmod 600 {path}`."
                )
    elif config_file:
        raise ConfigError(f"{path}: config file not found; create it or drop --config.")

    def pick(key: str, env_key: str | None = None) -> Any:
        if key in overrides and overrides[key] is not None:
            return overrides[key]
        if env_key and env.get(env_key):
            return env[env_key]
        return table.get(key)

    url = pick("url", ENV_URL)
    user = pick("user", ENV_USER) or pick("username")
    password = pick("password", ENV_PASSWORD)
    missing = [n for n, v in ((ENV_URL, url), (ENV_USER, user), (ENV_PASSWORD, password)) if not v]
    if missing:
        raise ConfigError(
            f"missing {', '.join(missing)}. Set the environment variable(s), or write them "
            f"(url, user, password) under [limesurvey] in {path} (chmod 600)."
        )
    try:
        retry = RetryPolicy(
            retries=int(pick("retries") if pick("retries") is not None else 3),
            backoff=float(pick("backoff") if pick("backoff") is not None else 1.0),
            sleep=overrides.get("sleep") or time.sleep,
        )
        return LimeSurveyConfig(
            url=str(url),
            username=str(user),
            password=str(password),
            connect_timeout=float(pick("connect_timeout") or 10.0),
            read_timeout=float(pick("read_timeout") or 120.0),
            retry=retry,
            auth_plugin=str(pick("auth_plugin") or "Authdb"),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{path}: a numeric setting (timeouts, retries, backoff) is not a number ({exc})."
        ) from exc


# --------------------------------------------------------------------------------------------
# transport
# --------------------------------------------------------------------------------------------
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


def _survey_of(method: str, params: Sequence[Any]) -> int | str | None:
    if method in _NO_SURVEY or not params:
        return None
    sid = params[0]
    return sid if isinstance(sid, int | str) else None


class RpcSession(CitricSession):
    """citric's low-level RPC session with a lazy, renewable session key and a safe transport.

    Unlike :class:`citric.session.Session` it does not log in when created: the key is taken on
    the first call that needs it, renewed once on ``Invalid session key`` and released by
    :meth:`close` (only if one was taken). Every answer is decoded into a result or a typed
    :class:`~cchc_survey.limesurvey.errors.LimeSurveyError`.
    """

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        auth_plugin: str = "Authdb",
        requests_session: requests.Session | None = None,
        json_encoder: type[json.JSONEncoder] | None = None,
    ) -> None:
        # citric's __init__ logs in at once; we do not call it (the key is lazy).
        self.url = url
        self._session = requests_session or HttpSession()
        self._session.headers["User-Agent"] = self.USER_AGENT
        self._encoder = json_encoder or json.JSONEncoder
        self.__username = username
        self.__password = password
        self.__auth_plugin = auth_plugin
        self.__key: str | None = None
        self.__closed = False
        self.logins = 0  # how many session keys were taken (for status and tests)
        retry = getattr(self._session, "retry", None)
        self.retry: RetryPolicy = retry if isinstance(retry, RetryPolicy) else RetryPolicy()

    def __repr__(self) -> str:
        key = "set" if self.__key else "none"
        return f"RpcSession(url={self.url!r}, user={self.__username!r}, key={key})"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self.__closed

    @property
    def key(self) -> str | None:
        """The current session key, or None before the first call / after close."""
        return self.__key

    # -- key handling --------------------------------------------------------------------------
    def _login(self) -> str:
        if self.__closed:
            raise LimeSurveyError("the session is closed; open a new LimeSurvey client.")
        result = self._result(
            "get_session_key",
            (self.__username, self.__password, self.__auth_plugin),
            self._invoke("get_session_key", self.__username, self.__password, self.__auth_plugin),
        )
        if not isinstance(result, str) or not result:
            raise LimeSurveyError(
                "get_session_key did not return a key; check the URL and the LimeSurvey version.",
                method="get_session_key",
                detail=repr(result)[:80],
            )
        self.__key = result
        self.logins += 1
        logger.info("LimeSurvey session opened at %s", self.url)
        return result

    def call(self, method: str, *params: Any) -> Any:
        """Send ``method`` (with the session key first) and return the raw JSON-RPC answer."""
        if method == "get_session_key" or method.startswith("system."):
            return self._invoke(method, *params)
        key = self.__key or self._login()
        data = self._invoke(method, key, *params)
        if _is_invalid_key(data):
            logger.info("LimeSurvey session key refused on %s; taking a new one (once)", method)
            self.__key = None
            key = self._login()
            data = self._invoke(method, key, *params)
            if _is_invalid_key(data):
                self.__key = None
                raise SessionKeyError(method=method, survey_id=_survey_of(method, params),
                                      detail=_INVALID_KEY)  # fmt: skip
        return data

    def rpc(self, method: str, *params: Any) -> Any:
        """Call ``method`` and return its result, or raise the typed error it means."""
        return self._result(method, params, self.call(method, *params))

    @staticmethod
    def _result(method: str, params: Sequence[Any], data: Mapping[str, Any]) -> Any:
        sid = _survey_of(method, params)
        error = data.get("error")
        result = data.get("result")
        if error is not None:
            raise error_from_rpc_error(str(error), method=method, survey_id=sid)
        if isinstance(result, dict) and "status" in result and result["status"] != "OK":
            raise error_from_status(str(result["status"]), method=method, survey_id=sid)
        return result

    # -- transport -----------------------------------------------------------------------------
    def _post(self, method: str, body: str) -> requests.Response:
        idempotent = not method.startswith(_WRITE_PREFIXES)
        attempt = 0
        while True:
            retryable: LimeSurveyError | None = None
            try:
                res = self._session.post(
                    self.url, data=body.encode("utf-8"),
                    headers={"content-type": "application/json"},
                )  # fmt: skip
            except requests.exceptions.ConnectTimeout as exc:
                retryable = ConnectionFailedError(method=method, detail=type(exc).__name__)
            except requests.exceptions.Timeout as exc:
                err = RequestTimeoutError(method=method, detail=type(exc).__name__)
                if not idempotent:
                    raise RequestTimeoutError(
                        "the server did not answer in time. This call changes data on the "
                        "server and was NOT sent again: check in LimeSurvey whether it took "
                        "effect before repeating it.",
                        method=method,
                    ) from exc
                retryable = err
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

    def _invoke(self, method: str, *params: Any) -> Any:
        """POST one JSON-RPC request and return the decoded answer (a dict)."""
        body = json.dumps({"method": method, "params": [*params], "id": REQUEST_ID},
                          cls=self._encoder)  # fmt: skip
        sid = _survey_of(method, params[1:] if method != "get_session_key" else ())
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

    def close(self) -> None:
        """Release the session key if one was taken, then close the HTTP session."""
        if self.__closed:
            return
        try:
            if self.__key is not None:
                try:
                    self._invoke("release_session_key", self.__key)
                except LimeSurveyError as exc:  # the server may be gone: nothing to release
                    logger.warning("could not release the LimeSurvey session key: %s", exc)
        finally:
            self.__key = None
            self.__closed = True
            self._session.close()


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection failed before the request was sent (refused, DNS)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def _is_invalid_key(data: Any) -> bool:
    result = data.get("result") if isinstance(data, dict) else None
    return isinstance(result, dict) and result.get("status") == _INVALID_KEY


class _Citric(CitricClient):
    session_class = RpcSession


# --------------------------------------------------------------------------------------------
# the client
# --------------------------------------------------------------------------------------------
CompletionStatus = Literal["all", "complete", "incomplete"]
HeadingType = Literal["code", "full", "abbreviated"]
ResponseType = Literal["short", "long"]
DocumentType = Literal["csv", "json", "xls", "pdf", "doc", "html"]


def decode_export(result: Any, *, method: str, survey_id: int | str | None) -> bytes:
    """Strictly decode an export's base64 result (a damaged answer raises, never half-decodes)."""
    if not isinstance(result, str):
        raise CorruptExportError(
            "the export result is not a base64 text.",
            method=method, survey_id=survey_id, detail=type(result).__name__,
        )  # fmt: skip
    try:
        return base64.b64decode(result, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CorruptExportError(method=method, survey_id=survey_id, detail=str(exc)) from exc


class LimeSurvey:
    """The project's LimeSurvey client: a citric client over :class:`RpcSession`.

    Use it as a context manager so the session key is released on every path::

        with LimeSurvey(load_config()) as ls:
            ls.list_surveys()

    Args:
        config: connection settings (:func:`load_config`).
        http: the HTTP session to use (default: an :class:`HttpSession` built from ``config``).

    Attributes:
        citric: the underlying :class:`citric.Client` (all other RPC calls).
    """

    def __init__(self, config: LimeSurveyConfig, *, http: requests.Session | None = None) -> None:
        self.config = config
        self.http = http or HttpSession(
            timeout=(config.connect_timeout, config.read_timeout), retry=config.retry
        )
        self.citric = _Citric(
            config.url, config.username, config.password,
            requests_session=self.http, auth_plugin=config.auth_plugin,
        )  # fmt: skip

    @classmethod
    def from_env(cls, config_file: str | os.PathLike[str] | None = None, **overrides: Any) -> LimeSurvey:
        """Build from :func:`load_config` (environment variables over the config file)."""
        return cls(load_config(config_file, **overrides))

    def __repr__(self) -> str:
        return f"LimeSurvey(url={self.config.public_url!r}, user={self.config.username!r})"

    def __enter__(self) -> LimeSurvey:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def session(self) -> RpcSession:
        """The low-level session (key, transport)."""
        session = self.citric.session
        if not isinstance(session, RpcSession):  # pragma: no cover - set by _Citric
            raise TypeError("unexpected citric session class")
        return session

    def close(self) -> None:
        """Release the session key (if any) and close the connection."""
        self.session.close()

    def call(self, method: str, *params: Any) -> Any:
        """Any RPC method by name (session key added); result or typed error."""
        return self.session.rpc(method, *params)

    # -- metadata ------------------------------------------------------------------------------
    def list_surveys(self) -> list[dict[str, Any]]:
        """Surveys visible to the user: ``sid`` (int), ``surveyls_title``, ``active`` ("Y"/"N")."""
        try:
            result = self.call("list_surveys")
        except StatusError as exc:
            if "No surveys found" in exc.detail:
                return []
            raise
        return [dict(s) for s in result]

    def get_summary(self, survey_id: int) -> dict[str, int] | None:
        """``get_summary`` counts as ints, or None for a survey that is not active (``[]``)."""
        summary = self.citric.get_summary(survey_id)
        if summary is None:
            return None
        return {str(k): int(str(v)) for k, v in dict(summary).items()}

    def server_version(self) -> str | None:
        """LimeSurvey's ``versionnumber`` (None when the user may not read site settings)."""
        try:
            return str(self.citric.get_server_version())
        except LimeSurveyError as exc:
            logger.info("LimeSurvey version not readable: %s", exc)
            return None

    # -- exports -------------------------------------------------------------------------------
    def export_responses(
        self,
        survey_id: int,
        *,
        document: DocumentType = "csv",
        language: str | None = None,
        completion: CompletionStatus = "all",
        heading: HeadingType = "code",
        response: ResponseType = "short",
        from_id: int | None = None,
        to_id: int | None = None,
        fields: Sequence[str] | None = None,
    ) -> bytes:
        """``export_responses``: the exported file's bytes exactly as LimeSurvey wrote them.

        ``from_id``/``to_id`` are inclusive response ids. A range with no response gives
        ``b"\\r\\n"`` (README behaviour 10); a survey with no response at all raises
        :class:`~cchc_survey.limesurvey.errors.NoResponsesError`.
        """
        _check_export_options(completion, heading, response)
        params: list[Any] = [survey_id, document, language, completion, heading, response,
                             from_id, to_id, list(fields) if fields else None]  # fmt: skip
        result = self.call("export_responses", *_trim(params))
        return decode_export(result, method="export_responses", survey_id=survey_id)

    def export_responses_by_token(
        self,
        survey_id: int,
        token: str,
        *,
        document: DocumentType = "csv",
        language: str | None = None,
        completion: CompletionStatus = "all",
        heading: HeadingType = "code",
        response: ResponseType = "short",
    ) -> bytes:
        """``export_responses_by_token``: the responses of one participant token."""
        _check_export_options(completion, heading, response)
        # PHP defaults of export_responses_by_token after sToken: null, 'all', 'code', 'short'.
        params = _trim([survey_id, document, token, language, completion, heading, response],
                       defaults=[None, "all", "code", "short"])  # fmt: skip
        result = self.call("export_responses_by_token", *params)
        return decode_export(result, method="export_responses_by_token", survey_id=survey_id)

    # -- deployment ----------------------------------------------------------------------------
    def import_survey(self, lss: bytes, *, name: str | None = None, wished_id: int | None = None) -> int:
        """``import_survey`` of an .lss file's bytes; returns the new survey id."""
        contents = base64.b64encode(lss).decode("ascii")
        params = _trim([contents, "lss", name, wished_id])
        return int(self.call("import_survey", *params))

    def activate_survey(self, survey_id: int) -> None:
        """``activate_survey`` (creates the responses table)."""
        self.call("activate_survey", survey_id)

    def activate_tokens(self, survey_id: int, attributes: Sequence[int] = ()) -> None:
        """``activate_tokens``: create the participants table (with ``attribute_<n>`` fields)."""
        self.call("activate_tokens", *([survey_id, list(attributes)] if attributes else [survey_id]))

    def add_participants(
        self, survey_id: int, rows: Sequence[Mapping[str, Any]], *, create_tokens: bool = True
    ) -> list[dict[str, Any]]:
        """``add_participants``; returns the rows with their ``tid`` (int) and ``token``."""
        result = self.call("add_participants", survey_id, [dict(r) for r in rows], create_tokens)
        out = [dict(r) for r in result]
        for r in out:
            if "error" in r:
                raise StatusError(
                    f"a participant was not added ({r.get('error')}); fix the row "
                    f"(e-mail {_mask_email(str(r.get('email', '')))}) and deploy again.",
                    method="add_participants", survey_id=survey_id,
                )  # fmt: skip
            if "tid" in r:
                r["tid"] = int(r["tid"])
        return out

    def list_participants(
        self,
        survey_id: int,
        *,
        attributes: Sequence[str] = (),
        start: int = 0,
        limit: int = 10_000,
    ) -> list[dict[str, Any]]:
        """``list_participants`` with extra attributes; an empty table gives ``[]``."""
        from .errors import NoParticipantsError

        params: list[Any] = [survey_id, start, limit, False]
        if attributes:
            params.append(list(attributes))
        try:
            return [dict(r) for r in self.call("list_participants", *params)]
        except NoParticipantsError:
            return []

    def invite_participants(
        self, survey_id: int, *, token_ids: Sequence[int] | None = None, resend: bool = False
    ) -> int:
        """``invite_participants``; returns how many e-mails are still left to send."""
        return self._mail("invite_participants",
                          [survey_id, list(token_ids) if token_ids else None, not resend])  # fmt: skip

    def remind_participants(
        self,
        survey_id: int,
        *,
        min_days_between: int | None = None,
        max_reminders: int | None = None,
        token_ids: Sequence[int] | None = None,
    ) -> int:
        """``remind_participants``; returns how many e-mails are still left to send."""
        return self._mail("remind_participants", [survey_id, min_days_between, max_reminders,
                                                  list(token_ids) if token_ids else None])  # fmt: skip

    def _mail(self, method: str, params: list[Any]) -> int:
        # LimeSurvey reports success as {"status": "<n> left to send", <tid>: {...}} (the form
        # citric parses with EMAILS_SENT_STATUS_PATTERN); any other status is an error.
        try:
            result = self.call(method, *_trim(params))
        except StatusError as exc:
            left = _left_to_send(exc.detail)
            if left is None:
                raise
            return left
        left = _left_to_send(str(result.get("status", ""))) if isinstance(result, dict) else None
        return left if left is not None else 0


def _left_to_send(status: str) -> int | None:
    m = re.match(r"(-?\d+) left to send", status)
    return int(m.group(1)) if m else None


def _trim(params: list[Any], defaults: Sequence[Any] = ()) -> list[Any]:
    """Drop trailing parameters equal to LimeSurvey's PHP defaults.

    ``defaults`` lists the defaults of the last ``len(defaults)`` parameters; a trailing ``None``
    is always dropped (null is the PHP default of every optional RemoteControl argument that has
    no other default).
    """
    out = list(params)
    first_default = len(out) - len(defaults)
    while out:
        i = len(out) - 1
        if out[i] is None or (i >= first_default and out[i] == defaults[i - first_default]):
            out.pop()
        else:
            break
    return out


def _check_option(name: str, value: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        # LimeSurvey silently treats unknown values as the default (README behaviour 10):
        # refuse them here so that a typo does not export the wrong thing.
        raise ConfigError(f"{name}={value!r} is not one of {', '.join(allowed)}.")


def _check_export_options(completion: str, heading: str, response: str) -> None:
    """The options every response export takes, checked before the call."""
    _check_option("completion", completion, ("all", "complete", "incomplete"))
    _check_option("heading", heading, ("code", "full", "abbreviated"))
    _check_option("response", response, ("short", "long"))


def _mask_email(email: str) -> str:
    user, _, domain = email.partition("@")
    return f"{user[:1]}***@{domain}" if domain else "***"
