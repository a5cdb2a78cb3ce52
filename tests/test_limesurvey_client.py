"""The LimeSurvey client against a real HTTP replay server on 127.0.0.1 (recorded exchanges of
LimeSurvey 6.2.1) with fault injection: typed errors, retries, session key life cycle, config."""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from replay_server import (
    FIXTURES,
    PASSWORD,
    PASSWORD_614,
    RPC_614_DIR,
    USERNAME_614,
    Fault,
    Replay614,
    ReplayServer,
    load_recordings,
    make_client,
    slice_csv,
)

from cchc_survey.errors import CchcSurveyError
from cchc_survey.limesurvey import errors as E
from cchc_survey.limesurvey.client import LimeSurveyConfig, load_config

RECS = load_recordings()
KEY = json.loads(RECS["002_get_session_key__ok"].body)["result"]
HTML_500 = RECS["194_error__missing_params"].body


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def _post(url: str, payload: dict, headers: dict | None = None) -> requests.Response:
    return requests.post(url, data=json.dumps(payload), timeout=10,
                         headers=headers or {"Content-Type": "application/json"})


# -- the replay server itself ---------------------------------------------------------------------
def test_replay_serves_every_recording_byte_for_byte(server: ReplayServer) -> None:
    login = _post(server.url, {"method": "get_session_key", "params": ["admin", PASSWORD], "id": 1})
    assert login.content == RECS["002_get_session_key__ok"].body
    checked = 0
    for name, rec in RECS.items():
        if name in {"001_get_session_key__wrong_password", "002_get_session_key__ok"} or \
                not isinstance(rec.params, list) or rec.params[:1] != ["<SESSION_KEY>"] or \
                rec.method == "release_session_key" or name.startswith(("197", "198", "199", "201", "203")):
            continue
        params = [KEY, *rec.params[1:]]
        if rec.method == "import_survey":
            params[1] = base64.b64encode((FIXTURES / "survey_source.lss").read_bytes()).decode()
        res = _post(server.url, {"method": rec.method, "params": params, "id": 1})
        assert (res.status_code, res.headers["Content-Type"], res.content) == (
            rec.status, rec.content_type, rec.body), name
        checked += 1
    assert checked == 102
    assert server.unmatched == []
    # wrong password, notification, text/plain, malformed JSON, echoed string id
    r = _post(server.url, {"method": "get_session_key", "params": ["admin", "nope"], "id": 1})
    assert r.content == RECS["001_get_session_key__wrong_password"].body
    assert _post(server.url, {"method": "list_surveys", "params": [KEY]}).content == b""
    r = requests.post(server.url, data=json.dumps({"method": "list_surveys", "params": [KEY], "id": 1}),
                      headers={"Content-Type": "text/plain"}, timeout=10)
    assert (r.status_code, r.content) == (200, b"")
    r = requests.post(server.url, data=b'{"method": "list_surveys", "params": [',
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.content == RECS["197_error__malformed_json"].body
    r = _post(server.url, {"method": "list_surveys", "params": [KEY], "id": "abc-1"})
    assert r.content == RECS["201_id_as_string"].body
    # release, then the key is refused exactly as recorded (203)
    _post(server.url, {"method": "release_session_key", "params": [KEY], "id": 1})
    r = _post(server.url, {"method": "list_surveys", "params": [KEY], "id": 1})
    assert r.content == RECS["203_error__released_session_key"].body


def test_derived_id_slices_reproduce_the_recorded_range_exports() -> None:
    full = (FIXTURES / "exports/rpc/export_responses__csv_code_short.csv").read_bytes()
    ids_10_20 = (FIXTURES / "exports/rpc/export_responses__csv_ids_10_20.csv").read_bytes()
    assert slice_csv(full, 10, 20) == ids_10_20  # recording 144
    empty = json.loads(RECS["192_export_responses__empty_id_range"].body)["result"]
    assert slice_csv(full, 1000, 2000) == base64.b64decode(empty) == b"\r\n"  # recording 192
    rec_190 = RECS["190_export_responses__bogus_completion_status"]
    rec_1_2 = base64.b64decode(json.loads(rec_190.body)["result"])
    assert slice_csv(full, 1, 2) == rec_1_2  # recording 190 (bogus status = all, ids 1..2)
    ids_only = slice_csv(full, 58, None, id_only=True)
    assert ids_only == b'\xef\xbb\xbf"id"\r\n"58"\r\n"59"\r\n"60"\r\n\r\n'


# -- normal calls ------------------------------------------------------------------------------------
def test_lazy_key_calls_and_release(server: ReplayServer) -> None:
    with make_client(server.url) as ls:
        assert server.log == []  # nothing sent before the first call
        surveys = ls.list_surveys()
        assert [(s["sid"], s["active"]) for s in surveys] == [(385924, "Y"), (385925, "Y"), (385926, "N")]
        assert surveys[1]["surveyls_title"] == "SIPAS Sở Ngoại vụ - bản sao rỗng (empty copy)"
        assert ls.get_summary(385924) == {
            "token_count": 5, "token_invalid": 0, "token_sent": 0, "token_opted_out": 0,
            "token_completed": 3, "token_screenout": 0, "completed_responses": 51,
            "incomplete_responses": 9, "full_responses": 60,
        }
        assert ls.get_summary(385926) is None  # not active: result []
        assert ls.server_version() == "6.2.1"
        assert ls.session.logins == 1
        assert server.valid_keys == {KEY}
    assert [e.method for e in server.log] == [
        "get_session_key", "list_surveys", "get_summary", "get_summary", "get_site_settings",
        "release_session_key"]
    assert server.valid_keys == set()
    assert ls.session.closed and ls.session.key is None


def test_no_call_no_login_no_release(server: ReplayServer) -> None:
    with make_client(server.url):
        pass
    assert server.log == []


def test_key_released_when_the_block_raises(server: ReplayServer) -> None:
    with pytest.raises(E.SurveyNotFoundError), make_client(server.url) as ls:
        ls.get_summary(999999)
    assert [e.method for e in server.log][-1] == "release_session_key"
    assert server.valid_keys == set()


def test_exports_decode_to_the_recorded_files(server: ReplayServer) -> None:
    with make_client(server.url) as ls:
        data = ls.export_responses(385924, from_id=10, to_id=20)
        assert data == (FIXTURES / "exports/rpc/export_responses__csv_ids_10_20.csv").read_bytes()
        assert ls.export_responses(385924, from_id=1000, to_id=2000) == b"\r\n"
        tok = ls.export_responses_by_token(385924, "vn8Kq2xLm4Pz7Rt")
        assert tok == (FIXTURES / "exports/rpc/export_responses_by_token__csv.csv").read_bytes()
        assert ls.export_responses_by_token(385924, "Lb7Ey2uHn5Cw9Sd", completion="complete") == b"\r\n"
        with pytest.raises(E.ConfigError, match="completion='done'"):
            ls.export_responses(385924, completion="done")  # type: ignore[arg-type]
    assert server.unmatched == []


# -- every recorded failure -> its typed error -------------------------------------------------------
EXPECTED = {
    "119_get_summary__invalid_stat": E.InvalidArgumentError,
    "156_export_responses_by_token__no_response": E.NoResponseForTokenError,
    "162_error__nonexistent_survey__get_survey_properties": E.SurveyNotFoundError,
    "163_error__nonexistent_survey__list_groups": E.SurveyNotFoundError,
    "164_error__nonexistent_survey__list_questions": E.SurveyNotFoundError,
    "165_error__nonexistent_survey__get_summary": E.SurveyNotFoundError,
    "166_error__nonexistent_survey__get_fieldmap": E.SurveyNotFoundError,
    "167_error__nonexistent_survey__list_participants": E.SurveyNotFoundError,
    "168_error__nonexistent_survey__get_response_ids": E.SurveyNotActiveError,
    "169_error__nonexistent_survey__export_responses": E.SurveyNotFoundError,
    "170_error__nonexistent_survey__export_statistics": E.SurveyNotFoundError,
    "171_error__nonexistent_question": E.ObjectNotFoundError,
    "172_error__empty_survey__export_responses": E.NoResponsesError,
    "173_error__empty_survey__export_responses_by_token": E.NoResponsesError,
    "175_error__empty_survey__list_participants": E.NoParticipantsError,
    "178_error__inactive_survey__export_responses": E.SurveyNotActiveError,
    "179_error__inactive_survey__add_response": E.SurveyNotActiveError,
    "181_error__inactive_survey__get_summary_completed": E.SurveyNotActiveError,
    "182_error__inactive_survey__list_participants": E.NoParticipantsTableError,
    "183_error__inactive_survey__get_response_ids": E.SurveyNotActiveError,
    "184_error__inactive_survey__export_timeline": E.SurveyNotActiveError,
    "185_error__wrong_type__sid_string": E.SurveyNotFoundError,
    "187_error__wrong_type__group_id_string": E.ObjectNotFoundError,
    "188_error__wrong_type__unknown_document_type": E.UnsupportedExportFormatError,
    "189_error__language_not_in_survey": E.LanguageNotInSurveyError,
    "193_error__participant_not_found": E.ParticipantNotFoundError,
    "194_error__missing_params": E.ServerError,
    "196_error__unknown_method": E.ServerError,
    "152_export_responses__spsssav": E.UnsupportedExportFormatError,
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_failure_maps_to_typed_error(server: ReplayServer, name: str) -> None:
    rec = RECS[name]
    with make_client(server.url) as ls, pytest.raises(EXPECTED[name]) as info:
        ls.call(rec.method, *rec.params[1:])
    err = info.value
    assert isinstance(err, CchcSurveyError)
    assert err.method == rec.method
    text = str(err)
    assert KEY not in text and PASSWORD not in text
    assert len(text) > 60  # a message that says what to do, not a bare status
    if name.startswith(("194", "196")):
        assert "Too few arguments" in text or "does not have a method" in text
        assert '"no_such_method"' in text or "get_summary()" in text  # &quot; unescaped
    assert server.calls(rec.method)[0].status == rec.status


def test_every_recorded_status_string_has_a_specific_class() -> None:
    statuses = set()
    for rec in RECS.values():
        try:
            result = json.loads(rec.body).get("result")
        except ValueError:
            continue
        if isinstance(result, dict) and result.get("status") not in (None, "OK"):
            statuses.add(result["status"])
    assert len(statuses) == 17
    for s in statuses:
        assert type(E.error_from_status(s)) is not E.StatusError, s
    assert type(E.error_from_status("Something new")) is E.StatusError


def test_wrong_password(server: ReplayServer) -> None:
    with make_client(server.url, password="wrong-password") as ls, \
            pytest.raises(E.AuthenticationError, match="CCHC_LS_PASSWORD") as info:
        ls.list_surveys()
    assert "wrong-password" not in str(info.value)
    assert [e.method for e in server.log] == ["get_session_key"]  # no release: no key


# -- transport faults ----------------------------------------------------------------------------------
def test_connection_refused_is_retried_then_typed(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    sleeps: list[float] = []
    ls = make_client(f"http://127.0.0.1:{port}/index.php/admin/remotecontrol", sleeps=sleeps)
    with pytest.raises(E.ConnectionFailedError, match="CCHC_LS_URL"):
        ls.list_surveys()
    assert sleeps == [0.5, 1.0]  # 2 retries with exponential backoff
    ls.close()


def test_timeout_is_retried_for_reads(server: ReplayServer) -> None:
    server.faults.append(Fault("delay", method="list_surveys", seconds=1.5))
    sleeps: list[float] = []
    with make_client(server.url, read_timeout=0.3, sleeps=sleeps) as ls:
        assert len(ls.list_surveys()) == 3
    assert sleeps == [0.5]
    assert [e.fault for e in server.calls("list_surveys")] == ["delay", ""]


def test_timeout_gives_up_after_retries(server: ReplayServer) -> None:
    server.faults.append(Fault("delay", method="get_summary", seconds=1.0, times=3))
    sleeps: list[float] = []
    with make_client(server.url, read_timeout=0.2, sleeps=sleeps) as ls, \
            pytest.raises(E.RequestTimeoutError, match="--timeout"):
        ls.get_summary(385924)
    assert sleeps == [0.5, 1.0]


def test_timeout_on_a_write_is_not_resent(server: ReplayServer) -> None:
    server.faults.append(Fault("delay", method="import_survey", seconds=1.0))
    sleeps: list[float] = []
    lss = (FIXTURES / "survey_source.lss").read_bytes()
    with make_client(server.url, read_timeout=0.2, sleeps=sleeps) as ls, \
            pytest.raises(E.RequestTimeoutError, match="NOT sent again"):
        ls.import_survey(lss, name="SIPAS Sở Ngoại vụ - bản sao rỗng (empty copy)", wished_id=385925)
    assert sleeps == []
    assert len(server.calls("import_survey")) == 1


def test_dropped_connection_is_retried(server: ReplayServer) -> None:
    server.faults.append(Fault("drop", method="get_summary"))
    sleeps: list[float] = []
    with make_client(server.url, sleeps=sleeps) as ls:
        assert ls.get_summary(385924)["full_responses"] == 60
    assert sleeps == [0.5]


def test_http_500_html_is_a_server_error_without_retry(server: ReplayServer) -> None:
    server.faults.append(Fault("http", method="list_surveys", status=500, body=HTML_500))
    sleeps: list[float] = []
    with make_client(server.url, sleeps=sleeps) as ls, \
            pytest.raises(E.ServerError, match="Too few arguments"):
        ls.list_surveys()
    assert sleeps == []


def test_http_503_is_retried(server: ReplayServer) -> None:
    server.faults.append(Fault("http", method="list_surveys", status=503, body=b"busy",
                               content_type="text/plain", times=2))
    sleeps: list[float] = []
    with make_client(server.url, sleeps=sleeps) as ls:
        assert len(ls.list_surveys()) == 3
    assert sleeps == [0.5, 1.0]


def test_http_404_says_the_url_is_wrong(server: ReplayServer) -> None:
    server.faults.append(Fault("http", status=404, body=b"<html><title>Not found</title></html>"))
    with make_client(server.url) as ls, pytest.raises(E.HttpStatusError, match="URL is wrong"):
        ls.list_surveys()


def test_html_page_instead_of_json(server: ReplayServer) -> None:
    page = b"<!DOCTYPE html><html><head><title>LimeSurvey</title></head><body>Login</body></html>"
    server.faults.append(Fault("http", method="get_session_key", status=200, body=page))
    with make_client(server.url) as ls, pytest.raises(E.NotJsonResponseError, match="CCHC_LS_URL") as info:
        ls.list_surveys()
    assert "text/html" in str(info.value)


def test_empty_body_means_rpc_disabled(server: ReplayServer) -> None:
    server.faults.append(Fault("http", status=200, body=RECS["198_error__no_id_notification"].body))
    with make_client(server.url) as ls, pytest.raises(E.RPCDisabledError, match="Global settings"):
        ls.list_surveys()


def test_answer_for_another_request_id(server: ReplayServer) -> None:
    body = b'{"id":7,"result":[],"error":null}'
    server.faults.append(Fault("http", method="list_surveys", status=200, body=body,
                               content_type="text/javascript;charset=UTF-8"))
    with make_client(server.url) as ls, pytest.raises(E.ResponseMismatchError, match="proxy"):
        ls.list_surveys()


def test_garbled_base64_is_refused(server: ReplayServer) -> None:
    server.faults.append(Fault("garble", method="export_responses"))
    with make_client(server.url) as ls, pytest.raises(E.CorruptExportError, match="run the pull again"):
        ls.export_responses(385924, from_id=10, to_id=20)


def test_session_expiry_is_renewed_once(server: ReplayServer) -> None:
    server.faults.append(Fault("expire", method="get_summary"))
    with make_client(server.url) as ls:
        assert ls.list_surveys()[0]["sid"] == 385924
        assert ls.get_summary(385924)["completed_responses"] == 51
        assert ls.session.logins == 2
    assert [e.method for e in server.log] == [
        "get_session_key", "list_surveys", "get_summary", "get_session_key", "get_summary",
        "release_session_key"]


def test_session_refused_twice_is_a_typed_error(server: ReplayServer) -> None:
    server.faults.append(Fault("expire", method="get_summary", times=2))
    with make_client(server.url) as ls, pytest.raises(E.SessionKeyError, match="session"):
        ls.get_summary(385924)
    assert ls.session.logins == 2


# -- configuration and secrets ---------------------------------------------------------------------------
URL = "https://ls.example.org/index.php/admin/remotecontrol"


def test_config_from_environment() -> None:
    env = {"CCHC_LS_URL": URL, "CCHC_LS_USER": "analyst", "CCHC_LS_PASSWORD": "s3cret-pw"}
    cfg = load_config("/nonexistent-dir/x.toml" if False else None, env=env)
    assert (cfg.url, cfg.username, cfg.password) == (URL, "analyst", "s3cret-pw")
    assert (cfg.connect_timeout, cfg.read_timeout, cfg.retry.retries) == (10.0, 120.0, 3)
    assert "s3cret-pw" not in repr(cfg)
    assert cfg.public_url == URL


def test_config_file_outside_repo(tmp_path: Path) -> None:
    f = tmp_path / "limesurvey.toml"
    f.write_text(f'[limesurvey]\nurl = "{URL}"\nuser = "analyst"\npassword = "pw-from-file"\n'
                 "read_timeout = 30\nretries = 5\n", encoding="utf-8")
    os.chmod(f, 0o600)
    cfg = load_config(f, env={})
    assert (cfg.username, cfg.password, cfg.read_timeout, cfg.retry.retries) == (
        "analyst", "pw-from-file", 30.0, 5)
    # the environment wins over the file
    cfg2 = load_config(f, env={"CCHC_LS_PASSWORD": "pw-from-env"})
    assert cfg2.password == "pw-from-env"
    os.chmod(f, 0o644)
    with pytest.raises(E.ConfigError, match="chmod 600"):
        load_config(f, env={})


def test_config_file_inside_a_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    f = tmp_path / "conf" / "limesurvey.toml"
    f.parent.mkdir()
    f.write_text(f'url = "{URL}"\nuser = "a"\npassword = "p"\n', encoding="utf-8")
    os.chmod(f, 0o600)
    with pytest.raises(E.ConfigError, match="git work tree"):
        load_config(f, env={})


def test_config_errors() -> None:
    with pytest.raises(E.ConfigError, match="CCHC_LS_URL, CCHC_LS_PASSWORD"):
        load_config(None, env={"CCHC_LS_USER": "a", "CCHC_LS_CONFIG": "/nonexistent/x.toml"})
    with pytest.raises(E.ConfigError, match="user name or password"):
        LimeSurveyConfig(url="https://admin:pw@ls.example.org/x", username="a", password="b")
    with pytest.raises(E.ConfigError, match="http"):
        LimeSurveyConfig(url="ls.example.org", username="a", password="b")
    with pytest.raises(E.ConfigError, match="not found"):
        load_config("/nonexistent/x.toml", env={})


def test_no_secret_in_logs(server: ReplayServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.faults.append(Fault("expire", method="export_responses"))
    server.faults.append(Fault("http", method="get_summary", status=503, body=b"busy",
                               content_type="text/plain"))
    with make_client(server.url) as ls:
        ls.list_surveys()
        ls.get_summary(385924)
        ls.export_responses(385924, from_id=10, to_id=20)
        assert PASSWORD not in repr(ls) and KEY not in repr(ls.session)
    assert caplog.records  # something was logged
    assert PASSWORD not in caplog.text
    assert KEY not in caplog.text


# -- LimeSurvey 6.14.0 -------------------------------------------------------------------------------
@pytest.fixture
def server614() -> Iterator[Replay614]:
    with Replay614() as srv:
        yield srv


def test_login_lockout_after_three_wrong_passwords_614(server614: Replay614) -> None:
    """6.14.0: three wrong passwords, then the right one is refused with the lock-out status."""
    for n in (1, 2, 3):
        with make_client(server614.url, username=USERNAME_614, password=f"wrong-password-{n}") as ls, \
                pytest.raises(E.AuthenticationError) as wrong:
            ls.list_surveys()
        assert type(wrong.value) is E.AuthenticationError
        assert "after 3 wrong passwords" in str(wrong.value)
    with make_client(server614.url, username=USERNAME_614, password=PASSWORD_614) as ls, \
            pytest.raises(E.LoginLockedError) as locked:
        ls.list_surveys()
    err = locked.value
    assert err.minutes == 10
    text = str(err)
    assert "refuses even the correct password" in text and "Wait 10 minutes" in text
    assert "exceeded the number of maximum login attempts" in err.detail
    assert PASSWORD_614 not in text
    assert [e.method for e in server614.log] == ["get_session_key"] * 4  # never retried


def test_lockout_status_as_recorded_614() -> None:
    rec = load_recordings(RPC_614_DIR)["get_session_key__after_3_wrong_passwords"]
    status = json.loads(rec.body)["result"]["status"]
    err = E.error_from_status(status, method="get_session_key")
    assert isinstance(err, E.LoginLockedError) and isinstance(err, E.AuthenticationError)
    assert err.minutes == 10
    assert E.error_from_status("You have exceeded the number of maximum login attempts.").minutes is None


def test_titles_as_6_14_lists_them(server614: Replay614) -> None:
    with make_client(server614.url, username=USERNAME_614, password=PASSWORD_614) as ls:
        surveys = ls.list_surveys()
    assert [s["sid"] for s in surveys] == [623369, 480923, 982211, 366341, 82556, 369198, 96772,
                                           553399, 619922]
    assert surveys[0]["surveyls_title"].endswith("tại Bộ phận Một cửa [sipas_one_stop v2026.1]")
    assert surveys[4]["surveyls_title"] == "Sample LimeSurvey for 1.92+ [ls205_sample v1]"


def test_permission_errors_name_the_permission(server: ReplayServer) -> None:
    """``No permission`` is one text for every permission: the error names the one the call needs.
    import_survey's answer for a user without the global Surveys: create permission is that
    status (remotecontrol_handle::import_survey), in the form recording 169 shows."""
    lss = (FIXTURES / "survey_source.lss").read_bytes()
    params = ["<SESSION_KEY>", "<BASE64 of survey_source.lss>", "lss"]
    server.add_overlay("import_survey", params, RECS["169_error__nonexistent_survey__export_responses"].body)
    with make_client(server.url) as ls, pytest.raises(E.PermissionDeniedError) as info:
        ls.import_survey(lss)
    err = info.value
    assert not isinstance(err, E.SurveyNotFoundError)  # not "survey not found"
    assert (err.permission, err.scope) == ("Surveys: create", "global")
    assert "lacks the global permission 'Surveys: create'" in str(err)
    assert "User management" in str(err)
    # export_responses checks the permission before the survey exists (recording 169)
    with make_client(server.url) as ls, pytest.raises(E.SurveyPermissionError) as info2:
        ls.call("export_responses", 999999, "csv")
    assert isinstance(info2.value, E.SurveyNotFoundError)
    assert "'Responses: export'" in str(info2.value) and "no survey with this id" in str(info2.value)
    for method, permission in [("add_participants", "Participants: create"),
                               ("invite_participants", "Participants: update"),
                               ("activate_survey", "Survey activation: update"),
                               ("get_summary", "Survey: read")]:
        e = E.error_from_status("No permission", method=method, survey_id=1)
        assert isinstance(e, E.PermissionDeniedError) and permission in str(e), method
