"""The deploy / pull / status commands end to end against the replay server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import typer
from replay_server import FIXTURES, PASSWORD, USERNAME, ReplayServer, load_recordings, rpc_body
from typer.testing import CliRunner

from cchc_survey.cli.limesurvey import register
from cchc_survey.store import RawStore

RECS = load_recordings()
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
    assert f"{inst.id} v{inst.version} is already on the server as survey 385925" in r.output
    assert "--allow-duplicate" in r.output
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
