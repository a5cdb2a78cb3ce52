"""Tests of the raw snapshot store (atomic, immutable, verifiable, no credentials)."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cchc_survey.errors import CchcSurveyError
from cchc_survey.store import (
    RawStore,
    SecretInManifestError,
    SnapshotCorruptError,
    SnapshotExistsError,
    StoreError,
)

FIX = Path(__file__).parent / "fixtures" / "limesurvey" / "exports" / "rpc"
T0 = datetime(2026, 11, 26, 7, 30, 0, 123456, tzinfo=UTC)


def test_write_and_read_back_real_export(tmp_path: Path) -> None:
    raw = (FIX / "export_responses__csv_ids_10_20.csv").read_bytes()
    store = RawStore(tmp_path / "raw")
    path = store.write_snapshot(
        385924, raw, {"format": "csv", "response_ids": list(range(10, 21))}, now=T0
    )
    sha = hashlib.sha256(raw).hexdigest()
    assert path == tmp_path / "raw" / "385924" / f"20261126T073000123456Z_{sha[:12]}.csv"
    assert path.read_bytes() == raw  # byte for byte, BOM and CRLF kept
    manifest = json.loads(path.with_name(path.name[:-4] + ".manifest.json").read_text("utf-8"))
    assert manifest["sha256"] == sha
    assert manifest["size_bytes"] == len(raw)
    assert manifest["survey"] == "385924"
    assert manifest["data_file"] == path.name
    assert manifest["written_at"] == "2026-11-26T07:30:00.123456Z"
    assert manifest["store_format"] == 1
    assert manifest["response_ids"] == list(range(10, 21))
    snaps = store.list_snapshots("385924")
    assert [s.path for s in snaps] == [path]
    assert store.read_snapshot(snaps[0]) == raw
    assert store.read_snapshot(path) == raw
    assert store.known_response_ids(385924) == set(range(10, 21))
    # no temp files left behind
    assert sorted(p.name for p in path.parent.iterdir()) == sorted(
        [path.name, manifest["snapshot_id"] + ".manifest.json"]
    )


def test_snapshots_are_never_overwritten(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    p1 = store.write_snapshot("s1", b"abc", {"format": "csv"}, now=T0)
    with pytest.raises(SnapshotExistsError, match="immutable"):
        store.write_snapshot("s1", b"abc", {"format": "csv"}, now=T0)
    assert p1.read_bytes() == b"abc"
    assert len(store.list_snapshots("s1")) == 1


def test_list_is_in_time_order_and_ids_union(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    later = datetime(2026, 11, 27, tzinfo=UTC)
    store.write_snapshot("s", b"2", {"response_ids": [3, 4]}, now=later)
    store.write_snapshot("s", b"1", {"response_ids": [1, 2, 3]}, now=T0)
    snaps = store.list_snapshots("s")
    assert [s.response_ids for s in snaps] == [[1, 2, 3], [3, 4]]
    assert store.known_response_ids("s") == {1, 2, 3, 4}
    assert store.list_snapshots("other") == []
    assert store.known_response_ids("other") == set()


def test_corruption_is_detected(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    path = store.write_snapshot("s", b"hello", {}, now=T0)
    assert path.suffix == ".bin"
    os.chmod(path, 0o644)
    path.write_bytes(b"hellO")
    with pytest.raises(SnapshotCorruptError, match="restore it"):
        store.read_snapshot(store.list_snapshots("s")[0])


@pytest.mark.parametrize(
    "manifest",
    [
        {"password": "x"},
        {"server": {"session_key": "abc"}},
        {"url": "https://admin:lab-admin-pass@ls.example.org/index.php/admin/remotecontrol"},
        {"urls": ["https://admin@ls.example.org/"]},
    ],
)
def test_manifest_with_credentials_is_refused(tmp_path: Path, manifest: dict) -> None:
    store = RawStore(tmp_path)
    with pytest.raises(SecretInManifestError):
        store.write_snapshot("s", b"x", manifest)
    assert store.list_snapshots("s") == []
    assert not (tmp_path / "s").exists() or list((tmp_path / "s").iterdir()) == []


def test_url_without_credentials_is_fine(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    store.write_snapshot("s", b"x", {"server_url": "https://ls.example.org/index.php/admin/remotecontrol"})
    assert store.list_snapshots("s")[0].manifest["server_url"].startswith("https://ls.")


@pytest.mark.parametrize("name", ["../etc", "a/b", "", ".hidden"])
def test_bad_survey_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreError, match="folder name"):
        RawStore(tmp_path).write_snapshot(name, b"x", {})


def test_bad_inputs(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    with pytest.raises(StoreError, match="raw bytes"):
        store.write_snapshot("s", "text", {})  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="extension"):
        store.write_snapshot("s", b"x", {}, ext="c/v")
    with pytest.raises(StoreError, match="JSON-serialisable"):
        store.write_snapshot("s", b"x", {"when": T0})
    assert store.list_snapshots("s") == []
    assert issubclass(StoreError, CchcSurveyError)


def test_crash_leftovers_are_ignored_and_removable(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    good = store.write_snapshot("s", b"ok", {"response_ids": [1]}, now=T0)
    folder = good.parent
    (folder / ".tmp-xyz.csv.abc").write_bytes(b"half")  # died while writing
    (folder / "20261127T000000000000Z_deadbeef0000.csv").write_bytes(b"no manifest")
    assert [s.path for s in store.list_snapshots("s")] == [good]
    assert store.known_response_ids("s") == {1}
    assert [p.name for p in store.partial_files("s")] == [
        ".tmp-xyz.csv.abc",
        "20261127T000000000000Z_deadbeef0000.csv",
    ]
    store.remove_partial("s")
    assert store.partial_files("s") == []
    assert good.read_bytes() == b"ok"


def test_manifest_without_data_is_an_error(tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    p = store.write_snapshot("s", b"ok", {}, now=T0)
    p.unlink()
    with pytest.raises(StoreError, match="missing"):
        store.list_snapshots("s")
