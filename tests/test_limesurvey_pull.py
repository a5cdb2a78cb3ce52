"""Incremental, paged pull into the raw store, against the replay server, with faults: no
response lost or duplicated in the snapshots, nothing partial left behind."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from replay_server import FIXTURES, PASSWORD, Fault, ReplayServer, load_recordings, make_client, rpc_body

import cchc_survey.store as store_mod
from cchc_survey.limesurvey import errors as E
from cchc_survey.limesurvey.ids import IdRuns
from cchc_survey.limesurvey.pull import parse_response_ids, plan_pages, pull_by_token, pull_responses
from cchc_survey.store import RawStore

RECS = load_recordings()
KEY = json.loads(RECS["002_get_session_key__ok"].body)["result"]
FULL = FIXTURES / "exports/rpc/export_responses__csv_code_short.csv"
SID = 385924


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)


FULL_FRAME = read_csv(FULL.read_bytes())


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def stored_frame(store: RawStore) -> pd.DataFrame:
    frames = [read_csv(store.read_snapshot(s)) for s in store.list_snapshots(SID)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def assert_complete_and_unique(store: RawStore, expected: pd.DataFrame = FULL_FRAME) -> None:
    """Every response exactly once across the snapshots, every cell as the server exported it."""
    got = stored_frame(store)
    ids = [i for s in store.list_snapshots(SID) for i in s.response_ids]
    assert len(ids) == len(set(ids)) == len(expected)
    assert got["id"].tolist() == expected["id"].tolist()  # no duplicate, none lost, in order
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
    assert store.partial_files(SID) == []


def test_parse_and_plan() -> None:
    assert parse_response_ids(FULL.read_bytes()).tolist() == list(range(1, 61))
    assert parse_response_ids(b"\r\n").tolist() == []
    with pytest.raises(E.CorruptExportError, match="'id' column"):
        parse_response_ids(b'\xef\xbb\xbf"x";"y"\r\n"1";"2"\r\n\r\n')
    for bad in (b'"id"\r\n"1"\r\n""\r\n\r\n', b'"id"\r\n"1"\r\n"1a"\r\n\r\n'):  # empty, not whole
        with pytest.raises(E.CorruptExportError, match="'id' column"):
            parse_response_ids(bad)
    # a text answer with a line break and a ';' does not shift the ids
    text = b'\xef\xbb\xbf"id";"q"\r\n"7";"a\nb;c"\r\n"9";""\r\n\r\n'
    assert parse_response_ids(text).tolist() == [7, 9]
    pages = plan_pages(np.arange(1, 61), np.array([5, 6, 30]), 10)
    assert [p.tolist() for p in pages] == [
        [1, 2, 3, 4], list(range(7, 17)), list(range(17, 27)), [27, 28, 29],
        list(range(31, 41)), list(range(41, 51)), list(range(51, 61))]
    assert plan_pages(np.arange(1, 4), np.arange(1, 4), 10) == []
    with pytest.raises(ValueError, match="page_size"):
        plan_pages(np.arange(3), np.array([]), 0)


def test_first_pull_in_pages_then_nothing_new(server: ReplayServer, tmp_path: Path) -> None:
    store = RawStore(tmp_path / "raw")
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, page_size=25, instrument_id="sipas_test",
                             instrument_version="2026.1", progress=True)
    assert res.new_ids == list(range(1, 61))
    assert (res.listed, res.already_stored, len(res.snapshots)) == (60, 0, 3)
    assert res.message == f"survey {SID}: 60 new response(s) in 3 snapshot(s); 0 were already stored."
    snaps = store.list_snapshots(SID)
    assert [(s.manifest["response_id_min"], s.manifest["response_id_max"], s.manifest["response_count"])
            for s in snaps] == [(1, 25, 25), (26, 50, 25), (51, 60, 10)]
    m = snaps[0].manifest
    assert m["survey_id"] == SID
    assert m["server_url"] == server.url  # http://127.0.0.1:<port>/index.php/admin/remotecontrol
    assert (m["instrument_id"], m["instrument_version"], m["limesurvey_version"]) == (
        "sipas_test", "2026.1", "6.2.1")
    assert m["export"] == {"document": "csv", "language": "vi", "completion": "all",
                           "heading": "code", "response": "short"}
    assert m["profile"] == "csv/code/short/vi/all"
    assert (m["page"], m["request"]) == (1, {"from_id": 1, "to_id": 25})
    assert [s.manifest["page"] for s in snaps] == [1, 2, 3]
    assert len({s.manifest["pull_id"] for s in snaps}) == 1
    assert m["sha256"] == hashlib.sha256(snaps[0].path.read_bytes()).hexdigest()
    assert m["pulled_at"].endswith("Z")
    assert_complete_and_unique(store)
    # the count, then the ids listing (60 responses fit one window: one open request), then three
    # id ranges with the explicit language
    assert [e.method for e in server.log][:3] == ["get_session_key", "get_summary", "export_responses"]
    exports = [e.params[1:] for e in server.calls("export_responses")]
    assert exports == [
        [SID, "csv", "vi", "all", "code", "short", None, None, ["id"]],
        [SID, "csv", "vi", "all", "code", "short", 1, 25],
        [SID, "csv", "vi", "all", "code", "short", 26, 50],
        [SID, "csv", "vi", "all", "code", "short", 51, 60]]
    # no credential anywhere on disk
    for f in [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]:
        text = f.read_bytes()
        assert PASSWORD.encode() not in text and KEY.encode() not in text
    # a second pull finds nothing new and writes nothing
    with make_client(server.url) as ls:
        again = pull_responses(ls, SID, store=store, page_size=25, progress=False)
    assert (again.new_ids, again.listed, again.already_stored, again.snapshots) == ([], 60, 60, [])
    assert again.message == f"survey {SID}: nothing new (60 stored)."
    assert len(store.list_snapshots(SID)) == 3
    assert server.unmatched == []


def test_session_expiry_in_the_middle_of_a_paged_pull(server: ReplayServer, tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    server.faults.append(Fault("expire", method="export_responses", skip=2))  # before page 2
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, page_size=20, progress=False)
        assert ls.session.logins == 2
    assert res.new_ids == list(range(1, 61))
    assert_complete_and_unique(store)


def crash_then_resume(server: ReplayServer, store: RawStore, fault: Fault, error: type[Exception],
                      **client_kw: object) -> None:
    server.faults.append(fault)
    with make_client(server.url, **client_kw) as ls, pytest.raises(error):  # type: ignore[arg-type]
        pull_responses(ls, SID, store=store, page_size=20, progress=False)
    # page 1 is committed whole, page 2 left nothing
    assert [s.response_ids for s in store.list_snapshots(SID)] == [list(range(1, 21))]
    assert store.partial_files(SID) == []
    server.faults.clear()
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, page_size=20, progress=False)
    assert res.new_ids == list(range(21, 61))
    assert res.already_stored == 20
    assert_complete_and_unique(store)


def test_connection_lost_between_two_pages(server: ReplayServer, tmp_path: Path) -> None:
    fault = Fault("drop", method="export_responses", skip=2, times=3)
    crash_then_resume(server, RawStore(tmp_path), fault, E.ConnectionFailedError)


def test_http_500_on_a_page(server: ReplayServer, tmp_path: Path) -> None:
    fault = Fault("http", method="export_responses", skip=2, body=RECS["194_error__missing_params"].body)
    crash_then_resume(server, RawStore(tmp_path), fault, E.ServerError)


def test_garbled_page(server: ReplayServer, tmp_path: Path) -> None:
    fault = Fault("garble", method="export_responses", skip=2)
    crash_then_resume(server, RawStore(tmp_path), fault, E.CorruptExportError)


def test_html_page_instead_of_a_page(server: ReplayServer, tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>Maintenance</body></html>"
    fault = Fault("http", method="export_responses", skip=2, status=200, body=page)
    crash_then_resume(server, RawStore(tmp_path), fault, E.NotJsonResponseError)


def test_timeout_on_a_page_is_retried(server: ReplayServer, tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    server.faults.append(Fault("delay", method="export_responses", skip=2, seconds=1.0))
    sleeps: list[float] = []
    with make_client(server.url, read_timeout=0.3, sleeps=sleeps) as ls:
        res = pull_responses(ls, SID, store=store, page_size=20, progress=False)
    assert sleeps == [0.5]
    assert res.new_ids == list(range(1, 61))
    assert_complete_and_unique(store)


def test_process_dies_while_writing_a_snapshot(server: ReplayServer, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    store = RawStore(tmp_path)
    real = store_mod._write_new_file
    calls = {"n": 0}

    def dying(final: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 4:  # page 2: data file linked, then death before its manifest
            raise KeyboardInterrupt
        real(final, data)

    monkeypatch.setattr(store_mod, "_write_new_file", dying)
    with make_client(server.url) as ls, pytest.raises(KeyboardInterrupt):
        pull_responses(ls, SID, store=store, page_size=20, progress=False)
    assert server.valid_keys == set()  # the key was released on the way out
    assert [s.response_ids for s in store.list_snapshots(SID)] == [list(range(1, 21))]
    assert len(store.partial_files(SID)) == 1  # page 2's data without manifest: not a snapshot
    monkeypatch.setattr(store_mod, "_write_new_file", real)
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, page_size=20, progress=False)
    assert res.new_ids == list(range(21, 61))
    store.remove_partial(SID)
    assert_complete_and_unique(store)


def test_completion_filter_is_its_own_series(server: ReplayServer, tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    complete = read_csv((FIXTURES / "exports/rpc/export_responses__csv_complete.csv").read_bytes())
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, completion="complete", page_size=100, progress=False)
        assert res.new_ids == [int(i) for i in complete["id"]]
        assert len(res.new_ids) == 51
        assert_complete_and_unique(store, complete)
        assert (stored_frame(store)["submitdate"] != "").all()
        res_all = pull_responses(ls, SID, store=store, completion="all", page_size=100, progress=False)
    assert len(res_all.new_ids) == 60  # another profile: its own complete series
    assert [s.manifest["profile"] for s in store.list_snapshots(SID)] == [
        "csv/code/short/vi/complete", "csv/code/short/vi/all"]


def test_empty_and_inactive_surveys(server: ReplayServer, tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    with make_client(server.url) as ls:
        res = pull_responses(ls, 385925, store=store, progress=False)
        assert (res.new_ids, res.snapshots, res.message) == ([], [], "survey 385925: no responses yet.")
        with pytest.raises(E.SurveyNotActiveError, match="Activate it"):
            pull_responses(ls, 385926, store=store, progress=False)
    assert store.list_snapshots(385925) == [] and store.list_snapshots(385926) == []


def test_pull_by_token(server: ReplayServer, tmp_path: Path) -> None:
    store = RawStore(tmp_path)
    tokens = ["vn8Kq2xLm4Pz7Rt", "Hd3Wc9sYb6Nf2Qa", "Zp5Tj1mRk8Vx4Ge", "Lb7Ey2uHn5Cw9Sd", "Qm4Fa8kXr3Jt6Yz"]
    with make_client(server.url) as ls:
        res = pull_by_token(ls, SID, tokens, store=store, progress=False)
        assert res.new_ids == [11, 24, 38, 52]
        assert (len(res.snapshots), res.already_stored) == (4, 1)  # token 5 never answered
        first = store.list_snapshots(SID)[0]
        assert store.read_snapshot(first) == (
            FIXTURES / "exports/rpc/export_responses_by_token__csv.csv").read_bytes()
        for s in store.list_snapshots(SID):
            text = s.manifest_path.read_text(encoding="utf-8")
            assert not any(t in text for t in tokens)  # only a hash of the token
        assert first.manifest["token_sha256"] == hashlib.sha256(tokens[0].encode()).hexdigest()
        again = pull_by_token(ls, SID, tokens, store=store, progress=False)
        assert (again.new_ids, again.already_stored) == ([], 5)
        complete = pull_by_token(ls, SID, [tokens[3]], store=RawStore(tmp_path / "c"),
                                 completion="complete", progress=False)
        assert complete.new_ids == []  # its only response is incomplete (recording 155)
    assert server.unmatched == []


# -- listing in windows: the client's memory does not grow with the survey ------------------------------
def test_ids_are_listed_in_windows(server: ReplayServer, tmp_path: Path) -> None:
    """60 responses, windows of 20 ids, pages of 10: two closed windows, then the rest (20, one
    window's worth) in one open request; each page only after its window."""
    store = RawStore(tmp_path)
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, page_size=10, window=20, progress=False)
    assert res.new_ids == list(range(1, 61))
    assert (res.listed, res.already_stored, len(res.snapshots)) == (60, 0, 6)
    lst = [SID, "csv", "vi", "all", "code", "short"]
    exports = [e.params[1:] for e in server.calls("export_responses")]
    assert exports == [
        [*lst, None, 20, ["id"]], [*lst, 1, 10], [*lst, 11, 20],
        [*lst, 21, 40, ["id"]], [*lst, 21, 30], [*lst, 31, 40],
        [*lst, 41, None, ["id"]], [*lst, 41, 50], [*lst, 51, 60]]
    assert_complete_and_unique(store)
    assert server.unmatched == []


