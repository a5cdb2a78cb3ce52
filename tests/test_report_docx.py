"""The Word report, reopened with python-docx: administrative header, I-V sections, tables with
the table's numbers (decimal comma), provenance notes, Times New Roman 13/14."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt

from cchc_survey.report import ReportInputs
from cchc_survey.report.docx import PLACEHOLDER, SECTION_TITLES, num, report_subtitle, write_docx
from cchc_survey.report.example import example_inputs, example_scores


def all_text(doc: Document) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_number_format_uses_a_decimal_comma() -> None:
    assert [num(84.877), num(1.1449, 2), num(1234.5), num(float("nan")), num(None)] == [
        "84,9", "1,14", "1.234,5", "", ""]


def test_subtitle_does_not_double_khao_sat() -> None:
    assert report_subtitle("Khảo sát mức độ hài lòng năm 2024") == (
        "Kết quả khảo sát mức độ hài lòng năm 2024")
    assert report_subtitle("mức độ hài lòng năm 2024") == (
        "Kết quả khảo sát mức độ hài lòng năm 2024")


def test_docx_structure_and_content(tmp_path: Path) -> None:
    inputs = example_inputs(pd.Series(["=)) rất tốt"]))
    doc = Document(str(write_docx(inputs, tmp_path / "bao_cao.docx")))
    text = all_text(doc)
    assert unicodedata.is_normalized("NFC", text)
    # header block
    head = doc.tables[0]
    left, right = (c.text for c in head.rows[0].cells)
    assert left.splitlines()[:2] == ["UBND TỈNH QUẢNG NINH", "SỞ NỘI VỤ TỈNH QUẢNG NINH"]
    assert "Số: ......./BC-SNV" in left
    assert right.splitlines()[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert right.splitlines()[1] == "Độc lập - Tự do - Hạnh phúc"
    assert "Quảng Ninh, ngày 20 tháng 12 năm 2024" in right
    # title
    paras = [p.text for p in doc.paragraphs]
    i = paras.index("BÁO CÁO")
    assert paras[i + 1] == ("Kết quả khảo sát mức độ hài lòng của người dân, tổ chức đối với sự "
                            "phục vụ của cơ quan hành chính nhà nước năm 2024")
    assert paras[i + 2] == "(Năm 2024)"
    # sections, in order, as real headings
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == list(SECTION_TITLES)
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert h2 == ["1. Kết quả SIPAS", "2. Kết quả PAPI"]
    # method section: sample sizes, weighting, checks, provenance with verified flags
    assert "- SIPAS: 412 phiếu hợp lệ; phương pháp ước lượng: taylor, unweighted; " \
           "khoảng tin cậy 95%." in paras
    assert ("- Gia quyền: mẫu được gia quyền theo các biên gioitinh, tuoi (hiệu ứng thiết kế "
            "Kish 1,14; cỡ mẫu hiệu dụng 361,4).") in paras
    assert ("- Kiểm tra dữ liệu: 2 cảnh báo, 1 lỗi, 1 thông tin (chi tiết trong tệp Excel kèm "
            "theo).") in paras
    assert "+ Các nội dung và thang điểm PAPI: Báo cáo PAPI 2023, Phụ lục (đã đối chiếu)." in paras
    assert any(p.startswith("+ Cấu trúc 5 yếu tố") and p.endswith("(chưa đối chiếu).")
               for p in paras)
    # result tables carry the numbers of the score tables
    assert len(doc.tables) == 5  # header, SIPAS, PAPI, comparison, signature
    sipas, papi, comp = doc.tables[1], doc.tables[2], doc.tables[3]
    assert [c.text for c in sipas.rows[0].cells] == ["Mã", "Nội dung", "Kết quả (%)",
                                                    "Khoảng tin cậy", "Số phiếu"]
    table = inputs.scores["SIPAS"]
    rows = table[table["group_var"] == ""]
    assert len(sipas.rows) == 1 + len(rows) == 1 + 1 + 5 + 8
    for r, (_, src) in zip(sipas.rows[1:], rows.iterrows(), strict=True):
        cells = [c.text for c in r.cells]
        assert cells == [src["code"], src["label_vi"], num(src["estimate"]),
                         f"{num(src['ci_low'])} – {num(src['ci_high'])}", str(src["n"])]
    assert [c.text for c in papi.rows[0].cells][2] == "Kết quả (điểm)"
    p0 = inputs.scores["PAPI"].iloc[0]
    assert papi.rows[1].cells[2].text == num(p0["estimate"], 2)
    assert inputs.comparison is not None
    c0 = inputs.comparison.iloc[0]
    assert [c.text for c in comp.rows[1].cells] == [
        c0["label_vi"], f"{num(c0['survey_estimate'])} ({num(c0['survey_ci_low'])} – "
        f"{num(c0['survey_ci_high'])})", num(c0["official"]),
        f"{num(c0['difference'])} ({num(c0['diff_ci_low'])} – {num(c0['diff_ci_high'])})",
        "Có" if c0["significant"] else "Không"]
    assert comp.style.name == "Table Grid"
    # provenance notes under the unverified SIPAS table, none under verified PAPI
    notes = [p for p in paras if p.startswith("Ghi chú:")]
    assert len(notes) == 1 and "chưa được đối chiếu" in notes[0] and "2640" in notes[0]
    assert "Nguồn số liệu chính thức: Báo cáo SIPAS 2024 (Bộ Nội vụ), Bảng 5." in paras
    # recommendations left to the author, highlighted
    ph = next(p for p in doc.paragraphs if p.text == PLACEHOLDER)
    assert all(run.font.highlight_color == WD_COLOR_INDEX.YELLOW for run in ph.runs)
    assert "Nơi nhận:" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text
    # free texts are not printed in the administrative report
    assert "=)) rất tốt" not in text


def test_docx_fonts_and_page(tmp_path: Path) -> None:
    doc = Document(str(write_docx(example_inputs(), tmp_path / "r.docx")))
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    fonts = normal.element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert doc.styles["Heading 1"].font.size == Pt(14)
    runs = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(r.font.name == "Times New Roman" for r in runs)
    assert {r.font.size for r in runs} <= {Pt(11), Pt(12), Pt(12.5), Pt(13), Pt(14)}
    title = next(r for p in doc.paragraphs for r in p.runs if r.text == "BÁO CÁO")
    assert title.font.bold and title.font.size == Pt(14)
    sec = doc.sections[0]
    sizes = [sec.page_width, sec.page_height, sec.left_margin, sec.right_margin,
             sec.top_margin, sec.bottom_margin]
    # Word stores twentieths of a point: millimetres come back to within 0.01 mm
    assert [round(v.mm, 1) for v in sizes] == [210.0, 297.0, 30.0, 15.0, 20.0, 20.0]


def test_docx_minimal_inputs(tmp_path: Path) -> None:
    inputs = ReportInputs(title="Đánh giá tác động cải cách hành chính",
                          organisation="UBND huyện Tiên Yên",
                          scores={"PAPI": example_scores()["PAPI"]})
    doc = Document(str(write_docx(inputs, tmp_path / "min.docx")))
    paras = [p.text for p in doc.paragraphs]
    assert "Kết quả khảo sát Đánh giá tác động cải cách hành chính" in paras
    assert "Chưa có số liệu chính thức để so sánh." in paras
    assert doc.tables[0].rows[0].cells[0].text.splitlines()[0] == "UBND HUYỆN TIÊN YÊN"
    assert not any(p.startswith("Lưu ý:") for p in paras)  # every method verified
