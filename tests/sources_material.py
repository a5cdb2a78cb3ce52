"""Test material for answers collected outside LimeSurvey, made from the demo generator's answers.

The demo generator (:mod:`cchc_survey.generate`) writes deterministic answers as LimeSurvey's CSV
export. Every function here writes *the same answers* as another source would: a Google Forms
CSV download or its linked sheet saved as xlsx, a KoboToolbox CSV (XML names) or XLSX (labels)
export with the form's XLSForm, a data-entry workbook filled in by a clerk. So each source can
be read and compared, cell by cell, with the tidy frame of the LimeSurvey export.

Run ``python tests/sources_material.py`` to write the small files of ``tests/fixtures/sources``
(``tests/test_sources_material.py`` checks that the committed files are what this writes).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from cchc_survey import QUESTIONNAIRES
from cchc_survey.generate import DemoDesign, generate
from cchc_survey.instrument import load_instrument

FIXTURES = Path(__file__).parent / "fixtures" / "sources"

# The one-stop form as a ward typed it into Google Forms: numbering, shortened wording, a row
# without diacritics, capitals, a different order of words; one extra question (a phone number)
# that the instrument does not have, and no hidden sampling fields.
RETYPED = {
    "DONVI": "1. Cơ quan/đơn vị đã giải quyết hồ sơ của Ông (Bà)",
    "LINHVUC": "2. Lĩnh vực thủ tục hành chính đã giải quyết",
    "KENHNOP": "Câu 3: Ông/Bà nộp hồ sơ và nhận kết quả qua hình thức nào",
    "DOITUONG": "Câu 4: Ông/Bà là:",
    "TC": "Câu 5. Mức độ hài lòng về việc tiếp cận dịch vụ",
    "TC[C1]": "Noi ngoi cho tai Bo phan Mot cua co du cho ngoi",
    "TC[C2]": "Trang thiết bị phục vụ tại Bộ phận Một cửa đầy đủ",
    "TC[C3]": "Trang thiết bị hiện đại",
    "TC[C4]": "Trang thiết bị dễ sử dụng",
    "TCCHUNG": "6. Nhìn chung, Ông/Bà hài lòng về tiếp cận dịch vụ ở mức nào?",
    "TT": "Câu 7. Về thủ tục hành chính",
    "TT[C1]": "TTHC được niêm yết công khai đầy đủ",
    "TT[C2]": "TTHC được niêm yết công khai chính xác",
    "TT[C3]": "Thành phần hồ sơ phải nộp đúng quy định",
    "TT[C4]": "Phí, lệ phí phải nộp đúng quy định",
    "TT[C5]": "Thời hạn giải quyết đúng quy định",
    "TTCHUNG": "8. Nhìn chung về thủ tục hành chính",
    "CC": "Câu 9. Đánh giá công chức trực tiếp giải quyết công việc",
    "CC[C1]": "Thái độ giao tiếp lịch sự",
    "CC[C2]": "Chú ý lắng nghe ý kiến của người dân",
    "CC[C3]": "Trả lời, giải thích đầy đủ các ý kiến",
    "CC[C4]": "Hướng dẫn kê khai hồ sơ tận tình, chu đáo",
    "CC[C5]": "Hướng dẫn kê khai hồ sơ dễ hiểu",
    "CC[C6]": "Tuân thủ đúng quy định trong giải quyết công việc",
    "CCCHUNG": "10. Nhìn chung về công chức giải quyết công việc",
    "KQ": "Câu 11. Kết quả giải quyết TTHC",
    "KQ[C1]": "Kết quả nhận được đúng quy định",
    "KQ[C2]": "Kết quả có thông tin đầy đủ",
    "KQ[C3]": "Kết quả có thông tin chính xác",
    "KQCHUNG": "12. Nhìn chung về kết quả nhận được",
    "COPHANANH": "13. Ông/Bà có góp ý, phản ánh, kiến nghị với cơ quan không?",
    "PA": "Câu 14. Việc tiếp nhận, xử lý góp ý, phản ánh, kiến nghị (nếu có)",
    "PA[C1]": "Có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị",
    "PA[C2]": "Dễ dàng thực hiện góp ý, phản ánh, kiến nghị",
    "PA[C3]": "Tiếp nhận, xử lý tích cực các góp ý",
    "PA[C4]": "Thông báo kịp thời kết quả xử lý",
    "PACHUNG": "15. Nhìn chung về việc xử lý góp ý, phản ánh, kiến nghị",
    "HAILONG": "16. NHÌN CHUNG ÔNG/BÀ HÀI LÒNG THẾ NÀO VỀ SỰ PHỤC VỤ CỦA CƠ QUAN?",
    "MONGDOI": "17. Ông/Bà mong muốn cơ quan ưu tiên cải thiện nội dung nào? (chọn nhiều)",
    "YKIEN": "18. Ý kiến khác",
    "GIOITINH": "Giới tính",
    "TUOI": "Độ tuổi",
    "HOCVAN": "Trình độ học vấn",
    "NGHENGHIEP": "Nghề nghiệp hiện nay",
}
EXTRA_HEADING = "Số điện thoại liên hệ (không bắt buộc)"
# Options the form owner typed differently from the instrument: case and diacritics.
RETYPED_LABELS = {("sat5", "3"): "Bình Thường", ("tuoi", "1"): "từ 18 đến 24 tuổi",
                  ("linhvuc", "LV1"): "Dat dai"}


def answers(inst_name: str = "sipas_one_stop", n: int = 40, seed: int = 11,
            complete: bool = True) -> tuple[Any, pd.DataFrame]:
    """The instrument and the demo generator's LimeSurvey answers (complete ones only)."""
    inst = load_instrument(QUESTIONNAIRES / f"{inst_name}.yaml")
    export = generate(inst, DemoDesign(n=n, seed=seed)).export
    if complete:
        export = export[export["submitdate"] != ""].reset_index(drop=True)
    return inst, export


