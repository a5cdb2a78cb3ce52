"""Paper forms: a data-entry workbook written from the instrument, and read back with no map.

``cchc-survey entry-sheet x.yaml -o nhap_lieu.xlsx`` writes:

* ``Hướng dẫn``: how to type the forms in (Vietnamese), and every column with its answers;
* ``Nhập liệu``: one row per paper form from row 3; row 1 the question in Vietnamese, row 2 the
  column's code (``id``, ``submitdate``, ``TC[C1]``: what the import reads); a form-number
  column (``Số phiếu``), the date on the form (``Ngày khảo sát``), then one column per item in
  questionnaire order. Each answer cell has a drop-down list (data validation) of the allowed
  answers written ``code - label`` (``4 - Hài lòng``); numbers and dates are checked as such.
  The two heading rows are locked (the sheet is protected without a password: it guards
  against slips, not people), the answer cells are not;
* ``Danh mục mã``: the answer lists the drop-downs take their values from;
* ``cchc_survey`` (hidden): which instrument and version the workbook is for.

Reading it back (:func:`entry_sheet_export`) needs no map: the columns are found by their code
in row 2, answers ``4 - Hài lòng`` (or a bare ``4``, or the label) become their code, every
message names the sheet's row and the column's letter and heading. A row with answers but no
form number or no date is set aside with its reason (a form without a date has no wave).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputFileError, Problem
from .columnmap import Column, ColumnMap, Ref

DATA_SHEET = "Nhập liệu"
HELP_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục mã"
META_SHEET = "cchc_survey"
FORMAT = "cchc_survey entry sheet"
FORMAT_VERSION = "1"
ID_COLUMN = ("id", "Số phiếu")
DATE_COLUMN = ("submitdate", "Ngày khảo sát")
FIRST_ROW = 3
_BOX = [("Y", "Có")]
_FIXED = {"G": [("F", "Nữ"), ("M", "Nam")], "Y": [("Y", "Có"), ("N", "Không")]}


class EntrySheetError(InputFileError):
    """A data-entry workbook cannot be read back, or is of another instrument."""


def _choices(inst: Any, item: Any) -> list[tuple[str, str]]:
    """The answers an item's drop-down offers: (code, Vietnamese label)."""
    if item.kind == "other":
        return []
    if item.type == "M":
        return list(_BOX)
    if item.type in _FIXED:
        return list(_FIXED[item.type])
    scale = inst.scales.get(item.scale) if item.scale else None
    if scale is None:
        return []
    out = [(str(o.code), o.vi) for o in scale.all_options]
    if item.type in ("L", "!") and any(q.other for _, q in inst.questions()
                                      if q.code == item.question_code):
        out.append(("-oth-", "Khác (ghi ở cột bên cạnh)"))
    return out


def _list_key(item: Any) -> str:
    if item.type == "M":
        return "_box"
    if item.type in _FIXED:
        return f"_{item.type}"
    return f"{item.scale}{'_oth' if item.type in ('L', '!') else ''}"


