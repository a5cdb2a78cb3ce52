"""Excel/CSV writers: content, formats, provenance notes and formula-injection safety."""

from __future__ import annotations

import csv
import json
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cchc_survey.report import ReportInputError, ReportInputs, safe_cell, write_csv, write_excel
from cchc_survey.report.example import example_inputs, example_scores
from cchc_survey.report.tables import HEADER_ROW, safe_frame, sheet_name

FIXTURE = Path(__file__).parent / "fixtures" / "limesurvey" / "generated_responses.json"
GOPY = "385924X4X12"  # the long free-text question (T) of the fixture survey


def fixture_free_texts() -> pd.Series:
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    s = pd.Series([r.get(GOPY, "") for r in rows], dtype=object)
    return s[s.fillna("") != ""].reset_index(drop=True)


def test_fixture_holds_a_formula_like_answer() -> None:
    texts = fixture_free_texts()
    assert (texts.str.startswith("=")).sum() == 1
    assert "=)) rất tốt, cảm ơn các anh chị" in set(texts)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1+1",
                                  "＋1", "－1", "＠A", "  =HYPERLINK(\"x\")", "\n=1"])
def test_safe_cell_neutralises_every_dangerous_start(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Tốt", "Xin cho hỏi: có thể?", "a=b", "", 3, -3.5, None])
def test_safe_cell_leaves_harmless_values_alone(value: object) -> None:
    assert safe_cell(value) == value


def test_safe_frame_only_touches_dangerous_text() -> None:
    df = pd.DataFrame({"a": ["=x", "ok", None], "b": [-1, 2, 3]})
    out = safe_frame(df)
    assert out["a"].tolist()[:2] == ["'=x", "ok"]
    assert out["a"].isna().tolist() == [False, False, True]
    assert out["b"].tolist() == [-1, 2, 3]


def test_excel_free_text_sheet_is_injection_safe(tmp_path: Path) -> None:
    texts = fixture_free_texts()
    path = write_excel(example_inputs(texts), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Ý kiến góp ý"]
    values = [ws.cell(row=r, column=2).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    times = [ws.cell(row=r, column=3).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    nfc = [unicodedata.normalize("NFC", v) for v in texts]
    # each distinct answer once, as written (nothing altered), with the times it was given
    assert sorted(values) == sorted(set(nfc)) and sum(times) == len(nfc)
    assert times == sorted(times, reverse=True)
    assert all(nfc.count(v) == k for v, k in zip(values, times, strict=True))
    hit = [ws.cell(row=r, column=2) for r in range(HEADER_ROW + 1, ws.max_row + 1)
           if str(ws.cell(row=r, column=2).value).startswith("=")]
    assert len(hit) == 1
    assert hit[0].data_type == "s" and hit[0].quotePrefix
    # no formula anywhere in the workbook, checked on the XML itself
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    assert all(c.data_type != "f" for w in wb.worksheets for row in w.iter_rows() for c in row)


def test_csv_free_texts_are_neutralised_and_keep_diacritics(tmp_path: Path) -> None:
    texts = fixture_free_texts()
    path = write_csv(pd.DataFrame({"free_text": texts}), tmp_path / "gopy.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Ý kiến"]
    got = [r[0] for r in rows[1:]]
    expected = ["'" + v if v.startswith("=") else v for v in texts]
    assert got == expected
    assert "'=)) rất tốt, cảm ơn các anh chị" in got
    assert all(unicodedata.is_normalized("NFC", g) for g in got)


def test_csv_score_table_reader_form_and_raw_form(tmp_path: Path) -> None:
    table = example_scores()["SIPAS"]
    vi = pd.read_csv(write_csv(table, tmp_path / "vi.csv"), encoding="utf-8-sig")
    assert list(vi.columns[:5]) == ["Mã", "Cấp", "Nội dung", "Nhóm", "Ước lượng"]
    np.testing.assert_allclose(vi["Ước lượng"], table["estimate"], rtol=1e-12)
    np.testing.assert_allclose(vi["Cận dưới KTC"], table["ci_low"], rtol=1e-12)
    np.testing.assert_allclose(vi["Cỡ mẫu hiệu dụng"].dropna(), table["n_eff"].dropna(),
                               rtol=1e-12)
    assert (vi["Ghi chú"].str.contains("chưa được đối chiếu")).all()
    en = pd.read_csv(write_csv(table, tmp_path / "en.csv", lang="en"), encoding="utf-8-sig")
    assert "Estimate" in en.columns and "Effective n" in en.columns
    raw = pd.read_csv(write_csv(table, tmp_path / "raw.csv", lang=None), encoding="utf-8-sig",
                      keep_default_na=False)
    assert list(raw.columns) == list(table.columns)


def _header(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [c.value for c in ws[HEADER_ROW] if c.value is not None]


def test_excel_score_sheets_numbers_formats_and_unverified_notes(tmp_path: Path) -> None:
    inputs = example_inputs(fixture_free_texts())
    wb = openpyxl.load_workbook(write_excel(inputs, tmp_path / "r.xlsx"))
    assert wb.sheetnames == ["Tổng quan", "SIPAS", "PAPI", "So sánh chính thức",
                             "Kiểm tra dữ liệu", "Chi tiết kiểm tra", "Gia quyền", "Từ điển mã",
                             "Ý kiến góp ý", "Nguồn phương pháp"]
    for name in ("SIPAS", "PAPI"):
        ws = wb[name]
        table = inputs.scores[name]
        head = _header(ws)
        assert head == ["Mã", "Cấp", "Nội dung", "Nhóm", "Ước lượng kém tin cậy", "Ước lượng",
                        "Sai số chuẩn", "Cận dưới KTC", "Cận trên KTC", "Số phiếu (n)",
                        "Cỡ mẫu hiệu dụng", "Hiệu ứng thiết kế", "Bậc tự do", "Đơn vị đo"]
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        # it prints: A4 landscape, one page wide, the header row on every page
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        col = {h: i + 1 for i, h in enumerate(head)}
        rows = range(HEADER_ROW + 1, HEADER_ROW + 1 + len(table))
        assert ws.max_row == HEADER_ROW + len(table)
        for key, src in (("Ước lượng", "estimate"), ("Sai số chuẩn", "se"),
                         ("Cận dưới KTC", "ci_low"), ("Cận trên KTC", "ci_high"),
                         ("Cỡ mẫu hiệu dụng", "n_eff"), ("Hiệu ứng thiết kế", "deff")):
            got = np.array([np.nan if ws.cell(r, col[key]).value is None
                            else ws.cell(r, col[key]).value for r in rows], dtype=float)
            np.testing.assert_allclose(got, table[src].to_numpy(dtype=float), rtol=1e-12)
        assert [ws.cell(r, col["Số phiếu (n)"]).value for r in rows] == table["n"].tolist()
        fmts = {ws.cell(r, col["Ước lượng"]).number_format for r in rows}
        # the caveat once, above the table; no comment box or shading on every row (nothing
        # in the example is flagged unreliable, so no row is shaded)
        assert all(ws.cell(r, col["Ước lượng"]).comment is None for r in rows)
        assert {ws.cell(r, 1).fill.fgColor.rgb for r in rows} == {"00000000"}
        assert {ws.cell(r, col["Ước lượng kém tin cậy"]).value for r in rows} == {None}
        if name == "SIPAS":  # percent, unverified
            assert fmts == {'0.0"%"'}
            assert ws["A2"].value == (f"⚠ Phương pháp chưa được đối chiếu với văn bản chính thức"
                                      f" ({len(table)}/{len(table)})")
        else:  # points, verified
            assert fmts == {"0.00"}
            assert ws["A2"].value is None
    # group labels in Vietnamese
    sipas = wb["SIPAS"]
    groups = {sipas.cell(r, 4).value for r in range(HEADER_ROW + 1, sipas.max_row + 1)}
    assert {"Toàn bộ mẫu", "Sở Nông nghiệp và Môi trường", "Quý 3/2024", "Rất hài lòng"} <= groups


def test_excel_companion_sheets(tmp_path: Path) -> None:
    inputs = example_inputs()
    wb = openpyxl.load_workbook(write_excel(inputs, tmp_path / "r.xlsx"))
    comp = wb["So sánh chính thức"]
    head = _header(comp)
    assert {"Kết quả khảo sát", "Kết quả chính thức", "Chênh lệch", "Có ý nghĩa thống kê"} <= set(
        head)
    col = {h: i + 1 for i, h in enumerate(head)}
    rows = range(HEADER_ROW + 1, comp.max_row + 1)
    assert inputs.comparison is not None
    np.testing.assert_allclose([comp.cell(r, col["Chênh lệch"]).value for r in rows],
                               inputs.comparison["difference"], rtol=1e-12)
    sig = ["Có" if s else "Không" for s in inputs.comparison["significant"]]
    assert [comp.cell(r, col["Có ý nghĩa thống kê"]).value for r in rows] == sig
    summary = wb["Kiểm tra dữ liệu"]  # no fieldwork in the example: flags counted by rule
    assert _header(summary) == ["Chỉ số", "Quy tắc kiểm tra", "Số phiếu vi phạm",
                                "Số phiếu bị loại", "Số lỗi ghi nhận", "Xử lý"]
    assert [[c.value for c in row] for row in summary.iter_rows(
        min_row=HEADER_ROW + 1, min_col=2, max_col=5)] == [
        ["Mã trả lời ngoài thang đo", None, None, 1],
        ["Phiếu trùng (cùng mã người trả lời hoặc mã phiếu)", None, None, 1],
        ["Thời gian trả lời quá ngắn", None, None, 1],
        ["Phiếu chưa hoàn thành", None, None, 1]]
    checks = wb["Chi tiết kiểm tra"]
    assert _header(checks) == ["Quy tắc kiểm tra", "Dòng", "Cột", "Giá trị", "Mức độ", "Mô tả"]
    assert checks.cell(HEADER_ROW + 1, 6).value == "Mã trả lời ngoài thang đo 1–5"
    assert checks.max_row == HEADER_ROW + 4
    wt = wb["Gia quyền"]
    summary = {wt.cell(r, 1).value: wt.cell(r, 2).value for r in range(HEADER_ROW, HEADER_ROW + 7)}
    assert summary == {"Số vòng lặp": 6, "Hội tụ": "Có", "Trọng số nhỏ nhất": 0.52,
                       "Trọng số lớn nhất": 2.31, "Hệ số biến thiên của trọng số": 0.38,
                       "Hiệu ứng thiết kế Kish": 1.14, "Cỡ mẫu hiệu dụng": 361.4}
    start = HEADER_ROW + 7 + 2
    assert [c.value for c in wt[start]][:4] == ["Biên gia quyền", "Nhóm", "Tỷ lệ mục tiêu",
                                               "Tỷ lệ đạt được"]
    assert wt.cell(start + 2, 2).value == "Nữ"
    assert wt.cell(start + 2, 3).number_format == "0.0%"
    cb = wb["Từ điển mã"]
    assert cb.max_row == HEADER_ROW + 7
    assert cb.cell(HEADER_ROW + 7, 4).value == "Rất hài lòng"
    prov = wb["Nguồn phương pháp"]
    urls = [prov.cell(r, 3).value for r in range(HEADER_ROW + 1, prov.max_row + 1)]
    assert urls[0].startswith("https://plo.vn/") and prov.cell(HEADER_ROW + 1, 3).hyperlink is None
    assert [prov.cell(r, 4).value for r in range(HEADER_ROW + 1, prov.max_row + 1)] == [
        "Chưa", "Chưa", "Có"]
    ov = wb["Tổng quan"]
    col_a = [c.value for c in ov["A"]]
    assert ov["A1"].value == inputs.title
    assert any(isinstance(v, str) and "chưa được đối chiếu" in v for v in col_a)
    assert "Từ điển mã" in col_a and "Gia quyền" in col_a


def test_excel_english_on_request(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_excel(example_inputs(), tmp_path / "en.xlsx", lang="en"))
    assert wb.sheetnames[0] == "Overview" and "Codebook" in wb.sheetnames
    head = _header(wb["SIPAS"])
    assert head[:6] == ["Code", "Level", "Component", "Group", "Unreliable estimate", "Estimate"]
    assert wb["SIPAS"].cell(HEADER_ROW + 2, 3).value == "Access to the public administrative service"
    assert "Method not yet checked" in wb["SIPAS"]["A2"].value


def test_nfd_input_comes_out_nfc(tmp_path: Path) -> None:
    table = example_scores()["PAPI"]
    table.loc[0, "label_vi"] = unicodedata.normalize("NFD", "Tham gia của người dân")
    inputs = ReportInputs(title=unicodedata.normalize("NFD", "Khảo sát"), organisation="Sở",
                          scores={"PAPI": table})
    wb = openpyxl.load_workbook(write_excel(inputs, tmp_path / "r.xlsx"))
    assert wb["PAPI"].cell(HEADER_ROW + 1, 3).value == "Tham gia của người dân"
    assert wb["Tổng quan"]["A1"].value == "Khảo sát"


def test_bad_inputs_raise_clear_errors() -> None:
    scores = example_scores()
    with pytest.raises(ReportInputError, match=r"missing column\(s\) \['official'"):
        ReportInputs(title="x", organisation="y", scores=scores,
                     comparison=pd.DataFrame({"component": ["E1"], "label_vi": ["a"],
                                              "survey_estimate": [1.0], "survey_ci_low": [0.0],
                                              "survey_ci_high": [2.0], "difference": [0.1],
                                              "diff_ci_low": [0.0], "diff_ci_high": [0.2],
                                              "significant": [False]}))
    with pytest.raises(ReportInputError, match="checks"):
        ReportInputs(title="x", organisation="y", scores=scores, checks=pd.DataFrame({"rule": []}))
    with pytest.raises(ReportInputError, match="score-table shape"):
        ReportInputs(title="x", organisation="y", scores={"S": pd.DataFrame({"foo": [1]})})
    with pytest.raises(ReportInputError, match="empty"):
        ReportInputs(title="x", organisation="y", scores={})


def test_sheet_names_are_valid_and_unique() -> None:
    assert sheet_name("PAR Index: khảo sát/xã hội học [2024]") == "PAR Index- khảo sát-xã hội học "
    long = "Chỉ số hài lòng về sự phục vụ hành chính"
    first = sheet_name(long)
    second = sheet_name(long, [first])
    assert len(first) == 31 and len(second) == 31 and first != second
    assert second.endswith(" (2)")


def test_write_all_writes_every_output(tmp_path: Path) -> None:
    from cchc_survey.report import write_all

    paths = write_all(example_inputs(fixture_free_texts()), tmp_path / "out")
    assert sorted(k for k in paths if not k.startswith("chart:")) == [
        "checks", "csv:PAPI", "csv:SIPAS", "docx", "excel", "html"]
    charts = sorted(p.name for k, p in paths.items() if k.startswith("chart:"))
    # the example has units by criterion only (no index by unit: no units chart, no heatmap)
    assert charts == ["bieu_do_01_yeu_to_cua_sipas.png",
                      "bieu_do_02_cac_tieu_chi_tu_thap_den_cao.png",
                      "bieu_do_03_xu_huong_theo_dot_khao_sat_sipas.png",
                      "bieu_do_04_noi_dung_cua_papi.png",
                      "bieu_do_05_khao_sat_khoang_tin_cay_va_ket_qua_chinh_thuc_moi_thanh_phan_theo_"
                      "tha.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for k, p in paths.items()
               if k.startswith("chart:"))
    assert all(p.stat().st_size > 1000 for k, p in paths.items() if k != "checks")
    flags = pd.read_csv(paths["checks"], encoding="utf-8-sig")
    assert list(flags.columns) == ["Quy tắc kiểm tra", "Dòng", "Cột", "Giá trị", "Mức độ", "Mô tả"]
    assert len(flags) == 4
    assert paths["excel"].name == "bao_cao.xlsx" and paths["csv:SIPAS"].name == "bao_cao_sipas.csv"
