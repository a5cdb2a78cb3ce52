"""The fields of a dossier list, the column map that finds them in an export, and the templates.

A provincial one-stop information system (Hệ thống thông tin giải quyết thủ tục hành chính)
exports its dossiers (hồ sơ) as an Excel or CSV list, one row per dossier, with headers that
differ from province to province. A *column map* (YAML; the bundled ``columns.yaml`` is the
template, ``cchc-survey dossiers template columns.yaml`` writes a copy) says which header holds
each field of :data:`FIELDS`, which texts of the status and rating columns mean what, and which
unit code of the survey each receiving unit is.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import InputFileError, Problem
from ..text import fold, nfc_deep

FieldKind = Literal["text", "date", "status", "rating", "flag"]


@dataclass(frozen=True)
class DossierField:
    """One field of a dossier list: its default header, what it holds, whether it is required."""

    key: str
    header: str
    kind: FieldKind
    required: bool
    meaning_vi: str
    meaning_en: str


FIELDS: dict[str, DossierField] = {f.key: f for f in (
    DossierField("code", "Mã hồ sơ", "text", True, "Mã hồ sơ (mỗi hồ sơ một mã)",
                 "dossier code (one per dossier)"),
    DossierField("procedure", "Tên thủ tục hành chính", "text", False, "Tên thủ tục hành chính",
                 "the administrative procedure"),
    DossierField("field", "Lĩnh vực", "text", False, "Lĩnh vực của thủ tục", "its field"),
    DossierField("unit", "Đơn vị tiếp nhận", "text", True, "Cơ quan, đơn vị tiếp nhận hồ sơ",
                 "the receiving unit"),
    DossierField("received", "Ngày tiếp nhận", "date", True, "Ngày (giờ) tiếp nhận hồ sơ",
                 "date (and time) received"),
    DossierField("due", "Ngày hẹn trả", "date", False, "Ngày hẹn trả kết quả (hạn giải quyết)",
                 "due date of the result"),
    DossierField("returned", "Ngày trả kết quả", "date", False,
                 "Ngày trả kết quả (để trống nếu chưa trả)", "date the result was returned "
                 "(empty if not yet)"),
    DossierField("status", "Trạng thái", "status", False, "Trạng thái hồ sơ",
                 "status of the dossier"),
    DossierField("rating", "Đánh giá của người dân", "rating", False,
                 "Mức đánh giá của người dân, doanh nghiệp về hồ sơ", "the citizen's rating"),
    DossierField("feedback", "Phản ánh, kiến nghị", "text", False,
                 "Nội dung phản ánh, kiến nghị (PAKN) về hồ sơ; có nội dung = có một PAKN",
                 "feedback or petition (PAKN) about the dossier; any text = one PAKN"),
    DossierField("feedback_due", "Hạn trả lời phản ánh", "date", False,
                 "Hạn xử lý, trả lời PAKN", "deadline for answering the PAKN"),
    DossierField("feedback_answered", "Ngày trả lời phản ánh", "date", False,
                 "Ngày trả lời PAKN", "date the PAKN was answered"),
    DossierField("feedback_rating", "Đánh giá xử lý phản ánh", "rating", False,
                 "Mức đánh giá của người dân về việc xử lý PAKN",
                 "the citizen's rating of how the PAKN was handled"),
    DossierField("complaint", "Khiếu nại", "flag", False,
                 "Có khiếu nại về kết quả xử lý PAKN hoặc xử lý quá hạn (Có/x/nội dung)",
                 "a complaint about the PAKN's result or its overdue handling (yes/x/text)"),
    DossierField("feedback_in_scope", "Thuộc thẩm quyền", "flag", False,
                 "PAKN thuộc thẩm quyền giải quyết của đơn vị (Có/Không; trống = Có)",
                 "the PAKN is within the unit's competence (yes/no; empty = yes)"),
)}
"""Every field a dossier list may hold, in template order."""

STATUSES: tuple[str, ...] = ("returned", "in_progress", "withdrawn")
RATINGS: tuple[str, ...] = ("very_satisfied", "satisfied", "neutral", "dissatisfied", "none")


class ColumnMapError(InputFileError):
    """A column map cannot be used as it stands."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _number_as_text(v: object) -> object:
    """A number in a list of texts is its text (``1`` -> ``"1"``); a YAML boolean (``Yes``,
    ``No``, ``true``) stays an error: which word was meant is lost."""
    return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


