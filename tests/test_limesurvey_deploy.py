"""Deploy against the replay servers (LimeSurvey 6.2.1 and 6.14.0 recordings): the identity as the
survey alias (not in the title), duplicate protection, anonymity enforced before activation,
import -> activate -> participants -> invitations with every participant's outcome, participants
lists from CSV and Excel with clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from replay_server import (
    FIXTURES,
    PASSWORD_614,
    RPC_614_DIR,
    USERNAME_614,
    Replay614,
    ReplayServer,
    load_recordings,
    make_client,
    rpc_body,
)

from cchc_survey.errors import InputFileError
from cchc_survey.limesurvey import errors as E
from cchc_survey.limesurvey.deploy import (
    deploy,
    deploy_title,
    find_deployed,
    instrument_alias,
    read_participants,
)
from cchc_survey.limesurvey.lss.settings import Anonymity

RECS = load_recordings()
RECS_614 = load_recordings(RPC_614_DIR)
LSS = (FIXTURES / "survey_source.lss").read_bytes()
RECORDED_TITLE = "SIPAS Sở Ngoại vụ - bản sao rỗng (empty copy)"  # recording 003
ROWS = RECS["007_add_participants"].params[2]  # the 5 participants of recording 007
ALIAS = instrument_alias("sipas_test", "1")
PROMISE = Anonymity(required=True, promise="phiếu không ghi tên", where="description (vi)")
# set_language_properties is not recorded; LimeSurvey's RemoteControl answers one boolean per field
# it saved plus "status": "OK" (remotecontrol_handle::set_language_properties), the form 6.14.0's
# recorded set_survey_properties answer has without the status.
ALIAS_SAVED = rpc_body({"surveyls_alias": True, "status": "OK"})
ALIAS_TAKEN = rpc_body({"surveyls_alias": False, "status": "OK"})


def invite_ok(tids: list[int]) -> bytes:
    """An invitation answer in the per-participant form 6.14.0 recorded (no mail server), with
    the success status LimeSurvey's emailTokens() gives a sent e-mail ("OK", no error)."""
    failed = json.loads(RECS_614["invite_participants__no_mail_server"].body)["result"]
    row = {**failed["4"], "status": "OK", "error": None}
    return rpc_body({**{str(t): row for t in tids}, "status": "0 left to send"})


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        # Not recorded: add_participants of the same 5 rows into 385925's fresh (empty, see 175)
        # participants table gives the same echo as recording 007 did on 385924 (tid 1..5).
        srv.add_overlay("add_participants", ["<SESSION_KEY>", 385925, ROWS, False],
                        RECS["007_add_participants"].body)
        srv.add_overlay("invite_participants", ["<SESSION_KEY>", 385925, [1, 2, 3, 4, 5], True],
                        invite_ok([1, 2, 3, 4, 5]))
        srv.add_overlay("set_language_properties",
                        ["<SESSION_KEY>", 385925, {"surveyls_alias": ALIAS}], ALIAS_SAVED)
        yield srv


@pytest.fixture
def participants_csv(tmp_path: Path) -> Path:
    path = tmp_path / "participants.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_identity_is_an_alias_not_a_title_tag() -> None:
    assert instrument_alias("sipas_one_stop", "2026.1") == "sipas_one_stop-v2026-1"
    assert instrument_alias("x", "2026.1 beta/2") == "x-v2026-1-beta-2"
    assert instrument_alias("9lives", "1") == "i-9lives-v1"  # an alias may not start with a digit
    assert len(instrument_alias("a" * 120, "1")) == 100
    # the tag earlier versions put in titles is still built (and recognised) for old surveys
    assert deploy_title("Khảo sát", "sipas_one_stop", "2026.1") == "Khảo sát [sipas_one_stop v2026.1]"


def test_same_title_is_a_duplicate(server: ReplayServer, participants_csv: Path) -> None:
    with make_client(server.url) as ls:
        found = find_deployed(ls, "sipas_test", "1", RECORDED_TITLE)
        assert [(s["sid"], s["found_by"]) for s in found] == [(385925, "title")]
        with pytest.raises(E.DuplicateDeployError,
                           match=r"survey 385925 .*found by its title.*--allow-duplicate"):
            deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test",
                   instrument_version="1", participants=participants_csv)
    assert server.calls("import_survey") == []  # nothing was imported
    assert server.calls("get_language_properties") == []  # a title match needs no alias lookup


