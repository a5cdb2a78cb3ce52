"""The LimeSurvey RemoteControl 2 client: one method per RPC call the project uses.

:class:`LimeSurvey` is the readable definition: each method names its RPC call (so LimeSurvey's
manual maps one to one), takes keyword-only options, checks an option against its enum at once
(a bad value fails before anything is sent; LimeSurvey itself silently treats unknown values as
the default) and returns typed results. The plumbing (HTTP, retries, the session key, decoding
errors) is in :mod:`.rpc`; the connection settings in :mod:`.config`; the per-participant
outcomes in :mod:`.results`.

Example:
    >>> with LimeSurvey(load_config()) as ls:                          # doctest: +SKIP
    ...     ls.get_summary(385924)["completed_responses"]
    51
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Literal, TypeVar

import requests

from .config import (
    ENV_CONFIG,
    ENV_PASSWORD,
    ENV_URL,
    ENV_USER,
    LimeSurveyConfig,
    RetryPolicy,
    default_config_path,
    load_config,
)
from .errors import (
    ConfigError,
    CorruptExportError,
    LimeSurveyError,
    NoCandidatesError,
    NoParticipantsError,
    StatusError,
)
from .results import AddParticipantsResult, MailResult
from .rpc import REQUEST_ID, HttpSession, RpcSession

__all__ = [
    "ENV_CONFIG",
    "ENV_PASSWORD",
    "ENV_URL",
    "ENV_USER",
    "REQUEST_ID",
    "Answers",
    "Completion",
    "ExportFormat",
    "Heading",
    "HttpSession",
    "LimeSurvey",
    "LimeSurveyConfig",
    "RetryPolicy",
    "RpcSession",
    "decode_export",
    "default_config_path",
    "load_config",
]

logger = logging.getLogger(__name__)


class Completion(StrEnum):
    """``sCompletionStatus`` of an export."""

    ALL = "all"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


class Heading(StrEnum):
    """``sHeadingType``: column headings as codes (``TC[A1]``), full or abbreviated texts."""

    CODE = "code"
    FULL = "full"
    ABBREVIATED = "abbreviated"


class Answers(StrEnum):
    """``sResponseType``: answer codes (``short``) or their labels (``long``)."""

    SHORT = "short"
    LONG = "long"


class ExportFormat(StrEnum):
    """``sDocumentType`` of ``export_responses`` that come back as base64 files."""

    CSV = "csv"
    JSON = "json"
    XLS = "xls"
    PDF = "pdf"
    DOC = "doc"
    HTML = "html"


CompletionStatus = Literal["all", "complete", "incomplete"]
HeadingType = Literal["code", "full", "abbreviated"]
ResponseType = Literal["short", "long"]
DocumentType = Literal["csv", "json", "xls", "pdf", "doc", "html"]

_E = TypeVar("_E", bound=StrEnum)


def _option(name: str, value: str, enum: type[_E]) -> _E:
    """``value`` as a member of ``enum``, or a :class:`ConfigError` naming the allowed values."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ConfigError(f"{name}={value!r} is not one of {allowed}.") from None


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


