"""Incremental pull of responses from LimeSurvey into the raw snapshot store.

How a pull works (:func:`pull_responses`):

1. **Count** the survey's responses (``get_summary``'s ``full_responses``).
2. **List the ids in windows** of consecutive ids: ``export_responses`` of the ``id`` column only
   (``aFields=["id"]``) for ``iFromResponseID..iToResponseID``, at most :data:`LISTING_PAGES`
   pages of ids per window, every completion state. A window of *w* ids can hold at most *w*
   responses whatever the survey's size, so the listing never holds more than one window; when
   what is left to list fits one window (or the count is not readable), the last request is
   open-ended. A survey of at most one window is listed in one request, as before.
3. **Subtract the ids already stored** for the same *export profile* (document type, headings,
   answer type, language, completion filter; see :func:`profile_of`), read from the manifests in
   ``data/raw/<survey>/`` one at a time and kept as runs of consecutive ids
   (:class:`~cchc_survey.limesurvey.ids.IdRuns`: memory grows with the gaps, not the ids). What
   is left is what is new since the last pull, including a response that was pulled under no
   profile yet (e.g. one that became complete since the last ``--completion complete`` pull).
4. **Export the new ids in pages** by response id (``iFromResponseID``/``iToResponseID``, both
   inclusive) with the profile's completion filter. A page is a run of consecutive new ids of a
   window, at most ``page_size`` long, so a page's id range never contains an id that is already
   stored: pulling twice yields no duplicate. Memory holds one page and one window.
5. **Write each page as one immutable snapshot** (the export file's bytes exactly as LimeSurvey
   wrote them, after base64 decoding) with a manifest (survey id, server URL without credentials,
   time, id range, count, ids, sha256, instrument id and version, LimeSurvey version, export
   settings). A page is written only after it was received whole and its ids were checked; a pull
   that dies part-way leaves the snapshots that were there, the pages already written (complete,
   each with its manifest) and nothing else, and the next pull resumes with the ids still missing.

Limitation (by design of an id-based increment): a response is pulled once per profile; if it
was pulled while incomplete under ``completion="all"``, later answers to it are not pulled again.
Pull with ``completion="complete"`` to take responses only once they are finished.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..store import RawStore
from .client import CompletionStatus, HeadingType, LimeSurvey, ResponseType
from .errors import CorruptExportError, NoResponsesError, PermissionDeniedError, PullConsistencyError
from .ids import IdRuns

__all__ = ["LISTING_PAGES", "SOURCE", "PullResult", "parse_response_ids", "plan_pages", "profile_of",
           "pull_by_token", "pull_responses"]  # fmt: skip

logger = logging.getLogger(__name__)

SOURCE = "limesurvey-rpc"
PullDocument = Literal["csv", "json"]
LISTING_PAGES = 20
"""A listing window spans at most this many pages of ids (10,000 ids at the default 500)."""


@dataclass(frozen=True)
class PullResult:
    """What one pull did.

    Attributes:
        survey_id: the survey.
        snapshots: data paths of the snapshots written (one per page), in id order.
        new_ids: the response ids written by this pull, ascending (a sequence of ints kept as
            runs of consecutive ids, :class:`~cchc_survey.limesurvey.ids.IdRuns`).
        listed: how many ids the server listed (every completion state).
        already_stored: how many of those were already in the store (same profile).
        message: one line for the user.
    """

    survey_id: int
    snapshots: list[Path] = field(default_factory=list)
    new_ids: Sequence[int] = field(default_factory=IdRuns.empty)
    listed: int = 0
    already_stored: int = 0
    message: str = ""


def profile_of(document: str, heading: str, response: str, language: str, completion: str) -> str:
    """The export profile key, e.g. ``csv/code/short/vi/all``: pulls of one profile are one series."""
    return f"{document}/{heading}/{response}/{language}/{completion}"


def parse_response_ids(data: bytes, document: PullDocument = "csv") -> np.ndarray:
    """Response ids in an ``export_responses`` file (csv: ``;``-separated, BOM, ``id`` column).

    An empty result (``\\r\\n``, README behaviour 10) has no ids.

    Raises:
        CorruptExportError: the file has no ``id`` column or an id is not an integer.
    """
    if not data.strip():
        return np.array([], dtype=np.int64)
    try:
        if document == "json":
            frame = pd.DataFrame(json.loads(data.decode("utf-8"))["responses"])
            ids = pd.to_numeric(frame["id"], errors="raise").astype(np.int64).to_numpy()
        else:  # Arrow's reader: 8 bytes per id, no Python string per id (a listing of 1M ids)
            import pyarrow as pa
            import pyarrow.csv as pacsv

            # one thread: a page is small, and Arrow's thread pool would give every worker a
            # heap of its own (RSS that grows for nothing)
            table = pacsv.read_csv(
                pa.py_buffer(data), read_options=pacsv.ReadOptions(use_threads=False),
                parse_options=pacsv.ParseOptions(delimiter=";", newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(include_columns=["id"],
                                                     column_types={"id": pa.int64()}))
            col = table.column("id")
            if col.null_count:
                raise ValueError(f"{col.null_count} empty id value(s)")
            ids = col.to_numpy()
    except (KeyError, ValueError, TypeError) as exc:
        raise CorruptExportError(
            "the export has no usable 'id' column; it cannot be checked, so it was not saved. "
            "Pull again; if it persists, check the export settings (heading must be 'code').",
            method="export_responses",
            detail=str(exc)[:200],
        ) from exc
    return ids


def _is_known(ids: np.ndarray, known: np.ndarray | IdRuns) -> np.ndarray:
    return known.contains(ids) if isinstance(known, IdRuns) else np.isin(ids, known)


def plan_pages(listed: np.ndarray, known: np.ndarray | IdRuns, page_size: int) -> list[np.ndarray]:
    """Split the new ids into pages whose id range holds no already-stored id.

    A page is a run of consecutive *new* ids in the sorted listing, cut every ``page_size`` ids.

    >>> [p.tolist() for p in plan_pages(np.array([1, 2, 3, 5, 8, 9]), np.array([3]), 2)]
    [[1, 2], [5, 8], [9]]
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    ids = np.unique(listed.astype(np.int64))
    new = ~_is_known(ids, known)
    if not new.any():
        return []
    run = np.cumsum(~new)  # ids of one run share the count of known ids before them
    new_ids, new_run = ids[new], run[new]
    # position inside its run -> page number inside the run
    starts = np.r_[0, np.flatnonzero(np.diff(new_run)) + 1]
    run_len = np.diff(np.r_[starts, new_ids.size])
    pos = np.arange(new_ids.size) - np.repeat(starts, run_len)
    page_key = np.repeat(np.arange(starts.size), run_len) * (new_ids.size + 1) + pos // page_size
    cuts = np.flatnonzero(np.diff(page_key)) + 1
    return np.split(new_ids, cuts)