def test_alias_is_a_duplicate(server: ReplayServer) -> None:
    """No title carries the version: the aliases are read (one call per survey) and 385925's is
    this version's."""
    server.add_overlay("get_language_properties", ["<SESSION_KEY>", 385925, ["surveyls_alias"]],
                       rpc_body({"surveyls_alias": ALIAS}))
    with make_client(server.url) as ls:
        assert find_deployed(ls, "sipas_test", "2") == []
        found = find_deployed(ls, "sipas_test", "1")
        assert [(s["sid"], s["found_by"], s["surveyls_alias"]) for s in found] == [
            (385925, "alias", ALIAS)]
        with pytest.raises(E.DuplicateDeployError, match=r"385925 .*found by its alias"):
            deploy(ls, LSS, instrument_id="sipas_test", instrument_version="1")
    assert [e.params[1] for e in server.calls("get_language_properties")] == [385924, 385925, 385926] * 3
    assert server.calls("import_survey") == [] and server.unmatched == []


def test_a_copy_of_the_alias_is_the_same_version(server: ReplayServer) -> None:
    server.add_overlay("get_language_properties", ["<SESSION_KEY>", 385926, ["surveyls_alias"]],
                       rpc_body({"surveyls_alias": f"{ALIAS}--2"}))
    with make_client(server.url) as ls:
        assert [s["sid"] for s in find_deployed(ls, "sipas_test", "1")] == [385926]
        assert find_deployed(ls, "sipas_tes", "1") == []  # a prefix is not the same instrument


def test_server_without_aliases(server: ReplayServer) -> None:
    """A LimeSurvey whose language settings have no alias answers "No valid Data" (what
    get/set_language_properties answer when no asked field exists): the duplicate check skips
    the alias, and deploy says the version will be recognised by its title only."""
    no_data = rpc_body({"status": "No valid Data"})
    for sid in (385924, 385925, 385926):
        server.add_overlay("get_language_properties", ["<SESSION_KEY>", sid, ["surveyls_alias"]], no_data)
    server.add_overlay("set_language_properties",
                       ["<SESSION_KEY>", 385925, {"surveyls_alias": ALIAS}], no_data)
    with make_client(server.url) as ls:
        assert find_deployed(ls, "sipas_test", "1") == []
        res = deploy(ls, LSS, instrument_id="sipas_test", instrument_version="1", wished_id=385925,
                     title=RECORDED_TITLE, allow_duplicate=True, activate=False)
    assert res.identity == "" and res.survey_id == 385925
    assert len(res.warnings) == 1 and "No valid Data" in res.warnings[0]
    assert "only by its exact title" in res.warnings[0]


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
    assert (res.survey_id, res.title, res.identity) == (385925, RECORDED_TITLE, ALIAS)
    assert (res.imported, res.activated, res.anonymized, res.emails_left) == (True, True, False, 0)
    assert res.steps == ["list_surveys", "import_survey", "set_language_properties",
                         "get_survey_properties", "activate_survey", "activate_tokens",
                         "add_participants", "invite_participants"]
    assert [(p["tid"], p["token"]) for p in res.participants] == [
        (1, "vn8Kq2xLm4Pz7Rt"), (2, "Hd3Wc9sYb6Nf2Qa"), (3, "Zp5Tj1mRk8Vx4Ge"),
        (4, "Lb7Ey2uHn5Cw9Sd"), (5, "Qm4Fa8kXr3Jt6Yz")]
    table = res.participant_outcomes.table(first_row=2)
    assert table["row"].tolist() == [2, 3, 4, 5, 6]
    assert table["status"].tolist() == ["added"] * 5 and table["tid"].tolist() == [1, 2, 3, 4, 5]
    assert res.invitations.sent == 5 and res.invitations.failed == [] and not res.nothing_sent
    assert [e.method for e in server.log] == [
        "get_session_key", "list_surveys", "import_survey", "set_language_properties",
        "get_survey_properties", "activate_survey", "activate_tokens", "add_participants",
        "invite_participants", "release_session_key"]
    # the title respondents read is the one given, with no tag; the import asked for exactly it
    assert server.calls("import_survey")[0].params[3] == RECORDED_TITLE
    assert server.calls("set_language_properties")[0].params[1:] == [385925, {"surveyls_alias": ALIAS}]
    assert server.unmatched == []


