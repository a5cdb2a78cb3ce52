"""The deploy / pull / status commands end to end against the replay server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import typer
from replay_server import (
    FIXTURES,
    PASSWORD,
    PASSWORD_614,
    RPC_614_DIR,
    USERNAME,
    USERNAME_614,
    Replay614,
    ReplayServer,
    load_recordings,
    recorded_result,
    rpc_body,
)
from typer.testing import CliRunner

from cchc_survey.cli.limesurvey import register
from cchc_survey.store import RawStore

RECS = load_recordings()
RECS_614 = load_recordings(RPC_614_DIR)
QDIR = Path(__file__).parent.parent / "questionnaires"
app = typer.Typer()
register(app)
runner = CliRunner()


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


@pytest.fixture
def env(server: ReplayServer, tmp_path: Path) -> dict[str, str]:
    return {"CCHC_LS_URL": server.url, "CCHC_LS_USER": USERNAME, "CCHC_LS_PASSWORD": PASSWORD,
            "CCHC_LS_CONFIG": str(tmp_path / "none.toml")}


def test_pull_twice(server: ReplayServer, env: dict[str, str], tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    args = ["pull", "385924", "--data-dir", str(raw), "--page-size", "40", "--no-progress"]
    r = runner.invoke(app, args, env=env)
    assert r.exit_code == 0, r.output
    assert "survey 385924: 60 new response(s) in 2 snapshot(s); 0 were already stored." in r.output
    assert r.output.count("written: ") == 2
    r2 = runner.invoke(app, args, env=env)
    assert r2.exit_code == 0 and "nothing new (60 stored)" in r2.output
    assert sorted(RawStore(raw).known_response_ids(385924)) == list(range(1, 61))
    assert PASSWORD not in r.output + r2.output


def test_pull_by_token(server: ReplayServer, env: dict[str, str], tmp_path: Path) -> None:
    r = runner.invoke(app, ["pull", "385924", "--token", "Hd3Wc9sYb6Nf2Qa", "--token", "Qm4Fa8kXr3Jt6Yz",
                            "--data-dir", str(tmp_path), "--no-progress"], env=env)
    assert r.exit_code == 0, r.output
    assert "1 new response(s) from 1 token(s); 1 token(s) without new responses." in r.output
    assert RawStore(tmp_path).known_response_ids(385924) == {24}


def test_errors_exit_1_with_advice(server: ReplayServer, env: dict[str, str], tmp_path: Path) -> None:
    r = runner.invoke(app, ["pull", "385926", "--data-dir", str(tmp_path), "--no-progress"], env=env)
    assert r.exit_code == 1
    assert "not active" in r.output and "Activate" in r.output
    bad = {**env, "CCHC_LS_PASSWORD": "wrong-password"}
    r = runner.invoke(app, ["status", "385924"], env=bad)
    assert r.exit_code == 1 and "CCHC_LS_PASSWORD" in r.output and "wrong-password" not in r.output
    r = runner.invoke(app, ["status"], env={"CCHC_LS_CONFIG": str(tmp_path / "none.toml")})
    assert r.exit_code == 1 and "missing CCHC_LS_URL, CCHC_LS_USER, CCHC_LS_PASSWORD" in r.output


def test_status(server: ReplayServer, env: dict[str, str], tmp_path: Path) -> None:
    r = runner.invoke(app, ["status"], env=env)
    assert r.exit_code == 0, r.output
    assert "385924" in r.output and "385926" in r.output
    out = tmp_path / "status.xlsx"
    r = runner.invoke(app, ["status", "385924", "--by", "language", "--out", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert "75.0%" in r.output and "(all)" in r.output
    by_unit = pd.read_excel(out, sheet_name="by_unit")
    assert by_unit["completed"].tolist() == [0, 3, 3]


def test_deploy_refuses_a_duplicate(server: ReplayServer, env: dict[str, str]) -> None:
    from cchc_survey.instrument import load_instrument

    path = Path(__file__).parent.parent / "questionnaires" / "sipas_one_stop.yaml"
    inst = load_instrument(path)
    # recording 100 with survey 385925 renamed as an earlier deploy of this version would name it
    surveys = json.loads(RECS["100_list_surveys"].body)["result"]
    surveys[1]["surveyls_title"] = f"Bản cũ [{inst.id} v{inst.version}]"
    server.add_overlay("list_surveys", ["<SESSION_KEY>"], rpc_body(surveys))
    r = runner.invoke(app, ["deploy", str(path), "--lss", str(FIXTURES / "survey_source.lss")], env=env)
    assert r.exit_code == 1, r.output
    assert (f"{inst.id} v{inst.version} is already on the server as survey 385925 (Bản cũ "
            f"[{inst.id} v{inst.version}], active=Y, found by its title tag)") in r.stderr
    assert "--allow-duplicate" in r.stderr
    assert server.calls("import_survey") == []


def test_config_file_as_in_the_docs(server: ReplayServer, tmp_path: Path,
                                    caplog: pytest.LogCaptureFixture) -> None:
    """docs/limesurvey.md step 2 (config file, chmod 600) then step 4 (pull)."""
    import logging
    import os

    caplog.set_level(logging.DEBUG)
    conf = tmp_path / "home" / ".config" / "cchc_survey" / "limesurvey.toml"
    conf.parent.mkdir(parents=True)
    conf.write_text(f'[limesurvey]\nurl = "{server.url}"\nuser = "{USERNAME}"\n'
                    f'password = "{PASSWORD}"\nread_timeout = 30\n', encoding="utf-8")
    os.chmod(conf, 0o600)
    raw = tmp_path / "raw"
    r = runner.invoke(app, ["pull", "385924", "--config", str(conf), "--data-dir", str(raw),
                            "--instrument", str(Path(__file__).parent.parent / "questionnaires"
                                                / "sipas_one_stop.yaml")], env={})
    assert r.exit_code == 0, r.output
    assert "60 new response(s) in 1 snapshot(s)" in r.output
    snap = RawStore(raw).list_snapshots(385924)[0]
    assert snap.manifest["instrument_id"] == "sipas_one_stop"
    assert snap.manifest["server_url"] == server.url
    on_disk = b"".join(p.read_bytes() for p in raw.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in on_disk
    assert PASSWORD not in caplog.text and PASSWORD not in r.output


# -- LimeSurvey 6.14.0 ------------------------------------------------------------------------------
@pytest.fixture
def server614() -> Iterator[Replay614]:
    with Replay614() as srv:
        yield srv


@pytest.fixture
def env614(server614: Replay614, tmp_path: Path) -> dict[str, str]:
    return {"CCHC_LS_URL": server614.url, "CCHC_LS_USER": USERNAME_614,
            "CCHC_LS_PASSWORD": PASSWORD_614, "CCHC_LS_CONFIG": str(tmp_path / "none.toml")}


@pytest.fixture
def sample_instrument(tmp_path: Path) -> Path:
    """The shipped sipas_one_stop instrument as 'ls205_sample v1' (survey 82556 of the 6.14.0
    recordings carries that tag), without the anonymity promise (82556 is not anonymised)."""
    text = (QDIR / "sipas_one_stop.yaml").read_text(encoding="utf-8")
    text = text.replace("id: sipas_one_stop", "id: ls205_sample").replace('version: "2026.1"', 'version: "1"')
    text = text.replace("; phiếu không ghi tên.", ".").replace("the form is\n    anonymous.", "thank you.")
    path = tmp_path / "ls205_sample.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_status_shows_titles_verbatim_614(server614: Replay614, env614: dict[str, str],
                                          tmp_path: Path) -> None:
    r = runner.invoke(app, ["status"], env=env614)
    assert r.exit_code == 0, r.output
    titles = [s["surveyls_title"] for s in recorded_result(RECS_614["list_surveys__tag_suffix_titles"])]
    for t in titles:
        assert t in r.output  # whole, tags included, on one line
    assert "   623369  Y       Khảo sát mức độ hài lòng" in r.output
    out = tmp_path / "surveys.csv"
    r = runner.invoke(app, ["status", "--out", str(out)], env=env614)
    assert pd.read_csv(out, encoding="utf-8-sig")["title"].tolist() == titles


def test_deploy_reports_each_rejected_participant_614(server614: Replay614, env614: dict[str, str],
                                                      sample_instrument: Path, tmp_path: Path) -> None:
    rows = RECS_614["add_participants__token_already_taken"].params[2]
    plist = tmp_path / "p.csv"
    pd.DataFrame(rows).to_csv(plist, index=False, encoding="utf-8-sig")
    out = tmp_path / "outcomes.csv"
    r = runner.invoke(app, ["deploy", str(sample_instrument), "--reuse", "--participants", str(plist),
                            "--out", str(out)], env=env614)
    assert r.exit_code == 1, r.output
    assert "survey id: 82556 (already on the server)" in r.stdout
    assert "participants: 1 added, 1 rejected (of 2 rows)" in r.stdout
    assert 'token: Access code "vn…A1" has already been taken.' in r.stdout
    assert "Lỗi (error): 1 of 2 participants were not added (row 2 of the list" in r.stderr
    assert "--reuse --participants" in r.stderr
    table = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert table.to_dict(orient="list") == {
        "table": ["participants", "participants"], "row": [2, 3], "tid": ["", "5"],
        "status": ["rejected", "added"],
        "reason": ['token: Access code "vn…A1" has already been taken.', ""]}
    assert "vnAn2025tokA1" not in r.output + out.read_text(encoding="utf-8-sig")


def test_deploy_fails_when_no_invitation_was_sent_614(server614: Replay614, env614: dict[str, str],
                                                      sample_instrument: Path) -> None:
    # The recorded 6.14.0 answer (no mail server) to invite_participants for participants 4 and 5,
    # served for the call without ids that `deploy --invite` makes when it added nobody.
    server614.add_overlay("invite_participants", ["<SESSION_KEY>", 82556, None, True],
                          RECS_614["invite_participants__no_mail_server"].body)
    r = runner.invoke(app, ["deploy", str(sample_instrument), "--reuse", "--invite"], env=env614)
    assert r.exit_code == 1, r.output
    assert ("invitations: 0 sent, 2 failed (Could not instantiate mail function.); 2 not tried by "
            "this call") in r.stdout
    assert r.stdout.count("Could not instantiate mail function.") == 3  # summary + 2 table rows
    assert "No e-mail was sent (Could not instantiate mail function.)" in r.stderr
    assert "Email settings" in r.stderr
    assert "success" not in r.output.lower()


def test_login_lockout_explained_614(server614: Replay614, env614: dict[str, str]) -> None:
    for n in (1, 2, 3):
        r = runner.invoke(app, ["status"], env={**env614, "CCHC_LS_PASSWORD": f"wrong-password-{n}"})
        assert r.exit_code == 1 and "wrong user name or password" in r.stderr
    r = runner.invoke(app, ["status"], env=env614)  # the right password
    assert r.exit_code == 1
    assert "locked logins from this computer's address" in r.stderr
    assert "refuses even the correct password" in r.stderr and "Wait 10 minutes" in r.stderr
    assert PASSWORD_614 not in r.output


def test_deploy_without_create_permission(server: ReplayServer, env: dict[str, str]) -> None:
    """A user without the global Surveys: create permission: import_survey answers "No permission"
    (remotecontrol_handle::import_survey; the status form of recording 169)."""
    server.add_overlay("import_survey", ["<SESSION_KEY>", "<BASE64 of survey_source.lss>", "lss"],
                       RECS["169_error__nonexistent_survey__export_responses"].body)
    r = runner.invoke(app, ["deploy", str(QDIR / "sipas_one_stop.yaml"),
                            "--lss", str(FIXTURES / "survey_source.lss")], env=env)
    assert r.exit_code == 1, r.output
    assert "lacks the global permission 'Surveys: create'" in r.stderr
    assert "not found" not in r.stderr