def _stored_ids(store: RawStore, survey: str, profile: str) -> IdRuns:
    """The ids stored under ``profile``, as runs; one manifest in memory at a time."""
    runs = IdRuns.empty()
    batch: list[IdRuns] = []
    for snap in store.iter_snapshots(survey):
        m = snap.manifest
        if m.get("source") == SOURCE and m.get("profile") == profile:
            batch.append(IdRuns.from_ids(np.asarray(m.get("response_ids") or [], dtype=np.int64)))
            if len(batch) >= 256:
                runs = IdRuns.union_all([runs, *batch])
                batch = []
    return IdRuns.union_all([runs, *batch])


def _listing(ls: LimeSurvey, survey_id: int, total: int | None, width: int,
             common: dict[str, Any], recount: Callable[[], int | None]) -> Iterator[np.ndarray]:
    """The survey's response ids, window by window (sorted, unique).

    Windows of ``width`` consecutive ids (any completion state) until at most one window's worth
    of the ``total`` responses is left; that rest (and anything that arrived meanwhile, or a
    whole survey of at most ``width`` responses) comes in one open-ended request. After an empty
    window the count is read again (``recount``): responses deleted during the pull lower it, so
    the walk ends; a true gap in the ids leaves it as it was, and the walk goes on.
    """
    lo, seen = 1, 0
    listing = {**common, "completion": "all"}
    while True:
        last = total is None or total - seen <= width
        hi = None if last else lo + width - 1
        data = ls.export_responses(survey_id, document="csv", fields=["id"],
                                   from_id=None if lo == 1 else lo, to_id=hi, **listing)
        ids = np.unique(parse_response_ids(data, "csv"))
        if ids.size and (ids[0] < lo or (hi is not None and ids[-1] > hi)):
            raise PullConsistencyError(
                f"the id listing for {lo}-{hi or 'end'} holds ids outside that range; nothing of "
                "it was used. Pull again; if it persists, report it.",
                method="export_responses", survey_id=survey_id,
            )  # fmt: skip
        seen += int(ids.size)
        yield ids
        if hi is None:
            return
        lo = hi + 1
        if not ids.size:
            total = recount()


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), disable=not enabled, transient=False,
    )  # fmt: skip


