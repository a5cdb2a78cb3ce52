"""``cchc-survey init``: an analyst's project folder, and the project file every command reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_survey import QUESTIONNAIRES, find_project, init_project, open_project
from cchc_survey.cli import app
from cchc_survey.project import PROJECT_FILE, ProjectError, read_project

runner = CliRunner()


def test_init_makes_the_folders_copies_and_project_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["init", "khao_sat", "--unit", "Sở Nội vụ tỉnh Quảng Ninh",
                            "--province", "Quảng Ninh", "--period", "Quý I/2026",
                            "--limesurvey-url", "https://ks.example.gov.vn/index.php/admin/remotecontrol"])
    assert r.exit_code == 0, r.output
    root = tmp_path / "khao_sat"
    assert sorted(p.name for p in root.iterdir()) == [
        ".gitignore", PROJECT_FILE, "data", "notebooks", "questionnaires", "reports"]
    assert sorted(p.name for p in (root / "data").iterdir()) == ["processed", "raw"]
    bundled = sorted(p.name for p in QUESTIONNAIRES.glob("*.yaml"))
    assert sorted(p.name for p in (root / "questionnaires").glob("*.yaml")) == bundled
    assert len(list((root / "questionnaires").glob("*.lss"))) == len(bundled) == 5
    assert [p.name[:2] for p in sorted((root / "notebooks").glob("*.ipynb"))] == ["01", "02", "03", "04"]
    proj = read_project(root)
    assert (proj.unit, proj.province, proj.period) == ("Sở Nội vụ tỉnh Quảng Ninh", "Quảng Ninh",
                                                       "Quý I/2026")
    assert proj.limesurvey_url.endswith("/admin/remotecontrol")
    assert "password" not in (root / PROJECT_FILE).read_text("utf-8").split("[limesurvey]")[1]
    assert "data/raw/*" in (root / ".gitignore").read_text("utf-8")
    assert "Đã tạo dự án" in r.output and "cchc-survey demo" in r.output


def test_init_never_overwrites(tmp_path: Path) -> None:
    init_project(tmp_path / "p")
    r = runner.invoke(app, ["init", str(tmp_path / "p")])
    assert r.exit_code == 1
    assert "is a project already" in r.output and "Traceback" not in r.output
    (tmp_path / "q" / "questionnaires").mkdir(parents=True)
    (tmp_path / "q" / "questionnaires" / "mine.yaml").write_text("id: mine\n", encoding="utf-8")
    with pytest.raises(ProjectError, match="not empty"):
        init_project(tmp_path / "q")
    assert (tmp_path / "q" / "questionnaires" / "mine.yaml").read_text("utf-8") == "id: mine\n"


def test_the_project_is_found_from_any_folder_inside_it(tmp_path: Path) -> None:
    proj = init_project(tmp_path / "p", unit="Sở Y tế")
    deep = proj.processed / "x" / "y"
    deep.mkdir(parents=True)
    assert find_project(deep) == proj and open_project(proj.notebooks).unit == "Sở Y tế"
    assert find_project(tmp_path) is None
    with pytest.raises(ProjectError, match="cchc-survey init FOLDER"):
        open_project(tmp_path)


@pytest.mark.parametrize("text, match", [
    ('[limesurvey]\nurl = "https://x.vn/rc"\npassword = "hunter2"\n',
     "limesurvey.password looks like a secret"),
    ('[project]\nunit = "Sở"\napi_key = "k"\n', "project.api_key looks like a secret"),
    ('[limesurvey]\nurl = "https://me:pw@x.vn/rc"\n', "carries a login"),
    ('[project\nunit = "Sở"\n', "cannot be read"),
])
def test_a_project_file_with_a_secret_or_broken_is_refused(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / PROJECT_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError, match=match):
        read_project(tmp_path)


def test_commands_read_the_project(tmp_path: Path, monkeypatch) -> None:
    proj = init_project(tmp_path / "p", unit="Sở Tư pháp")
    yaml = proj.questionnaires / "par_survey.yaml"
    text = yaml.read_text("utf-8")
    title = text.split("title:")[1].split("vi:")[1].splitlines()[0].strip().strip('"')
    yaml.write_text(text.replace(title, "Khảo sát CCHC của Sở Tư pháp", 1), encoding="utf-8")
    monkeypatch.chdir(proj.notebooks)  # any folder inside the project
    r = runner.invoke(app, ["instruments"])
    assert r.exit_code == 0, r.output
    assert "Khảo sát CCHC của Sở Tư pháp" in r.output  # the project's copy, not the bundled one
    assert r.output.count(" v") >= 4
