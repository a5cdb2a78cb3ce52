"""Paper forms: the data-entry workbook written from the instrument, filled in by a test,
imported with no map, and scored as the LimeSurvey export of the same answers is."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sources_material as sm

from cchc_survey.pipeline import analyse
from cchc_survey.sources import EntrySheetError, detect_source, import_source, read_source
from cchc_survey.sources.entry_sheet import DATA_SHEET, FIRST_ROW, HELP_SHEET, LISTS_SHEET
from cchc_survey.sources.entry_sheet import write_entry_sheet as write
from cchc_survey.tidy import ExportValidationError, ExportValidationWarning, read_export

INST, EXPORT = sm.answers(n=60, seed=5)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("entry")
    blank = write(INST, d / "nhap_lieu.xlsx", rows=80)
    filled = d / "filled.xlsx"
    filled.write_bytes(blank.read_bytes())
    sm.fill_entry_sheet(INST, EXPORT, filled)
    return {"blank": blank, "filled": filled, "limesurvey": sm.limesurvey_csv(EXPORT, d / "ls.csv")}


def test_workbook_structure(filled: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(filled["blank"])
    assert wb.sheetnames == [HELP_SHEET, DATA_SHEET, LISTS_SHEET, "cchc_survey"]
    assert wb["cchc_survey"].sheet_state == "hidden"
    assert wb.active.title == DATA_SHEET
    ws = wb[DATA_SHEET]
    codes = [c.value for c in ws[2]]
    assert codes == ["id", "submitdate", *[it.column for it in INST.items]]
    assert ws["A1"].value == "Số phiếu (số ghi trên phiếu)"
    assert ws["B1"].value == "Ngày khảo sát (ngày/tháng/năm)"
    tc = codes.index("TC[C1]") + 1
    assert ws.cell(row=1, column=tc).value == (
        "TC[C1]. Xin Ông/Bà cho biết mức độ hài lòng với từng nội dung sau (5 = Rất hài lòng, "
        "4 = Hài lòng, 3 = Bình thường, 2 = Không hài lòng, 1 = Rất không hài lòng): — Nơi ngồi "
        "chờ tại Bộ phận Một cửa có đủ chỗ ngồi")
    pa = ws.cell(row=1, column=codes.index("PA[C1]") + 1).value
    assert pa.endswith("(chỉ khi câu COPHANANH = Y)")
    # locked headings, open answer cells, frozen panes
    assert ws.protection.sheet and ws["A1"].protection.locked and ws["A2"].protection.locked
    assert not ws.cell(row=FIRST_ROW, column=tc).protection.locked
    assert not ws.cell(row=FIRST_ROW + 79, column=tc).protection.locked
    assert ws.freeze_panes == "C3"
    # drop-down lists of the allowed codes with their labels, from the lists sheet
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    letter = openpyxl.utils.get_column_letter(tc)
    sat = next(dv for ref, dv in dvs.items() if f"{letter}3:{letter}82" in ref)
    assert sat.type == "list" and sat.showErrorMessage and sat.errorStyle in (None, "stop")
    name = sat.formula1.lstrip("=")
    dest = next(iter(wb.defined_names[name].destinations))
    lists = wb[dest[0]]
    cells = [r[0].value for r in lists[dest[1].replace("$", "")]]
    assert cells == ["1 - Rất không hài lòng", "2 - Không hài lòng", "3 - Bình thường",
                     "4 - Hài lòng", "5 - Rất hài lòng", "6 - Không biết / Không có ý kiến"]
    assert sat.prompt.startswith("1 = Rất không hài lòng; 2 = Không hài lòng")
    ids = next(dv for ref, dv in dvs.items() if "A3:A82" in ref)
    assert (ids.type, ids.formula1) == ("whole", "1")
    dates = next(dv for ref, dv in dvs.items() if "B3:B82" in ref)
    assert dates.type == "date"
    # the instructions, in Vietnamese
    text = "\n".join(str(c.value) for c in wb[HELP_SHEET]["A"] if c.value)
    assert "Mỗi phiếu giấy nhập vào MỘT dòng" in text and "Alt + ↓" in text
    assert f"cchc-survey import nhap_lieu.xlsx --instrument {INST.id}.yaml" in text
    assert detect_source(filled["blank"]) == "entry_sheet"


def test_filled_sheet_reads_into_the_limesurvey_tidy_frame(filled: dict[str, Path]) -> None:
    res = read_source(filled["filled"], INST)  # no map
    ls = read_export(filled["limesurvey"], INST)
    assert res.failures.empty and res.rejected.empty
    assert res.n_in == res.n_out == len(EXPORT)
    a = ls.frame.set_index("response_id", drop=False)
    b = res.frame.set_index("response_id", drop=False)
    for col in ls.frame.columns:
        if col in ("startdate", "datestamp", "lastpage", "startlanguage"):
            assert b[col].isna().all(), col  # a paper form has none of them
        elif col == "submitdate":  # the date on the form, without a time
            pd.testing.assert_series_equal(a[col].dt.normalize(), b[col], obj=col)
        else:
            pd.testing.assert_series_equal(a[col], b[col], obj=col)


def test_round_trip_is_scored_like_the_limesurvey_export(filled: dict[str, Path]) -> None:
    res = read_source(filled["filled"], INST)
    ls = read_export(filled["limesurvey"], INST)
    frame = ls.frame.copy()
    frame["submitdate"] = frame["submitdate"].dt.normalize()
    frame[["startdate", "datestamp"]] = pd.NaT
    frame["lastpage"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame["startlanguage"] = pd.array([pd.NA] * len(frame), dtype="string")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = analyse(res.frame, INST).default_scores
        theirs = analyse(frame, INST).default_scores
    assert len(ours) > 20
    cols = ["code", "group_var", "group_value", "estimate", "se", "n"]
    cols = [c for c in cols if c in ours.columns]
    pd.testing.assert_frame_equal(ours[cols], theirs[cols])
    overall = ours[(ours["code"] == "SIPAS") & (ours["group_var"] == "")]
    assert len(overall) == 1 and 0 < overall["estimate"].item() <= 100


def _cell(path: Path, code: str, row: int, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[DATA_SHEET]
    col = [c.value for c in ws[2]].index(code) + 1
    ws.cell(row=row, column=col).value = value
    wb.save(path)


def test_bad_cells_name_the_sheet_row_and_column(filled: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(filled["filled"].read_bytes())
    _cell(path, "TC[C1]", FIRST_ROW + 4, "7 - Tuyệt vời")     # pasted past the drop-down
    _cell(path, "submitdate", FIRST_ROW + 9, None)             # a form without its date
    _cell(path, "id", FIRST_ROW + 11, int(EXPORT.loc[0, "id"]))  # a form number typed twice
    with pytest.raises(ExportValidationError) as exc:
        read_source(path, INST)
    msg = str(exc.value)
    col = openpyxl.utils.get_column_letter(
        ["id", "submitdate", *[it.column for it in INST.items]].index("TC[C1]") + 1)
    assert (f"bad.xlsx:7: row 7, column cột {col} (TC[C1]): cột {col} (TC[C1]) (tc_c1): "
            "'7 - Tuyệt vời' is none of the answers of the drop-down list") in msg
    assert "row 12, column *: cột B (Ngày khảo sát) is empty: the form has no date" in msg
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportValidationWarning)
        res = read_source(path, INST, on_error="warn")
    assert res.n_in == len(EXPORT) == res.n_out + len(res.rejected)
    assert res.rejected["row"].tolist() == [12, 14]
    assert "the form has no date" in res.rejected["reason"].iloc[0]
    assert f"repeats the one on row {FIRST_ROW}" in res.rejected["reason"].iloc[1]


def test_sheet_of_another_instrument(filled: dict[str, Path], tmp_path: Path) -> None:
    other, _ = sm.answers("par_survey", n=5, seed=1)
    path = write(other, tmp_path / "par.xlsx", rows=5)
    with pytest.raises(EntrySheetError) as exc:
        read_source(path, INST)
    assert "written for 'par_survey' version" in str(exc.value)
    assert "--instrument" in str(exc.value)


def test_import_keeps_the_workbook_and_adds_nothing_twice(filled: dict[str, Path],
                                                          tmp_path: Path) -> None:
    roots = {"raw_root": tmp_path / "raw", "processed_root": tmp_path / "processed"}
    rep = import_source(filled["filled"], INST, **roots)
    assert (rep.n_in, rep.n_added) == (len(EXPORT), len(EXPORT))
    assert import_source(filled["filled"], INST, **roots).already_imported


@pytest.mark.parametrize("name", ["sipas_2023", "papi_mirror", "par_survey"])
def test_every_shipped_instrument_round_trips(tmp_path: Path, name: str) -> None:
    inst, export = sm.answers(name, n=25, seed=7)
    path = write(inst, tmp_path / "nhap.xlsx", rows=30)
    sm.fill_entry_sheet(inst, export, path, bare_codes_every=3)
    res = read_source(path, inst)
    ls = read_export(sm.limesurvey_csv(export, tmp_path / "ls.csv"), inst)
    for col in ls.items:
        pd.testing.assert_series_equal(ls.frame[col], res.frame[col], obj=col)
    assert res.frame["submitdate"].tolist() == [
        dt.datetime.strptime(t[:10], "%Y-%m-%d") for t in export["submitdate"]]
