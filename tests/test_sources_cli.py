"""The ``map`` and ``entry-sheet`` commands, ``import --map`` and ``report --map``; the committed
test material is what tests/sources_material.py writes; the map format and its errors."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sources_material as sm
from typer.testing import CliRunner

from cchc_survey import QUESTIONNAIRES
from cchc_survey.cli.main import app
from cchc_survey.processed import load_processed
from cchc_survey.sources import MapError, propose, read_source
from cchc_survey.sources.columnmap import check_map, parse_map
from cchc_survey.sources.matcher import match_answer, norm, split_choices
from cchc_survey.sources.times import parse_times

YAML = str(QUESTIONNAIRES / "sipas_one_stop.yaml")
INST, EXPORT = sm.answers(n=40, seed=11)
FIX = sm.FIXTURES


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_map_command_writes_the_map_and_lists_what_it_could_not_match(tmp_path: Path) -> None:
    gf = sm.google_forms_frame(INST, EXPORT, headings=sm.RETYPED, labels=sm.RETYPED_LABELS,
                               extra=True)
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    r = run("map", str(path), "--instrument", YAML, "--matches", str(tmp_path / "m.xlsx"))
    assert r.exit_code == 0, r.output
    out = tmp_path / "phieu.map.yaml"
    assert f"map written: {out}" in r.output
    assert "40 headings: 39 matched (0 to check), 1 not matched; 3 items without a heading; " \
           "0 answers matching no code." in r.output.replace("\n", " ")
    assert f"không khớp (not matched): '{sm.EXTRA_HEADING}'" in r.output
    assert "không có cột (no heading): trongso" in r.output
    assert parse_map(out.read_text("utf-8")).instrument == "sipas_one_stop"
    table = pd.read_excel(tmp_path / "m.xlsx")
    assert len(table) == 40 and list(table.columns) == ["heading", "target", "confidence",
                                                         "review", "wording"]
    # a reviewed map is never overwritten by accident
    r = run("map", str(path), "--instrument", YAML)
    assert r.exit_code == 1 and "a map already exists there" in r.output
    assert run("map", str(path), "--instrument", YAML, "--force").exit_code == 0


def test_import_with_map_and_entry_sheet_without(tmp_path: Path) -> None:
    path = sm.write_google_csv(sm.google_forms_frame(INST, EXPORT), tmp_path / "phieu.csv")
    assert run("map", str(path), "-i", YAML).exit_code == 0
    data = tmp_path / "data"
    r = run("import", str(path), "-i", YAML, "--map", str(tmp_path / "phieu.map.yaml"),
            "--data-dir", str(data))
    assert r.exit_code == 0, r.output
    assert f"{len(EXPORT)} responses read, {len(EXPORT)} added" in r.output
    assert "trongso item_present" in " ".join(r.output.split())
    # without --map the map beside the file is used
    r = run("import", str(path), "-i", YAML, "--data-dir", str(data))
    assert "imported before" in r.output
    # an entry sheet needs none
    sheet = tmp_path / "nhap_lieu.xlsx"
    r = run("entry-sheet", YAML, "-o", str(sheet), "--rows", "50")
    assert r.exit_code == 0 and f"written: {sheet} (51 items, 50 form rows)" in r.output
    sm.fill_entry_sheet(INST, EXPORT.iloc[:10], sheet)
    r = run("import", str(sheet), "-i", YAML, "--data-dir", str(tmp_path / "d2"))
    assert r.exit_code == 0 and "10 responses read, 10 added" in r.output, r.output
    frame, _, _ = load_processed("sipas_one_stop", tmp_path / "d2" / "processed")
    assert frame["response_id"].tolist() == [int(i) for i in EXPORT["id"][:10]]


def test_import_errors_are_said_in_the_command_line_words(tmp_path: Path) -> None:
    path = sm.write_google_csv(sm.google_forms_frame(INST, EXPORT), tmp_path / "phieu.csv")
    r = run("import", str(path), "-i", YAML, "--data-dir", str(tmp_path / "d"))
    assert r.exit_code == 1
    assert "Lỗi (error):" in r.output and "cchc-survey map phieu.csv --instrument" in r.output
    r = run("import", str(path), "--map", "x.map.yaml", "--data-dir", str(tmp_path / "d"))
    assert r.exit_code == 1 and "add --instrument x.yaml" in r.output


def test_report_with_map(tmp_path: Path) -> None:
    """A ward's form has no sampling fields: the map gives them one value for the whole file
    (one stratum per unit, the unit as the cluster, equal weights)."""
    path = sm.write_google_csv(sm.google_forms_frame(INST, EXPORT), tmp_path / "phieu.csv")
    assert run("map", str(path), "-i", YAML).exit_code == 0
    mp = tmp_path / "phieu.map.yaml"
    text = mp.read_text("utf-8")
    assert "fill: {}   # ĐIỀN (fill in) tang, cum, trongso: the file lacks" in text
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("fill:"))
    mp.write_text(text + '\nfill: {tang: T01, cum: "T01-C1", trongso: "1"}\n', "utf-8")
    r = run("report", str(path), "--instrument", YAML, "--map", str(tmp_path / "phieu.map.yaml"),
            "--out", str(tmp_path / "report"))
    assert r.exit_code == 0, r.output
    assert f"{len(EXPORT)} phiếu đọc được" in r.output
    assert (tmp_path / "report").is_dir() and any((tmp_path / "report").glob("*.xlsx"))


# ---------------------------------------------------------------------------------------------
def test_committed_material_is_what_the_script_writes(tmp_path: Path) -> None:
    written = sm.write_all(tmp_path)
    for p in written:
        ours, committed = p, FIX / p.name
        assert committed.is_file(), f"run python tests/sources_material.py ({p.name} missing)"
        if p.suffix == ".csv":
            assert ours.read_bytes() == committed.read_bytes(), p.name
            continue
        a, b = openpyxl.load_workbook(ours), openpyxl.load_workbook(committed)
        assert a.sheetnames == b.sheetnames
        for ws in a.worksheets:
            assert [[c.value for c in r] for r in ws.iter_rows()] == [
                [c.value for c in r] for r in b[ws.title].iter_rows()], (p.name, ws.title)
        assert committed.stat().st_size < 200_000


def test_committed_material_reads_as_documented() -> None:
    ls = pd.read_csv(FIX / "sipas_one_stop_limesurvey.csv", sep=";", dtype=str,
                     encoding="utf-8-sig")
    prop = propose(FIX / "sipas_one_stop_google_forms.csv", INST)
    assert prop.unmatched_headings == [sm.EXTRA_HEADING]
    res = read_source(FIX / "sipas_one_stop_nhap_lieu.xlsx", INST)
    assert res.n_out == len(ls) == 26
    readme = (FIX / "README.md").read_text("utf-8")
    assert all(f"`{p.name}`" in readme for p in FIX.iterdir() if p.name != "README.md")


# ---------------------------------------------------------------------------------------------
def test_map_shape_errors_name_the_line(tmp_path: Path) -> None:
    text = ("cchc_column_map: 1\nsource: google_forms\ninstrument: sipas_one_stop\n"
            "columns:\n  - {heading: A, item: tuoi}\n  - {heading: B, itme: hocvan}\n")
    with pytest.raises(MapError) as exc:
        parse_map(text, "m.yaml")
    assert "m.yaml:6: columns.1.itme: Extra inputs are not permitted" in str(exc.value)
    cmap = parse_map(text.replace("itme", "item").replace("hocvan", "tuoi"), "m.yaml")
    with pytest.raises(MapError) as exc:
        check_map(cmap, INST, "m.yaml", text.replace("itme", "item").replace("hocvan", "tuoi"))
    assert "m.yaml:6: columns.1: 'tuoi' is mapped from two headings: 'A' and 'B'" in str(exc.value)
    with pytest.raises(MapError) as exc:
        parse_map("a: [1,\n", "m.yaml")
    assert "(YAML syntax)" in str(exc.value)


def test_norm_and_answers() -> None:
    assert norm("Câu 3: Nơi ngồi chờ có đủ chỗ ngồi?*") == "noi ngoi cho co du cho ngoi"
    assert norm("III. Công chức") == norm("cong chuc") == "cong chuc"
    assert norm("1.2) Đất đai") == "dat dai"
    labels = {"4": ("Hài lòng", "Satisfied"), "5": ("Rất hài lòng", "Very satisfied")}
    codes = ("4", "5")
    assert [match_answer(v, codes, labels).code for v in (
        "Hài lòng", "hài lòng", "HAI LONG", "Satisfied", "5", "5.0", "5 - Rất hài lòng",
        "4. Hài lòng", "Rất hài lòngg", "Hài lòng lắm", "4 - Rất hài lòng")] == [
        "4", "4", "4", "4", "5", "5", "5", "4", "5", None, None]
    keys = {norm("Cải thiện cơ sở vật chất, trang thiết bị"): "M2", norm("Mở rộng"): "M1"}
    assert split_choices("Mở rộng, Cải thiện cơ sở vật chất, trang thiết bị, Gửi xe, nước",
                         keys) == (["M1", "M2"], "Gửi xe, nước")


def test_times_as_google_and_kobo_write_them() -> None:
    v = pd.Series(["2026/03/05 9:41:07 SA GMT+7", "2026/03/05 1:41:07 CH GMT+7",
                   "2026/03/05 12:01:00 AM GMT+7", "2026/03/05 9:41:07 PM GMT-4",
                   "3/5/2026 9:41:07", "2026-03-05T09:35:12.345+07:00", "2026-03-05", "",
                   "hôm qua", "2026/02/30 1:00:00", "2026/03/05 13:41:07 CH GMT+7"])
    out, bad = parse_times(v, date_order="mdy")
    assert out.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("NaT").tolist() == [
        "2026-03-05 09:41:07", "2026-03-05 13:41:07", "2026-03-05 00:01:00",
        "2026-03-06 08:41:07", "2026-03-05 09:41:07", "2026-03-05 09:35:12",
        "2026-03-05 00:00:00", "NaT", "NaT", "NaT", "NaT"]
    assert bad.tolist() == [False] * 8 + [True] * 3
    utc, _ = parse_times(pd.Series(["2026-03-05T02:41:07"]), utc=True)
    assert str(utc.item()) == "2026-03-05 09:41:07"
