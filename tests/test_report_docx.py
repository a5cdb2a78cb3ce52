"""The Word report, reopened with python-docx, on the chain's own outputs (a generated LimeSurvey
export read, cleaned, raked and scored): the shape of a Báo cáo kết quả khảo sát (national header,
I-V, key findings first, annexes), its numbers (decimal comma, the score table's values), charts
embedded, page numbers, no internal file name or method code, English on request, and gaps said
in their place."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt

from cchc_survey import QUESTIONNAIRES
from cchc_survey.checks import clean
from cchc_survey.demo import population_margins
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.indices.score import design_from_tidy, item_table, score
from cchc_survey.instrument import load_instrument
from cchc_survey.pipeline import Analysis, analyse, domains, report_inputs
from cchc_survey.report import ReportInputs
from cchc_survey.report.docx import PLACEHOLDER, SECTION_TITLES, num, report_subtitle, write_docx
from cchc_survey.report.example import example_inputs, example_scores
from cchc_survey.report.fmt import clean_source, count, interval, pct
from cchc_survey.tidy import read_export

INTERNAL = re.compile(r"shared/|\.md\b|\.yaml\b|_draft|Hằng số|subdimension_range|taylor\b")
"""What a reader must never see: working-file names, raw constants, method codes."""


def all_text(doc: Document) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def body_blocks(doc: Document) -> list[tuple[str, object]]:
    """The body in order: ("p", paragraph text, style) or ("t", table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, object]] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            out.append(("p", Paragraph(el, doc)))
        elif el.tag == qn("w:tbl"):
            out.append(("t", Table(el, doc)))
    return out


