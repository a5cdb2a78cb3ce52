"""KoboToolbox / ODK: the CSV and XLSX data exports, and the form's XLSForm as its codebook.

What KoboToolbox writes (its ``formpack`` exporter), and how each part is read:

* CSV: ``;`` between fields, every field in double quotes; XLSX: one sheet (more for repeat
  groups, which are not read). Headings are the questions' XML names (``tc_1``), with the group
  path when "include groups" is chosen (``yeu_to_1/tc_1``), or the labels
  (``Nơi ngồi chờ có đủ chỗ ngồi``; ``Nhóm/Câu`` with the groups);
* values are the choices' XML names (``1``, ``so_tai_chinh``) or their labels;
* ``select_multiple``: a column of the ticked names separated by spaces, and/or one column per
  option (``yeu_to_6/mong_doi/m3``) holding ``1`` or ``0``; an "other" option's text is a
  question of its own (``mong_doi_other``);
* meta columns: ``_id`` (the submission's number: the response id), ``_uuid``,
  ``_submission_time`` (UTC, ``2026-03-05T02:41:07``: the time of the last action), ``start`` and
  ``end`` (the device's times with their offset: start and submission), ``_index``,
  ``_validation_status``, ``_notes``, ``_status``, ``_submitted_by``, ``__version__``, ``_tags``,
  ``today``, ``deviceid``, ``username``... (read or ignored, never answers).

The XLSForm (``survey`` and ``choices`` sheets; the ``settings`` sheet names the form) says what
each XML name and choice name means, in its labels (``label`` or ``label::Tiếng Việt (vi)``):
the map proposer matches those labels with the instrument's wording, as it matches a Google
Form's headings, so XML names need not be the instrument's item ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .table import read_xlsx_table, source_error

META_HEADINGS = ("_id", "_uuid", "_submission_time", "_index", "_validation_status", "_notes",
                 "_status", "_submitted_by", "__version__", "_tags", "_version_", "_xform_id",
                 "_attachments", "_geolocation", "_parent_index", "_parent_table_name",
                 "start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
                 "phonenumber", "audit", "instanceID", "meta/instanceID", "formhub/uuid",
                 "meta/rootUuid", "meta/deprecatedID")
KOBO_MARKERS = ("_uuid", "_submission_time", "_id")


def base_name(heading: str) -> str:
    """``group/sub/question`` -> ``question``."""
    return heading.rsplit("/", 1)[-1]


def looks_like_kobo(headings: list[str]) -> bool:
    """A KoboToolbox/ODK export: its headings include ``_uuid`` or ``_submission_time``."""
    hs = {h.strip() for h in headings}
    return bool(hs & {"_uuid", "_submission_time"}) or {"_id", "_index"} <= hs


def is_meta_heading(heading: str) -> bool:
    h = heading.strip()
    return h in META_HEADINGS or base_name(h) in {"start", "end", "today", "deviceid",
                                                  "instanceID", "__version__", "uuid"}


@dataclass(frozen=True)
class XLSFormQuestion:
    """One row of the ``survey`` sheet that holds an answer."""

    name: str
    type: str
    list_name: str
    labels: dict[str, str]
    path: str

    @property
    def label(self) -> str:
        return next(iter(self.labels.values()), "") if self.labels else ""


@dataclass(frozen=True)
class XLSForm:
    """A form's XLSForm: its questions (in order, with group paths) and choice lists."""

    path: str
    title: str
    questions: list[XLSFormQuestion]
    choices: dict[str, list[tuple[str, dict[str, str]]]] = field(default_factory=dict)

    def by_path(self) -> dict[str, XLSFormQuestion]:
        """XML name, group path and label of every question -> the question."""
        out: dict[str, XLSFormQuestion] = {}
        for q in self.questions:
            out.setdefault(q.name, q)
            out.setdefault(q.path, q)
        return out


_NO_ANSWER = {"note", "begin_group", "end_group", "begin_repeat", "end_repeat", "begin group",
              "end group", "begin repeat", "end repeat"}
_LABEL = re.compile(r"^label(?:::(?P<lang>.+))?$", re.IGNORECASE)


