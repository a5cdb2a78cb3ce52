"""The Word report, laid out as a Vietnamese administrative report (Nghị định 30/2020/NĐ-CP:
Times New Roman 13–14, A4, margins 20/20/30/15 mm, the national header).

The header block holds the superior body and the unit with the number ``Số: .../BC-...`` on
the left, the national motto *CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc*
and the place and date on the right; then the title *BÁO CÁO / Kết quả khảo sát ...*; then the
blocks of :func:`cchc_survey.report.document.build_document` (sections I–V, annexes), charts
embedded as PNG images, tables with column widths fitted to the 165 mm text width and a header
row repeated on every page; page numbers in the footer; the recipients and the signature block.

Example:
    >>> write_docx(inputs, "out/bao_cao.docx")  # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from . import document as dm
from .fmt import num as _num
from .inputs import ReportInputs
from .labels import Lang, t

FONT = "Times New Roman"
BODY_SIZE = 13
TITLE_SIZE = 14
TABLE_SIZE = 11
TEXT_WIDTH_MM = 165.0
"""A4 (210 mm) less the 30 mm left and 15 mm right margins."""
SECTION_TITLES: tuple[str, ...] = tuple(t(k) for k in (
    "sec_purpose", "sec_method", "sec_results", "sec_comparison", "sec_recommend", "sec_annex"))
PLACEHOLDER = t("draft_mark")
"""The mark that opens section V: the recommendations are a draft for the author to edit."""


def num(value: Any, digits: int = 1) -> str:
    """A number with a Vietnamese decimal comma (``84,9``); blank for missing (see
    :func:`cchc_survey.report.fmt.num`)."""
    return _num(value, digits, "vi")


def report_subtitle(title: str) -> str:
    """``Kết quả khảo sát ...`` from the survey title (no doubled ``khảo sát``)."""
    return dm.subtitle(title, "vi")


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
          space_after: float = 6, underline: bool = False, indent_mm: float = 0) -> Paragraph:
    p: Paragraph = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent_mm:
        p.paragraph_format.first_line_indent = Mm(indent_mm)
    if text:
        run = p.add_run(text)
        _set_font(run, size, bold=bold, italic=italic)
        run.underline = underline
    return p


def _heading(doc: DocumentObject, text: str, level: int) -> Paragraph:
    h = doc.add_heading(text, level=min(level, 3))
    for run in h.runs:
        _set_font(run, TITLE_SIZE if level == 1 else BODY_SIZE, bold=True, italic=level == 3)
        run.font.color.rgb = RGBColor(0, 0, 0)
    h.paragraph_format.space_before = Pt(12 if level == 1 else 6)
    h.paragraph_format.space_after = Pt(6)
    h.paragraph_format.keep_with_next = True
    return h


def _cell_text(cell: Any, text: str, *, bold: bool = False, align: Any = None,
               size: float = TABLE_SIZE) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    _set_font(run, size, bold=bold)
    if align is not None:
        p.alignment = align


def _fixed_layout(table: DocxTable, widths_mm: Sequence[float]) -> None:
    """Fixed column widths (Word and LibreOffice both honour ``w:tblLayout fixed`` with a
    ``w:tblGrid``), so a table never runs past the margin."""
    tbl = table._tbl
    tblpr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(w / 25.4 * 1440)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)


def _table(doc: DocumentObject, block: dm.Table) -> DocxTable:
    if block.caption:
        _para(doc, block.caption, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT,
              space_after=3).paragraph_format.keep_with_next = True
    total = sum(block.widths) or 1.0
    widths = [TEXT_WIDTH_MM * w / total for w in block.widths]
    table = doc.add_table(rows=1, cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, block.header, strict=True):
        _cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:fill"), "D9E2EC")
        cell._tc.get_or_add_tcPr().append(shade)
    trpr = table.rows[0]._tr.get_or_add_trPr()  # repeat the header row on each page
    trpr.append(trpr.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"}))
    numeric = list(block.numeric) or [False] * len(block.header)
    strong = list(block.strong) or [False] * len(block.rows)
    for values, bold in zip(block.rows, strong, strict=True):
        cells = table.add_row().cells
        for cell, text, is_num in zip(cells, values, numeric, strict=True):
            _cell_text(cell, text, bold=bold,
                       align=WD_ALIGN_PARAGRAPH.RIGHT if is_num else WD_ALIGN_PARAGRAPH.LEFT)
    _fixed_layout(table, widths)
    _para(doc, "", space_after=2)
    return table


def _page_number_footer(doc: DocumentObject, lang: Lang) -> None:
    """``Trang N`` centred in the footer of every page (a PAGE field)."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(p.add_run(f"{t('page', lang)} "), 11)
    run = p.add_run()
    _set_font(run, 11)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _header_block(doc: DocumentObject, inputs: ReportInputs, lang: Lang) -> None:
    block = doc.add_table(rows=1, cols=2)
    left, right = block.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
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
    _para(left, f"{t('doc_number', lang)}: ......./{inputs.doc_symbol}", align=center,
          space_after=0)
    motto = right.paragraphs[0]
    motto.alignment = center
    _set_font(motto.add_run(t("motto_1", lang)), 12.5, bold=True)
    _para(right, t("motto_2", lang), size=TITLE_SIZE, bold=True, align=center, underline=True,
          space_after=0)
    _para(right, "", align=center, space_after=0)
    _para(right, dm.dateline(inputs.place, inputs.date, lang), italic=True, align=center,
          space_after=0)
    _fixed_layout(block, (68.0, 97.0))


