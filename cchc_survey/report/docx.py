"""The Word report, shaped like a Vietnamese administrative report (Nghị định 30/2020/NĐ-CP
layout: Times New Roman 13-14, A4, margins 20/20/30/15 mm, the national motto block).

Structure: header block (superior body, unit, number ``Số: .../BC-...``, the motto
*CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc*, place and date), the title
*BÁO CÁO / Kết quả khảo sát ...*, then I. Mục đích, yêu cầu; II. Phương pháp; III. Kết quả (a
table per index); IV. So sánh với kết quả chính thức; V. Kiến nghị, đề xuất (a highlighted
placeholder: the author writes it); the recipients and the signature block.

The document is in Vietnamese (an administrative report is); the numbers use a decimal comma.

Example:
    >>> write_docx(inputs, "out/bao_cao.docx")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..text import fold
from .inputs import ReportInputs
from .labels import t, t_opt
from .tables import component_label, note_text

FONT = "Times New Roman"
BODY_SIZE = 13
TITLE_SIZE = 14
SECTION_TITLES: tuple[str, ...] = (
    "I. MỤC ĐÍCH, YÊU CẦU", "II. PHƯƠNG PHÁP", "III. KẾT QUẢ",
    "IV. SO SÁNH VỚI KẾT QUẢ CHÍNH THỨC", "V. KIẾN NGHỊ, ĐỀ XUẤT",
)
PLACEHOLDER = ("[Phần này do người viết báo cáo soạn thảo: nêu các tồn tại, hạn chế rút ra từ "
               "kết quả khảo sát và kiến nghị, đề xuất giải pháp cụ thể, đơn vị chủ trì, "
               "thời hạn thực hiện.]")


def num(value: Any, digits: int = 1) -> str:
    """A number with a Vietnamese decimal comma (``84,9``); blank for missing."""
    if value is None or value is pd.NA:
        return ""
    v = float(value)
    if v != v:  # NaN
        return ""
    return f"{v:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _set_font(run_or_style: Any, size: float | None = None, *, bold: bool | None = None,
              italic: bool | None = None) -> None:
    font = run_or_style.font
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    # Word takes East-Asian / complex-script text from separate font slots
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _para(container: Any, text: str = "", *, size: float = BODY_SIZE, bold: bool = False,
          italic: bool = False, align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
          space_after: float = 6, underline: bool = False) -> Paragraph:
    p: Paragraph = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if text:
        run = p.add_run(text)
        _set_font(run, size, bold=bold, italic=italic)
        run.underline = underline
    return p


def _heading(doc: DocumentObject, text: str, level: int) -> Paragraph:
    h = doc.add_heading(text, level=level)
    for run in h.runs:
        _set_font(run, TITLE_SIZE if level == 1 else BODY_SIZE, bold=True,
                  italic=level > 1)
        run.font.color.rgb = RGBColor(0, 0, 0)
    h.paragraph_format.space_before = Pt(12 if level == 1 else 6)
    h.paragraph_format.space_after = Pt(6)
    return h


def _table(doc: DocumentObject, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths_mm: Sequence[float] | None = None) -> Table:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        _set_font(run, 12, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    trpr = table.rows[0]._tr.get_or_add_trPr()  # repeat the header row on each page
    el = trpr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    trpr.append(el)
    for values in rows:
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, values, strict=True)):
            cell.text = ""
            run = cell.paragraphs[0].add_run(text)
            _set_font(run, 12)
            if j >= 2:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if widths_mm:
        for row in table.rows:
            for cell, w in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(w)
    return table


def _header_block(doc: DocumentObject, inputs: ReportInputs) -> None:
    block = doc.add_table(rows=1, cols=2)
    left, right = block.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left.paragraphs[0].text = ""
    first = left.paragraphs[0]
    first.alignment = center
    if inputs.parent_organisation:
        _set_font(first.add_run(inputs.parent_organisation.upper()), BODY_SIZE)
        unit = _para(left, inputs.organisation.upper(), bold=True, align=center, space_after=0)
    else:
        _set_font(first.add_run(inputs.organisation.upper()), BODY_SIZE, bold=True)
        unit = first
    unit.paragraph_format.space_after = Pt(0)
    _para(left, "", align=center, space_after=0)
    _para(left, f"Số: ......./{inputs.doc_symbol}", align=center, space_after=0)
    right.paragraphs[0].text = ""
    motto = right.paragraphs[0]
    motto.alignment = center
    _set_font(motto.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), 12.5, bold=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", size=TITLE_SIZE, bold=True, align=center,
          underline=True, space_after=0)
    _para(right, "", align=center, space_after=0)
    d = inputs.date
    place = f"{inputs.place}, " if inputs.place else ""
    _para(right, f"{place}ngày {d.day:02d} tháng {d.month:02d} năm {d.year}", italic=True,
          align=center, space_after=0)


def report_subtitle(title: str) -> str:
    """``Kết quả khảo sát ...`` from the survey title (no doubled ``khảo sát``)."""
    if fold(title).startswith("khao sat"):
        return "Kết quả " + title[0].lower() + title[1:]
    return "Kết quả khảo sát " + title


def _index_rows(table: pd.DataFrame) -> tuple[list[list[str]], str]:
    rows = table[(table["group_var"] == "") & table["estimate"].notna()]
    pct = set(rows["unit"]) <= {"percent"}
    d = 1 if pct else 2
    labels = component_label(rows)
    out = [[str(code), str(lab), num(e, d), f"{num(lo, d)} – {num(hi, d)}",
            "" if pd.isna(n) else str(int(n))]
           for code, lab, e, lo, hi, n in zip(rows["code"], labels, rows["estimate"],
                                              rows["ci_low"], rows["ci_high"], rows["n"],
                                              strict=True)]
    unit = "%" if pct else t_opt(f"unit_{rows['unit'].iloc[0]}", "vi", "") if len(rows) else ""
    return out, unit


def build_docx(inputs: ReportInputs) -> DocumentObject:
    """Build the Word document (see :func:`write_docx`)."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    _set_font(doc.styles["Normal"], BODY_SIZE)
    for name in ("Heading 1", "Heading 2"):
        _set_font(doc.styles[name], TITLE_SIZE if name == "Heading 1" else BODY_SIZE,
                  bold=True)
    _header_block(doc, inputs)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "", space_after=0)
    _para(doc, "BÁO CÁO", size=TITLE_SIZE, bold=True, align=center, space_after=0)
    _para(doc, report_subtitle(inputs.title), size=TITLE_SIZE, bold=True, align=center,
          space_after=2)
    if inputs.period:
        _para(doc, f"({inputs.period})", italic=True, align=center)
    _para(doc, "")

    names = list(inputs.scores)
    # I
    _heading(doc, SECTION_TITLES[0], 1)
    _para(doc, f"1. Mục đích: đo lường mức độ hài lòng và đánh giá của người dân, tổ chức "
               f"đối với {inputs.organisation} theo các chỉ số {', '.join(names)}; xác định "
               "những nội dung còn hạn chế để có giải pháp cải thiện; làm căn cứ so sánh với "
               "kết quả chính thức được công bố.")
    _para(doc, "2. Yêu cầu: khảo sát bảo đảm khách quan, đúng phương pháp; bảo mật thông tin "
               "người trả lời; kết quả được báo cáo kèm khoảng tin cậy và ghi rõ những phương "
               "pháp chưa được đối chiếu với văn bản chính thức.")
    # II
    _heading(doc, SECTION_TITLES[1], 1)
    for name, table in inputs.scores.items():
        top = table[(table["group_var"] == "") & table["n"].notna()]
        n = int(top["n"].max()) if len(top) else 0
        methods = ", ".join(sorted(set(table["method"]) - {""}))
        levels = sorted({float(v) for v in table["ci_level"].dropna()})
        ci = ", ".join(f"{num(100 * v, 0)}%" for v in levels)
        _para(doc, f"- {name}: {n} phiếu hợp lệ; phương pháp ước lượng: {methods or '—'}"
                   + (f"; khoảng tin cậy {ci}" if ci else "") + ".")
    if inputs.weighting is not None:
        s = inputs.weighting.summary
        parts = [f"{label} {num(s[k], d)}" for k, label, d in (
            ("deff_kish", "hiệu ứng thiết kế Kish", 2), ("n_eff", "cỡ mẫu hiệu dụng", 1))
            if k in s]
        _para(doc, "- Gia quyền: mẫu được gia quyền theo các biên "
                   + ", ".join(dict.fromkeys(inputs.weighting.table["margin"].astype(str)))
                   + (f" ({'; '.join(parts)})" if parts else "") + ".")
    if inputs.checks is not None:
        sev = inputs.checks["severity"].astype(str).value_counts()
        summary = ", ".join(f"{int(c)} {t_opt(f'severity_{k}', 'vi', str(k))}"
                            for k, c in sev.items()) or "không có lỗi"
        _para(doc, f"- Kiểm tra dữ liệu: {summary} (chi tiết trong tệp Excel kèm theo).")
    if inputs.provenance:
        _para(doc, "- Nguồn phương pháp:")
        for p in inputs.provenance:
            flag = "đã đối chiếu" if p.verified else "chưa đối chiếu"
            _para(doc, f"+ {p.what_vi}: {p.source} ({flag}).")
    if inputs.any_unverified():
        _para(doc, f"Lưu ý: {t('unverified')} ở một số nội dung; các số liệu liên quan được "
                   "ghi chú trong bảng.", italic=True)
    # III
    _heading(doc, SECTION_TITLES[2], 1)
    for k, (name, table) in enumerate(inputs.scores.items(), start=1):
        _heading(doc, f"{k}. Kết quả {name}", 2)
        rows, unit = _index_rows(table)
        if not rows:
            _para(doc, t("no_data"))
            continue
        head = ["Mã", "Nội dung", f"Kết quả ({unit})" if unit else "Kết quả",
                "Khoảng tin cậy", "Số phiếu"]
        _table(doc, head, rows, widths_mm=(16, 74, 25, 30, 20))
        bad = table[~table["verified"]]
        if len(bad):
            src = "; ".join(sorted(set(bad["source"]) - {""}))
            _para(doc, f"Ghi chú: {note_text(bad).iloc[0]}"
                       + (f" (nguồn: {src})" if src else "") + ".", size=12, italic=True)
        _para(doc, "Kết quả chi tiết theo nhóm, đơn vị và đợt khảo sát: xem tệp Excel và báo "
                   "cáo HTML kèm theo.", size=12, italic=True)
    # IV
    _heading(doc, SECTION_TITLES[3], 1)
    comp = inputs.comparison
    if comp is None or comp.empty:
        _para(doc, "Chưa có số liệu chính thức để so sánh.")
    else:
        rows = [[str(lab), f"{num(e)} ({num(lo)} – {num(hi)})", num(o),
                 f"{num(dv)} ({num(dl)} – {num(dh)})", "Có" if bool(sig) else "Không"]
                for lab, e, lo, hi, o, dv, dl, dh, sig in zip(
                    comp["label_vi"], comp["survey_estimate"], comp["survey_ci_low"],
                    comp["survey_ci_high"], comp["official"], comp["difference"],
                    comp["diff_ci_low"], comp["diff_ci_high"], comp["significant"],
                    strict=True)]
        _table(doc, ["Thành phần", "Khảo sát (KTC)", "Chính thức", "Chênh lệch (KTC)",
                     "Có ý nghĩa thống kê"], rows, widths_mm=(55, 36, 22, 36, 16))
        if "official_source" in comp:
            src = "; ".join(sorted(set(comp["official_source"].dropna().astype(str)) - {""}))
            if src:
                _para(doc, f"Nguồn số liệu chính thức: {src}.", size=12, italic=True)
    # V
    _heading(doc, SECTION_TITLES[4], 1)
    placeholder = _para(doc, PLACEHOLDER, italic=True)
    for run in placeholder.runs:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    # recipients and signature
    _para(doc, "")
    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    left.paragraphs[0].text = ""
    _set_font(left.paragraphs[0].add_run("Nơi nhận:"), 12, bold=True, italic=True)
    for line in ("- Như trên;", "- Lưu: VT."):
        _para(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    right.paragraphs[0].text = ""
    right.paragraphs[0].alignment = center
    _set_font(right.paragraphs[0].add_run("THỦ TRƯỞNG ĐƠN VỊ"), BODY_SIZE, bold=True)
    _para(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=center)
    return doc


def write_docx(inputs: ReportInputs, path: str | Path) -> Path:
    """Write the Word report (.docx) and return its path. Vietnamese only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_docx(inputs).save(str(path))
    return path
