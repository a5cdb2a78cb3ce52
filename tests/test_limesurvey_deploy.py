"""Deploy against the replay server: duplicate protection, import -> activate -> participants ->
invitations, participants lists from CSV and Excel with clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from replay_server import FIXTURES, ReplayServer, load_recordings, make_client

from cchc_survey.errors import InputFileError
from cchc_survey.limesurvey import errors as E
from cchc_survey.limesurvey.deploy import deploy, deploy_title, find_deployed, read_participants

RECS = load_recordings()
LSS = (FIXTURES / "survey_source.lss").read_bytes()
RECORDED_TITLE = "SIPAS Sở Ngoại vụ - bản sao rỗng (empty copy)"  # recording 003
ROWS = RECS["007_add_participants"].params[2]  # the 5 participants of recording 007


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        # Not recorded: add_participants of the same 5 rows into 385925's fresh (empty, see 175)
        # participants table gives the same echo as recording 007 did on 385924 (tid 1..5).
        srv.add_overlay("add_participants", ["<SESSION_KEY>", 385925, ROWS, False],
                        RECS["007_add_participants"].body)
        # Not recorded: invite_participants; the "<n> left to send" status is the success form
        # that citric's invite_participants parses (EMAILS_SENT_STATUS_PATTERN).
        srv.add_overlay("invite_participants", ["<SESSION_KEY>", 385925, None, True],
                        b'{"id":1,"result":{"status":"0 left to send"},"error":null}')
        yield srv


@pytest.fixture
def participants_csv(tmp_path: Path) -> Path:
    path = tmp_path / "participants.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_title_tag() -> None:
    assert deploy_title("Khảo sát", "sipas_one_stop", "2026.1") == "Khảo sát [sipas_one_stop v2026.1]"
    assert deploy_title("Khảo sát [sipas_one_stop v2026.1]", "sipas_one_stop", "2026.1") == (
        "Khảo sát [sipas_one_stop v2026.1]")


def test_same_title_is_a_duplicate(server: ReplayServer, participants_csv: Path) -> None:
    with make_client(server.url) as ls:
        assert [s["sid"] for s in find_deployed(ls, "sipas_test", "1", RECORDED_TITLE)] == [385925]
        assert find_deployed(ls, "sipas_test", "1", "another title") == []
        with pytest.raises(E.DuplicateDeployError, match=r"survey 385925 .*--allow-duplicate"):
            deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test",
                   instrument_version="1", participants=participants_csv)
    assert server.calls("import_survey") == []  # nothing was imported


def test_full_deploy(server: ReplayServer, participants_csv: Path) -> None:
    made: list[int] = []

    def make_lss() -> bytes:
        made.append(1)
        return LSS

    with make_client(server.url) as ls:
        res = deploy(ls, make_lss, title=RECORDED_TITLE, instrument_id="sipas_test",
                     instrument_version="1", wished_id=385925, participants=participants_csv,
                     invite=True, allow_duplicate=True)
    assert made == [1]
    assert res.survey_id == 385925
    assert (res.imported, res.activated, res.emails_left) == (True, True, 0)
    assert res.steps == ["list_surveys", "import_survey", "activate_survey", "activate_tokens",
                         "add_participants", "invite_participants"]
    assert [(p["tid"], p["token"]) for p in res.participants] == [
        (1, "vn8Kq2xLm4Pz7Rt"), (2, "Hd3Wc9sYb6Nf2Qa"), (3, "Zp5Tj1mRk8Vx4Ge"),
        (4, "Lb7Ey2uHn5Cw9Sd"), (5, "Qm4Fa8kXr3Jt6Yz")]
    assert [e.method for e in server.log] == [
        "get_session_key", "list_surveys", "import_survey", "activate_survey", "activate_tokens",
        "add_participants", "invite_participants", "release_session_key"]
    assert server.unmatched == []


def test_reuse_existing_survey(server: ReplayServer) -> None:
    with make_client(server.url) as ls:
        res = deploy(ls, lambda: pytest.fail("must not build the .lss"), title=RECORDED_TITLE,
                     instrument_id="sipas_test", instrument_version="1", reuse=True)
    assert (res.survey_id, res.imported, res.activated, res.steps) == (
        385925, False, False, ["list_surveys"])


def test_participants_from_excel_equal_csv(tmp_path: Path, participants_csv: Path) -> None:
    xlsx = tmp_path / "p.xlsx"
    pd.DataFrame(ROWS).to_excel(xlsx, index=False)
    assert read_participants(xlsx) == read_participants(participants_csv) == ROWS


def test_participants_with_unit_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Email;FirstName;Unit\nan@example.org;An;Phòng Tư pháp\n;Bình;UBND xã\n",
                    encoding="utf-8")
    assert read_participants(path) == [
        {"email": "an@example.org", "firstname": "An", "attribute_1": "Phòng Tư pháp"},
        {"firstname": "Bình", "attribute_1": "UBND xã"}]


def test_bad_participants_list(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("email,token,phone\nnot-an-email,ab c,1\nx@y.org,T1,2\nz@y.org,T1,3\n",
                    encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_participants(path)
    where = [p.where for p in info.value.problems]
    assert where == ["column 'phone'", "row 2, column email", "row 2, column token",
                     "row 3, column token", "row 4, column token"]
    assert str(path) in str(info.value)
    with pytest.raises(InputFileError, match="not found"):
        read_participants(tmp_path / "missing.csv")


def test_bad_list_sends_nothing(server: ReplayServer, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("email\nbroken\n", encoding="utf-8")
    with make_client(server.url) as ls, pytest.raises(InputFileError):
        deploy(ls, LSS, title="t", instrument_id="x", instrument_version="1", participants=path)
    assert server.log == []
    assert json.loads(RECS["003_import_survey__385925"].body)["result"] == 385925