def _label(inst: Any, item: Any, code: str, lang: str = "vi",
           retyped: dict[tuple[str, str], str] | None = None) -> str:
    if item.type == "G":
        return {"F": "Nữ", "M": "Nam"}[code] if lang == "vi" else {"F": "Female", "M": "Male"}[code]
    if item.type == "Y":
        return {"Y": "Có", "N": "Không"}[code] if lang == "vi" else {"Y": "Yes", "N": "No"}[code]
    if retyped and (item.scale, code) in retyped:
        return retyped[(item.scale, code)]
    return inst.scales[item.scale].label(_code(inst, item, code), lang)


def _code(inst: Any, item: Any, code: str) -> Any:
    scale = inst.scales[item.scale]
    return next(o.code for o in scale.all_options if str(o.code) == code)


def _gf_time(ts: str, lang: str) -> str:
    """``2026-01-05 09:12:19`` as Google Forms' CSV download writes it."""
    t = dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S")
    h = t.hour % 12 or 12
    mark = ("SA" if t.hour < 12 else "CH") if lang == "vi" else ("AM" if t.hour < 12 else "PM")
    return f"{t:%Y/%m/%d} {h}:{t:%M:%S} {mark} GMT+7"


def google_forms_frame(inst: Any, export: pd.DataFrame, *, headings: dict[str, str] | None = None,
                       lang: str = "vi", labels: dict[tuple[str, str], str] | None = None,
                       email: bool = False, extra: bool = False) -> pd.DataFrame:
    """The answers as Google Forms stores them: one column per question (grid rows as
    ``Question [Row]``), labels instead of codes, checkboxes joined with ", ", "Other" texts in
    place of a label; hidden sampling fields are not in a Google Form. Values are strings;
    the timestamp column holds LimeSurvey's ISO times (written by the writers below)."""
    heads = headings or {}
    cols: dict[str, Any] = {"Dấu thời gian" if lang == "vi" else "Timestamp":
                            export["submitdate"].tolist()}
    if email:
        cols["Địa chỉ email" if lang == "vi" else "Email address"] = [
            f"nguoidan{int(i) % 7}@example.vn" for i in export["id"]]
    for _, q in inst.questions():
        if q.hidden:
            continue
        items = [it for it in inst.items if it.question_code == q.code]
        qtext = heads.get(q.code, q.text.get(lang))
        if q.type == "F":
            for it in items:
                row = heads.get(it.column, it.text.get(lang))
                col = export[it.column]
                cols[f"{qtext} [{row}]"] = [_label(inst, it, c, lang, labels) if c else ""
                                            for c in col]
            continue
        if q.type == "M":
            subs = [it for it in items if it.kind == "answer"]
            other = f"{q.code}[other]"
            vals = []
            for r in range(len(export)):
                parts = [it.text.get(lang) for it in subs if export.at[r, it.column] == "Y"]
                if other in export and export.at[r, other]:
                    parts.append(export.at[r, other])
                vals.append(", ".join(parts))
            cols[qtext] = vals
            continue
        main = next(it for it in items if it.kind == "answer")
        col = export[main.column]
        if q.type in ("S", "T", "N"):
            cols[qtext] = col.tolist()
            continue
        other = f"{q.code}[other]"
        cols[qtext] = [(export.at[r, other] if c == "-oth-" else
                        _label(inst, main, c, lang, labels) if c else "")
                       for r, c in enumerate(col)]
    if extra:
        cols[EXTRA_HEADING] = ["09" + f"{int(i) * 7919 % 10**8:08d}" if int(i) % 3 else ""
                               for i in export["id"]]
    return pd.DataFrame(cols)