def pull_responses(
    ls: LimeSurvey,
    survey_id: int,
    *,
    store: RawStore | None = None,
    language: str = "vi",
    completion: CompletionStatus = "all",
    heading: HeadingType = "code",
    response: ResponseType = "short",
    document: PullDocument = "csv",
    page_size: int = 500,
    window: int | None = None,
    instrument_id: str | None = None,
    instrument_version: str | None = None,
    progress: bool = True,
) -> PullResult:
    """Pull the responses of ``survey_id`` that are not stored yet, page by page.

    Args:
        ls: an open client (``with LimeSurvey(load_config()) as ls``).
        survey_id: the LimeSurvey survey id.
        store: the raw store (default ``RawStore("data/raw")``).
        language: export language, always sent explicitly (the survey's base language gives
            the same codes; headings and labels of ``full``/``long`` exports follow it).
        completion: ``all``, ``complete`` or ``incomplete``.
        heading: ``code`` (``TC[A1]``; what the importer expects), ``full`` or ``abbreviated``.
        response: ``short`` (answer codes) or ``long`` (labels).
        document: ``csv`` (default) or ``json``.
        page_size: at most this many responses per request and per snapshot.
        window: ids per listing request (default ``page_size`` x :data:`LISTING_PAGES`).
        instrument_id: the instrument the survey was deployed from (for the manifest).
        instrument_version: its version.
        progress: show a progress bar.

    Returns:
        What was written; ``new_ids`` is empty when nothing was new.

    Raises:
        LimeSurveyError: a typed error (survey not found, not active, ...); pages written before
            the error stay in the store and the next pull resumes after them.
    """
    if page_size < 1 or (window is not None and window < 1):
        raise ValueError("page_size and window must be at least 1")
    store = store or RawStore()
    survey = str(int(survey_id))
    profile = profile_of(document, heading, response, language, completion)
    common = {"language": language, "completion": completion, "heading": heading,
              "response": response}  # fmt: skip
    total = _count(ls, survey_id)
    if total == 0:
        return PullResult(int(survey_id), message=f"survey {survey_id}: no responses yet.")
    known = _stored_ids(store, survey, profile)
    version: str | None = None
    base_manifest: dict[str, Any] = {}
    written: list[Path] = []
    got: list[IdRuns] = []
    listed = already = k = 0
    try:
        with _progress(progress) as bar:
            task = bar.add_task(f"survey {survey_id}", total=total)
            width = window or page_size * LISTING_PAGES
            recount = lambda: _count(ls, survey_id)  # noqa: E731
            for ids_listed in _listing(ls, int(survey_id), total, width, common, recount):
                listed += int(ids_listed.size)
                already += int(_is_known(ids_listed, known).sum())
                for page in plan_pages(ids_listed, known, page_size):
                    lo, hi = int(page[0]), int(page[-1])
                    data = ls.export_responses(survey_id, document=document, from_id=lo,
                                               to_id=hi, **common)  # type: ignore[arg-type]
                    ids = np.unique(parse_response_ids(data, document))
                    _check_page(ids, lo, hi, known, int(survey_id))
                    if ids.size:
                        if not base_manifest:
                            version = ls.server_version()
                            base_manifest = {
                                **_manifest_base(ls, survey_id, "export_responses", version,
                                                 instrument_id, instrument_version, profile,
                                                 {"document": document, **common}),
                                "pull_id": uuid.uuid4().hex}
                        k += 1
                        manifest = {**base_manifest, "page": k,
                                    "request": {"from_id": lo, "to_id": hi}, **_manifest_ids(ids)}
                        written.append(store.write_snapshot(survey, data, manifest, ext=document))
                        got.append(IdRuns.from_ids(ids))
                        if len(got) >= 256:
                            got = [IdRuns.union_all(got)]
                bar.advance(task, int(ids_listed.size))
    except NoResponsesError:  # no count (not readable), and the survey has no response
        return PullResult(int(survey_id), message=f"survey {survey_id}: no responses yet.")
    new_ids = IdRuns.union_all(got)
    if not written:
        return PullResult(int(survey_id), listed=listed, already_stored=already,
                          message=f"survey {survey_id}: nothing new ({already} stored).")  # fmt: skip
    return PullResult(
        int(survey_id), written, new_ids, listed, already,
        f"survey {survey_id}: {len(new_ids)} new response(s) in {len(written)} snapshot(s); "
        f"{already} were already stored.",
    )