def _signature(doc: DocumentObject, lang: Lang) -> None:
    _para(doc, "")
    sign = doc.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    _set_font(left.paragraphs[0].add_run(t("recipients", lang)), 12, bold=True, italic=True)
    for line in t("recipients_lines", lang).split("|"):
        _para(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(right.paragraphs[0].add_run(t("signer", lang)), BODY_SIZE, bold=True)
    _para(right, t("signer_note", lang), italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _fixed_layout(sign, (75.0, 90.0))


def build_docx(inputs: ReportInputs, *, lang: Lang = "vi",
               document: dm.Document | None = None) -> DocumentObject:
    """Build the Word document (see :func:`write_docx`); ``document`` reuses blocks already
    built (the HTML report is built from the same ones)."""
    content = document or dm.build_document(inputs, lang)
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    _set_font(doc.styles["Normal"], BODY_SIZE)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        _set_font(doc.styles[name], TITLE_SIZE if name == "Heading 1" else BODY_SIZE, bold=True)
    _page_number_footer(doc, lang)
    _header_block(doc, inputs, lang)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "", space_after=0)
    _para(doc, t("doc_title", lang), size=TITLE_SIZE, bold=True, align=center, space_after=0)
    _para(doc, content.subtitle, size=TITLE_SIZE, bold=True, align=center, space_after=2)
    if content.period:
        _para(doc, f"({content.period})", italic=True, align=center)
    for block in content.blocks:
        if isinstance(block, dm.Heading):
            _heading(doc, block.text, block.level)
        elif isinstance(block, dm.Para):
            _render_para(doc, block)
        elif isinstance(block, dm.Table):
            _table(doc, block)
        elif isinstance(block, dm.Figure):
            pic = _para(doc, "", align=center, space_after=0)
            pic.paragraph_format.keep_with_next = True
            pic.add_run().add_picture(io.BytesIO(block.png), width=Mm(160))
            _para(doc, block.caption, size=11, italic=True, align=center, space_after=8)
        elif isinstance(block, dm.PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _signature(doc, lang)
    return doc


def _render_para(doc: DocumentObject, block: dm.Para) -> None:
    if block.kind == "bullet":
        _para(doc, f"- {block.text}", indent_mm=8)
    elif block.kind == "note":
        _para(doc, block.text, size=12, italic=True)
    elif block.kind == "caveat":
        _para(doc, block.text, size=12, italic=True).runs[0].font.color.rgb = RGBColor(
            0x9C, 0x3D, 0x0A)
    elif block.kind == "draft":
        p = _para(doc, block.text, italic=True)
        for run in p.runs:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    else:
        _para(doc, block.text, indent_mm=10)


def write_docx(inputs: ReportInputs, path: str | Path, *, lang: Lang = "vi",
               document: dm.Document | None = None) -> Path:
    """Write the Word report (.docx) in ``lang`` and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build_docx(inputs, lang=lang, document=document).save(str(path))
    return path