def write_google_csv(frame: pd.DataFrame, path: Path, lang: str = "vi") -> Path:
    """Google Forms' "Download responses (.csv)": comma-separated, quoted where needed, UTF-8."""
    f = frame.copy()
    ts = f.columns[0]
    f[ts] = [_gf_time(t, lang) for t in f[ts]]
    path.parent.mkdir(parents=True, exist_ok=True)
    f.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def _texts_as_text(ws: Any) -> None:
    """Answers starting with ``=`` as text cells, as Google Sheets and KoboToolbox store them
    (openpyxl would write them as formulas)."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def write_google_xlsx(frame: pd.DataFrame, path: Path, sheet: str = "Câu trả lời biểu mẫu 1"
                      ) -> Path:
    """The linked Google Sheet downloaded as xlsx: the timestamp a date cell, linear-scale and
    number answers number cells, the rest text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(frame.columns))
    for r in frame.itertuples(index=False):
        row: list[Any] = [dt.datetime.strptime(r[0], "%Y-%m-%d %H:%M:%S")]
        for v in r[1:]:
            row.append(int(v) if isinstance(v, str) and v.isdigit() and len(v) < 3 else v)
        ws.append(row)
    _texts_as_text(ws)
    for c in ws["A"][1:]:
        c.number_format = "dd/mm/yyyy hh:mm:ss"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# KoboToolbox
# --------------------------------------------------------------------------------------------
def _slug(text: str) -> str:
    t = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "_", t).strip("_")[:24]