Texts = list[Annotated[str, BeforeValidator(_number_as_text)]]


class StatusValues(_Strict):
    returned: Texts = Field(default_factory=list)
    in_progress: Texts = Field(default_factory=list)
    withdrawn: Texts = Field(default_factory=list)


class RatingValues(_Strict):
    very_satisfied: Texts = Field(default_factory=list)
    satisfied: Texts = Field(default_factory=list)
    neutral: Texts = Field(default_factory=list)
    dissatisfied: Texts = Field(default_factory=list)
    none: Texts = Field(default_factory=list)


class Values(_Strict):
    status: StatusValues = Field(default_factory=StatusValues)
    rating: RatingValues = Field(default_factory=RatingValues)
    yes: Texts = Field(default_factory=list)
    no: Texts = Field(default_factory=list)


class ColumnMap(_Strict):
    """A column map (see the bundled ``columns.yaml``)."""

    columns: dict[str, str]
    header_row: int | Literal["auto"] = "auto"
    sheet: int | str = 0
    values: Values = Field(default_factory=Values)
    units: dict[str, str] = Field(default_factory=dict)
    path: str = ""

    def header(self, key: str) -> str:
        """The header of field ``key`` in the export (``""``: not read)."""
        return self.columns.get(key, "") or ""

    def lookup(self, kind: Literal["status", "rating"]) -> dict[str, str]:
        """Folded text -> class, for the status or the rating columns."""
        block = self.values.status if kind == "status" else self.values.rating
        out: dict[str, str] = {}
        for cls, texts in block.model_dump().items():
            for t in texts:
                out.setdefault(fold(str(t)), cls)
        return out

    def flags(self) -> tuple[set[str], set[str]]:
        """Folded texts read as yes and as no."""
        return {fold(str(t)) for t in self.values.yes}, {fold(str(t)) for t in self.values.no}


def _text(name: str) -> str:
    return resources.files("cchc_survey.dossiers").joinpath(name).read_text(encoding="utf-8")


def yaml_source(path: str | Path | None, bundled: str, error: type[InputFileError],
                what: str, command: str) -> tuple[str, str]:
    """``(text, file name)`` of the YAML at ``path``, or of the bundled file ``bundled``.

    Raises:
        error: ``path`` does not exist (the fix names ``command``, which writes a copy).
    """
    if path is None:
        return _text(bundled), f"{bundled} (bundled)"
    p = Path(path)
    if not p.is_file():
        raise error([Problem(str(p), "file", "does not exist",
                             fix=f"check the path, or write a copy with `{command}`")],
                    summary=f"cannot read the {what}")
    return p.read_text(encoding="utf-8-sig"), str(p)


def copy_bundled(bundled: str, path: str | Path) -> Path:
    """Write a copy of the bundled YAML ``bundled`` (with its comments) to ``path``, to edit."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(_text(bundled), encoding="utf-8")
    return p


def _line_of(text: str, path: tuple[Any, ...]) -> int | None:
    """The line of the YAML node at ``path`` (its nearest existing ancestor)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        else:
            break
    return line