class LimeSurvey:
    """The project's LimeSurvey client.

    Use it as a context manager so the session key is released on every path::

        with LimeSurvey(load_config()) as ls:
            ls.list_surveys()

    Nothing is sent before the first call; the session key is taken then.

    Args:
        config: connection settings (:func:`load_config`).
        http: the HTTP session to use (default: an :class:`HttpSession` built from ``config``).
    """

    def __init__(self, config: LimeSurveyConfig, *, http: requests.Session | None = None) -> None:
        self.config = config
        self.http = http or HttpSession(
            timeout=(config.connect_timeout, config.read_timeout), retry=config.retry
        )
        self.session = RpcSession(config.url, config.username, config.password,
                                  auth_plugin=config.auth_plugin, http=self.http,
                                  retry=config.retry)  # fmt: skip

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

    def close(self) -> None:
        """Release the session key (if any) and close the connection."""
        self.session.close()

    def call(self, method: str, *params: Any) -> Any:
        """Any RPC method by name (session key added); its result or its typed error."""
        return self.session.rpc(method, *params)

    # -- surveys -------------------------------------------------------------------------------
    def list_surveys(self) -> list[dict[str, Any]]:
        """``list_surveys``: ``sid`` (int), ``surveyls_title`` (base language), ``active``."""
        try:
            result = self.call("list_surveys")
        except StatusError as exc:
            if "No surveys found" in exc.detail:
                return []
            raise
        return [dict(s) for s in result]

    def get_summary(self, survey_id: int) -> dict[str, int] | None:
        """``get_summary``: counts as ints, or None for a survey that is not active (``[]``)."""
        summary = self.call("get_summary", survey_id)
        if not summary:
            return None
        return {str(k): int(str(v)) for k, v in dict(summary).items()}

    def get_survey_properties(self, survey_id: int, names: Sequence[str]) -> dict[str, Any]:
        """``get_survey_properties`` of the settings ``names`` (``anonymized``, ``active``...)."""
        return dict(self.call("get_survey_properties", survey_id, list(names)))

    def set_survey_properties(self, survey_id: int, values: Mapping[str, str]) -> dict[str, bool]:
        """``set_survey_properties``; which settings were saved (LimeSurvey ignores some on an
        active survey, e.g. ``anonymized``)."""
        result = self.call("set_survey_properties", survey_id, dict(values))
        return {str(k): bool(v) for k, v in dict(result).items() if k != "status"}

    def get_language_properties(self, survey_id: int, names: Sequence[str], *,
                                language: str | None = None) -> dict[str, Any]:
        """``get_language_properties`` (``surveyls_title``, ``surveyls_alias``...) of one language
        (default: the survey's base language)."""
        return dict(self.call("get_language_properties", survey_id, list(names),
                              *([language] if language else [])))  # fmt: skip

    def set_language_properties(self, survey_id: int, values: Mapping[str, str], *,
                                language: str | None = None) -> dict[str, bool]:
        """``set_language_properties``; which fields were saved (a field LimeSurvey's validation
        refuses, such as an alias already in use, comes back False)."""
        result = self.call("set_language_properties", survey_id, dict(values),
                           *([language] if language else []))  # fmt: skip
        return {str(k): bool(v) for k, v in dict(result).items() if k != "status"}

    def server_version(self) -> str | None:
        """LimeSurvey's ``versionnumber`` (None when the user may not read site settings)."""
        return self.site_setting("versionnumber")

    def site_setting(self, name: str) -> str | None:
        """``get_site_settings(name)`` as text; None when not readable (super-administrators only)."""
        try:
            return str(self.call("get_site_settings", name))
        except LimeSurveyError as exc:
            logger.info("LimeSurvey setting %s not readable: %s", name, exc)
            return None

    # -- exports -------------------------------------------------------------------------------
    def export_responses(
        self,
        survey_id: int,
        *,
        document: DocumentType | ExportFormat = "csv",
        language: str | None = None,
        completion: CompletionStatus | Completion = "all",
        heading: HeadingType | Heading = "code",
        response: ResponseType | Answers = "short",
        from_id: int | None = None,
        to_id: int | None = None,
        fields: Sequence[str] | None = None,
    ) -> bytes:
        """``export_responses``: the exported file's bytes exactly as LimeSurvey wrote them.

        ``from_id``/``to_id`` are inclusive response ids. A range with no response gives
        ``b"\\r\\n"`` (README behaviour 10); a survey with no response at all raises
        :class:`~cchc_survey.limesurvey.errors.NoResponsesError`.
        """
        params: list[Any] = [
            survey_id, _option("document", document, ExportFormat).value, language,
            _option("completion", completion, Completion).value,
            _option("heading", heading, Heading).value, _option("response", response, Answers).value,
            from_id, to_id, list(fields) if fields else None,
        ]  # fmt: skip
        result = self.call("export_responses", *_trim(params))
        return decode_export(result, method="export_responses", survey_id=survey_id)

    def export_responses_by_token(
        self,
        survey_id: int,
        token: str,
        *,
        document: DocumentType | ExportFormat = "csv",
        language: str | None = None,
        completion: CompletionStatus | Completion = "all",
        heading: HeadingType | Heading = "code",
        response: ResponseType | Answers = "short",
    ) -> bytes:
        """``export_responses_by_token``: the responses of one participant token."""
        # PHP signature after sToken: sLanguageCode=null, 'all', 'code', 'short', aFields=null
        params = _trim([survey_id, _option("document", document, ExportFormat).value, token,
                        language, _option("completion", completion, Completion).value,
                        _option("heading", heading, Heading).value,
                        _option("response", response, Answers).value],
                       defaults=[None, "all", "code", "short"])  # fmt: skip
        result = self.call("export_responses_by_token", *params)
        return decode_export(result, method="export_responses_by_token", survey_id=survey_id)

    # -- deployment ----------------------------------------------------------------------------
    def import_survey(self, lss: bytes, *, name: str | None = None, wished_id: int | None = None) -> int:
        """``import_survey`` of an .lss file's bytes; returns the new survey id.

        ``name`` replaces the title in *every* language of the survey (LimeSurvey's importer);
        leave it out to keep each language's title from the file.
        """
        contents = base64.b64encode(lss).decode("ascii")
        return int(self.call("import_survey", *_trim([contents, "lss", name, wished_id])))

    def activate_survey(self, survey_id: int) -> None:
        """``activate_survey`` (creates the responses table)."""
        self.call("activate_survey", survey_id)

    def activate_tokens(self, survey_id: int, attributes: Sequence[int] = ()) -> None:
        """``activate_tokens``: create the participants table (with ``attribute_<n>`` fields)."""
        self.call("activate_tokens", *([survey_id, list(attributes)] if attributes else [survey_id]))

    def add_participants(
        self, survey_id: int, rows: Sequence[Mapping[str, Any]], *, create_tokens: bool = True
    ) -> AddParticipantsResult:
        """``add_participants``: every row's outcome (added with its ``tid``, or rejected with
        LimeSurvey's reason; rejected rows are not saved, the others are)."""
        sent = [dict(r) for r in rows]
        answer = self.call("add_participants", survey_id, sent, create_tokens)
        return AddParticipantsResult.from_answer(sent, answer, survey_id=survey_id)

    def list_participants(
        self,
        survey_id: int,
        *,
        attributes: Sequence[str] = (),
        start: int = 0,
        limit: int = 10_000,
    ) -> list[dict[str, Any]]:
        """``list_participants`` with extra attributes; an empty table gives ``[]``."""
        params: list[Any] = [survey_id, start, limit, False]
        if attributes:
            params.append(list(attributes))
        try:
            return [dict(r) for r in self.call("list_participants", *params)]
        except NoParticipantsError:
            return []

    def invite_participants(
        self, survey_id: int, *, token_ids: Sequence[int] | None = None, resend: bool = False
    ) -> MailResult:
        """``invite_participants``: who was sent an invitation, who failed and why.

        ``resend=False`` invites only participants not invited yet (LimeSurvey's ``bEmail``).
        """
        return self._mail("invite_participants",
                          [survey_id, list(token_ids) if token_ids else None, not resend])  # fmt: skip

    def remind_participants(
        self,
        survey_id: int,
        *,
        min_days_between: int | None = None,
        max_reminders: int | None = None,
        token_ids: Sequence[int] | None = None,
    ) -> MailResult:
        """``remind_participants``: who was sent a reminder, who failed and why."""
        return self._mail("remind_participants", [survey_id, min_days_between, max_reminders,
                                                  list(token_ids) if token_ids else None])  # fmt: skip

    def _mail(self, method: str, params: list[Any]) -> MailResult:
        survey_id = int(params[0])
        try:
            answer = self.call(method, *_trim(params))
        except NoCandidatesError as exc:
            return MailResult(method, note=exc.detail)
        return MailResult.from_answer(method, answer, survey_id=survey_id)