def read_xlsform(path: str | Path) -> XLSForm:
    """Read an XLSForm's ``survey`` and ``choices`` sheets (openpyxl; no conversion to XML).

    Raises:
        SourceReadError: not a workbook, or without a ``survey`` sheet with ``type`` and
            ``name`` columns.
    """
    from .table import sheet_names

    p = Path(path)
    try:
        names = sheet_names(p)
    except Exception as exc:  # openpyxl raises many types for a file that is no workbook
        raise source_error(p, "workbook", f"the XLSForm cannot be opened ({exc})",
                           "give the form's .xlsx (KoboToolbox: Form > Download > XLS).",
                           what="XLSForm") from None
    lower = {n.lower(): n for n in names}
    if "survey" not in lower:
        raise source_error(p, "sheets", f"no 'survey' sheet (sheets: {', '.join(names)})",
                           "give the form's XLSForm, not a data export.", what="XLSForm")
    survey = read_xlsx_table(p, sheet=lower["survey"], what="XLSForm")
    cols = {c.strip().lower(): i for i, c in enumerate(survey.columns)}
    if "type" not in cols or "name" not in cols:
        raise source_error(p, "survey sheet, row 1", "the survey sheet has no 'type' and "
                           "'name' columns", "give the form's XLSForm.", line=1, what="XLSForm")
    label_cols = {(m.group("lang") or "default"): i for i, c in enumerate(survey.columns)
                  if (m := _LABEL.match(c.strip()))}
    questions: list[XLSFormQuestion] = []
    groups: list[str] = []
    for _, row in survey.data.iterrows():  # the form's rows, not respondents
        typ = " ".join(str(row[cols["type"]]).split())
        name = str(row[cols["name"]]).strip()
        low = typ.lower()
        if low in ("begin group", "begin_group", "begin repeat", "begin_repeat"):
            groups.append(name)
            continue
        if low in ("end group", "end_group", "end repeat", "end_repeat"):
            if groups:
                groups.pop()
            continue
        if not name or low in _NO_ANSWER:
            continue
        parts = typ.split()
        base = parts[0]
        list_name = parts[1] if len(parts) > 1 and base.startswith("select_") else ""
        labels = {lang: str(row[i]).strip() for lang, i in label_cols.items() if str(row[i]).strip()}
        questions.append(XLSFormQuestion(name=name, type=base, list_name=list_name,
                                         labels=labels, path="/".join([*groups, name])))
    choices: dict[str, list[tuple[str, dict[str, str]]]] = {}
    if "choices" in lower:
        ch = read_xlsx_table(p, sheet=lower["choices"], what="XLSForm")
        cc = {c.strip().lower(): i for i, c in enumerate(ch.columns)}
        ln = cc.get("list_name", cc.get("list name"))
        if ln is not None and "name" in cc:
            lab = {(m.group("lang") or "default"): i for i, c in enumerate(ch.columns)
                   if (m := _LABEL.match(c.strip()))}
            for line, (_, row) in zip(ch.lines.tolist(), ch.data.iterrows(), strict=True):
                key = str(row[ln]).strip()
                name = str(row[cc["name"]]).strip()
                if key and any(n == name for n, _ in choices.get(key, [])):
                    raise source_error(p, f"choices sheet, row {line}", f"list {key!r} has the "
                                       f"choice name {name!r} twice, so its answers cannot be "
                                       "told apart", "give each choice of a list its own name "
                                       "(KoboToolbox refuses such a form too).", line=line,
                                       what="XLSForm")
                if key:
                    choices.setdefault(key, []).append(
                        (str(row[cc["name"]]).strip(),
                         {lang: str(row[i]).strip() for lang, i in lab.items()
                          if str(row[i]).strip()}))
    title = p.stem
    if "settings" in lower:
        st = read_xlsx_table(p, sheet=lower["settings"], what="XLSForm")
        sc = {c.strip().lower(): i for i, c in enumerate(st.columns)}
        if "form_title" in sc and len(st.data):
            title = str(st.data.iloc[0, sc["form_title"]]) or title
    return XLSForm(path=str(p), title=title, questions=questions, choices=choices)
