"""The command line alone, in an analyst's project: pull from the LimeSurvey replay server ->
import -> report -> official compare, each step reading what the one before wrote.

The replay server answers with the exchanges recorded from a real LimeSurvey 6 (survey 385924, a
survey our instruments never built), so the report works from the survey's own structure
(``--lss``) through ``instrument from-lss``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from replay_server import FIXTURES, PASSWORD, USERNAME, ReplayServer
from typer.testing import CliRunner

from cchc_survey.cli import app
from cchc_survey.project import PROJECT_FILE, init_project

runner = CliRunner()
LSS = FIXTURES / "survey.lss"


def _has_from_lss() -> bool:
    import cchc_survey.instrument as instrument

    return hasattr(instrument, "instrument_from_lss")


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def test_pull_import_report_compare_from_the_command_line(server: ReplayServer, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    proj = init_project(tmp_path / "p", unit="Sở Ngoại vụ tỉnh Thử", province="Hà Nội",
                        limesurvey_url=server.url)  # the server's address from the project file
    monkeypatch.chdir(proj.root)
    env = {"CCHC_LS_USER": USERNAME, "CCHC_LS_PASSWORD": PASSWORD, "CCHC_LS_URL": "",
           "CCHC_LS_CONFIG": str(tmp_path / "none.toml")}
    assert server.url in (proj.root / PROJECT_FILE).read_text("utf-8")

    # 1. pull: the new responses into data/raw/<survey>/ (no --data-dir: the project's)
    r = runner.invoke(app, ["pull", "385924", "--page-size", "40", "--no-progress"], env=env)
    assert r.exit_code == 0, r.output
    snaps = sorted((proj.raw / "385924").glob("*.csv"))
    assert len(snaps) == 2, r.output

    # 2. import every pulled snapshot into data/processed/385924 (merged, nothing twice)
    for snap in snaps:
        r = runner.invoke(app, ["import", str(snap), "--lss", str(LSS)], env=env)
        assert r.exit_code == 0, r.output
    assert (proj.processed / "385924" / "responses.parquet").is_file()

    # 3. report the processed survey by its name, from the survey's own structure
    r = runner.invoke(app, ["report", "385924", "--lss", str(LSS)], env=env)
    if not _has_from_lss():
        # `instrument from-lss` is not in this version yet: the report says how to make the
        # instrument, in command-line words, and stops there
        assert r.exit_code == 1 and "cchc-survey instrument from-lss" in r.stderr, r.output
        pytest.xfail("report --lss alone needs `instrument from-lss` (engineer structure)")
    assert r.exit_code == 0, r.output
    assert "60 phiếu đọc được" in r.stdout
    out = proj.reports / "385924"
    for f in ("bao_cao.xlsx", "bao_cao.html", "bao_cao.docx"):
        assert (out / f).is_file()
    table = out / "scores.csv"  # every score, in the score-table shape

    # 4. official compare reads the table report wrote; the province is the project's
    r = runner.invoke(app, ["official", "compare", str(table), "--out", str(tmp_path / "cmp.csv")],
                      env=env)
    assert r.exit_code == 0, r.output  # reads what report writes (engineer "official")
    assert (tmp_path / "cmp.csv").stat().st_size > 0


def test_import_report_compare_with_a_bundled_instrument(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from cchc_survey import bundled_example

    proj = init_project(tmp_path / "p", province="Hà Nội")
    monkeypatch.chdir(proj.root)
    r = runner.invoke(app, ["import", str(bundled_example("par_survey")), "--instrument",
                            "questionnaires/par_survey.yaml"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["report", "par_survey"])  # the instrument from the survey's lineage
    assert r.exit_code == 0, r.output
    scores = proj.reports / "par_survey" / "scores.csv"
    assert scores.is_file()
    r = runner.invoke(app, ["official", "compare", str(scores), "--index", "PAR",
                            "--instrument", "questionnaires/par_survey.yaml",
                            "--out", str(tmp_path / "cmp.csv")])
    assert r.exit_code == 0, r.output
    cmp = pd.read_csv(tmp_path / "cmp.csv", encoding="utf-8-sig")
    assert set(cmp["index"]) == {"PAR"} and cmp["official_value"].notna().any()