def kobo_form(inst: Any) -> dict[str, Any]:
    """The instrument as a unit would build it in KoboToolbox: its own XML names (``cau_7``),
    groups ``phan_1``..., choice names that are digits for numbered scales and slugs of the
    labels otherwise; hidden sampling fields as questions the enumerator fills."""
    survey: list[dict[str, str]] = []
    choices: list[dict[str, str]] = []
    names: dict[str, str] = {}  # item column -> XML path
    lists: dict[str, dict[str, str]] = {}  # list name -> code -> choice name
    k = 0

    def choice_list(key: str, options: list[tuple[str, str, str]]) -> str:
        if key not in lists:
            lists[key] = {}
            for code, vi, en in options:
                name = (code if code.isdigit() else "other" if code in ("other", "-oth-")
                        else _slug(vi))
                while name in lists[key].values():  # choice names are unique in a list
                    name = f"{name[:21]}_{len(lists[key])}"
                lists[key][code] = name
                choices.append({"list_name": key, "name": name, "label::Tiếng Việt (vi)": vi,
                                "label::English (en)": en})
        return key

    for g_i, g in enumerate(inst.spec.groups, start=1):
        group = f"phan_{g_i}"
        survey.append({"type": "begin_group", "name": group, "label::Tiếng Việt (vi)": g.title.vi,
                       "label::English (en)": g.title.en})
        for q in g.questions:
            items = [it for it in inst.items if it.question_code == q.code]
            if q.type == "F":
                scale = inst.scales[q.scale]
                ln = choice_list(q.scale, [(str(o.code), o.vi, o.en) for o in scale.all_options])
                for it in items:
                    k += 1
                    name = f"cau_{k}"
                    names[it.column] = f"{group}/{name}"
                    survey.append({"type": f"select_one {ln}", "name": name,
                                   "label::Tiếng Việt (vi)": it.text.vi,
                                   "label::English (en)": it.text.en})
                continue
            k += 1
            name = f"cau_{k}"
            main = next(it for it in items if it.kind == "answer")
            base = {"name": name, "label::Tiếng Việt (vi)": q.text.vi,
                    "label::English (en)": q.text.en}
            if q.type == "M":
                subs = [it for it in items if it.kind == "answer"]
                opts = [(it.subcode, it.text.vi, it.text.en) for it in subs]
                if q.other:
                    opts.append(("other", "Khác", "Other"))
                ln = choice_list(f"ds_{q.code.lower()}", opts)
                survey.append({"type": f"select_multiple {ln}", **base})
                names[q.code] = f"{group}/{name}"
                for it in subs:
                    names[it.column] = f"{group}/{name}/{lists[ln][it.subcode]}"
            elif q.type in ("L", "!", "G", "Y"):
                if q.type == "G":
                    opts = [("F", "Nữ", "Female"), ("M", "Nam", "Male")]
                    key = "gioi_tinh"
                elif q.type == "Y":
                    opts = [("Y", "Có", "Yes"), ("N", "Không", "No")]
                    key = "co_khong"
                else:
                    scale = inst.scales[q.scale]
                    opts = [(str(o.code), o.vi, o.en) for o in scale.all_options]
                    key = q.scale
                    if q.other:
                        opts.append(("-oth-", "Khác", "Other"))
                        key = f"{q.scale}_khac"
                ln = choice_list(key, opts)
                survey.append({"type": f"select_one {ln}", **base})
                names[main.column] = f"{group}/{name}"
            elif q.type == "N":
                survey.append({"type": "decimal", **base})
                names[main.column] = f"{group}/{name}"
            else:
                survey.append({"type": "text", **base})
                names[main.column] = f"{group}/{name}"
            if q.other:
                names[f"{q.code}[other]"] = f"{group}/{name}_khac"
                survey.append({"type": "text", "name": f"{name}_khac",
                               "label::Tiếng Việt (vi)": f"{q.text.vi} — Khác (ghi rõ)",
                               "label::English (en)": f"{q.text.en} — Other (specify)"})
        survey.append({"type": "end_group", "name": "", "label::Tiếng Việt (vi)": "",
                       "label::English (en)": ""})
    meta = [{"type": "start", "name": "start"}, {"type": "end", "name": "end"}]
    return {"survey": meta + survey, "choices": choices, "names": names, "lists": lists,
            "settings": [{"form_title": inst.title.vi, "form_id": f"{inst.id}_kobo",
                          "version": "2026-03", "default_language": "Tiếng Việt (vi)"}]}


