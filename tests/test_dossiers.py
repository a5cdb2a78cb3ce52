"""Dossier lists of the one-stop information system and QĐ 766's ratios, against a hand count.

The fixture ``danh_sach_ho_so_cp1258.csv`` is a dossier list as Excel on Vietnamese Windows saves
it (Windows-1258, ``;``, CRLF, title lines above the header, a blank line, a total line), with
dates in seven Vietnamese forms, a dossier repeated exactly, one code on two rows that disagree
and an impossible date. Every expected number below was counted by hand from the file's rows
(the count is written beside each assertion), not taken from the code's output.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from importlib import resources
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cchc_survey import QUESTIONNAIRES, load_instrument
from cchc_survey.cli import app
from cchc_survey.dossiers import (
    DOSSIER_COLUMNS,
    RESULT_COLUMNS,
    ColumnMapError,
    DossierReadError,
    MethodologyFileError,
    TrackingError,
    load_column_map,
    load_methodology,
    parse_dates_vn,
    qd766_results,
    read_dossiers,
    survey_vs_dossiers,
    write_template,
)
from cchc_survey.dossiers.generate import (
    DossierDemo,
    demo_column_map,
    generate_dossiers,
    write_dossier_export,
)

FIX = Path(__file__).parent / "fixtures" / "dossiers" / "danh_sach_ho_so_cp1258.csv"
METHODOLOGY = resources.files("cchc_survey.dossiers").joinpath("qd766.yaml")


@pytest.fixture(scope="module")
def dossiers():
    return read_dossiers(FIX, encoding="cp1258")


@pytest.fixture(scope="module")
def results(dossiers):
    return qd766_results(dossiers)


def _value(res, unit: str, ptype: str, period: str, measure: str) -> tuple[float, float, float]:
    t = res.table
    row = t[(t["unit"] == unit) & (t["period_type"] == ptype) & (t["period"] == period)
            & (t["measure"] == measure)]
    assert len(row) == 1, (unit, ptype, period, measure)
    r = row.iloc[0]
    return float(r["numerator"]), float(r["denominator"]), float(r["value"])


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "want", "timed"), [
    ("05/03/2026", "2026-03-05 00:00", False), ("5/3/2026", "2026-03-05 00:00", False),
    ("05/03/26", "2026-03-05 00:00", False), ("05-03-2026", "2026-03-05 00:00", False),
    ("05.03.2026", "2026-03-05 00:00", False), ("05/03/2026 14:30", "2026-03-05 14:30", True),
    ("05/03/2026 14:30:15", "2026-03-05 14:30", True), ("05/03/2026 14h30", "2026-03-05 14:30", True),
    ("14h30 05/03/2026", "2026-03-05 14:30", True), ("02:30 CH 05/03/2026", "2026-03-05 14:30", True),
    ("12:05 SA 05/03/2026", "2026-03-05 00:05", True), ("02:30 PM 05/03/2026", "2026-03-05 14:30", True),
    ("ngày 5 tháng 3 năm 2026", "2026-03-05 00:00", False),
    ("NGÀY 05 THÁNG 03 NĂM 2026", "2026-03-05 00:00", False),
    ("lúc 9 giờ 15 phút, ngày 05 tháng 03 năm 2026", "2026-03-05 09:15", True),
    ("ngày 05/03/2026", "2026-03-05 00:00", False), ("2026-03-05", "2026-03-05 00:00", False),
    ("2026-03-05 14:30:00", "2026-03-05 14:30", True), ("2026-03-05T14:30:00", "2026-03-05 14:30", True),
    ("46086", "2026-03-05 00:00", False), ("46086.5", "2026-03-05 12:00", True),
    ("  05 / 03 / 2026  ", "2026-03-05 00:00", False),
])
def test_vietnamese_dates_are_read_day_first(text, want, timed):
    r = parse_dates_vn(pd.Series([text]))
    assert r.problem.iloc[0] == ""
    assert r.value.iloc[0].strftime("%Y-%m-%d %H:%M") == want
    assert bool(r.has_time.iloc[0]) is timed


@pytest.mark.parametrize(("text", "problem"), [
    ("31/02/2026", "31/02/2026 is not a date (day 31 of month 2)"),
    ("04/13/2026", "04/13/2026 has month 13: dates are read day first (dd/mm/yyyy)"),
    ("05/03/2026 25:10", "05/03/2026 25:10 has no such time of day"),
    ("hôm qua", "'hôm qua' is not a date in a known format"),
    ("12345", "12345 is outside the Excel day numbers read as dates (20000-80000)"),
])
def test_impossible_dates_are_reported_not_rolled_over(text, problem):
    r = parse_dates_vn(pd.Series(["05/03/2026", text, ""]))
    assert r.problem.tolist() == ["", problem, ""]
    assert r.value.isna().tolist() == [False, True, True]
    assert r.empty.tolist() == [False, False, True]


# --- reading the export ----------------------------------------------------------------------


def test_messy_list_reads_with_a_clear_report(dossiers):
    d = dossiers
    assert (d.encoding, d.header_row, d.sheet) == ("cp1258", 4, "")
    # 16 rows under the header hold something (+1 blank): 11 kept + 5 rejected
    assert (d.n_rows, d.n_blank, d.n_kept, d.n_rejected) == (16, 1, 11, 5)
    assert d.n_rows == d.n_kept + d.n_rejected
    assert d.frame.columns.tolist() == list(DOSSIER_COLUMNS)
    assert d.frame["code"].tolist() == ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "B01",
                                        "B02", "B03", "B04"]
    rej = d.rejected.set_index("row")
    # file rows: title 1-2, blank 3, header 4, A01 on row 5
    assert rej.loc[14, ["code", "rule", "reason"]].tolist() == [
        "B02", "duplicate", "exact duplicate of row 13"]
    assert rej.loc[17, ["rule", "column", "value", "reason"]].tolist() == [
        "date", "Ngày tiếp nhận", "31/02/2026", "31/02/2026 is not a date (day 31 of month 2)"]
    assert rej.loc[[19, 20], "reason"].tolist() == [
        "dossier code appears in rows 19, 20 with different values"] * 2
    total = d.rejected[d.rejected["row"] == 21]
    assert total["code"].tolist() == ["Tổng cộng: 16 hồ sơ", "Tổng cộng: 16 hồ sơ"]  # Vietnamese intact
    assert total["reason"].tolist() == ["the receiving unit is empty", "the date received is empty"]
    assert d.summary().set_index("rule")["rows"].to_dict() == {
        "empty": 1, "date": 1, "duplicate": 1, "duplicate_code": 2}
    lines = d.report_lines()
    assert lines[1] == "  16 rows read (1 blank rows skipped): 11 kept, 5 rejected"
    assert "    - one dossier code on rows that differ (duplicate_code): 2" in lines
    assert d.missing_fields == ("feedback_in_scope",)
    assert d.as_of == pd.Timestamp("2026-02-26 11:00")


def test_values_and_dates_of_the_kept_dossiers(dossiers):
    f = dossiers.frame.set_index("code")
    assert f.loc["A03", "received"] == pd.Timestamp("2026-01-07")
    assert f.loc["A04", "received"] == pd.Timestamp("2026-01-20 14:30")
    assert f.loc["B03", "received"] == pd.Timestamp("2026-01-10 14:30")  # 02:30 CH
    assert f.loc["B02", "received"] == pd.Timestamp("2026-01-05")  # 5/1/26
    assert f.loc["A03", "returned"] == pd.Timestamp("2026-01-17 16:30")
    # a due date without a time means the whole day
    assert f.loc["A03", "due_end"] == pd.Timestamp("2026-01-18") - pd.Timedelta(1)
    assert f["status"].to_dict() == {**dict.fromkeys(
        ["A01", "A02", "A03", "A04", "A05", "B01", "B02", "B03", "B04"], "returned"),
        "A06": "in_progress", "A07": "withdrawn"}
    assert f["rating"].to_dict() == {
        "A01": "satisfied", "A02": "dissatisfied", "A03": "none", "A04": "very_satisfied",
        "A05": "satisfied", "A06": "none", "A07": "none", "B01": "satisfied", "B02": "none",
        "B03": "dissatisfied", "B04": "satisfied"}
    assert f.index[f["has_feedback"]].tolist() == ["A02", "A04", "A06", "B04"]
    assert f.index[f["complaint"]].tolist() == ["A04"]
    assert f["feedback_in_scope"].all()  # no such column: within competence
    assert f.loc["A02", "unit_name"] == "Sở Tư pháp"
    assert f.loc["A02", "procedure"] == "Cấp phiếu lý lịch tư pháp"


def test_keep_last_keeps_the_last_row_of_a_code():
    d = read_dossiers(FIX, encoding="cp1258", duplicates="keep_last")
    assert (d.n_kept, d.n_rejected) == (12, 4)
    a08 = d.frame[d.frame["code"] == "A08"]
    assert a08["row"].tolist() == [20] and a08["returned"].tolist() == [pd.Timestamp("2026-02-11")]
    rej = d.rejected.set_index("row")
    assert rej.loc[19, "reason"] == "superseded by row 20 (same dossier code, later in the file)"


def test_encoding_errors_name_the_option(tmp_path):
    with pytest.raises(DossierReadError, match=r"line 1.*--encoding cp1258"):
        read_dossiers(FIX)
    utf8 = tmp_path / "list.csv"
    utf8.write_text(FIX.read_bytes().decode("cp1258"), encoding="utf-8-sig")
    d = read_dossiers(utf8)  # the BOM says UTF-8; NFC whatever the source
    assert d.n_kept == 11 and d.frame["unit"].iloc[0] == "Sở Tư pháp"
    utf16 = tmp_path / "list16.csv"
    utf16.write_text(FIX.read_bytes().decode("cp1258").replace(";", "\t"), encoding="utf-16")
    assert read_dossiers(utf16).n_kept == 11  # Excel's "Unicode text": UTF-16 with tabs


def test_unknown_status_and_rating_texts_stop_with_every_value(tmp_path):
    text = unicodedata.normalize("NFC", FIX.read_bytes().decode("cp1258"))
    text = text.replace("Rút hồ sơ", "Chờ phê duyệt").replace("Rất hài lòng", "Tuyệt vời")
    f = tmp_path / "list.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(DossierReadError) as ei:
        read_dossiers(f)
    msg = str(ei.value)
    assert "column 'Trạng thái': 'Chờ phê duyệt' (1 rows, first row 11) is not a known status" in msg
    assert "column 'Đánh giá của người dân': 'Tuyệt vời' (1 rows, first row 8) is not a known rating" in msg
    assert "list it under values.status in the column map" in msg


def test_missing_header_and_required_column(tmp_path):
    f = tmp_path / "list.csv"
    f.write_text("Số hồ sơ;Cơ quan;Ngày nhận\nH1;Sở Y tế;05/01/2026\n", encoding="utf-8")
    with pytest.raises(DossierReadError, match=r"no row holds the headers 'Mã hồ sơ', 'Đơn vị tiếp "
                                               r"nhận', 'Ngày tiếp nhận'.*--columns"):
        read_dossiers(f)
    m = tmp_path / "map.yaml"
    m.write_text("columns:\n  code: Số hồ sơ\n  unit: Cơ quan\n  received: Ngày nhận\n",
                 encoding="utf-8")
    d = read_dossiers(f, m)
    assert d.frame[["code", "unit"]].to_numpy().tolist() == [["H1", "Sở Y tế"]]
    assert d.frame["received"].tolist() == [pd.Timestamp("2026-01-05")]
    assert set(d.missing_fields) == {"procedure", "field", "due", "returned", "status", "rating",
                                     "feedback", "feedback_due", "feedback_answered",
                                     "feedback_rating", "complaint", "feedback_in_scope"}
    res = qd766_results(d)  # nothing returned: every measure explains itself
    assert set(res.not_computed) >= {"on_time_rate", "mean_handling_days", "feedback_on_time"}
    assert res.not_computed["on_time_rate"] == (
        "the export has no column for 'due' (due date of the result)")


def test_column_map_errors_have_lines(tmp_path):
    m = tmp_path / "map.yaml"
    m.write_text("columns:\n  code: Mã\n  unit: Đơn vị\n  received: Ngày\n  colour: Màu\n"
                 "values:\n  yes: [Yes]\n", encoding="utf-8")
    with pytest.raises(ColumnMapError) as ei:
        load_column_map(m)
    msg = str(ei.value)
    assert 'values.yes.0: Input should be a valid string. Fix: write the text in quotes, e.g. "Yes"' in msg
    assert "map.yaml:7:" in msg
    m.write_text("columns:\n  code: Mã\n  received: Ngày\n  colour: Màu\n", encoding="utf-8")
    with pytest.raises(ColumnMapError) as ei:
        load_column_map(m)
    msg = str(ei.value)
    assert "map.yaml:4: columns.colour: is not a field of a dossier list" in msg
    assert "columns.unit: is required and has no header" in msg


def test_excel_export_with_date_cells_and_a_title(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DS"
    ws.append(["DANH SÁCH HỒ SƠ"])
    ws.append([])
    ws.append(["Mã hồ sơ", "Đơn vị tiếp nhận", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày trả kết quả",
               "Trạng thái"])
    ws.append([20260001, "Sở Y tế", dt.datetime(2026, 1, 5, 8, 30), dt.date(2026, 1, 15),
               46037.75, "Đã trả kết quả"])  # an Excel day number: 15/01/2026 18:00
    ws.append(["H-2", "Sở Y tế", "06/01/2026", "16/01/2026", None, "Đang xử lý"])
    f = tmp_path / "list.xlsx"
    wb.save(f)
    d = read_dossiers(f)
    assert (d.sheet, d.header_row, d.n_kept) == ("DS", 3, 2)
    assert d.frame["code"].tolist() == ["20260001", "H-2"]  # a number cell is a code, not 20260001.0
    assert d.frame["received"].tolist() == [pd.Timestamp("2026-01-05 08:30"), pd.Timestamp("2026-01-06")]
    assert d.frame["returned"].iloc[0] == pd.Timestamp("2026-01-15 18:00")
    assert d.frame["row"].tolist() == [4, 5]
    with pytest.raises(DossierReadError, match="sheet 'Nope'"):
        read_dossiers(f, sheet="Nope")


def test_templates(tmp_path):
    x = write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["data", "README"]
    header = [c.value for c in wb["data"][1]]
    assert header[:5] == ["Mã hồ sơ", "Tên thủ tục hành chính", "Lĩnh vực", "Đơn vị tiếp nhận",
                          "Ngày tiếp nhận"]
    readme = list(wb["README"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in readme] == [
        "code", "procedure", "field", "unit", "received", "due", "returned", "status", "rating",
        "feedback", "feedback_due", "feedback_answered", "feedback_rating", "complaint",
        "feedback_in_scope"]
    y = write_template(tmp_path / "columns.yaml")
    assert load_column_map(y).header("received") == "Ngày tiếp nhận"
    c = write_template(tmp_path / "t.csv")
    assert c.read_text(encoding="utf-8-sig").splitlines()[0].split(",")[0] == "Mã hồ sơ"
    # the empty template reads as an empty list, every row accounted for
    d = read_dossiers(x)
    assert (d.n_rows, d.n_kept, d.n_rejected) == (0, 0, 0)
    with pytest.raises(ColumnMapError, match="not supported"):
        write_template(tmp_path / "t.txt")


# --- QĐ 766 against the hand count -----------------------------------------------------------


def test_dossier_satisfaction_ratio_3_by_hand(results):
    # returned in Jan: A01 ok, A02 "Không hài lòng" + PAKN, A03 unrated ok, B01 ok, B02 unrated ok
    assert _value(results, "", "month", "2026-01", "dossier_satisfaction") == (4, 5, 80.0)
    # returned in Feb: A04 PAKN, A05 ok, B03 "Không hài lòng", B04 PAKN (A06 open, A07 withdrawn)
    assert _value(results, "", "month", "2026-02", "dossier_satisfaction") == (1, 4, 25.0)
    assert _value(results, "Sở Tư pháp", "month", "2026-01", "dossier_satisfaction") == (
        2, 3, pytest.approx(200 / 3))
    assert _value(results, "Sở Tư pháp", "month", "2026-02", "dossier_satisfaction") == (1, 2, 50.0)
    assert _value(results, "Sở Y tế", "month", "2026-01", "dossier_satisfaction") == (2, 2, 100.0)
    assert _value(results, "Sở Y tế", "month", "2026-02", "dossier_satisfaction") == (0, 2, 0.0)
    for ptype, period in (("quarter", "2026-Q1"), ("half", "2026-H1"), ("year", "2026")):
        assert _value(results, "", ptype, period, "dossier_satisfaction") == (
            5, 9, pytest.approx(500 / 9))


def test_feedback_ratios_1_and_2_by_hand(results):
    # PAKN by deadline: Jan A02 (answered 18/01 <= 20/01; "Không hài lòng"), A04 (27/01 > 25/01;
    # complaint); Feb B04 (19/02 <= 20/02; unrated, no complaint); A06 (due 28/02, unanswered,
    # after the list's last date 26/02): pending, left out
    assert _value(results, "", "month", "2026-01", "feedback_on_time") == (1, 2, 50.0)
    assert _value(results, "", "month", "2026-01", "feedback_satisfaction") == (0, 2, 0.0)
    assert _value(results, "", "month", "2026-02", "feedback_on_time") == (1, 1, 100.0)
    assert _value(results, "", "month", "2026-02", "feedback_satisfaction") == (1, 1, 100.0)
    assert _value(results, "", "quarter", "2026-Q1", "feedback_on_time") == (2, 3, pytest.approx(200 / 3))
    assert _value(results, "", "quarter", "2026-Q1", "feedback_satisfaction") == (
        1, 3, pytest.approx(100 / 3))
    assert _value(results, "Sở Y tế", "month", "2026-02", "feedback_on_time") == (1, 1, 100.0)


def test_on_time_handling_time_and_ratings_by_hand(results):
    # Jan: A01 09/01 <= 10/01; A02 12/01 > 10/01; A03 17/01 16:30 <= 17/01 (the whole day);
    # B01 20/01 <= 25/01; B02 26/01 > 25/01
    assert _value(results, "", "month", "2026-01", "on_time_rate") == (3, 5, 60.0)
    # Feb: A04 02/02 > 30/01; A05 10/02 <= 13/02; B03 12/02 > 30/01; B04 26/02 > 25/02
    assert _value(results, "", "month", "2026-02", "on_time_rate") == (1, 4, 25.0)
    # calendar days received -> returned: 4 + 6 + 10 + 15 + 21 = 56; 13 + 7 + 33 + 11 = 64
    assert _value(results, "", "month", "2026-01", "mean_handling_days") == (56, 5, 11.2)
    assert _value(results, "", "month", "2026-02", "mean_handling_days") == (64, 4, 16.0)
    assert _value(results, "", "quarter", "2026-Q1", "mean_handling_days") == (
        120, 9, pytest.approx(120 / 9))
    assert _value(results, "", "month", "2026-01", "rated_share") == (3, 5, 60.0)
    assert _value(results, "", "month", "2026-02", "rated_share") == (4, 4, 100.0)
    assert _value(results, "", "month", "2026-01", "rated_satisfied_share") == (
        2, 3, pytest.approx(200 / 3))
    assert _value(results, "", "month", "2026-02", "rated_satisfied_share") == (3, 4, 75.0)


def test_result_table_shape_periods_and_caveats(results):
    t = results.table
    assert t.columns.tolist() == list(RESULT_COLUMNS)
    assert set(t["unit"]) == {"", "Sở Tư pháp", "Sở Y tế"}
    assert sorted(set(zip(t["period_type"], t["period"], strict=True))) == [
        ("half", "2026-H1"), ("month", "2026-01"), ("month", "2026-02"), ("quarter", "2026-Q1"),
        ("year", "2026")]
    months = t[t["period_type"] == "month"].drop_duplicates("period").set_index("period")
    assert months["partial_period"].to_dict() == {"2026-01": False, "2026-02": True}
    assert months.loc["2026-02", "period_end"] == pd.Timestamp("2026-02-28")
    assert not t["verified"].any()  # formulas verified, period rules not: the row says unverified
    r3 = t[t["measure"] == "dossier_satisfaction"].iloc[0]
    assert r3["kind"] == "ratio" and r3["unit_of_measure"] == "percent"
    assert "conversion not found, not computed" in r3["note_en"]
    assert "chưa tìm thấy cách quy đổi" in r3["note_vi"]
    assert r3["max_points"] == 6 and math.isnan(r3["points"])
    assert "lamdong.dcs.vn" in r3["source_url"]
    assert t[t["measure"] == "mean_handling_days"]["unit_of_measure"].unique().tolist() == ["days"]
    assert "satisfaction_points" in results.not_computed
    assert (t["measure"] != "satisfaction_points").all()


def test_points_when_the_analyst_declares_a_conversion(tmp_path, dossiers):
    text = METHODOLOGY.read_text(encoding="utf-8")
    text = text.replace("      max_points: null\n      method: null",
                        "      max_points: 6\n      method: null", 2)
    parts = text.split("      method: null")
    assert len(parts) == 4
    text = (parts[0] + "      method: proportional" + parts[1] + "      method: target\n      target: 90"
            + parts[2] + "      method: bands\n      bands: [{from: 95, points: 6}, {from: 50, points: 3}, "
            "{from: 0, points: 0}]" + parts[3])
    m = tmp_path / "qd766.yaml"
    m.write_text(text, encoding="utf-8")
    res = qd766_results(dossiers, m)
    t = res.table
    jan = t[(t["unit"] == "") & (t["period"] == "2026-01")].set_index("measure")["points"]
    assert jan["feedback_on_time"] == pytest.approx(6 * 50 / 100)  # proportional
    assert jan["feedback_satisfaction"] == pytest.approx(6 * min(1, 0 / 90))  # target
    assert jan["dossier_satisfaction"] == 3  # 80 % is in the band from 50
    assert jan["satisfaction_points"] == pytest.approx(3.0 + 0.0 + 3.0)
    feb = t[(t["unit"] == "") & (t["period"] == "2026-02")].set_index("measure")["points"]
    assert feb["dossier_satisfaction"] == 0  # 25 %: below 50
    assert feb["feedback_satisfaction"] == pytest.approx(6 * min(1, 100 / 90)) == 6
    assert feb["satisfaction_points"] == pytest.approx(6 + 6 + 0)
    grp = t[t["measure"] == "satisfaction_points"].iloc[0]
    assert grp["max_points"] == 18 and grp["kind"] == "points" and not grp["points_verified"]
    assert "satisfaction_points" not in res.not_computed


def test_methodology_file_errors(tmp_path):
    m = tmp_path / "bad.yaml"
    text = METHODOLOGY.read_text(encoding="utf-8")
    m.write_text(text.replace("      method: null", "      method: target", 1), encoding="utf-8")
    with pytest.raises(MethodologyFileError, match=r"ratios\.feedback_on_time\.points.*needs max_points"):
        load_methodology(m)
    m.write_text(text.replace("period_date: returned", "period_date: tomorrow", 1), encoding="utf-8")
    with pytest.raises(MethodologyFileError,
                       match=r"bad.yaml:\d+: ratios\.dossier_satisfaction\.period_date"):
        load_methodology(m)
    with pytest.raises(MethodologyFileError, match="does not exist"):
        load_methodology(tmp_path / "none.yaml")


# --- the demo's list and the tracking table --------------------------------------------------


UNITS = {"U01": "Sở Tài chính", "U02": "Sở Nội vụ", "U03": "Sở Xây dựng"}


def test_generated_list_is_deterministic_and_follows_the_units_quality(tmp_path):
    spec = DossierDemo(units=UNITS, n_per_unit=900, quality={"U01": 0.95, "U03": 0.4}, seed=3)
    a, b = generate_dossiers(spec), generate_dossiers(spec)
    pd.testing.assert_frame_equal(a, b)
    f = write_dossier_export(a, tmp_path / "ds.xlsx", title="DANH SÁCH", period="6 tháng")
    d = read_dossiers(f, demo_column_map(UNITS))
    assert d.header_row == 4 and d.n_rows == len(a) + 1  # + the total line
    assert d.summary().set_index("rule")["rows"].to_dict() == {
        "empty": 1, "duplicate": len(a) - 3 * 900}
    assert sorted(d.frame["unit"].unique()) == ["U01", "U02", "U03"]  # names -> survey codes
    months = d.frame["received"].dt.strftime("%Y-%m")
    assert sorted(months.unique()) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
                                       "2026-06"]
    assert d.frame["received"].min() >= pd.Timestamp("2026-01-05")
    res = qd766_results(d, periods=["half"])
    h = res.table[res.table["period"] == "2026-H1"].set_index(["unit", "measure"])["value"]
    assert h[("U01", "dossier_satisfaction")] > h[("U02", "dossier_satisfaction")] > \
        h[("U03", "dossier_satisfaction")]
    assert h[("U01", "on_time_rate")] > h[("U03", "on_time_rate")]
    assert 30 < h[("", "rated_share")] < 50


def _unit_wave() -> pd.DataFrame:
    rows = []
    for unit, label, vals in (("U01", "Sở Tài chính", (80.0, 82.0)),
                              ("U02", "Sở Nội vụ", (70.0, np.nan))):
        for wave, v in zip(("2026-01", "2026-02"), vals, strict=True):
            rows.append({"code": "SIPAS", "level": "index", "label_vi": "Chỉ số", "label_en": "Index",
                         "unit": unit, "unit_label_vi": label, "unit_label_en": label, "wave": wave,
                         "estimate": v, "se": 2.0, "ci_low": v - 4, "ci_high": v + 4, "n": 30,
                         "unit_of_measure": "percent", "verified": False, "note_vi": ""})
    return pd.DataFrame(rows)


def test_tracking_survey_vs_dossiers_month_by_month(dossiers):
    d = read_dossiers(FIX, dossiers.column_map.model_copy(
        update={"units": {"Sở Tư pháp": "U01"}}), encoding="cp1258")
    res = qd766_results(d)
    t = survey_vs_dossiers(_unit_wave(), res, code="SIPAS")
    got = t.set_index(["unit", "period"])
    assert got.index.tolist() == [("Sở Y tế", "2026-01"), ("Sở Y tế", "2026-02"), ("U01", "2026-01"),
                                  ("U01", "2026-02"), ("U02", "2026-01"), ("U02", "2026-02")]
    u = got.loc[("U01", "2026-01")]  # Sở Tư pháp's dossiers under the survey's code U01
    assert (u["survey_estimate"], u["survey_ci_low"], u["survey_n"]) == (80.0, 76.0, 30)
    assert (u["n_dossiers"], u["dossier_satisfaction"]) == (3, pytest.approx(200 / 3))
    assert (u["on_time_rate"], u["on_time_rate_n"]) == (pytest.approx(200 / 3), 3)
    assert (u["feedback_on_time"], u["feedback_on_time_n"]) == (50.0, 2)
    assert u["unit_label_vi"] == "Sở Tài chính" and u["note_en"] == ""
    feb = got.loc[("U01", "2026-02")]
    assert bool(feb["partial_period"]) and feb["dossier_satisfaction"] == 50.0
    assert (feb["note_vi"], feb["note_en"]) == ("kỳ chưa kết thúc", "period not over")
    assert got.loc[("U02", "2026-01"), "note_en"] == "no dossier returned in the period"
    assert pd.isna(got.loc[("U02", "2026-01"), "n_dossiers"])
    assert got.loc[("U02", "2026-02"), "note_en"] == (
        "no dossier returned in the period; the survey estimate cannot be computed (a component "
        "has no answers)")
    y = got.loc[("Sở Y tế", "2026-02")]
    assert y["note_en"] == "no survey responses in the period; period not over"
    assert y["dossier_satisfaction"] == 0.0
    with pytest.raises(TrackingError, match="no rows for code 'X'"):
        survey_vs_dossiers(_unit_wave(), res, code="X")


# --- the command line ------------------------------------------------------------------------


def test_cli_read_ratios_template_and_choices(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["dossiers", "read", str(FIX), "--encoding", "cp1258",
                            "--rejected", str(tmp_path / "rej.csv")])
    assert r.exit_code == 0, r.output
    assert "16 rows read (1 blank rows skipped): 11 kept, 5 rejected" in r.output
    rej = pd.read_csv(tmp_path / "rej.csv", encoding="utf-8-sig")
    assert rej["row"].tolist() == [14, 17, 19, 20, 21, 21]
    r = runner.invoke(app, ["dossiers", "read", str(FIX)])
    assert r.exit_code == 1 and "--encoding cp1258" in r.output
    r = runner.invoke(app, ["dossiers", "read", str(FIX), "--duplicates", "keep_last"])
    assert r.exit_code == 2 and "Invalid value for '--duplicates'" in r.output
    assert "'keep_last' is not one of" in r.output
    r = runner.invoke(app, ["dossiers", "read", str(FIX), "--encoding", "cp1258",
                            "--duplicates", "keep-last"])
    assert r.exit_code == 0 and "12 kept, 4 rejected" in r.output
    out = tmp_path / "qd766.xlsx"
    r = runner.invoke(app, ["dossiers", "ratios", str(FIX), "--encoding", "cp1258", "--period",
                            "month", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "not computed: satisfaction_points" in r.output
    t = pd.read_excel(out)
    sel = t[(t["unit"].isna()) & (t["period"] == "2026-01") & (t["measure"] == "dossier_satisfaction")]
    assert sel["value"].tolist() == [80.0] and set(t["period_type"]) == {"month"}
    r = runner.invoke(app, ["dossiers", "ratios", str(FIX), "--encoding", "cp1258", "--period", "week"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["dossiers", "template", str(tmp_path / "cols.yaml")])
    assert r.exit_code == 0 and "received: 'Ngày tiếp nhận' (required)" in r.output
    r = runner.invoke(app, ["dossiers", "methodology", str(tmp_path / "m.yaml")])
    assert r.exit_code == 0 and load_methodology(tmp_path / "m.yaml").group.max_points == 18


def test_the_portal_form_is_a_provincial_variant_instrument(tmp_path):
    from cchc_survey.limesurvey.lss import build_lss, read_lss

    inst = load_instrument(QUESTIONNAIRES / "dvc_dossier_rating.yaml")
    assert inst.warnings == []
    m = inst.methodology
    assert m.model == "dvc_portal_dossier_form_provincial_variant" and not m.verified
    assert "Biến thể của tỉnh" in (m.notes.vi if m.notes else "")
    assert "dichvucong.thuathienhue.gov.vn" in m.source_url
    criteria = [c for c in inst.components.values() if c.level == "criterion"]
    assert len(criteria) + 1 == 12  # 11 criteria + the overall assessment (criterion 1)
    assert inst.components["DVC"].overall_item == "tc01"
    assert [inst.mirroring_items(c.id)[0].column for c in criteria][:2] == ["TC[C02]", "TC[C03]"]
    lss = build_lss(QUESTIONNAIRES / "dvc_dossier_rating.yaml", tmp_path / "dvc.lss")
    book = read_lss(lss.read_bytes())
    assert [q.code for q in book.questions][:4] == ["MAHOSO", "DONVI", "KENHNOP", "TC01"]