def _count(ls: LimeSurvey, survey_id: int) -> int | None:
    """``full_responses`` of ``get_summary``; None when not active or not readable."""
    try:
        summary = ls.get_summary(survey_id)
    except PermissionDeniedError as exc:  # the count needs 'Survey: read': list in one go
        logger.warning("cannot count the responses of survey %s (%s); listing them at once",
                       survey_id, exc)
        return None
    return summary.get("full_responses") if summary else None


def _manifest_base(ls: LimeSurvey, survey_id: int | str, method: str, version: str | None,
                   instrument_id: str | None, instrument_version: str | None, profile: str,
                   export: dict[str, Any]) -> dict[str, Any]:
    """What every snapshot of a pull says about where it came from (no credentials)."""
    return {"source": SOURCE, "method": method, "survey_id": int(survey_id),
            "server_url": ls.config.public_url, "limesurvey_version": version,
            "instrument_id": instrument_id, "instrument_version": instrument_version,
            "profile": profile, "export": export}


def _manifest_ids(ids: np.ndarray) -> dict[str, Any]:
    """The time of the pull and which responses a snapshot holds (``ids`` sorted)."""
    return {"pulled_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "response_id_min": int(ids[0]), "response_id_max": int(ids[-1]),
            "response_count": int(ids.size), "response_ids": ids.tolist()}


def _check_page(ids: np.ndarray, lo: int, hi: int, known: np.ndarray | IdRuns,
                survey_id: int) -> None:
    outside = ids[(ids < lo) | (ids > hi)]
    dup = ids[_is_known(ids, known)]
    if outside.size or dup.size:
        raise PullConsistencyError(
            f"the page for ids {lo}-{hi} holds ids outside the range {outside.tolist()[:5]} or "
            f"already stored {dup.tolist()[:5]}; it was not saved. Pull again; if it persists, "
            "report it.",
            method="export_responses",
            survey_id=survey_id,
        )


def pull_by_token(
    ls: LimeSurvey,
    survey_id: int,
    tokens: Sequence[str],
    *,
    store: RawStore | None = None,
    language: str = "vi",
    completion: CompletionStatus = "all",
    document: PullDocument = "csv",
    instrument_id: str | None = None,
    instrument_version: str | None = None,
    progress: bool = True,
) -> PullResult:
    """Pull the responses of given participant tokens (``export_responses_by_token``).

    A token whose responses are all stored (same profile) is skipped; one snapshot per token with
    new responses. The manifest holds a sha256 of the token, never the token itself. A token
    without a response is skipped (not an error).
    """
    from .errors import NoResponseForTokenError

    store = store or RawStore()
    survey = str(int(survey_id))
    profile = profile_of(document, "code", "short", language, completion) + "/by-token"
    known = _stored_ids(store, survey, profile)
    version: str | None = None
    written: list[Path] = []
    got: list[IdRuns] = []
    skipped = 0
    with _progress(progress) as bar:
        task = bar.add_task(f"survey {survey_id} by token", total=len(tokens))
        for token in tokens:
            try:
                data = ls.export_responses_by_token(survey_id, token, document=document,
                                                    language=language, completion=completion)  # fmt: skip
            except (NoResponseForTokenError, NoResponsesError):
                skipped += 1
                bar.advance(task)
                continue
            ids = np.unique(parse_response_ids(data, document))
            fresh = ~known.contains(ids)
            if ids.size and fresh.all():
                version = version or ls.server_version()
                export = {"document": document, "language": language, "completion": completion,
                          "heading": "code", "response": "short"}
                manifest = {
                    **_manifest_base(ls, survey_id, "export_responses_by_token", version,
                                     instrument_id, instrument_version, profile, export),
                    "token_sha256": hashlib.sha256(token.encode("utf-8")).hexdigest(),
                    **_manifest_ids(ids),
                }
                written.append(store.write_snapshot(survey, data, manifest, ext=document))
                got.append(IdRuns.from_ids(ids))
                known = known | got[-1]
            elif ids.size and not fresh.all() and fresh.any():
                raise PullConsistencyError(
                    "a token's export mixes stored and new responses; pull the survey by id "
                    "range instead (cchc-survey pull without --token).",
                    method="export_responses_by_token", survey_id=survey_id,
                )  # fmt: skip
            else:
                skipped += 1
            bar.advance(task)
    new_ids = IdRuns.union_all(got)
    return PullResult(
        int(survey_id), written, new_ids, len(tokens), skipped,
        f"survey {survey_id}: {len(new_ids)} new response(s) from {len(written)} token(s); "
        f"{skipped} token(s) without new responses.",
    )