def test_alias_taken_by_a_copy(server: ReplayServer) -> None:
    """A deliberate second copy: LimeSurvey keeps aliases unique, so the copy gets <alias>--2."""
    server.add_overlay("set_language_properties",
                       ["<SESSION_KEY>", 385925, {"surveyls_alias": ALIAS}], ALIAS_TAKEN)
    server.add_overlay("set_language_properties",
                       ["<SESSION_KEY>", 385925, {"surveyls_alias": f"{ALIAS}--2"}], ALIAS_SAVED)
    with make_client(server.url) as ls:
        res = deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test",
                     instrument_version="1", wished_id=385925, allow_duplicate=True)
    assert res.identity == f"{ALIAS}--2" and res.warnings == []
    assert res.steps.count("set_language_properties") == 2


def test_anonymity_switched_on_before_activation(server: ReplayServer) -> None:
    """The instrument promises anonymity; the imported .lss says anonymized=N (survey_source.lss):
    deploy sets it to Y while the survey is not active, then activates."""
    body = json.loads(RECS_614["set_survey_properties__sample_core"].body)
    body["result"] = {"anonymized": body["result"]["anonymized"]}  # the recorded answer, one field
    server.add_overlay("set_survey_properties", ["<SESSION_KEY>", 385925, {"anonymized": "Y"}],
                       json.dumps(body).encode())
    with make_client(server.url) as ls:
        res = deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test",
                     instrument_version="1", wished_id=385925, allow_duplicate=True,
                     anonymity=PROMISE)
    assert res.anonymized is True
    methods = [e.method for e in server.log]
    assert methods.index("set_survey_properties") < methods.index("activate_survey")
    props = server.calls("get_survey_properties")[0].params[1:]
    assert props == [385925, ["anonymized", "active", "shownoanswer"]]
    assert server.unmatched == []


def test_server_refusing_anonymity_stops_before_activation(server: ReplayServer) -> None:
    server.add_overlay("set_survey_properties", ["<SESSION_KEY>", 385925, {"anonymized": "Y"}],
                       rpc_body({"anonymized": False}))
    with make_client(server.url) as ls, pytest.raises(E.DeployRefusedError,
                                                      match=r"did not accept anonymized=Y.*NOT activated"):
        deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test", instrument_version="1",
               wished_id=385925, allow_duplicate=True, anonymity=PROMISE)
    assert server.calls("activate_survey") == []


def test_reused_active_survey_that_is_not_anonymous_is_refused(server: ReplayServer,
                                                               participants_csv: Path) -> None:
    with make_client(server.url) as ls, pytest.raises(E.DeployRefusedError) as info:
        deploy(ls, lambda: pytest.fail("must not build the .lss"), title=RECORDED_TITLE,
               instrument_id="sipas_test", instrument_version="1", reuse=True,
               participants=participants_csv, anonymity=PROMISE)
    text = str(info.value)
    assert "survey 385925 is active and not anonymised" in text and "phiếu không ghi tên" in text
    assert "cannot anonymise an active survey" in text
    assert [e.method for e in server.log] == ["get_session_key", "list_surveys",
                                              "get_survey_properties", "release_session_key"]


def test_contradiction_in_the_instrument_sends_nothing(server: ReplayServer) -> None:
    contradiction = Anonymity(required=False, declared=False, promise="phiếu không ghi tên",
                              where="description (vi)")
    with make_client(server.url) as ls, pytest.raises(E.DeployRefusedError,
                                                      match=r"anonymous: false.*phiếu không ghi tên"):
        deploy(ls, LSS, instrument_id="x", instrument_version="1", anonymity=contradiction)
    assert server.log == []


def test_reuse_existing_survey(server: ReplayServer) -> None:
    with make_client(server.url) as ls:
        res = deploy(ls, lambda: pytest.fail("must not build the .lss"), title=RECORDED_TITLE,
                     instrument_id="sipas_test", instrument_version="1", reuse=True)
    assert (res.survey_id, res.imported, res.activated, res.anonymized, res.steps) == (
        385925, False, False, None, ["list_surveys"])


def test_no_answer_option_overridden_by_the_server(server: ReplayServer) -> None:
    """The .lss turns LimeSurvey's "No answer" off, but the server's global setting is On (1):
    the analyst is told (get_site_settings answers the config value to a super-administrator)."""
    server.add_overlay("get_survey_properties",
                       ["<SESSION_KEY>", 385925, ["anonymized", "active", "shownoanswer"]],
                       rpc_body({"anonymized": "Y", "active": "N", "shownoanswer": "N"}))
    server.add_overlay("get_site_settings", ["<SESSION_KEY>", "shownoanswer"], rpc_body(1))
    with make_client(server.url) as ls:
        res = deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test",
                     instrument_version="1", wished_id=385925, allow_duplicate=True,
                     anonymity=PROMISE, activate=False)
    assert res.anonymized is True and res.activated is False
    assert len(res.warnings) == 1 and "Show 'no answer' option = On" in res.warnings[0]
    assert "get_site_settings" in res.steps


