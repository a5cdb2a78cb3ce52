"""Raw snapshot store: every byte received from LimeSurvey (RPC pull or exported file) is kept
once, unchanged, next to a JSON manifest that says where it came from.

Layout (one folder per survey)::

    data/raw/<survey>/<snapshot_id>.<ext>             the bytes exactly as received
    data/raw/<survey>/<snapshot_id>.manifest.json     the manifest (written last = the commit)

``snapshot_id`` is ``<UTC time YYYYmmddTHHMMSSffffffZ>_<first 12 hex digits of sha256>``, so a
plain directory listing is in time order.

Guarantees:

* **Atomic.** Each file is written to a hidden temporary file in the same folder, flushed and
  ``fsync``-ed, then *hard-linked* to its final name (``os.link`` fails when the target exists, so
  nothing is ever overwritten) and the folder is ``fsync``-ed. The manifest is written after the
  data: a snapshot exists only once its manifest exists. A process that dies part-way leaves at most
  a hidden ``.tmp-*`` file or a data file without manifest, which :meth:`RawStore.list_snapshots`
  ignores and :meth:`RawStore.remove_partial` clears.
* **Immutable.** Nothing in the store is edited or replaced; a second write with the same name
  raises :class:`SnapshotExistsError`.
* **Verifiable.** The manifest carries ``sha256`` and ``size_bytes`` of the data file;
  :meth:`RawStore.read_snapshot` checks them.
* **No credentials.** A manifest with a key that names a secret (``password``, ``session_key``,
  ...) or a URL with a user name or password in it is refused with :class:`SecretInManifestError`.

Manifest keys written by the store (the caller's keys are kept as given): ``snapshot_id``,
``survey``, ``data_file``, ``sha256``, ``size_bytes``, ``written_at`` (UTC ISO 8601),
``store_format`` (1). By convention a caller that knows which responses a snapshot holds puts
them in ``response_ids`` (list of int); :meth:`RawStore.known_response_ids` reads that key.

Example:
    >>> import tempfile
    >>> store = RawStore(tempfile.mkdtemp())
    >>> p = store.write_snapshot("385924", b"id;x\\r\\n1;2\\r\\n",
    ...                          {"source": "file", "format": "csv", "response_ids": [1]})
    >>> p.suffix, store.known_response_ids("385924")
    ('.csv', {1})
    >>> store.write_snapshot("385924", b"x", {"password": "..."})
    Traceback (most recent call last):
    ...
    cchc_survey.store.SecretInManifestError: ...
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import CchcSurveyError

__all__ = [
    "RawStore",
    "SecretInManifestError",
    "Snapshot",
    "SnapshotCorruptError",
    "SnapshotExistsError",
    "StoreError",
]

STORE_FORMAT = 1
MANIFEST_SUFFIX = ".manifest.json"
_TMP_PREFIX = ".tmp-"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SAFE_EXT = re.compile(r"^[A-Za-z0-9]{1,10}$")
_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|session_?key|api_?key|credential|authorization|cookie)", re.I
)


class StoreError(CchcSurveyError):
    """A raw snapshot cannot be written or read."""


class SnapshotExistsError(StoreError):
    """A snapshot with this name is already in the store (snapshots are never overwritten)."""


class SnapshotCorruptError(StoreError):
    """A snapshot's bytes do not match the sha256 or size its manifest records."""


class SecretInManifestError(StoreError):
    """A manifest would carry a credential (password, session key, URL with user:password)."""


@dataclass(frozen=True)
class Snapshot:
    """One committed snapshot: its data file, its manifest file and the manifest's content."""

    snapshot_id: str
    path: Path
    manifest_path: Path
    manifest: dict[str, Any]

    @property
    def response_ids(self) -> list[int]:
        """The response ids the manifest lists under ``response_ids`` (empty when absent)."""
        ids = self.manifest.get("response_ids") or []
        return [int(i) for i in ids]


