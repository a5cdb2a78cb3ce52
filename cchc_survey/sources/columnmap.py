"""The column map: which heading of a sheet is which item of the instrument, and what its answers mean.

A map is a small YAML file kept beside the data (``responses.csv`` -> ``responses.map.yaml``).
``cchc-survey map`` proposes one; a person reviews it (every line says how sure the match is)
and the import reads it. One mechanism serves every table that is not a LimeSurvey export:
Google Forms, KoboToolbox/ODK, paper forms typed into Excel, any other sheet with headings.

Shape (see ``docs/sources.md`` for a whole example)::

    cchc_column_map: 1
    source: google_forms            # google_forms | kobo | entry_sheet | table
    instrument: sipas_one_stop
    instrument_version: "2026.1"
    timezone: "+07:00"              # times without a zone are in it; times with one go to it
    date_order: ymd                 # how the timestamp writes dates: ymd, dmy or mdy
    id: {derive: true}              # Google Forms has no response id: derived from the timestamp
    timestamp: {heading: Dấu thời gian}
    email: {heading: Địa chỉ email} # personal data: kept only as a keyed pseudonym
    unit: {value: U03}              # the unit, when the file is one unit's (or {heading: ...})
    fill: {trongso: "1"}            # one value for the whole file, for items it lacks
    columns:
      - {heading: "1. Cơ quan giải quyết hồ sơ", item: donvi, confidence: 0.93}
      - {heading: "Câu 5 [Noi ngoi cho co du cho ngoi]", item: tc_c1, confidence: 0.88}
      - {heading: "Mong muốn cải thiện", question: MONGDOI, confidence: 0.9}   # checkboxes
      - {heading: "Ghi chú", item: null, confidence: 0}                        # ignored
    answers:                        # per scale (or per multiple-choice question code)
      sat5:
        - {label: "hài lòng", code: 4, confidence: 0.98}

A heading mapped to ``item: null`` is ignored; a heading of the file the map does not name is
ignored with a warning; a heading the map names that the file lacks is an error (the map is of
another file). Answers the map does not list are still read when they are the instrument's own
labels or codes (see :func:`cchc_survey.sources.matcher.match_answer`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import InputFileError, Problem
from ..text import nfc_deep

SourceKind = Literal["google_forms", "kobo", "entry_sheet", "table"]
DateOrder = Literal["ymd", "dmy", "mdy"]
FORMAT_VERSION = 1


class MapError(InputFileError):
    """A column map cannot be read, or does not fit the instrument or the data file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ref(_Strict):
    """Where a response's id, time, e-mail, unit or wave comes from: a heading of the file, one
    value for the whole file, or (id only) derived from the timestamp."""

    heading: str | None = None
    value: str | None = None
    derive: bool = False
    utc: bool = False
    confidence: float = 1.0


class Column(_Strict):
    """One heading of the file: the item it holds (or the multiple-choice question whose ticked
    options it lists), with answer overrides for this heading only."""

    heading: str
    item: str | None = None
    question: str | None = None
    answers: dict[str, str] = Field(default_factory=dict)
    confidence: float = 0.0


class Answer(_Strict):
    """One answer as the file writes it, and the instrument's code it stands for."""

    label: str
    code: str
    confidence: float = 1.0


