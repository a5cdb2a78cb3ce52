"""Fixed wording of the reports, in Vietnamese (default) and English.

Every text the report package prints that does not come from the data lives here, NFC-normalised,
so a translation or a wording fix is an edit of one dictionary.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

Lang = Literal["vi", "en"]
LANGS: tuple[str, ...] = ("vi", "en")

_TEXT: dict[str, tuple[str, str]] = {
    # column headers of a score table
    "index": ("Chỉ số", "Index"),
    "level": ("Cấp", "Level"),
    "code": ("Mã", "Code"),
    "label": ("Nội dung", "Component"),
    "group": ("Nhóm", "Group"),
    "group_var": ("Biến phân nhóm", "Group variable"),
    "estimate": ("Ước lượng", "Estimate"),
    "se": ("Sai số chuẩn", "Std. error"),
    "ci_low": ("Cận dưới KTC", "CI low"),
    "ci_high": ("Cận trên KTC", "CI high"),
    "ci_level": ("Mức tin cậy", "CI level"),
    "n": ("Số phiếu (n)", "n"),
    "n_eff": ("Cỡ mẫu hiệu dụng", "Effective n"),
    "deff": ("Hiệu ứng thiết kế", "Design effect"),
    "unit": ("Đơn vị đo", "Unit"),
    "method": ("Phương pháp ước lượng", "Estimation method"),
    "source": ("Nguồn phương pháp", "Method source"),
    "verified": ("Đã đối chiếu", "Verified"),
    "note": ("Ghi chú", "Note"),
    "yes": ("Có", "Yes"),
    "no": ("Chưa", "No"),
    "no_plain": ("Không", "No"),
    "whole_sample": ("Toàn bộ mẫu", "Whole sample"),
    # comparison
    "component": ("Mã thành phần", "Component code"),
    "province": ("Tỉnh/thành phố", "Province"),
    "year": ("Năm", "Year"),
    "survey_estimate": ("Kết quả khảo sát", "Survey estimate"),
    "survey_ci_low": ("Cận dưới KTC (khảo sát)", "Survey CI low"),
    "survey_ci_high": ("Cận trên KTC (khảo sát)", "Survey CI high"),
    "official": ("Kết quả chính thức", "Official value"),
    "difference": ("Chênh lệch", "Difference"),
    "diff_ci_low": ("Cận dưới KTC (chênh lệch)", "Difference CI low"),
    "diff_ci_high": ("Cận trên KTC (chênh lệch)", "Difference CI high"),
    "significant": ("Có ý nghĩa thống kê", "Significant"),
    "official_source": ("Nguồn số liệu chính thức", "Official source"),
    # checks
    "rule": ("Quy tắc kiểm tra", "Rule"),
    "row": ("Dòng", "Row"),
    "response_id": ("Mã phiếu (id)", "Response id"),
    "column": ("Cột", "Column"),
    "value": ("Giá trị", "Value"),
    "severity": ("Mức độ", "Severity"),
    "message": ("Mô tả", "Message"),
    "severity_error": ("lỗi", "errors"),
    "severity_warning": ("cảnh báo", "warnings"),
    "severity_info": ("thông tin", "notes"),
    "count": ("Số lượng", "Count"),
    # weighting
    "margin": ("Biên gia quyền", "Margin"),
    "cell": ("Nhóm", "Cell"),
    "target": ("Tỷ lệ mục tiêu", "Target"),
    "achieved": ("Tỷ lệ đạt được", "Achieved"),
    "iterations": ("Số vòng lặp", "Iterations"),
    "converged": ("Hội tụ", "Converged"),
    "min_weight": ("Trọng số nhỏ nhất", "Minimum weight"),
    "max_weight": ("Trọng số lớn nhất", "Maximum weight"),
    "cv_weight": ("Hệ số biến thiên của trọng số", "CV of weights"),
    "deff_kish": ("Hiệu ứng thiết kế Kish", "Kish design effect"),
    "item": ("Chỉ tiêu", "Item"),
    # codebook
    "question_vi": ("Câu hỏi", "Question (vi)"),
    "question_en": ("Câu hỏi (tiếng Anh)", "Question (en)"),
    "label_vi": ("Nhãn", "Label (vi)"),
    "label_en": ("Nhãn (tiếng Anh)", "Label (en)"),
    "answer_code": ("Mã trả lời", "Answer code"),
    # provenance
    "what": ("Nội dung phương pháp", "Methodological element"),
    "url": ("Địa chỉ tham khảo", "Reference address"),
    "free_text": ("Ý kiến", "Answer"),
    "row_no": ("STT", "No."),
    # sheet names (at most 31 characters, none of []:*?/\)
    "sheet_overview": ("Tổng quan", "Overview"),
    "sheet_comparison": ("So sánh chính thức", "Official comparison"),
    "sheet_checks": ("Kiểm tra dữ liệu", "Data checks"),
    "sheet_weighting": ("Gia quyền", "Weighting"),
    "sheet_codebook": ("Từ điển mã", "Codebook"),
    "sheet_free_text": ("Ý kiến góp ý", "Free-text answers"),
    "sheet_provenance": ("Nguồn phương pháp", "Method sources"),
    # report sections and sentences
    "report": ("Báo cáo", "Report"),
    "organisation": ("Đơn vị", "Organisation"),
    "period": ("Kỳ báo cáo", "Period"),
    "date": ("Ngày lập", "Date"),
    "contents": ("Mục lục", "Contents"),
    "results": ("Kết quả", "Results"),
    "comparison": ("So sánh với kết quả chính thức", "Comparison with the official results"),
    "data_quality": ("Chất lượng dữ liệu", "Data quality"),
    "weighting": ("Gia quyền", "Weighting"),
    "free_texts": ("Ý kiến góp ý của người trả lời", "Respondents' comments"),
    "methodology": ("Phương pháp và nguồn", "Methodology and sources"),
    "unverified": ("Phương pháp chưa được đối chiếu với văn bản chính thức",
                   "Method not yet checked against the official text"),
    "unverified_short": ("chưa đối chiếu", "unverified"),
    "no_data": ("Không có dữ liệu.", "No data."),
    "no_checks": ("Không có lỗi hoặc cảnh báo nào.", "No errors or warnings."),
    "ci_note": ("KTC: khoảng tin cậy", "CI: confidence interval"),
    "summary_by_severity": ("Tổng hợp theo mức độ", "Summary by severity"),
    "n_answers": ("Số ý kiến", "Number of answers"),
    "sheet_list": ("Các trang tính", "Sheets"),
    "generated_by": ("Lập bằng cchc_survey", "Made with cchc_survey"),
    # levels and units
    "level_index": ("Chỉ số", "Index"),
    "level_element": ("Yếu tố", "Element"),
    "level_criterion": ("Tiêu chí", "Criterion"),
    "level_item": ("Câu hỏi", "Item"),
    "level_dimension": ("Nội dung", "Dimension"),
    "level_sub_dimension": ("Nội dung thành phần", "Sub-dimension"),
    "level_indicator": ("Chỉ tiêu", "Indicator"),
    "level_subdimension": ("Nội dung thành phần", "Sub-dimension"),
    "level_total": ("Tổng hợp", "Total"),
    "level_field": ("Lĩnh vực", "Field"),
    "level_policy": ("Chính sách", "Policy"),
    "level_policy_index": ("Chỉ số chính sách", "Policy index"),
    "level_service_index": ("Chỉ số dịch vụ hành chính công", "Public administrative service index"),
    "unit_percent": ("%", "%"),
    "unit_proportion": ("tỷ lệ", "proportion"),
    "unit_points": ("điểm", "points"),
    "unit_mean": ("điểm trung bình", "mean score"),
    # charts
    "criterion": ("Tiêu chí", "Criterion"),
    "element": ("Yếu tố", "Element"),
    "unit_axis": ("Đơn vị", "Unit"),
    "wave": ("Đợt khảo sát", "Wave"),
    "gap_title": ("Kết quả khảo sát so với kết quả chính thức",
                  "Survey estimate versus official result"),
    "likert_title": ("Phân bố câu trả lời", "Distribution of answers"),
    "percent_answers": ("% câu trả lời", "% of answers"),
    "trend_title": ("Xu hướng theo đợt khảo sát", "Trend by wave"),
    "heatmap_title": ("Kết quả theo đơn vị và tiêu chí", "Results by unit and criterion"),
    "radar_title": ("Hồ sơ các thành phần", "Profile of the components"),
    "bar_title": ("Kết quả theo thành phần (kèm khoảng tin cậy)",
                  "Results by component (with confidence interval)"),
}


def t_opt(key: str, lang: Lang = "vi", default: str = "") -> str:
    """Like :func:`t`, but return ``default`` when ``key`` has no fixed text."""
    return t(key, lang) if key in _TEXT else unicodedata.normalize("NFC", default)


def t(key: str, lang: Lang = "vi") -> str:
    """Return the fixed text ``key`` in ``lang`` (NFC)."""
    vi, en = _TEXT[key]
    return unicodedata.normalize("NFC", vi if lang == "vi" else en)