def _check_no_secrets(value: Any, where: str = "manifest") -> None:
    """Raise :class:`SecretInManifestError` if ``value`` holds a secret-looking key or URL."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            if _SECRET_KEY.search(str(k)):
                raise SecretInManifestError(
                    f"{where}: key {k!r} looks like a credential; a snapshot manifest must never "
                    "hold credentials. Remove the key (the store keeps only the server URL "
                    "without user name or password)."
                )
            _check_no_secrets(v, f"{where}.{k}")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _check_no_secrets(v, f"{where}[{i}]")
    elif isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        if parts.username or parts.password:
            raise SecretInManifestError(
                f"{where}: the URL carries a user name or password; store it without "
                "credentials (scheme://host/path)."
            )


def _fsync_dir(path: Path) -> None:
    """fsync a directory so that a rename/link inside it survives a crash (POSIX only)."""
    if os.name != "posix":  # pragma: no cover - Windows has no directory fsync
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new_file(final: Path, data: bytes) -> None:
    """Write ``data`` to ``final`` atomically; never replace an existing file.

    tmp file in the same folder -> write -> flush -> fsync -> ``os.link(tmp, final)`` (fails if
    ``final`` exists) -> unlink tmp -> make ``final`` read-only -> fsync the folder.
    """
    tmp = final.parent / f"{_TMP_PREFIX}{final.name}.{secrets.token_hex(6)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, final)
        except FileExistsError:
            raise SnapshotExistsError(
                f"{final}: already exists; raw snapshots are immutable and are never "
                "overwritten. Write a new snapshot instead."
            ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    os.chmod(final, 0o444)  # read-only: a snapshot is never edited
    _fsync_dir(final.parent)


class RawStore:
    """The immutable raw snapshot store under ``root`` (default ``data/raw``).

    Args:
        root: the folder that holds one sub-folder per survey. Created on first write.
    """

    def __init__(self, root: str | os.PathLike[str] = "data/raw") -> None:
        self.root = Path(root)

    # -- paths -------------------------------------------------------------------------------
    def survey_dir(self, survey: str | int) -> Path:
        """Folder of one survey; ``survey`` must be a plain name (letters, digits, ``._-``)."""
        name = str(survey)
        if not _SAFE_NAME.match(name) or name in {".", ".."}:
            raise StoreError(
                f"survey name {name!r} cannot be a folder name under {self.root}: use letters, "
                "digits, '.', '_' or '-' only (e.g. the LimeSurvey survey id '385924')."
            )
        return self.root / name

    # -- write -------------------------------------------------------------------------------
    def write_snapshot(
        self,
        survey: str | int,
        data: bytes,
        manifest: Mapping[str, Any],
        *,
        ext: str | None = None,
        now: datetime | None = None,
    ) -> Path:
        """Write ``data`` and its manifest as a new immutable snapshot; return the data path.

        Args:
            survey: survey folder name (e.g. the LimeSurvey survey id).
            data: the bytes exactly as received; stored unchanged.
            manifest: caller's metadata (JSON-serialisable). Must hold no credentials.
            ext: file extension of the data file; default ``manifest["format"]`` or ``bin``.
            now: the time stamp to use (default: the current UTC time).

        Returns:
            Path of the data file; the manifest is beside it (``<snapshot_id>.manifest.json``).

        Raises:
            SecretInManifestError: the manifest carries a credential.
            SnapshotExistsError: a snapshot of that name already exists.
            StoreError: the survey name or extension is unusable, or the manifest is not JSON.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise StoreError(
                f"write_snapshot({survey!r}): data must be bytes as received, got "
                f"{type(data).__name__}; pass the raw bytes, not decoded text."
            )
        raw = bytes(data)
        _check_no_secrets(dict(manifest))
        ext_ = str(ext or manifest.get("format") or "bin").lstrip(".")
        if not _SAFE_EXT.match(ext_):
            raise StoreError(
                f"write_snapshot({survey!r}): extension {ext_!r} is not a plain file extension; "
                "pass ext='csv' (letters and digits only)."
            )
        folder = self.survey_dir(survey)
        folder.mkdir(parents=True, exist_ok=True)
        when = (now or datetime.now(UTC)).astimezone(UTC)
        sha = hashlib.sha256(raw).hexdigest()
        snapshot_id = f"{when:%Y%m%dT%H%M%S%fZ}_{sha[:12]}"
        data_path = folder / f"{snapshot_id}.{ext_}"
        manifest_path = folder / f"{snapshot_id}{MANIFEST_SUFFIX}"
        if manifest_path.exists() or data_path.exists():
            raise SnapshotExistsError(
                f"{data_path}: already exists; raw snapshots are immutable and never overwritten."
            )
        full = dict(manifest)
        full.update(
            {
                "snapshot_id": snapshot_id,
                "survey": str(survey),
                "data_file": data_path.name,
                "sha256": sha,
                "size_bytes": len(raw),
                "written_at": when.isoformat().replace("+00:00", "Z"),
                "store_format": STORE_FORMAT,
            }
        )
        try:
            text = json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise StoreError(
                f"write_snapshot({survey!r}): the manifest is not JSON-serialisable ({exc}); "
                "use str/int/float/bool/None/list/dict values only."
            ) from exc
        _write_new_file(data_path, raw)
        _write_new_file(manifest_path, (text + "\n").encode("utf-8"))
        return data_path

    # -- read --------------------------------------------------------------------------------
    def list_snapshots(self, survey: str | int) -> list[Snapshot]:
        """All committed snapshots of ``survey``, oldest first (empty when there are none)."""
        return list(self.iter_snapshots(survey))

    def iter_snapshots(self, survey: str | int) -> Iterator[Snapshot]:
        """The committed snapshots of ``survey``, oldest first, one manifest read at a time (a
        caller that keeps only what it needs holds one manifest, not all of them)."""
        folder = self.survey_dir(survey)
        if not folder.is_dir():
            return
        for mpath in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
            if mpath.name.startswith(_TMP_PREFIX):
                continue
            try:
                manifest = json.loads(mpath.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StoreError(
                    f"{mpath}: manifest cannot be read as JSON ({exc}); the store was edited by "
                    "hand. Restore the file from a backup or move the snapshot out of the store."
                ) from exc
            sid = mpath.name[: -len(MANIFEST_SUFFIX)]
            data_path = folder / str(manifest.get("data_file", ""))
            if not data_path.is_file():
                raise StoreError(
                    f"{mpath}: its data file {data_path.name!r} is missing; restore it or move "
                    "the manifest out of the store."
                )
            yield Snapshot(sid, data_path, mpath, manifest)

    def read_snapshot(self, snapshot: Snapshot | str | os.PathLike[str]) -> bytes:
        """Return the bytes of a snapshot after checking size and sha256 against its manifest.

        ``snapshot`` is a :class:`Snapshot` or the data path returned by :meth:`write_snapshot`.
        """
        if isinstance(snapshot, Snapshot):
            snap = snapshot
        else:
            path = Path(snapshot)
            sid = path.name.split(".", 1)[0]
            mpath = path.with_name(f"{sid}{MANIFEST_SUFFIX}")
            if not mpath.is_file():
                raise StoreError(
                    f"{path}: no manifest {mpath.name} beside it, so it is not a committed "
                    "snapshot; pass a path returned by write_snapshot."
                )
            snap = Snapshot(sid, path, mpath, json.loads(mpath.read_text(encoding="utf-8")))
        raw = snap.path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
        if sha != snap.manifest.get("sha256") or len(raw) != snap.manifest.get("size_bytes"):
            raise SnapshotCorruptError(
                f"{snap.path}: sha256/size do not match {snap.manifest_path.name} (file has "
                f"{len(raw)} bytes, sha256 {sha[:12]}...). The raw file was changed; restore it "
                "from a backup or pull again."
            )
        return raw

    def known_response_ids(self, survey: str | int) -> set[int]:
        """Union of the ``response_ids`` listed in every committed manifest of ``survey``."""
        ids: set[int] = set()
        for snap in self.list_snapshots(survey):
            ids.update(snap.response_ids)
        return ids

    def partial_files(self, survey: str | int) -> list[Path]:
        """Left-overs of interrupted writes: hidden temp files and data files without manifest."""
        folder = self.survey_dir(survey)
        if not folder.is_dir():
            return []
        committed = {s.path.name for s in self.list_snapshots(survey)}
        committed |= {s.manifest_path.name for s in self.list_snapshots(survey)}
        return sorted(p for p in folder.iterdir() if p.is_file() and p.name not in committed)

    def remove_partial(self, survey: str | int) -> list[Path]:
        """Delete :meth:`partial_files` (never a committed snapshot); return what was removed."""
        removed = self.partial_files(survey)
        for p in removed:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        return removed