def _height(texts: list[tuple[str, int]]) -> float:
    """A row's height (points) for wrapped texts in columns of these widths (characters):
    Excel and LibreOffice do not grow a row written by openpyxl to fit its text."""
    lines = max((max(1, -(-len(t) // max(w - 4, 1))) for t, w in texts), default=1)
    return 15.0 * lines + 2


def _minimum(inst: Any, item: Any) -> float | None:
    """The smallest number a numeric item takes (its question's ``min``)."""
    for _, q in inst.questions():
        if q.code == item.question_code:
            return q.min
    return None


def _note(inst: Any, item: Any) -> str:
    parts = []
    if item.hidden or item.role == "design":
        parts.append("cán bộ điền theo phương án chọn mẫu")
    for f in item.filter:
        parts.append(f"chỉ khi câu {f.question} = {', '.join(map(str, f.in_))}")
    if item.kind == "other":
        parts.append("ghi nguyên văn khi chọn 'Khác'")
    return f" ({'; '.join(parts)})" if parts else ""


def write_entry_sheet(inst: Any, out: str | Path, *, rows: int = 1000) -> Path:
    """Write the data-entry workbook of ``inst`` (see the module docstring).

    Args:
        inst: the instrument.
        out: the ``.xlsx`` to write.
        rows: how many form rows get drop-downs and unlocked cells.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    out = Path(out)
    wb = Workbook()
    help_ws = wb.active
    help_ws.title = HELP_SHEET
    ws = wb.create_sheet(DATA_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"

    head_fill = PatternFill("solid", fgColor="1F4E79")
    code_fill = PatternFill("solid", fgColor="D9E1F2")
    white = Font(bold=True, color="FFFFFF")
    grey = Font(size=8, color="595959")
    wrap = Alignment(wrap_text=True, vertical="top")
    last = FIRST_ROW + rows - 1

    # --- the answer lists --------------------------------------------------------------------
    list_range: dict[str, str] = {}
    col = 0
    for item in inst.items:
        key = _list_key(item)
        choices = _choices(inst, item)
        if not choices or key in list_range:
            continue
        col += 1
        letter = get_column_letter(col)
        lists.cell(row=1, column=col, value=key).font = Font(bold=True)
        for r, (code, label) in enumerate(choices, start=2):
            lists.cell(row=r, column=col, value=f"{code} - {label}")
        lists.column_dimensions[letter].width = 34
        name = f"ds_{len(list_range) + 1}"
        ref = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(choices) + 1}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
        list_range[key] = name
    lists.protection.sheet = True

    # --- the data sheet ----------------------------------------------------------------------
    columns: list[tuple[str, str, str, Any]] = [
        (ID_COLUMN[0], f"{ID_COLUMN[1]} (số ghi trên phiếu)", "whole", None),
        (DATE_COLUMN[0], f"{DATE_COLUMN[1]} (ngày/tháng/năm)", "date", None)]
    for item in inst.items:
        text = item.text.vi if item.kind == "answer" and item.subcode else item.question_text.vi
        if item.kind == "other":
            text = f"{item.question_text.vi} — Khác (ghi rõ)"
        elif item.subcode:
            text = f"{item.question_text.vi} — {item.text.vi}"
        kind = ("list" if _choices(inst, item) else "decimal" if item.type == "N"
                else "date" if item.type == "D" else "text")
        columns.append((item.column, f"{item.column}. {text}{_note(inst, item)}", kind, item))
    validations: dict[str, DataValidation] = {}
    for c, (code, title, kind, item) in enumerate(columns, start=1):
        letter = get_column_letter(c)
        h = ws.cell(row=1, column=c, value=title)
        h.font, h.fill, h.alignment = white, head_fill, wrap
        k = ws.cell(row=2, column=c, value=code)
        k.font, k.fill = grey, code_fill
        ws.column_dimensions[letter].width = 14 if kind != "text" else 28
        rng = f"{letter}{FIRST_ROW}:{letter}{last}"
        if kind == "list":
            key = _list_key(item)
            if key not in validations:
                choices = _choices(inst, item)
                prompt = "; ".join(f"{a} = {b}" for a, b in choices)
                dv = DataValidation(type="list", formula1=f"={list_range[key]}", allow_blank=True,
                                    showErrorMessage=True, showInputMessage=True,
                                    errorTitle="Câu trả lời không có trong danh sách",
                                    error="Chọn một câu trả lời trong danh sách (Alt + ↓), "
                                    "hoặc để trống nếu phiếu bỏ qua câu này.",
                                    promptTitle="Chọn từ danh sách",
                                    prompt=prompt[:250])
                validations[key] = dv
                ws.add_data_validation(dv)
            validations[key].add(rng)
        elif kind in ("whole", "decimal"):
            lo = 1.0 if kind == "whole" else _minimum(inst, item)
            dv = DataValidation(type=kind, operator="between",
                                formula1=f"{lo:g}" if lo is not None else "-1E+15",
                                formula2="1E+15", allow_blank=True, showErrorMessage=True,
                                errorTitle="Không phải số",
                                error="Nhập một số" + (" nguyên dương (số phiếu)."
                                                       if kind == "whole" else "."))
            ws.add_data_validation(dv)
            dv.add(rng)
        elif kind == "date":
            dv = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)",
                                formula2="DATE(2100,12,31)", allow_blank=True,
                                showErrorMessage=True, errorTitle="Không phải ngày",
                                error="Nhập ngày dạng ngày/tháng/năm, ví dụ 05/03/2026.")
            ws.add_data_validation(dv)
            dv.add(rng)
        unlocked = Protection(locked=False)
        for r in range(FIRST_ROW, last + 1):  # the blank form rows (not respondents)
            cell = ws.cell(row=r, column=c)
            cell.protection = unlocked
            if kind == "date":
                cell.number_format = "dd/mm/yyyy"
    ws.row_dimensions[1].height = 90
    ws.freeze_panes = "C3"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False

    # --- instructions ------------------------------------------------------------------------
    help_ws.column_dimensions["A"].width = 12
    help_ws.column_dimensions["B"].width = 16
    help_ws.column_dimensions["C"].width = 70
    help_ws.column_dimensions["D"].width = 60
    lines = [
        (f"Hướng dẫn nhập phiếu khảo sát giấy: {inst.title.vi}", True),
        (f"Bảng hỏi {inst.id}, phiên bản {inst.version}. Tệp này được tạo bởi cchc-survey "
         "entry-sheet; đừng đổi tên các trang.", False),
        ("", False),
        (f"1. Mỗi phiếu giấy nhập vào MỘT dòng của trang '{DATA_SHEET}', bắt đầu từ dòng "
         f"{FIRST_ROW}. Không để trống dòng ở giữa nếu không cần.", False),
        (f"2. Cột '{ID_COLUMN[1]}': số ghi trên phiếu (số nguyên dương, không trùng nhau). "
         "Phiếu không có số thì đánh số tiếp theo và ghi số đó lên phiếu giấy.", False),
        (f"3. Cột '{DATE_COLUMN[1]}': ngày ghi trên phiếu (ngày/tháng/năm). Dòng thiếu số phiếu "
         "hoặc ngày sẽ bị loại khi nhập, kèm lý do.", False),
        ("4. Câu trả lời: bấm vào ô rồi chọn trong danh sách thả xuống (Alt + ↓). Mỗi lựa "
         "chọn có dạng 'mã - nội dung', ví dụ '4 - Hài lòng'.", False),
        ("5. Người trả lời bỏ qua câu hỏi: để trống ô. Chọn 'Không biết / Không có ý kiến' "
         "khi phiếu ghi như vậy.", False),
        ("6. Câu chọn nhiều phương án: mỗi phương án một cột; chọn 'Y - Có' nếu phương án "
         "được đánh dấu, để trống nếu không.", False),
        ("7. 'Khác (ghi rõ)' và ý kiến: gõ nguyên văn như trên phiếu.", False),
        ("8. Không sửa hai dòng tiêu đề (dòng 1 là câu hỏi, dòng 2 là mã cột mà chương trình "
         "đọc); không xoá, chèn hay đổi thứ tự cột.", False),
        ("9. Không nhập họ tên, số điện thoại, địa chỉ của người trả lời.", False),
        ("10. Nhập xong, lưu tệp (.xlsx) và đưa vào chương trình: cchc-survey import "
         f"{out.name} --instrument {Path(inst.path).name or inst.id + '.yaml'} "
         "(không cần bản đồ cột).", False),
        ("", False),
        ("Các cột và câu trả lời hợp lệ:", True),
    ]
    for r, (text, bold) in enumerate(lines, start=1):
        cell = help_ws.cell(row=r, column=1, value=text)
        cell.font = Font(bold=bold, size=13 if r == 1 else 11)
        cell.alignment = wrap
        help_ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
        help_ws.row_dimensions[r].height = _height([(text, 150)])
    r0 = len(lines) + 1
    for c, t in enumerate(("Cột", "Mã", "Câu hỏi", "Câu trả lời"), start=1):
        cell = help_ws.cell(row=r0, column=c, value=t)
        cell.font, cell.fill = white, head_fill
    for i, (code, title, kind, item) in enumerate(columns, start=1):
        answers = ("; ".join(f"{a} = {b}" for a, b in _choices(inst, item)) if item is not None
                   else "")
        if not answers:
            answers = {"whole": "số nguyên", "date": "ngày/tháng/năm", "decimal": "số",
                       "text": "chữ (nguyên văn)"}.get(kind, "")
        row = (get_column_letter(i), code, title.split(". ", 1)[-1], answers)
        for c, v in enumerate(row, start=1):
            cell = help_ws.cell(row=r0 + i, column=c, value=v)
            cell.alignment = wrap
        help_ws.row_dimensions[r0 + i].height = _height([(row[2], 70), (row[3], 60)])
    help_ws.protection.sheet = True
    help_ws.page_setup.orientation = "landscape"  # printed: the whole width on one page
    help_ws.sheet_properties.pageSetUpPr.fitToPage = True
    help_ws.page_setup.fitToWidth = 1
    help_ws.page_setup.fitToHeight = 0

    # --- what the workbook is ----------------------------------------------------------------
    for r, (k, v) in enumerate((("format", FORMAT), ("format_version", FORMAT_VERSION),
                                ("instrument", inst.id), ("instrument_version", inst.version),
                                ("data_sheet", DATA_SHEET), ("first_row", str(FIRST_ROW))),
                               start=1):
        meta.cell(row=r, column=1, value=k)
        meta.cell(row=r, column=2, value=v)
    meta.protection.sheet = True
    wb.active = 1
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    wb.save(tmp)
    tmp.replace(out)
    return out


def entry_sheet_meta(path: str | Path) -> dict[str, str] | None:
    """The workbook's ``cchc_survey`` sheet as key -> value, or None when it is no entry sheet."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not a workbook at all: not an entry sheet
        return None
    try:
        if META_SHEET not in wb.sheetnames:
            return None
        out = {str(r[0]): str(r[1]) for r in wb[META_SHEET].iter_rows(values_only=True)
               if r and r[0] is not None and len(r) > 1}
    finally:
        wb.close()
    return out if out.get("format") == FORMAT else None


def entry_sheet_map(inst: Any, path: str | Path, meta: dict[str, str]) -> ColumnMap:
    """The map of an entry sheet, from the instrument (no file to review: the sheet's own
    row 2 names every column).

    Raises:
        EntrySheetError: the workbook is for another instrument or version.
    """
    if meta.get("instrument") != inst.id or meta.get("instrument_version") != inst.version:
        raise EntrySheetError([Problem(
            str(path), f"sheet {META_SHEET}",
            f"the workbook was written for {meta.get('instrument')!r} version "
            f"{meta.get('instrument_version')!r}, not {inst.id!r} version {inst.version!r}",
            "import it with the instrument it was written for (--instrument), or copy the "
            "rows into a workbook written by cchc-survey entry-sheet for this version.")],
            f"cannot read the data-entry workbook {Path(path).name}")
    return ColumnMap(source="entry_sheet", instrument=inst.id, instrument_version=inst.version,
                     sheet=meta.get("data_sheet", DATA_SHEET), date_order="dmy",
                     id=Ref(heading=ID_COLUMN[0]), timestamp=Ref(heading=DATE_COLUMN[0]),
                     columns=[Column(heading=it.column, item=it.id, confidence=1.0)
                              for it in inst.items])


def entry_sheet_display(codes: list[str]) -> dict[str, str]:
    """Row 2's codes -> how messages name the column: ``cột F (TC[C1])``, ``cột A (Số phiếu)``."""
    from openpyxl.utils import get_column_letter

    names = {ID_COLUMN[0]: ID_COLUMN[1], DATE_COLUMN[0]: DATE_COLUMN[1]}
    return {c: f"cột {get_column_letter(i + 1)} ({names.get(c, c)})" for i, c in enumerate(codes)}