# -- LimeSurvey 6.14.0 ------------------------------------------------------------------------------
@pytest.fixture
def server614() -> Iterator[Replay614]:
    with Replay614() as srv:
        yield srv


def test_rejected_participant_is_reported_not_counted_614(server614: Replay614, tmp_path: Path) -> None:
    """6.14.0: a row whose access code is taken comes back with an errors object and no tid; the
    other row is saved. Survey 82556 is found by the old title tag [ls205_sample v1]."""
    rows = RECS_614["add_participants__token_already_taken"].params[2]
    path = tmp_path / "p.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    with make_client(server614.url, username=USERNAME_614, password=PASSWORD_614) as ls:
        res = deploy(ls, LSS, instrument_id="ls205_sample", instrument_version="1", reuse=True,
                     participants=path)
    assert (res.survey_id, res.imported, res.steps) == (82556, False, ["list_surveys", "add_participants"])
    po = res.participant_outcomes
    assert [(o.row, o.added, o.tid, o.reason) for o in po.outcomes] == [
        (0, False, None, 'token: Access code "vn…A1" has already been taken.'),
        (1, True, 5, "")]
    assert [p["token"] for p in res.participants] == ["vnEn2025E5"]
    table = po.table(first_row=2)
    assert table["row"].tolist() == [2, 3] and table["status"].tolist() == ["rejected", "added"]
    assert table["tid"].isna().tolist() == [True, False] and table["tid"].iloc[1] == 5
    assert table["reason"].tolist() == ['token: Access code "vn…A1" has already been taken.', ""]
    assert str(table["tid"].dtype) == "Int64"
    assert "vnAn2025tokA1" not in table.to_csv()  # the access code is not shown whole
    assert server614.unmatched == []


def test_all_added_614(server614: Replay614) -> None:
    rows = RECS_614["add_participants__sample_full_ok"].params[2]
    with make_client(server614.url, username=USERNAME_614, password=PASSWORD_614) as ls:
        res = ls.add_participants(82556, rows, create_tokens=False)
    assert [(o.added, o.tid) for o in res.outcomes] == [(True, 1), (True, 2), (True, 3), (True, 4)]
    assert res.rejected == []


def test_invitations_without_mail_server_614(server614: Replay614) -> None:
    """6.14.0 with no mail server: both participants failed, the status says "2 left to send"."""
    with make_client(server614.url, username=USERNAME_614, password=PASSWORD_614) as ls:
        mail = ls.invite_participants(82556, token_ids=[4, 5])
    assert [(o.tid, o.sent, o.status, o.reason) for o in mail.outcomes] == [
        (4, False, "fail", "Could not instantiate mail function."),
        (5, False, "fail", "Could not instantiate mail function.")]
    assert (mail.sent, mail.left, len(mail.failed)) == (0, 2, 2)
    assert mail.summary() == ("invitations: 0 sent, 2 failed (Could not instantiate mail function.); "
                              "2 not tried by this call")
    assert mail.table().to_dict(orient="list") == {
        "tid": [4, 5], "status": ["failed", "failed"],
        "reason": ["Could not instantiate mail function."] * 2}
    assert "dung.pham@example.org" not in mail.table().to_csv()
    assert server614.unmatched == []


def test_nobody_to_invite_is_nothing_sent(server: ReplayServer) -> None:
    # LimeSurvey's status when no participant is waiting (remotecontrol_handle::invite_participants)
    server.add_overlay("invite_participants", ["<SESSION_KEY>", 385925, None, True],
                       rpc_body({"status": "Error: No candidate tokens"}))
    with make_client(server.url) as ls:
        res = deploy(ls, LSS, title=RECORDED_TITLE, instrument_id="sipas_test",
                     instrument_version="1", reuse=True, invite=True)
    assert res.nothing_sent and res.invitations.outcomes == ()
    assert res.invitations.summary() == "invitations: none sent (Error: No candidate tokens)"


# -- participants lists ---------------------------------------------------------------------------------
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
