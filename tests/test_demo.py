"""`cchc-survey demo`: the whole chain runs and its first table equals an independent count."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import DEMO_SIZES as SIZES
from typer.testing import CliRunner

from cchc_survey.cli import app


@pytest.fixture(scope="module")
def demo_run(demo_project):
    project, res, text = demo_project
    return project.data, res, text


def test_first_table_equals_an_independent_count(demo_run) -> None:
    root, res, _ = demo_run
    raw = pd.read_csv(root / "raw" / "demo" / "sipas_one_stop" / "responses_limesurvey.csv",
                      sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(raw) == SIZES["sipas_one_stop"]
    done = raw[raw["submitdate"] != ""]
    table = res.first_table.set_index("code")
    crit = {}
    for prefix, elem in (("TC", "E1"), ("TT", "E2"), ("CC", "E3"), ("KQ", "E4"), ("PA", "E5")):
        cols = [c for c in raw.columns if c.startswith(prefix + "[")]
        for j, col in enumerate(cols, start=1):
            v = pd.to_numeric(done[col].replace({"": np.nan, "6": np.nan}))
            share = 100 * (v.dropna() >= 4).mean()
            crit[f"{elem}.{j}"] = share
            assert table.loc[f"{elem}.{j}", "estimate"] == pytest.approx(share, abs=1e-9)
            assert table.loc[f"{elem}.{j}", "n"] == v.notna().sum()
        e = np.mean([crit[f"{elem}.{k}"] for k in range(1, len(cols) + 1)])
        assert table.loc[elem, "estimate"] == pytest.approx(e, abs=1e-9)
    overall = np.mean([table.loc[f"E{k}", "estimate"] for k in range(1, 6)])
    assert table.loc["SIPAS", "estimate"] == pytest.approx(overall, abs=1e-9)
    assert table.loc["E3", "label_vi"] == "Công chức trực tiếp giải quyết công việc"


def test_demo_prints_vietnamese_and_writes_every_output(demo_run) -> None:
    root, res, text = demo_run
    assert "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị" in text
    assert "tỷ lệ hài lòng" in text
    assert unicodedata.is_normalized("NFC", text)
    out = root / "processed" / "demo"
    for iid in SIZES:
        for f in ("responses.parquet", "scores.csv", "checks.csv", "weighting.csv"):
            assert (out / iid / f).exists(), (iid, f)
        sc = pd.read_csv(out / iid / "scores.csv", encoding="utf-8-sig")
        assert {"", "wave"} <= set(sc["group_var"].fillna(""))
        assert not sc["verified"].any()  # every instrument's method is unverified, and says so
        assert sc["note_vi"].str.contains("chưa").all()
    for key in ("excel", "html", "docx"):
        assert res.outputs[key].exists()
    wb = openpyxl.load_workbook(res.outputs["excel"])
    texts = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)
    assert "Công chức trực tiếp giải quyết công việc" in texts
    html = res.outputs["html"].read_text(encoding="utf-8")
    assert "Chỉ số hài lòng về sự phục vụ hành chính" in html
    assert (out / "report" / "sipas_league_table.csv").exists()
    grid = pd.read_csv(out / "report" / "sipas_unit_by_month_grid.csv", index_col=0, encoding="utf-8-sig")
    assert grid.shape == (6, 6) and "Sở Nông nghiệp và Môi trường" in grid.index


def test_demo_books_balance_and_raking_hits_margins(demo_run) -> None:
    _, res, _ = demo_run
    for an in res.analyses.values():
        assert an.cleaned.n_in == an.cleaned.n_kept + an.cleaned.n_excluded
    one = res.analyses["sipas_one_stop"]
    rep = one.weighting
    last = rep[(rep["step"] == rep["step"].max()) & (rep["margin"] != "")]
    assert len(last) == 6 + 2
    assert np.allclose(last["achieved"], last["target"], rtol=1e-6)
    assert len(one.reliability) == 5
    assert one.reliability["raw_alpha"].between(0.75, 0.98).all()


def test_cli_demo_help_and_instruments() -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["instruments"])
    assert r.exit_code == 0, r.output
    assert "sipas_one_stop" in r.output and "papi_mirror" in r.output
    r = runner.invoke(app, ["lss", "build", "questionnaires/nope.yaml"])
    assert r.exit_code == 1
    assert "cannot read the file" in r.output


def test_cli_report_on_an_export(tmp_path: Path, demo_run) -> None:
    root, _, _ = demo_run
    export = root / "raw" / "demo" / "par_survey" / "responses_limesurvey.csv"
    r = CliRunner().invoke(app, ["report", str(export), "--instrument", "questionnaires/par_survey.yaml",
                                 "--out", str(tmp_path / "rep")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "rep" / "bao_cao.xlsx").exists()
    assert "200 phiếu đọc được" in r.output