def write_xlsform(form: dict[str, Any], path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, cols in (("survey", ["type", "name", "label::Tiếng Việt (vi)",
                                    "label::English (en)", "required", "relevant"]),
                        ("choices", ["list_name", "name", "label::Tiếng Việt (vi)",
                                     "label::English (en)"]),
                        ("settings", ["form_title", "form_id", "version", "default_language"])):
        ws = wb.create_sheet(sheet)
        ws.append(cols)
        for row in form[sheet]:
            ws.append([row.get(c, "") for c in cols])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _utc_iso(ts: str) -> str:
    t = dt.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S") - dt.timedelta(hours=7)
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def kobo_frame(inst: Any, export: pd.DataFrame, form: dict[str, Any], *,
               labels: bool = False) -> pd.DataFrame:
    """The answers as KoboToolbox exports them: XML names and values (``labels`` False) or
    labels (True); select_multiple as the ticked names separated by spaces plus one 0/1
    column per option; the meta columns Kobo adds."""
    names = form["names"]
    lists = form["lists"]
    label_of = {(c["list_name"], c["name"]): c["label::Tiếng Việt (vi)"] for c in form["choices"]}
    head_label = {}
    for row in form["survey"]:
        head_label[row["name"]] = row.get("label::Tiếng Việt (vi)", row["name"])
    n = len(export)
    cols: dict[str, Any] = {
        "start": [t.replace(" ", "T") + ".000+07:00" for t in export["startdate"]],
        "end": [t.replace(" ", "T") + ".000+07:00" for t in export["submitdate"]]}

    def heading(path: str) -> str:
        if not labels:
            return path
        parts = path.split("/")
        if len(parts) == 3:  # a select_multiple option column
            q = parts[1]
            ln = next(r["type"].split()[1] for r in form["survey"] if r["name"] == q)
            return f"{head_label[q]}/{label_of[(ln, parts[2])]}"
        return head_label[parts[-1]]

    for it in inst.items:
        if it.type == "M" and it.kind == "answer":
            continue
        path = names.get(it.column)
        if path is None:
            continue
        col = export[it.column]
        row = next(r for r in form["survey"] if r["name"] == path.split("/")[-1])
        if row["type"].startswith("select_one"):
            ln = row["type"].split()[1]
            vals = [lists[ln][c] if c else "" for c in col]
            if labels:
                vals = [label_of[(ln, v)] if v else "" for v in vals]
            cols[heading(path)] = vals
        else:
            cols[heading(path)] = col.tolist()
    for _, q in inst.questions():
        if q.type != "M":
            continue
        path = names[q.code]
        row = next(r for r in form["survey"] if r["name"] == path.split("/")[-1])
        ln = row["type"].split()[1]
        subs = [it for it in inst.items if it.question_code == q.code and it.kind == "answer"]
        other = export.get(f"{q.code}[other]", pd.Series([""] * n))
        picked = []
        for r in range(n):
            p = [lists[ln][it.subcode] for it in subs if export.at[r, it.column] == "Y"]
            if q.other and other.iloc[r]:
                p.append(lists[ln]["other"])
            picked.append(p)
        summary = [" ".join(label_of[(ln, x)] if labels else x for x in p) for p in picked]
        # insert the summary column before its option columns, as formpack does
        cols[heading(path)] = summary
        for it in subs:
            cols[heading(names[it.column])] = ["1" if lists[ln][it.subcode] in p else "0"
                                               for p in picked]
        if q.other:
            cols[heading(f"{path}/other")] = ["1" if "other" in p else "0" for p in picked]
            cols[heading(names[f"{q.code}[other]"])] = other.tolist()
    cols["_id"] = [str(int(i)) for i in export["id"]]
    cols["_uuid"] = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"cchc/{inst.id}/{i}"))
                     for i in export["id"]]
    cols["_submission_time"] = [_utc_iso(t) for t in export["submitdate"]]
    cols["_validation_status"] = [""] * n
    cols["_notes"] = [""] * n
    cols["_status"] = ["submitted_via_web"] * n
    cols["_submitted_by"] = [""] * n
    cols["__version__"] = ["vQ7kGx3mNbRt2026"] * n
    cols["_tags"] = [""] * n
    cols["_index"] = [str(i) for i in range(1, n + 1)]
    return pd.DataFrame(cols)