@pytest.fixture(scope="module")
def one_stop(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    inst = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
    demo = generate(inst, DemoDesign(n=900, months=3))
    csv = write_limesurvey_csv(demo.export, tmp_path_factory.mktemp("ls") / "export.csv")
    tidy = read_export(csv, inst)
    return analyse(tidy.frame, inst, margins=population_margins(inst))


def test_number_format_uses_a_decimal_comma() -> None:
    assert [num(84.877), num(1.1449, 2), num(1234.5), num(float("nan")), num(None)] == [
        "84,9", "1,14", "1.234,5", "", ""]
    assert [num(-0.04), num(-0.04, 1), num(0.04, 1)] == ["0,0", "0,0", "0,0"]  # never -0,0
    assert [pct(0.6594), pct(0.6594, "en"), count(12345), count(12345, "en")] == [
        "65,9%", "65.9%", "12.345", "12,345"]
    assert interval(60.14, 71.75) == "60,1–71,8" and interval(float("nan"), 1) == ""
    from cchc_survey.report.fmt import num as fnum

    assert [fnum(1.5, 1, "vi", signed=True), fnum(-0.01, 1, "vi", signed=True)] == ["+1,5", "0,0"]


def test_sources_lose_working_file_names() -> None:
    assert clean_source("Thực tiễn địa phương (one_stop_sipas_draft.md); chưa đối chiếu QĐ 2640") \
        == "Thực tiễn địa phương; chưa đối chiếu QĐ 2640"
    assert clean_source("Giả định; QĐ 1001/QĐ-BNV chưa đọc được (shared/domain/sipas.md §2.4).") \
        == "Giả định; QĐ 1001/QĐ-BNV chưa đọc được."
    assert clean_source("Báo cáo PAPI 2023, Phụ lục") == "Báo cáo PAPI 2023, Phụ lục"


def test_subtitle_does_not_double_khao_sat() -> None:
    assert report_subtitle("Khảo sát mức độ hài lòng năm 2024") == (
        "Kết quả khảo sát mức độ hài lòng năm 2024")
    assert report_subtitle("mức độ hài lòng năm 2024") == (
        "Kết quả khảo sát mức độ hài lòng năm 2024")


def test_word_report_of_the_chain(one_stop: Analysis, tmp_path: Path) -> None:
    inputs = report_inputs({"SIPAS (Một cửa)": one_stop}, title="Khảo sát mức độ hài lòng 2026",
                           organisation="Sở Nội vụ tỉnh Minh Họa",
                           parent_organisation="UBND tỉnh Minh Họa", place="Minh Họa",
                           period="Quý I/2026", doc_symbol="BC-SNV",
                           handed_out={"SIPAS (Một cửa)": 1000})
    doc = Document(str(write_docx(inputs, tmp_path / "bao_cao.docx")))
    text = all_text(doc)
    assert unicodedata.is_normalized("NFC", text)
    assert INTERNAL.search(text) is None, INTERNAL.search(text)
    # national header, title
    left, right = (c.text for c in doc.tables[0].rows[0].cells)
    assert left.splitlines()[:2] == ["UBND TỈNH MINH HỌA", "SỞ NỘI VỤ TỈNH MINH HỌA"]
    assert "Số: ......./BC-SNV" in left
    assert right.splitlines()[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                      "Độc lập - Tự do - Hạnh phúc"]
    paras = [p.text for p in doc.paragraphs]
    i = paras.index("BÁO CÁO")
    assert paras[i + 1:i + 3] == ["Kết quả khảo sát mức độ hài lòng 2026", "(Quý I/2026)"]
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == list(SECTION_TITLES)
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert h2 == ["1. Kết quả chính", "2. SIPAS (Một cửa)", "3. Ý kiến góp ý của người trả lời",
                  "Phụ lục 1. Phương pháp và nguồn", "Phụ lục 2. Chất lượng dữ liệu",
                  "Phụ lục 3. Gia quyền", "Phụ lục 4. Bảng kỹ thuật"]
    # II: fieldwork in plain words, the books balance
    c = one_stop.cleaned
    fw = next(p for p in paras if p.startswith("- SIPAS (Một cửa): từ ngày"))
    assert (f"phát ra 1.000 phiếu, thu về {count(c.n_in)} phiếu, trong đó {count(c.n_kept)} "
            f"phiếu hợp lệ được đưa vào phân tích ({count(c.n_excluded)} phiếu bị loại") in fw
    assert "khảo sát tại 6 đơn vị" in fw
    assert ("Kết quả được gia quyền theo đơn vị và đối tượng để phản ánh đúng cơ cấu người được "
            "phục vụ (xem Phụ lục 3).") in paras
    profile = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "Đặc điểm")
    first = {r.cells[0].text: r.cells[1].text for r in profile.rows[1:]}
    assert set(first) >= {"Giới tính", "Độ tuổi", "Nghề nghiệp", "Đối tượng",
                          "Hình thức nộp hồ sơ", "Lĩnh vực thủ tục"}
    kept = c.kept
    nu = (kept["gioitinh"].astype("string") == "F").sum() / len(kept)  # of the valid ones
    assert f"Nữ {pct(nu)}" in first["Giới tính"]
    # III: key findings come first, with the index and each element from the score table
    blocks = body_blocks(doc)
    start = next(k for k, (kind, b) in enumerate(blocks)
                 if kind == "p" and b.text == "1. Kết quả chính")  # type: ignore[attr-defined]
    sc = one_stop.default_scores
    whole = sc[sc["group_var"] == ""]
    top = whole[whole["level"] == "index"].iloc[0]
    sentence = blocks[start + 2][1].text  # type: ignore[attr-defined]
    assert sentence == (f"SIPAS (Một cửa): {top['label_vi']} đạt {num(top['estimate'])}% "
                        f"(khoảng tin cậy {interval(top['ci_low'], top['ci_high'])}).")
    kind, table = blocks[start + 3]
    assert kind == "t"
    el = whole[whole["level"] == "element"]
    got = [[c.text for c in r.cells] for r in table.rows[1:]]  # type: ignore[attr-defined]
    assert got == [[lab, f"{num(e)}%", interval(lo, hi), count(n)] for lab, e, lo, hi, n in zip(
        el["label_vi"], el["estimate"], el["ci_low"], el["ci_high"], el["n"], strict=True)]
    crit = whole[whole["level"] == "criterion"].sort_values("estimate")
    low = next(p for p in paras if p.startswith("- Tiêu chí thấp nhất: "))
    assert low.startswith(f"- Tiêu chí thấp nhất: {crit['label_vi'].iloc[0]} "
                          f"({num(crit['estimate'].iloc[0])}%)")
    league = inputs.league["SIPAS (Một cửa)"]
    if league["ranked"].sum() >= 2:
        assert any(p.startswith("- Xếp hạng đơn vị: cao nhất ") for p in paras)
    else:  # flagged units are never ranked (900 responses over 6 units, few PSUs each)
        assert (f"- Xếp hạng đơn vị: chưa xếp hạng được — ước lượng của "
                f"{(~league['ranked']).sum()} đơn vị kém tin cậy") in text
    ranking = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "Thứ hạng")
    got_rank = [r.cells[0].text for r in ranking.rows[1:]]
    assert got_rank == [r if ok else "không xếp hạng" for r, ok in zip(
        league["rank_range"], league["ranked"], strict=True)]
    assert any(p.startswith("- Thay đổi so với đợt trước (2026-02 → 2026-03): ") for p in paras)
    # the caveat once per section, not on every row
    caveats = [p for p in paras if p.startswith("Lưu ý: phương pháp tính của")]
    assert len(caveats) == 2  # key findings, the index's own section
    # charts embedded: elements, criteria, the answers of each of the 5 elements, units,
    # heatmap, trend
    assert len(doc.inline_shapes) == 10
    captions = [p for p in paras if p.startswith("Biểu đồ ")]
    assert captions[:4] == ["Biểu đồ 1. Yếu tố của SIPAS (Một cửa)",
                            "Biểu đồ 2. Các tiêu chí, từ thấp đến cao",
                            "Biểu đồ 3. Phân bố câu trả lời — Tiếp cận dịch vụ hành chính công",
                            "Biểu đồ 4. Phân bố câu trả lời — Thủ tục hành chính"]
    assert captions[-1] == "Biểu đồ 10. Xu hướng theo đợt khảo sát — SIPAS (Một cửa)"
    # comments summarised, not listed
    assert any(p.startswith("SIPAS (Một cửa): ") and "để trống" in p for p in paras)
    # IV without official results; V drafted, marked and highlighted
    assert "Chưa có số liệu chính thức tương ứng để so sánh." in paras
    draft = [p for p in doc.paragraphs if p.runs and p.runs[0].font.highlight_color
             == WD_COLOR_INDEX.YELLOW]
    assert draft[0].text == PLACEHOLDER and "DỰ THẢO" in PLACEHOLDER
    assert draft[1].text.startswith("1. Tập trung cải thiện các tiêu chí có kết quả thấp nhất "
                                    f"của SIPAS (Một cửa): {crit['label_vi'].iloc[0]}")
    # annexes: data quality counts questionnaires, the technical table has SE and design effect
    q = next(tb for tb in doc.tables if tb.rows[0].cells[0].text == "Quy tắc kiểm tra")
    rows = {r.cells[0].text: [x.text for x in r.cells[1:]] for r in q.rows[1:]}
    summ = c.summary.set_index("rule")
    inc = summ.loc["incomplete"]
    assert rows["Phiếu chưa hoàn thành"] == [count(inc["rows_flagged"]),
                                             count(inc["rows_excluded"]),
                                             count((c.flags["rule"] == "incomplete").sum()),
                                             "loại khỏi phân tích"]
    tech = next(tb for tb in doc.tables if len(tb.columns) == 8)
    assert [x.text for x in tech.rows[0].cells] == [
        "Nội dung", "Ước lượng", "Sai số chuẩn", "Số phiếu (n)", "Cỡ mẫu hiệu dụng",
        "Hiệu ứng thiết kế", "Bậc tự do", "Phương pháp ước lượng"]
    r0 = whole.iloc[0]
    assert [x.text for x in tech.rows[1].cells] == [
        r0["label_vi"], f"{num(r0['estimate'])}%", num(r0["se"]), count(r0["n"]),
        num(r0["n_eff"], 0), num(r0["deff"], 2), num(r0["domain_df"], 0),
        "tuyến tính hóa Taylor"]
    # page numbers: a PAGE field in the footer; tables with a fixed layout that fits the page
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "Trang" in footer
    for tb in doc.tables:
        grid = [int(g.get(qn("w:w"))) for g in tb._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(grid) <= 165 / 25.4 * 1440 + 2


def test_word_report_in_english(one_stop: Analysis, tmp_path: Path) -> None:
    inputs = report_inputs({"SIPAS": one_stop}, title="Satisfaction survey 2026",
                           organisation="Department of Home Affairs", lang="en")
    doc = Document(str(write_docx(inputs, tmp_path / "report.docx", lang="en")))
    text = all_text(doc)
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert h1 == ["I. PURPOSE", "II. HOW THE SURVEY WAS DONE", "III. RESULTS",
                  "IV. COMPARISON WITH THE OFFICIAL RESULTS", "V. RECOMMENDATIONS", "ANNEXES"]
    for phrase in ("SOCIALIST REPUBLIC OF VIET NAM", "Key findings", "Respondent profile",
                   "Weighted by unit and respondent type", "[DRAFT", "Page"):
        assert phrase in text + doc.sections[0].footer._element.xml, phrase
    # English numbers, English unit names, no Vietnamese fixed text
    sc = one_stop.default_scores
    top = sc[(sc["group_var"] == "") & (sc["level"] == "index")].iloc[0]
    assert f"{top['label_en']} is {num(top['estimate']).replace(',', '.')}%" in text
    for vi in ("Kết quả chính", "Cơ cấu người trả lời", "Khoảng tin cậy", "Số phiếu", "Biểu đồ",
               "Phụ lục 1", "không đủ phiếu"):
        assert vi not in text, vi


def test_docx_fonts_and_page(tmp_path: Path) -> None:
    doc = Document(str(write_docx(example_inputs(), tmp_path / "r.docx")))
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert doc.styles["Heading 1"].font.size == Pt(14)
    runs = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert runs and all(r.font.name == "Times New Roman" for r in runs)
    assert {r.font.size for r in runs} <= {Pt(11), Pt(12), Pt(12.5), Pt(13), Pt(14)}
    sec = doc.sections[0]
    sizes = [sec.page_width, sec.page_height, sec.left_margin, sec.right_margin,
             sec.top_margin, sec.bottom_margin]
    assert [round(v.mm, 1) for v in sizes] == [210.0, 297.0, 30.0, 15.0, 20.0, 20.0]


def test_comparison_not_comparable_where_the_method_is_unverified(tmp_path: Path) -> None:
    inputs = example_inputs()
    assert inputs.comparison is not None and not inputs.comparison["verified"].any()
    doc = Document(str(write_docx(inputs, tmp_path / "r.docx")))
    comp = next(tb for tb in doc.tables if tb.rows[0].cells[-1].text == "Khác biệt")
    assert {r.cells[-1].text for r in comp.rows[1:]} == {"không so sánh được"}
    assert {r.cells[3].text for r in comp.rows[1:]} == {"—"}
    verified = ReportInputs(title="x", organisation="y", scores=example_scores(),
                            comparison=inputs.comparison.assign(verified=True))
    doc = Document(str(write_docx(verified, tmp_path / "v.docx")))
    comp = next(tb for tb in doc.tables if tb.rows[0].cells[-1].text == "Khác biệt")
    c0 = inputs.comparison.iloc[0]
    assert comp.rows[1].cells[3].text == (
        f"{num(c0['difference']) if c0['difference'] < 0 else '+' + num(c0['difference'])} "
        f"({interval(c0['diff_ci_low'], c0['diff_ci_high'])})")
    assert [r.cells[-1].text for r in comp.rows[1:]] == [
        "Có" if s else "Không" for s in inputs.comparison["significant"]]


def test_answer_shares_are_the_weighted_shares_of_the_valid_answers(one_stop: Analysis) -> None:
    from cchc_survey.pipeline import answers_for_report

    ans = answers_for_report(one_stop)
    assert sorted(ans["element"].unique()) == ["E1", "E2", "E3", "E4", "E5"]
    one = ans[ans["item"] == "tc_c1"]
    assert one["answer"].tolist() == ["1", "2", "3", "4", "5"]
    assert one["neutral"].tolist() == [False, False, True, False, False]
    y = pd.to_numeric(one_stop.design.data["tc_c1"], errors="coerce").to_numpy(dtype=float)
    w = one_stop.design.weights
    ok = np.isin(y, [1, 2, 3, 4, 5])  # code 6 ("không biết") is not an answer on the scale
    want = [100 * w[ok & (y == k)].sum() / w[ok].sum() for k in (1, 2, 3, 4, 5)]
    np.testing.assert_allclose(one["share"], want, rtol=1e-12)
    assert ans.groupby("item")["share"].sum().round(9).eq(100.0).all()


def test_three_responses_give_a_full_report_with_gaps_said(tmp_path: Path) -> None:
    """#12 item 4: a pilot of 3 responses writes every output; what cannot be computed says so
    in its place. The chain up to the scores is the real one (reliability is left out: it is
    not in the report)."""
    from cchc_survey.report import write_all

    inst = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
    demo = generate(inst, DemoDesign(n=3, months=1))
    csv = write_limesurvey_csv(demo.export, tmp_path / "pilot.csv")
    frame = read_export(csv, inst).frame
    cleaned = clean(frame, inst)
    design = design_from_tidy(cleaned.kept, inst)
    doms = domains(inst, design.data)
    variants = [v.id for v in inst.methodology.aggregation.variants]
    from cchc_survey.scoretable import concat

    an = Analysis(instrument=inst, cleaned=cleaned, design=design,
                  scores=concat(score(design, inst, variant=v, by=doms) for v in variants),
                  items=item_table(design, inst, by=doms), reliability=pd.DataFrame(),
                  reliability_items=pd.DataFrame(), reliability_warnings=(),
                  weighting=design.weighting_report())
    sc = an.default_scores
    assert sc["estimate"].isna().any() or sc["ci_low"].isna().any()
    inputs = report_inputs({"SIPAS": an}, title="Thử nghiệm 3 phiếu", organisation="Sở Nội vụ")
    paths = write_all(inputs, tmp_path / "out")
    assert {"excel", "html", "docx", "checks"} <= set(paths)
    doc = Document(str(paths["docx"]))
    text = all_text(doc)
    # units of one response: no interval (said in the table, not ranked); a missing value is
    # never printed as "nan" or as an empty cell
    league = inputs.league.get("SIPAS")
    units = sc[(sc["group_var"] == "donvi") & (sc["level"] == "index")]
    assert units["n"].max() <= 3
    assert "không đủ phiếu" in text or "không tính được" in text or "không xếp hạng" in text
    if league is not None:
        assert league["flagged"].sum() == (units["ci_low"].isna() | units["estimate"].isna()).sum()
    assert re.search(r"\bnan\b", text.lower()) is None
    assert "đạt không" not in text
    html = paths["html"].read_text(encoding="utf-8")
    assert "III. KẾT QUẢ KHẢO SÁT" in html and ">nan<" not in html
    assert np.isfinite(paths["html"].stat().st_size)
