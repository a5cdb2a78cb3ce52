"""The command line alone, in an analyst's project: pull from the LimeSurvey replay server ->
import -> report -> official compare, each step reading what the one before wrote.

The replay server answers with the exchanges recorded from a real LimeSurvey 6 (survey 385924, a
survey our instruments never built), so the report works from the survey's own structure
(``--lss``), then from the instrument ``instrument from-lss`` writes and the analyst fills in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from replay_server import FIXTURES, PASSWORD, USERNAME, ReplayServer
from typer.testing import CliRunner

from cchc_survey.cli import app
from cchc_survey.project import PROJECT_FILE, init_project

runner = CliRunner()
LSS = FIXTURES / "survey.lss"


def _analyst_fills_in(path: Path) -> None:
    """What the analyst writes where the generated instrument says TO FILL IN: the index this
    survey mirrors (SIPAS, its total declared as the official counterpart), two elements of four
    criteria, the satisfied score of the answer scale, and which item mirrors which criterion."""
    d = yaml.safe_load(path.read_text("utf-8"))
    m = d["methodology"]
    m["index"] = "SIPAS"
    m["source"] = "Cách tính của đơn vị: tỷ lệ hài lòng trung bình các tiêu chí (chưa kiểm chứng)."

    def lab(vi: str, en: str) -> dict[str, str]:
        return {"vi": vi, "en": en}

    def element(q: str, vi: str, en: str) -> dict[str, object]:
        return {"id": q, "level": "element", "label": lab(vi, en), "range": [0, 100],
                "children": [{"id": f"{q}{i}", "level": "criterion",
                              "label": lab(f"{vi} {i}", f"{en} {i}")} for i in range(1, 5)]}

    m["components"] = [{"id": "SIPAS", "level": "index", "label": lab("Chỉ số hài lòng", "Index"),
                        "range": [0, 100], "official": {"component": "total"},
                        "children": [element("TC", "Tiếp cận", "Access"),
                                     element("CC", "Công chức", "Civil servants")]}]
    m["scores"] = {"satisfied": {"method": "indicator", "value": 100, "verified": False,
                                 "source": "tỷ lệ % câu trả lời mức 4 và 5"}}
    m["score_by_scale"] = {"tc": "satisfied"}
    m["aggregation"]["variants"][0]["rules"] = {
        level: {"combine": "mean"} for level in ("criterion", "element", "index")}
    d["scales"]["tc"]["satisfied"] = {"codes": [4, 5], "verified": False,
                                      "source": "thực tiễn địa phương"}
    for g in d["groups"]:
        for q in g["questions"]:
            if q["code"] in ("TC", "CC"):
                for i, sq in enumerate(q["subquestions"], start=1):
                    sq["mirrors"] = [f"{q['code']}{i}"]
    path.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as srv:
        yield srv


def test_pull_import_report_compare_from_the_command_line(server: ReplayServer, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    proj = init_project(tmp_path / "p", unit="Sở Ngoại vụ tỉnh Thử", province="Quảng Ninh",
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

    # 3. report the processed survey by its name, from the survey's own structure alone
    r = runner.invoke(app, ["report", "385924", "--lss", str(LSS)], env=env)
    assert r.exit_code == 0, r.output
    assert "60 phiếu đọc được" in r.stdout
    out = proj.reports / "385924"
    for f in ("bao_cao.xlsx", "bao_cao.html", "bao_cao.docx", "scores.csv"):
        assert (out / f).is_file()

    # 4. the instrument of that survey, filled in by the analyst, then the report again
    inst = proj.root / "questionnaires" / "so_ngoai_vu.yaml"
    r = runner.invoke(app, ["instrument", "from-lss", str(LSS), "--out", str(inst)], env=env)
    assert r.exit_code == 0, r.output
    assert "TO FILL IN" in inst.read_text("utf-8")
    _analyst_fills_in(inst)
    r = runner.invoke(app, ["report", "385924", "--instrument", str(inst)], env=env)
    assert r.exit_code == 0, r.output
    scores = pd.read_csv(out / "scores.csv", encoding="utf-8-sig", keep_default_na=False)
    assert {"SIPAS", "TC", "CC", "TC1"} <= set(scores["code"])

    # 5. official compare reads the table report wrote; the province is the project's, the
    # mapping to the official component the instrument's
    r = runner.invoke(app, ["official", "compare", str(out / "scores.csv"), "--instrument",
                            str(inst), "--out", str(tmp_path / "cmp.csv")], env=env)
    assert r.exit_code == 0, r.output
    cmp = pd.read_csv(tmp_path / "cmp.csv", encoding="utf-8-sig")
    qn = cmp[cmp["official_province"] == "Quảng Ninh"]
    assert set(qn["component"]) == {"total"} and {2022, 2023} <= set(qn["year"])
    assert qn["official_value"].notna().all() and (qn["code"] == "SIPAS").all()


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