def parse_yaml(text: str, file: str, model: type[BaseModel]) -> Any:
    """Parse ``text`` into ``model``; every problem at once, with its line and YAML path."""
    try:
        data = nfc_deep(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ColumnMapError([Problem(file, "whole file", f"not valid YAML ({exc})",
                                      fix="check the indentation and the quotes",
                                      line=mark.line + 1 if mark is not None else None)],
                             summary=f"cannot read {file}") from None
    if not isinstance(data, dict):
        raise ColumnMapError([Problem(file, "whole file", "is not a YAML mapping",
                                      fix="start from the template (cchc-survey dossiers template)")],
                             summary=f"cannot read {file}")
    values = data.get("values")
    if isinstance(values, dict):  # YAML reads an unquoted key yes: / no: as true / false
        data["values"] = {({True: "yes", False: "no"}[k] if isinstance(k, bool) else k): v
                          for k, v in values.items()}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        def fix(e: Any) -> str:
            if e["type"] == "string_type" and isinstance(e.get("input"), bool):
                return ('write the text in quotes, e.g. "Yes" or "No" (YAML reads Yes, No, true '
                        "and false as a yes/no value, not as a text)")
            return "compare with the template (cchc-survey dossiers template)"

        problems = [Problem(file, ".".join(str(x) for x in e["loc"]), e["msg"], fix=fix(e),
                            line=_line_of(text, tuple(e["loc"]))) for e in exc.errors()]
        raise ColumnMapError(problems, summary=f"cannot read {file}") from None


def load_column_map(path: str | Path | None = None) -> ColumnMap:
    """Read a column map (``None``: the bundled template, for an export with its headers).

    Raises:
        ColumnMapError: not YAML, an unknown key (with its line), an unknown field name, or a
            required field left without a header.
    """
    text, file = yaml_source(path, "columns.yaml", ColumnMapError, "column map",
                             "cchc-survey dossiers template columns.yaml")
    cmap: ColumnMap = parse_yaml(text, file, ColumnMap)
    problems = [Problem(file, f"columns.{k}", "is not a field of a dossier list",
                        fix=f"use one of: {', '.join(FIELDS)}", line=_line_of(text, ("columns", k)))
                for k in cmap.columns if k not in FIELDS]
    problems += [Problem(file, f"columns.{k}", "is required and has no header",
                         fix=f"write the header of the export's column for {FIELDS[k].meaning_en}",
                         line=_line_of(text, ("columns",)))
                 for k, f in FIELDS.items() if f.required and not cmap.header(k)]
    if problems:
        raise ColumnMapError(problems, summary=f"cannot use the column map {file}")
    return cmap.model_copy(update={"path": file})


def write_column_map(path: str | Path) -> Path:
    """Write a copy of the bundled column map (with its comments) to edit."""
    return copy_bundled("columns.yaml", path)


def template_doc() -> pd.DataFrame:
    """One line per field: header, required, what it holds (Vietnamese, English), how to write it."""
    how = {"text": "văn bản / text",
           "date": "ngày: 05/03/2026, 05/03/2026 14:30, ngày 05 tháng 3 năm 2026 (ngày trước / day first)",
           "status": "một trong các giá trị khai báo ở values.status / one of values.status",
           "rating": "một trong các giá trị khai báo ở values.rating / one of values.rating",
           "flag": "Có / Không (hoặc nội dung) / yes / no (or a text)"}
    return pd.DataFrame([{"field": f.key, "header": f.header, "required": "có" if f.required else "",
                          "meaning_vi": f.meaning_vi, "meaning_en": f.meaning_en,
                          "format": how[f.kind]} for f in FIELDS.values()])


def write_template(path: str | Path) -> Path:
    """Write an empty dossier list (``.xlsx`` or ``.csv``) with the default headers, or the column
    map (``.yaml``).

    The Excel file has a ``data`` sheet with the headers and a ``README`` sheet with one line per
    field (:func:`template_doc`); the CSV has the header line only (UTF-8 with BOM).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return write_column_map(p)
    headers = [f.header for f in FIELDS.values()]
    empty = pd.DataFrame(columns=headers)
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        empty.to_csv(p, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        with pd.ExcelWriter(p, engine="openpyxl") as xw:
            empty.to_excel(xw, sheet_name="data", index=False)
            template_doc().to_excel(xw, sheet_name="README", index=False)
    else:
        raise ColumnMapError([Problem(str(p), "file name", f"{p.suffix or 'no extension'} is not "
                                      "supported", fix="use .xlsx, .csv or .yaml")],
                             summary="cannot write the template")
    return p
