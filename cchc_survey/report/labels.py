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
    "domain_df": ("Bậc tự do", "Degrees of freedom"),
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
    "sheet_checks_detail": ("Chi tiết kiểm tra", "Check details"),
    "sheet_profile": ("Cơ cấu người trả lời", "Respondent profile"),
    "excel_detail_elsewhere": ("Danh sách chi tiết ({n} lỗi ghi nhận) quá dài cho một trang tính: "
                               "xem tệp {file} đi kèm.",
                               "The detail ({n} flags) is too long for a sheet: see the file "
                               "{file} beside this workbook."),
    "excel_cut": ("Chỉ ghi {n} ý kiến được nêu nhiều nhất.", "Only the {n} most frequent answers."),
    "times_given": ("Số lần được nêu", "Times given"),
    "no_comment_col": ("Không có ý kiến", "No comment"),
    # codebook columns
    "underscore": ("Tên cột (dạng _)", "Column (underscore form)"),
    "sgqa": ("Mã SGQA", "SGQA code"),
    "item_id": ("Mã câu hỏi trong bộ công cụ", "Item id"),
    "question": ("Mã câu hỏi", "Question code"),
    "subquestion": ("Mã câu hỏi con", "Sub-question code"),
    "type": ("Loại câu hỏi", "Question type"),
    "text_vi": ("Nội dung câu hỏi", "Question text (vi)"),
    "text_en": ("Nội dung câu hỏi (tiếng Anh)", "Question text (en)"),
    "order": ("Thứ tự", "Order"),
    "missing": ("Mã thiếu (không biết/không áp dụng)", "Missing code (don't know / n.a.)"),
    "q_index": ("Chỉ số", "Index"),
    "instrument": ("Bộ câu hỏi", "Questionnaire"),
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
    "units_title": ("Kết quả theo đơn vị (kèm khoảng tin cậy)",
                    "Results by unit (with confidence interval)"),
    "criteria_sorted_title": ("Các tiêu chí, từ thấp đến cao", "Criteria, lowest to highest"),
    "gap_small_title": ("Khảo sát (khoảng tin cậy) và kết quả chính thức, mỗi thành phần theo "
                        "thang điểm riêng",
                        "Survey (interval) and official result, each component on its own scale"),
    "likert_element_title": ("Phân bố câu trả lời — {element}", "How people answered — {element}"),
    "trend_small_title": ("Xu hướng theo đợt khảo sát", "Trend by wave"),
    "heatmap_units_title": ("Kết quả theo đơn vị và {level}", "Results by unit and {level}"),

    # the report's prose (document.py): sections, sentences, table heads
    "doc_title": ("BÁO CÁO", "REPORT"),
    "doc_number": ("Số", "No."),
    "motto_1": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM"),
    "motto_2": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "dateline": ("{place}ngày {d:02d} tháng {m:02d} năm {y}", "{place}{day} {month} {y}"),
    "subtitle_prefix": ("Kết quả", "Results of the"),
    "sec_purpose": ("I. MỤC ĐÍCH, YÊU CẦU", "I. PURPOSE"),
    "sec_method": ("II. CÁCH THỨC KHẢO SÁT", "II. HOW THE SURVEY WAS DONE"),
    "sec_results": ("III. KẾT QUẢ KHẢO SÁT", "III. RESULTS"),
    "sec_comparison": ("IV. SO SÁNH VỚI KẾT QUẢ CHÍNH THỨC", "IV. COMPARISON WITH THE OFFICIAL RESULTS"),
    "sec_recommend": ("V. KIẾN NGHỊ, ĐỀ XUẤT", "V. RECOMMENDATIONS"),
    "sec_annex": ("PHỤ LỤC", "ANNEXES"),
    "annex_method": ("Phụ lục 1. Phương pháp và nguồn", "Annex 1. Methodology and sources"),
    "annex_quality": ("Phụ lục 2. Chất lượng dữ liệu", "Annex 2. Data quality"),
    "annex_weighting": ("Phụ lục 3. Gia quyền", "Annex 3. Weighting"),
    "annex_technical": ("Phụ lục 4. Bảng kỹ thuật", "Annex 4. Technical table"),
    "purpose_1": ("1. Mục đích: đo lường mức độ hài lòng và đánh giá của người dân, tổ chức đối với "
                  "{org} theo {indices}; xác định những nội dung còn hạn chế để có giải pháp cải "
                  "thiện; làm căn cứ theo dõi qua các đợt khảo sát và so sánh với kết quả chính "
                  "thức được công bố.",
                  "1. Purpose: to measure how satisfied people and organisations are with {org} "
                  "on {indices}; to find what needs improving; to follow the results from wave "
                  "to wave and compare them with the published official results."),
    "purpose_2": ("2. Yêu cầu: khảo sát khách quan, đúng phương pháp; bảo mật thông tin người trả "
                  "lời; mỗi kết quả được nêu kèm khoảng tin cậy; những nội dung chưa đối chiếu với "
                  "văn bản chính thức được ghi rõ.",
                  "2. Requirements: an objective survey by the stated method; respondents' "
                  "information kept confidential; every result given with its confidence "
                  "interval; what has not been checked against the official text is said so."),
    "key_findings": ("Kết quả chính", "Key findings"),
    "fieldwork_sentence": ("{name}: {period}khảo sát tại {units}; {handed}thu về {returned} "
                           "phiếu, trong đó {valid} phiếu hợp lệ được đưa vào phân tích "
                           "({excluded} phiếu bị loại, xem Phụ lục 2).",
                           "{name}: {period}surveyed in {units}; {handed}{returned} "
                           "questionnaires returned, {valid} of them valid and analysed "
                           "({excluded} excluded, see Annex 2)."),
    "period_from_to": ("từ ngày {a} đến ngày {b}, ", "from {a} to {b}, "),
    "valid_forms": ("{name}: {n} phiếu hợp lệ.", "{name}: {n} valid questionnaires."),
    "n_units": ("{n} đơn vị", "{n} units"),
    "units_unknown": ("các đơn vị tham gia", "the participating units"),
    "handed_out": ("phát ra {n} phiếu, ", "{n} questionnaires handed out, "),
    "weighting_sentence": ("Kết quả được gia quyền theo {vars} để phản ánh đúng cơ cấu người "
                           "được phục vụ (xem Phụ lục 3).",
                           "Results are weighted by {vars} so that they reflect who was served "
                           "(see Annex 3)."),
    "weighting_design": ("Kết quả được tính với trọng số thiết kế của mẫu (không điều chỉnh "
                         "theo cơ cấu tổng thể).",
                         "Results use the sample's design weights (not adjusted to population "
                         "totals)."),
    "profile_title": ("Cơ cấu người trả lời ({name})", "Respondent profile ({name})"),
    "variable": ("Đặc điểm", "Characteristic"),
    "category": ("Nhóm", "Group"),
    "share": ("Tỷ lệ", "Share"),
    "result": ("Kết quả", "Result"),
    "interval_95": ("Khoảng tin cậy 95%", "95% confidence interval"),
    "interval": ("Khoảng tin cậy", "Confidence interval"),
    "index_sentence": ("{name}: {label} đạt {est} (khoảng tin cậy {ci}).",
                       "{name}: {label} is {est} (confidence interval {ci})."),
    "highest": ("Tiêu chí cao nhất", "Highest criteria"),
    "lowest": ("Tiêu chí thấp nhất", "Lowest criteria"),
    "units_ranked": ("Xếp hạng đơn vị", "Units ranked"),
    "rank": ("Thứ hạng", "Rank"),
    "rank_note": ("Thứ hạng ghi khoảng (ví dụ 2–4) khi khoảng tin cậy của các đơn vị chồng lên "
                  "nhau: không thể khẳng định đơn vị nào hơn.",
                  "A rank is a range (e.g. 2–4) where units' confidence intervals overlap: "
                  "neither can be said to be ahead."),
    "units_not_ranked": ("Xếp hạng đơn vị: chưa xếp hạng được — ước lượng của {n} đơn vị kém tin "
                         "cậy hoặc không có khoảng tin cậy (xem bảng xếp hạng).",
                         "Units ranked: no ranking — the estimates of {n} units are unreliable "
                         "or have no interval (see the ranking table)."),
    "not_ranked": ("không xếp hạng", "not ranked"),
    "change_title": ("Thay đổi so với đợt trước ({a} → {b})", "Change since the previous wave ({a} → {b})"),
    "change": ("Thay đổi", "Change"),
    "change_sig_up": ("tăng có ý nghĩa thống kê", "a significant rise"),
    "change_sig_down": ("giảm có ý nghĩa thống kê", "a significant fall"),
    "change_none": ("chưa khác biệt có ý nghĩa", "no significant change"),
    "elements_of": ("{level} của {name}", "{name}: {level}"),
    "criteria_of": ("{level} của {name}", "{name}: {level}"),
    "detail_in_excel": ("Kết quả theo từng nhóm, đơn vị, đợt khảo sát và bảng đầy đủ: xem tệp "
                        "Excel kèm theo.",
                        "Results by group, unit and wave, and the full tables: see the Excel "
                        "workbook."),
    "caveat_section": ("Lưu ý: phương pháp tính của {src} chưa được đối chiếu đầy đủ với văn bản "
                       "chính thức; kết quả dùng để theo dõi, cải thiện trong nội bộ (nguồn và "
                       "mức độ đối chiếu: Phụ lục 1).",
                       "Note: the method behind {src} has not been fully checked against the "
                       "official text; use the results to follow and improve internally (sources "
                       "and what was checked: Annex 1)."),
    "caveat_plain": ("Lưu ý: phương pháp tính của các kết quả trong mục này chưa được đối chiếu "
                     "với văn bản chính thức.",
                     "Note: the method behind the results in this section has not been checked "
                     "against the official text."),
    "unreliable": ("ước lượng kém tin cậy", "unreliable estimate"),
    "unreliable_note": ("(*) ước lượng kém tin cậy (ít phiếu hoặc khoảng tin cậy rộng): chỉ để "
                        "tham khảo, không dùng để xếp hạng.",
                        "(*) unreliable estimate (few questionnaires or a wide interval): for "
                        "reference only, not ranked."),
    "not_enough": ("không đủ phiếu", "not enough responses"),
    "not_computed": ("không tính được", "cannot be computed"),
    "not_comparable": ("không so sánh được", "not comparable"),
    "not_comparable_why": ("Không so sánh được: phương pháp tính của khảo sát chưa được đối chiếu "
                           "với phương pháp chính thức, hoặc thang điểm khác thang điểm chính "
                           "thức; số liệu chỉ để tham khảo.",
                           "Not comparable: the survey's method has not been checked against the "
                           "official method, or its scale differs from the official scale; the "
                           "figures are for reference only."),
    "no_official": ("Chưa có số liệu chính thức tương ứng để so sánh.",
                    "No matching official results to compare with."),
    "official_src": ("Nguồn số liệu chính thức", "Official source"),
    "survey": ("Khảo sát", "Survey"),
    "sig_col": ("Khác biệt", "Difference significant"),
    "draft_mark": ("[DỰ THẢO — các kiến nghị dưới đây được soạn tự động từ kết quả khảo sát; "
                   "người viết báo cáo xem xét, chỉnh sửa trước khi ban hành.]",
                   "[DRAFT — the recommendations below were drafted automatically from the "
                   "results; the author reviews and edits them before the report is issued.]"),
    "rec_criteria": ("Tập trung cải thiện các tiêu chí có kết quả thấp nhất của {name}: {items}.",
                     "Focus on the lowest criteria of {name}: {items}."),
    "rec_units": ("Yêu cầu các đơn vị có kết quả thấp ({units}) rà soát nguyên nhân và đề ra biện "
                  "pháp khắc phục, báo cáo kết quả trong đợt khảo sát sau.",
                  "Ask the units with the lowest results ({units}) to review the causes and set "
                  "out remedies, reporting back at the next wave."),
    "rec_comments": ("Xem xét các nhóm ý kiến góp ý được nêu nhiều nhất: {groups}.",
                     "Consider the most frequent groups of comments: {groups}."),
    "rec_followup": ("Tiếp tục khảo sát định kỳ để theo dõi kết quả qua các đợt; đơn vị chủ trì, "
                     "thời hạn thực hiện: [người viết báo cáo điền].",
                     "Keep surveying at regular waves to follow the results; lead unit and "
                     "deadline: [to be filled in by the author]."),
    "comments_title": ("Ý kiến góp ý của người trả lời", "Respondents' comments"),
    "comments_counts": ("{name}: {total} người trả lời, trong đó {blank} để trống, {none} trả lời "
                        "“không có ý kiến”, {subst} có ý kiến ({distinct} ý kiến khác nhau).",
                        "{name}: {total} respondents; {blank} left it blank, {none} answered "
                        "“no comment”, {subst} commented ({distinct} different comments)."),
    "comments_group": ("Nhóm ý kiến (từ khóa)", "Group (keyword)"),
    "comments_n": ("Số ý kiến", "Comments"),
    "comments_examples": ("Ví dụ (số lần được nêu)", "Examples (times given)"),
    "comments_other": ("Ý kiến khác", "Other comments"),
    "comments_method": ("Ý kiến được chuẩn hóa (chữ, khoảng trắng, dấu câu), gộp các ý kiến trùng "
                        "nhau và nhóm theo từ khóa xuất hiện nhiều nhất (tách từ tiếng Việt bằng "
                        "thư viện underthesea). Danh sách đầy đủ: tệp Excel, trang “{sheet}”.",
                        "Comments were normalised (case, spaces, punctuation), repeats merged, "
                        "and grouped by their most frequent keyword (Vietnamese word segmentation "
                        "by the underthesea library). The full list: the Excel workbook, sheet "
                        "“{sheet}”."),
    "comments_none": ("Không có ý kiến góp ý nào.", "No comments were given."),
    "quality_intro": ("Số phiếu theo từng quy tắc kiểm tra (một phiếu có thể vi phạm nhiều quy "
                      "tắc; “số lỗi ghi nhận” là chi tiết theo câu hỏi). Danh sách chi tiết: tệp "
                      "{file}.",
                      "Questionnaires per check rule (one questionnaire may break several rules; "
                      "“flags” is the detail by question). The full list: the file {file}."),
    "q_rule": ("Quy tắc kiểm tra", "Check"),
    "q_flagged": ("Số phiếu vi phạm", "Questionnaires flagged"),
    "q_excluded": ("Số phiếu bị loại", "Questionnaires excluded"),
    "q_flags": ("Số lỗi ghi nhận", "Flags"),
    "q_action": ("Xử lý", "Action"),
    "q_exclude": ("loại khỏi phân tích", "excluded"),
    "q_keep": ("giữ lại, ghi chú", "kept, noted"),
    "q_totals": ("{name}: thu về {returned} phiếu, loại {excluded}, còn {valid} phiếu hợp lệ.",
                 "{name}: {returned} returned, {excluded} excluded, {valid} valid."),
    "w_intro": ("Gia quyền theo {vars}: trọng số của mỗi phiếu được điều chỉnh để cơ cấu mẫu "
                "khớp với cơ cấu tổng thể (số hồ sơ đã giải quyết) theo từng nhóm.",
                "Weighted by {vars}: each questionnaire's weight is adjusted so that the "
                "sample matches the population (files handled) in every group."),
    "w_none": ("Mẫu không được gia quyền theo cơ cấu tổng thể; kết quả dùng trọng số thiết kế.",
               "The sample was not weighted to population totals; results use design weights."),
    "w_summary": ("Trọng số từ {lo} đến {hi}; hiệu ứng thiết kế do gia quyền {deff}, tương đương "
                  "cỡ mẫu hiệu dụng {neff} phiếu.",
                  "Weights range from {lo} to {hi}; the design effect of weighting is {deff}, an "
                  "effective sample of {neff} questionnaires."),
    "tech_intro": ("Sai số chuẩn và khoảng tin cậy tính theo thiết kế mẫu ({method}); cỡ mẫu "
                   "hiệu dụng = số phiếu / hiệu ứng thiết kế.",
                   "Standard errors and intervals are design-based ({method}); effective n = "
                   "n / design effect."),
    "method_taylor": ("tuyến tính hóa Taylor", "Taylor linearisation"),
    "method_bootstrap": ("bootstrap", "bootstrap"),
    "method_unweighted": ("không gia quyền", "unweighted"),
    "method_sources": ("Các nội dung phương pháp và văn bản làm căn cứ:",
                       "The methodological elements and the documents they rest on:"),
    "verified_yes": ("đã đối chiếu", "checked"),
    "verified_no": ("chưa đối chiếu", "not checked"),
    "recipients": ("Nơi nhận:", "Recipients:"),
    "recipients_lines": ("- Như trên;|- Lưu: VT.", "- As above;|- Archive."),
    "signer": ("THỦ TRƯỞNG ĐƠN VỊ", "HEAD OF UNIT"),
    "signer_note": ("(Ký, ghi rõ họ tên, đóng dấu)", "(Signature, full name, seal)"),
    "page": ("Trang", "Page"),
    "figure": ("Biểu đồ", "Figure"),
    "table_word": ("Bảng", "Table"),
    "whole_unit": ("Chung", "Overall"),
    "profile_share": ("Cơ cấu (tỷ lệ trên số phiếu hợp lệ)", "Breakdown (share of valid questionnaires)"),
    "wave_latest": ("đợt gần nhất", "latest wave"),
    "all_reports": ("Báo cáo Word, bảng Excel và danh sách kiểm tra dữ liệu đi kèm báo cáo này.",
                    "The Word report, the Excel tables and the data-check list come with this "
                    "report."),
}


RULE_EN: dict[str, str] = {
    "out_of_scale": "Answer code outside the scale",
    "duplicate_respondent": "Duplicate questionnaire (same respondent or response id)",
    "incomplete": "Questionnaire not completed",
    "straightlining": "Same answer to every question of a grid",
    "speeder": "Answered too fast",
    "item_nonresponse": "Too many questions left blank",
    "filter_breach": "Answered a question not meant for the respondent (filter breach)",
}
"""English names of the check rules (the Vietnamese ones are :data:`cchc_survey.checks.REASON_VI`)."""


def t_opt(key: str, lang: Lang = "vi", default: str = "") -> str:
    """Like :func:`t`, but return ``default`` when ``key`` has no fixed text."""
    return t(key, lang) if key in _TEXT else unicodedata.normalize("NFC", default)


def t(key: str, lang: Lang = "vi") -> str:
    """Return the fixed text ``key`` in ``lang`` (NFC)."""
    vi, en = _TEXT[key]
    return unicodedata.normalize("NFC", vi if lang == "vi" else en)
