"""The ``import`` and ``codebook`` commands (registered on a fresh Typer app)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner

from cchc_survey import QUESTIONNAIRES
from cchc_survey.cli.imports import register
from cchc_survey.processed import load_processed

FIX = Path(__file__).parent / "fixtures" / "limesurvey"


@pytest.fixture()
def app():
    a = typer.Typer()
    register(a)
    return a


@pytest.fixture(autouse=True)
def secret(tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_SURVEY_SECRET_FILE", str(tmp_path / "secret"))


def test_codebook_from_fixture_lss_has_vi_and_en_labels(app, tmp_path):
    out = tmp_path / "cb.xlsx"
    r = CliRunner().invoke(app, ["codebook", str(FIX / "survey.lss"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "24 columns" in r.output
    wb = openpyxl.load_workbook(out)
    ws = wb["codes"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    assert {"label_vi", "label_en", "text_vi", "text_en", "sgqa"} <= set(head)
    rec = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    tc5 = next(x for x in rec if x["column"] == "TC[A1]" and x["code"] == "5")
    assert (tc5["label_vi"], tc5["label_en"]) == ("Rất hài lòng", "Very satisfied")
    assert tc5["sgqa"] == "385924X2X5A1"
    g = next(x for x in rec if x["column"] == "GIOITINH" and x["code"] == "F")
    assert (g["label_vi"], g["label_en"]) == ("Nữ", "Female")
    assert {x["column"] for x in rec} >= {"NGHENGHIEP[other]", "KENH[K5]", "GOPY"}
    assert len(list(wb["columns"].iter_rows())) == 25      # header + 24 columns


def test_codebook_from_instrument(app, tmp_path):
    out = tmp_path / "inst.xlsx"
    r = CliRunner().invoke(app, ["codebook", str(QUESTIONNAIRES / "sipas_one_stop.yaml"),
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(openpyxl.load_workbook(out)["codes"].iter_rows(values_only=True))
    head = list(rows[0])
    rec = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    dk = next(x for x in rec if x["column"] == "TC[C1]" and x["code"] == "6")
    assert dk["missing"] == "dont_know" and dk["label_en"] == "Don't know / No opinion"


def test_import_then_again(app, tmp_path):
    f = FIX / "exports" / "rpc" / "export_responses__csv_code_short.csv"
    args = ["import", str(f), "--lss", str(FIX / "survey.lss"), "--data-dir", str(tmp_path)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "385924: 60 responses read, 60 added" in r.output
    frame, _, lineage = load_processed("385924", tmp_path / "processed")
    assert len(frame) == 60 and len(lineage["snapshots"]) == 1
    r2 = CliRunner().invoke(app, args)
    assert r2.exit_code == 0 and "imported before" in r2.output


def test_import_bad_file_exits_1_with_message(app, tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"\r\n")
    r = CliRunner().invoke(app, ["import", str(bad), "--lss", str(FIX / "survey.lss"),
                                 "--data-dir", str(tmp_path)])
    assert r.exit_code == 1
    assert "empty.csv" in r.output and "empty" in r.output
    assert not (tmp_path / "processed").exists()
