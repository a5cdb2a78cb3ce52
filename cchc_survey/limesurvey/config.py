"""Where the LimeSurvey server is and how to log in: :class:`LimeSurveyConfig`, :func:`load_config`.

Credentials come from the environment (``CCHC_LS_URL``, ``CCHC_LS_USER``, ``CCHC_LS_PASSWORD``)
or a TOML file outside the repository (``~/.config/cchc_survey/limesurvey.toml``, or the path in
``CCHC_LS_CONFIG``). The password is never logged, never put in an error message, never in
``repr``; :attr:`LimeSurveyConfig.public_url` is the URL that may be recorded.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError

__all__ = [
    "ENV_CONFIG",
    "ENV_PASSWORD",
    "ENV_URL",
    "ENV_USER",
    "LimeSurveyConfig",
    "RetryPolicy",
    "default_config_path",
    "load_config",
]

ENV_URL = "CCHC_LS_URL"
ENV_USER = "CCHC_LS_USER"
ENV_PASSWORD = "CCHC_LS_PASSWORD"  # noqa: S105 - the variable's name, not a password
ENV_CONFIG = "CCHC_LS_CONFIG"


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