def test_windows_with_stored_ids_and_a_crash(server: ReplayServer, tmp_path: Path) -> None:
    """Resumable across windows: the ids of a first partial pull are skipped window by window."""
    store = RawStore(tmp_path)
    with make_client(server.url) as ls:
        pull_responses(ls, SID, store=store, completion="complete", page_size=10, window=20,
                       progress=False)
    server.faults.append(Fault("drop", method="export_responses", skip=4, times=3))
    with make_client(server.url) as ls, pytest.raises(E.ConnectionFailedError):
        pull_responses(ls, SID, store=store, page_size=10, window=20, progress=False)
    first = [s.response_ids for s in store.list_snapshots(SID) if s.manifest["profile"].endswith("/all")]
    assert first == [list(range(1, 11)), list(range(11, 21))]  # window 1 done, then the crash
    server.faults.clear()
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=store, page_size=10, window=20, progress=False)
    assert (res.new_ids, res.already_stored, res.listed) == (list(range(21, 61)), 20, 60)
    all_ids = [i for s in store.list_snapshots(SID) if s.manifest["profile"].endswith("/all")
               for i in s.response_ids]
    assert all_ids == list(range(1, 61))


def test_responses_added_while_pulling(server: ReplayServer, tmp_path: Path) -> None:
    """The last, open request takes whatever is left: a count smaller than the listing (15
    responses arrived after it was read) loses nothing."""
    summary = json.loads(RECS["117_get_summary__all"].body)["result"]
    server.add_overlay("get_summary", ["<SESSION_KEY>", SID],
                       rpc_body({**summary, "full_responses": 45}))  # 15 arrived after the count
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=RawStore(tmp_path), page_size=15, window=15,
                             progress=False)
    assert res.new_ids == list(range(1, 61))
    listings = [e.params[7:9] for e in server.calls("export_responses") if e.params[-1] == ["id"]]
    assert listings == [[None, 15], [16, 30], [31, None]]


