"""The command line's message catalogue: every text a command prints, Vietnamese first, English.

The language is Vietnamese unless ``--lang en`` is given or the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``) is an English one. Messages name things the way the command line
does (``--instrument``, ``--lss``, ``--encoding``), never the Python way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum


class Lang(StrEnum):
    """The languages of messages and reports."""

    vi = "vi"
    en = "en"


def locale_lang(env: Mapping[str, str] | None = None) -> Lang:
    """English when the locale is an English one (``en_GB.UTF-8``), else Vietnamese."""
    env = os.environ if env is None else env
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return Lang.en if value.lower().startswith("en") else Lang.vi
    return Lang.vi


_current: list[Lang] = [locale_lang()]


def set_lang(lang: Lang | str | None) -> Lang:
    """Use ``lang`` for the messages from now on (None: the locale's)."""
    _current[0] = Lang(lang) if lang else locale_lang()
    return _current[0]


def current_lang() -> Lang:
    return _current[0]


CATALOGUE: dict[str, tuple[str, str]] = {
    # the one error path
    "error": ("Lỗi (error):", "Error:"),
    "warning": ("Chú ý (warning):", "Warning:"),
    "written": ("đã ghi: {path}", "written: {path}"),
    # project and init
    "init.done": ("Đã tạo dự án {root}: questionnaires/ ({n} bảng hỏi), data/raw/, data/processed/, "
                  "notebooks/, reports/ và tệp dự án {file}.",
                  "Project {root} made: questionnaires/ ({n} instruments), data/raw/, "
                  "data/processed/, notebooks/, reports/ and the project file {file}."),
    "init.next": ("Tiếp theo: cd {root} rồi sửa {file} (đơn vị, tỉnh, kỳ báo cáo); chạy thử "
                  "`cchc-survey demo`.",
                  "Next: cd {root}, fill in {file} (unit, province, report period); try "
                  "`cchc-survey demo`."),
    "project.using": ("Dự án: {root}", "Project: {root}"),
    # instruments
    "instruments.verified": ("đã kiểm chứng", "verified"),
    "instruments.unverified": ("CHƯA kiểm chứng", "NOT verified"),
    "instruments.line": ("{id} v{version}: {title} — {n} câu hỏi, {index} ({flag})",
                         "{id} v{version}: {title} — {n} items, {index} ({flag})"),
    "instruments.none": ("{folder}: không có phiếu khảo sát (*.yaml) nào. Cách sửa: đưa thư mục "
                         "chứa các tệp phiếu, ví dụ questionnaires/",
                         "{folder}: no instrument (*.yaml) there. Fix: give the folder of the "
                         "instrument files, e.g. questionnaires/"),
    "lss.wrote": ("đã ghi {path}", "wrote {path}"),
    # report
    "report.reading": ("đang đọc dữ liệu ...", "reading the data ..."),
    "report.computing": ("đang kiểm tra, gia quyền, tính điểm ...",
                         "checking, weighting, scoring ..."),
    "report.writing": ("đang ghi báo cáo ...", "writing reports ..."),
    "report.books": ("{n_in} phiếu đọc được; {kept} phiếu dùng để phân tích, {excluded} phiếu bị "
                     "loại", "{n_in} responses read; {kept} kept, {excluded} excluded"),
    "report.quality": ("Kiểm tra dữ liệu: {errors} phiếu có lỗi, {warnings} phiếu cần xem lại",
                       "Data checks: {errors} questionnaires with errors, {warnings} to review"),
    "report.need_instrument": (
        "{source}: cần biết phiếu khảo sát của dữ liệu này. Cách sửa: thêm --instrument "
        "questionnaires/<phiếu>.yaml, hoặc --lss <khảo sát>.lss",
        "{source}: the data's instrument is needed. Fix: add --instrument "
        "questionnaires/<instrument>.yaml, or --lss <survey>.lss"),
    "report.lss_as_instrument": (
        "{path} là tệp cấu trúc LimeSurvey (.lss), không phải phiếu YAML: đọc nó như --lss",
        "{path} is a LimeSurvey structure file (.lss), not an instrument YAML: read as --lss"),
    "report.lss_only": (
        "--lss {lss} không kèm --instrument: báo cáo cần một phiếu (instrument) có phương pháp "
        "tính điểm. Cách sửa: tạo phiếu bằng `cchc-survey instrument from-lss {lss} --out "
        "questionnaires/x.yaml`, rồi thêm --instrument questionnaires/x.yaml",
        "--lss {lss} without --instrument: a report needs an instrument with its scoring "
        "method. Fix: make one with `cchc-survey instrument from-lss {lss} --out "
        "questionnaires/x.yaml`, then add --instrument questionnaires/x.yaml"),
    "report.no_source": (
        "{source}: không có tệp hay khảo sát đã xử lý nào tên này. Cách sửa: đưa đường dẫn "
        "tệp xuất từ LimeSurvey, thư mục data/processed/<khảo sát>, hoặc tên một khảo sát đã "
        "nhập ({known})",
        "{source}: no file or processed survey of that name. Fix: give a LimeSurvey export "
        "file, a data/processed/<survey> folder, or the name of an imported survey ({known})"),
    "report.processed": ("khảo sát đã xử lý {path}: {n} phiếu từ {k} lần nhập/tải về",
                         "processed survey {path}: {n} responses from {k} imports/pulls"),
    # demo
    "demo.done": ("Xong. Dữ liệu thô ở {raw}, kết quả ở {out}",
                  "Done. Raw exports in {raw}, results in {out}"),
}


def t(key: str, lang: Lang | str | None = None, /, **values: object) -> str:
    """The message ``key`` in ``lang`` (default: the current language), filled with ``values``."""
    vi, en = CATALOGUE[key]
    text = en if Lang(lang or current_lang()) == Lang.en else vi
    return text.format(**values) if values else text