class ColumnMap(_Strict):
    """A whole map (see the module docstring)."""

    cchc_column_map: int = FORMAT_VERSION
    source: SourceKind = "table"
    instrument: str
    instrument_version: str = ""
    sheet: str | None = None
    timezone: str = "+07:00"
    date_order: DateOrder | None = None
    id: Ref = Field(default_factory=Ref)
    timestamp: Ref | None = None
    started: Ref | None = None
    received: Ref | None = None
    email: Ref | None = None
    unit: Ref | None = None
    wave: Ref | None = None
    columns: list[Column] = Field(default_factory=list)
    answers: dict[str, list[Answer]] = Field(default_factory=dict)
    fill: dict[str, str] = Field(default_factory=dict)

    def given_answers(self, key: str, column: Column | None = None) -> dict[str, str]:
        """``label -> code`` the map gives for an answer list (and a heading's overrides)."""
        out = {a.label: a.code for a in self.answers.get(key, [])}
        if column is not None:
            out.update(column.answers)
        return out


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _lines(text: str) -> dict[tuple[Any, ...], int]:
    """YAML path -> 1-based line, from the composed nodes."""
    out: dict[tuple[Any, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        out[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(v, (*path, k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    if root is not None:
        walk(root, ())
    return out


def _line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    p = tuple(loc)
    while p:
        if p in lines:
            return lines[p]
        p = p[:-1]
    return None


def _as_text(value: Any) -> Any:
    """Codes and labels are text in a map (YAML reads ``4`` as a number, ``Y`` as text)."""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    for entry in data.get("answers", {}).values() or []:
        for a in entry or []:
            if isinstance(a, dict):
                for k in ("label", "code"):
                    if k in a:
                        a[k] = _as_text(a[k])
    for c in data.get("columns", []) or []:
        if isinstance(c, dict):
            if "heading" in c:
                c["heading"] = _as_text(c["heading"])
            if isinstance(c.get("answers"), dict):
                c["answers"] = {str(_as_text(k)): _as_text(v) for k, v in c["answers"].items()}
    if isinstance(data.get("fill"), dict):
        data["fill"] = {str(k): _as_text(v) for k, v in data["fill"].items()}
    for k in ("id", "timestamp", "started", "received", "email", "unit", "wave"):
        ref = data.get(k)
        if isinstance(ref, dict) and "value" in ref:
            ref["value"] = _as_text(ref["value"])
    return data


def read_map(path: str | Path) -> ColumnMap:
    """Read a map file (UTF-8 YAML).

    Raises:
        MapError: the file is missing, not YAML, or not the shape of a map (each problem with
            the map file's line and the entry).
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise MapError([Problem(str(p), "--map", f"cannot read the map: {exc.strerror}",
                                "check the path, or write one with cchc-survey map FILE "
                                "--instrument x.yaml.")], "cannot read the column map") from None
    except UnicodeDecodeError:
        raise MapError([Problem(str(p), "(file)", "the map is not UTF-8 text",
                                "save it as UTF-8.")], "cannot read the column map") from None
    return parse_map(text, str(p))


def parse_map(text: str, fname: str = "<map>") -> ColumnMap:
    """A map from its YAML text (``fname`` names it in messages)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MapError([Problem(fname, "(YAML syntax)", str(exc).replace("\n", " "),
                                "fix the YAML syntax (indentation, colons, quotes around "
                                "headings that hold ': ' or '#').",
                                mark.line + 1 if mark is not None else None)],
                       "cannot read the column map") from None
    if not isinstance(data, dict) or "instrument" not in data:
        raise MapError([Problem(fname, "(top)", "this is not a column map (no 'instrument:')",
                                "write one with cchc-survey map FILE --instrument x.yaml.", 1)],
                       "cannot read the column map")
    data = _normalise(nfc_deep(data))
    try:
        return ColumnMap.model_validate(data)
    except ValidationError as exc:
        lines = _lines(text)
        problems = []
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if x not in {"str", "int"})
            where = ".".join(str(x) for x in loc) or "(top)"
            problems.append(Problem(fname, where, err["msg"],
                                    "compare with the example in docs/sources.md.",
                                    _line_of(lines, loc)))
        raise MapError(problems, f"{fname}: the column map does not have the expected "
                       "shape") from None


def check_map(cmap: ColumnMap, inst: Any, fname: str, text: str | None = None) -> None:
    """Check a map against the instrument: every item and question it names exists, every
    code it gives is one of the item's codes.

    Raises:
        MapError: every problem at once, each with the map's line.
    """
    lines = _lines(text) if text else {}
    problems: list[Problem] = []

    def add(loc: tuple[Any, ...], msg: str, fix: str) -> None:
        problems.append(Problem(fname, ".".join(str(x) for x in loc), msg, fix,
                                _line_of(lines, loc)))

    if cmap.instrument != inst.id:
        add(("instrument",), f"the map is for instrument {cmap.instrument!r}, not {inst.id!r}",
            "give the instrument the map was made for (--instrument), or make a new map.")
    m_questions = {q.code for _, q in inst.questions() if q.type == "M"}
    for i, c in enumerate(cmap.columns):
        if c.item is not None and not inst.has_item(c.item):
            add(("columns", i, "item"), f"heading {c.heading!r}: the instrument has no item "
                f"{c.item!r}", f"use one of the item ids of {inst.id} (cchc-survey codebook "
                "lists them), or null to ignore the heading.")
        if c.question is not None and c.question not in m_questions:
            add(("columns", i, "question"), f"heading {c.heading!r}: {c.question!r} is not a "
                "multiple-choice question of the instrument",
                f"use one of {sorted(m_questions)}, or map the heading to an item.")
        if c.item is not None and c.question is not None:
            add(("columns", i), f"heading {c.heading!r} names both an item and a question",
                "keep one of them.")
    for iid in cmap.fill:
        if not inst.has_item(iid):
            add(("fill", iid), f"fill: the instrument has no item {iid!r}",
                f"use one of the item ids of {inst.id}.")
    seen: dict[str, int] = {}
    for i, c in enumerate(cmap.columns):
        target = c.item or c.question
        if target is None:
            continue
        if target in seen:
            add(("columns", i), f"{target!r} is mapped from two headings: "
                f"{cmap.columns[seen[target]].heading!r} and {c.heading!r}",
                "keep one of them (null for the other).")
        seen[target] = i
    if problems:
        raise MapError(problems, f"{fname}: the column map does not fit {inst.id}")


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _q(value: Any) -> str:
    """A YAML scalar on one line: plain for a name (``sat5``, ``tc_c1``), else double-quoted
    (JSON's quoting is YAML's; Vietnamese is kept as it is)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    s = str(value)
    if _PLAIN.match(s) and yaml.safe_load(s) == s:
        return s
    return json.dumps(s, ensure_ascii=False)


def _ref_line(name: str, ref: Ref | None, comment: str = "") -> str:
    if ref is None:
        return f"{name}: null" + (f"   # {comment}" if comment else "")
    parts = []
    if ref.heading is not None:
        parts.append(f"heading: {_q(ref.heading)}")
    if ref.value is not None:
        parts.append(f"value: {_q(ref.value)}")
    if ref.derive:
        parts.append("derive: true")
    if ref.utc:
        parts.append("utc: true")
    if ref.confidence < 1.0:
        parts.append(f"confidence: {ref.confidence:.2f}")
    line = f"{name}: {{{', '.join(parts)}}}" if parts else f"{name}: {{}}"
    return line + (f"   # {comment}" if comment else "")


def map_to_yaml(cmap: ColumnMap, *, comments: dict[str, str] | None = None,
                header: list[str] | None = None, unmatched: list[str] | None = None) -> str:
    """The map as YAML text, one line per heading and per answer, for a person to review.

    Args:
        cmap: the map.
        comments: ``columns[i]``, ``answers.<key>[j]``, ``id``, ``timestamp``, ``unit`` ... ->
            a comment written at the end of that line (the instrument's wording, "kiểm tra").
        header: comment lines written at the top.
        unmatched: comment lines written at the end (what could not be matched).
    """
    c = comments or {}
    out = [f"# {h}" if h else "#" for h in (header or [])]
    out += [f"cchc_column_map: {cmap.cchc_column_map}", f"source: {cmap.source}",
            f"instrument: {_q(cmap.instrument)}",
            f"instrument_version: {json.dumps(cmap.instrument_version, ensure_ascii=False)}"]
    if cmap.sheet is not None:
        out.append(f"sheet: {_q(cmap.sheet)}")
    out.append(f"timezone: {json.dumps(cmap.timezone)}")
    out.append(f"date_order: {cmap.date_order or 'null'}"
               + (f"   # {c['date_order']}" if "date_order" in c else ""))
    out.append(_ref_line("id", cmap.id, c.get("id", "")))
    for name in ("timestamp", "started", "received", "email", "unit", "wave"):
        ref = getattr(cmap, name)
        if ref is not None or name in c:
            out.append(_ref_line(name, ref, c.get(name, "")))
    out.append("columns:")
    for i, col in enumerate(cmap.columns):
        parts = [f"heading: {_q(col.heading)}"]
        if col.question is not None:
            parts.append(f"question: {_q(col.question)}")
        else:
            parts.append(f"item: {_q(col.item)}")
        if col.answers:
            inner = ", ".join(f"{_q(k)}: {_q(v)}" for k, v in col.answers.items())
            parts.append(f"answers: {{{inner}}}")
        parts.append(f"confidence: {col.confidence:.2f}")
        note = c.get(f"columns[{i}]", "")
        out.append(f"  - {{{', '.join(parts)}}}" + (f"   # {note}" if note else ""))
    out.append("answers:" if cmap.answers else "answers: {}")
    for key, entries in cmap.answers.items():
        out.append(f"  {_q(key)}:")
        for j, a in enumerate(entries):
            note = c.get(f"answers.{key}[{j}]", "")
            out.append(f"    - {{label: {_q(a.label)}, code: {_q(a.code)}, "
                       f"confidence: {a.confidence:.2f}}}" + (f"   # {note}" if note else ""))
    if cmap.fill:
        out.append("fill:")
        out += [f"  {_q(k)}: {_q(v)}" for k, v in cmap.fill.items()]
    elif "fill" in c:
        out.append(f"fill: {{}}   # {c['fill']}")
    if unmatched:
        out.append("")
        out += [f"# {u}" if u else "#" for u in unmatched]
    return "\n".join(out) + "\n"


def default_map_path(data_path: str | Path) -> Path:
    """Where the map of a data file is kept: beside it, ``<name>.map.yaml``."""
    p = Path(data_path)
    return p.with_name(p.stem + ".map.yaml")