def write_kobo_csv(frame: pd.DataFrame, path: Path) -> Path:
    """formpack's CSV: ``;`` between fields, every field quoted, ``"`` doubled."""
    def line(vals: list[Any]) -> str:
        return '"' + '";"'.join(str(v).replace('"', '""') for v in vals) + '"'

    text = "\n".join([line(list(frame.columns))] + [line(list(r)) for r in
                                                    frame.itertuples(index=False)]) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_kobo_xlsx(frame: pd.DataFrame, path: Path, title: str) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(list(frame.columns))
    for r in frame.itertuples(index=False):
        ws.append([int(v) if isinstance(v, str) and v.isdigit() and len(v) < 6 else v for v in r])
    _texts_as_text(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# the data-entry workbook, filled in
# --------------------------------------------------------------------------------------------
def fill_entry_sheet(inst: Any, export: pd.DataFrame, path: Path, *,
                     bare_codes_every: int = 5) -> Path:
    """Type the answers into a workbook written by ``cchc-survey entry-sheet``: the form number
    and the date on the form, then each answer as picked from the drop-down (``4 - Hài lòng``);
    every ``bare_codes_every``-th form has its codes typed bare (``4``) as a hurried clerk does;
    texts as written (an answer starting with ``=`` typed as text)."""
    import openpyxl

    from cchc_survey.sources.entry_sheet import DATA_SHEET, FIRST_ROW

    wb = openpyxl.load_workbook(path)
    ws = wb[DATA_SHEET]
    codes = [c.value for c in ws[2]]
    for r, rec in enumerate(export.to_dict("records")):
        row = FIRST_ROW + r
        bare = bare_codes_every and (r % bare_codes_every == bare_codes_every - 1)
        for c, code in enumerate(codes, start=1):
            if code == "id":
                value: Any = int(rec["id"])
            elif code == "submitdate":
                value = dt.datetime.strptime(rec["submitdate"][:10], "%Y-%m-%d")
            else:
                v = rec.get(code, "")
                if v in ("", None):
                    continue
                item = next(it for it in inst.items if it.column == code)
                if item.type == "M" and item.kind == "answer":
                    value = "Y - Có"
                elif item.kind == "other" or item.type in ("S", "T"):
                    value = v
                elif item.type == "N":
                    value = float(v)
                elif v == "-oth-":
                    value = "-oth- - Khác (ghi ở cột bên cạnh)"
                elif bare:
                    value = int(v) if v.isdigit() else v
                else:
                    value = f"{v} - {_label(inst, item, v)}"
            cell = ws.cell(row=row, column=c)
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # typed as text (Excel: a leading apostrophe)
    wb.save(path)
    return path


def limesurvey_csv(export: pd.DataFrame, path: Path) -> Path:
    from cchc_survey.generate import write_limesurvey_csv

    return write_limesurvey_csv(export, path)


def write_all(folder: Path = FIXTURES) -> list[Path]:
    """The committed fixture files (small: 24 responses), from the same answers."""
    from cchc_survey.sources import write_entry_sheet

    inst, export = answers(n=28, seed=11)
    out = [limesurvey_csv(export, folder / "sipas_one_stop_limesurvey.csv")]
    gf = google_forms_frame(inst, export, headings=RETYPED, labels=RETYPED_LABELS, email=True,
                            extra=True)
    out.append(write_google_csv(gf, folder / "sipas_one_stop_google_forms.csv"))
    out.append(write_google_xlsx(google_forms_frame(inst, export), folder /
                                 "sipas_one_stop_google_sheet.xlsx"))
    form = kobo_form(inst)
    out.append(write_xlsform(form, folder / "sipas_one_stop_xlsform.xlsx"))
    out.append(write_kobo_csv(kobo_frame(inst, export, form), folder /
                              "sipas_one_stop_kobo.csv"))
    out.append(write_kobo_xlsx(kobo_frame(inst, export, form, labels=True),
                               folder / "sipas_one_stop_kobo_labels.xlsx", inst.title.vi))
    es = write_entry_sheet(inst, folder / "sipas_one_stop_nhap_lieu.xlsx", rows=40)
    out.append(fill_entry_sheet(inst, export, es))
    return out


if __name__ == "__main__":
    for p in write_all():
        print(p)