def test_id_runs() -> None:
    runs = IdRuns.from_ids(np.array([9, 1, 2, 3, 5, 3]))
    assert runs.runs == [(1, 3), (5, 5), (9, 9)]
    assert (len(runs), runs[0], runs[3], runs[-1], runs[1:3]) == (5, 1, 5, 9, [2, 3])
    assert runs == [1, 2, 3, 5, 9] and runs != [1, 2, 3, 5] and list(runs) == runs.tolist()
    assert runs.to_numpy().tolist() == [1, 2, 3, 5, 9]
    assert runs.contains(np.array([0, 1, 4, 5, 9, 10])).tolist() == [False, True, False, True, True, False]
    assert (4 in runs, 5 in runs) == (False, True)
    u = IdRuns.union_all([runs, IdRuns.from_ids([4, 10, 11]), IdRuns.empty(), IdRuns.from_ids([20])])
    assert u.runs == [(1, 5), (9, 11), (20, 20)]
    assert IdRuns.empty() == [] and len(IdRuns.empty()) == 0
    assert IdRuns.from_ids(np.arange(1, 1_000_001)).runs == [(1, 1_000_000)]
    with pytest.raises(IndexError):
        runs[5]


def test_responses_deleted_while_pulling(server: ReplayServer, tmp_path: Path) -> None:
    """A count larger than what is there (20 responses deleted after it was read): the empty
    window makes the pull read the count again, and the walk ends."""
    summary = json.loads(RECS["117_get_summary__all"].body)["result"]
    server.faults.append(Fault("http", method="get_summary", status=200,
                               body=rpc_body({**summary, "full_responses": 80}),
                               content_type="text/javascript;charset=UTF-8"))
    with make_client(server.url) as ls:
        res = pull_responses(ls, SID, store=RawStore(tmp_path), page_size=15, window=15,
                             progress=False)
    assert res.new_ids == list(range(1, 61))
    listings = [e.params[7:9] for e in server.calls("export_responses") if e.params[-1] == ["id"]]
    assert listings == [[None, 15], [16, 30], [31, 45], [46, 60], [61, 75], [76, None]]
    assert len(server.calls("get_summary")) == 2
