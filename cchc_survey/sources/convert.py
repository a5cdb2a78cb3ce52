"""A table and its column map -> the raw export LimeSurvey would have written for the same answers.

The result is a :class:`~cchc_survey.limesurvey.exports.base.RawExport` with LimeSurvey's code
headings (``id``, ``submitdate``, ``token``, ``TC[C1]``, ``MONGDOI[M3]``, ``NGHENGHIEP[other]``)
and LimeSurvey's codes, one record per row of the file, each with the row it is on in the file;
so :func:`cchc_survey.tidy.read_export` maps and types it with the same checks as any export.
Nothing is decided here that the tidy step decides: a value that matches no answer is passed on
as written, and the tidy step reports it. What only this step can see (a checkbox answer with a
part that is no option, a heading the map does not name) is kept as notes in the tidy
step's failure shape and added to its failures.

:class:`SourceExport` also keeps, for every column of the raw export, the heading of the file it
came from, so that every message names the row and the heading a person sees in the file
(:func:`translate_failures`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from ..limesurvey.exports.base import RawExport
from ..limesurvey.exports.layout import norm_name
from .columnmap import Column, ColumnMap, MapError, check_map
from .matcher import FALSE_BOX, TRUE_BOX, match_answer, norm, split_choices
from .times import iso_text, parse_times

META_TARGETS = ("id", "submitdate", "startdate", "datestamp", "token")
OTHER_LABELS = ("Khác", "Other")
_BUILTIN_LABELS = {"G": {"F": ("Nữ", "Female"), "M": ("Nam", "Male")},
                   "Y": {"Y": ("Có", "Yes"), "N": ("Không", "No")}}
NOTE_COLUMNS = ["column", "check", "value", "row", "severity", "message"]


@dataclass
class SourceExport:
    """A source file read through its map.

    Attributes:
        raw: the LimeSurvey-shaped raw export (see the module docstring).
        headings: raw export column (meta field or item id) -> the file's heading.
        cmap: the map used.
        notes: failures only the conversion can see (tidy failure columns, ``column`` is the
            file's heading).
        kind: the source kind (``google_forms``, ``kobo``, ``entry_sheet``, ``table``).
    """

    raw: RawExport
    headings: dict[str, str]
    cmap: ColumnMap
    notes: pd.DataFrame
    kind: str
    labels: dict[str, str] = field(default_factory=dict)


class _Notes:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, column: str, check: str, value: Any, row: Any, severity: str,
            message: str) -> None:
        self.rows.append({"column": column, "check": check, "value": value, "row": row,
                          "severity": severity, "message": message})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=NOTE_COLUMNS)


def _by_distinct(s: pd.Series, fn: Callable[[str], Any]) -> list[Any]:
    """``fn`` applied once per distinct value of ``s`` (stripped; NA as ""), expanded back."""
    text = pd.Series(s, dtype="string").fillna("").str.strip()
    codes, uniq = pd.factorize(text)
    out = [fn(str(v)) for v in uniq]  # a loop over the distinct answers, not the respondents
    if not len(codes):
        return []
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return list(arr[codes])


@dataclass(frozen=True)
class _Answers:
    """What one item's answers can be: its codes and every label of each code."""

    codes: tuple[str, ...]
    labels: Mapping[str, tuple[str, ...]]
    has_other: bool


def answers_of(inst: Any, item: Any) -> _Answers:
    """The codes and labels of an item (its scale's, or the fixed ones of G and Y)."""
    if item.type in _BUILTIN_LABELS:
        fixed = dict(_BUILTIN_LABELS[item.type])
        return _Answers(tuple(fixed), fixed, False)
    scale = inst.scales.get(item.scale) if item.scale else None
    if scale is None:
        return _Answers((), {}, False)
    labels: dict[str, tuple[str, ...]] = {str(o.code): tuple(x for x in (o.vi, o.en) if x)
                                          for o in scale.all_options}
    other = any(q.other for _, q in inst.questions() if q.code == item.question_code)
    if other and item.type in ("L", "!"):
        labels["-oth-"] = OTHER_LABELS
    return _Answers(tuple(labels), labels, other and item.type in ("L", "!"))


def answer_key(item: Any) -> str:
    """The key of an item's answer list in a map: its scale (``sat5``, ``gender``), or the
    question code for a multiple-choice question's boxes."""
    return item.question_code if item.type == "M" else (item.scale or item.question_code)


def _heading_index(table: RawExport) -> dict[str, list[int]]:
    idx: dict[str, list[int]] = {}
    for i, h in enumerate(table.columns):
        idx.setdefault(norm_name(h), []).append(i)
    return idx


def _col(table: RawExport, pos: int) -> pd.Series:
    return pd.Series(table.data[pos].to_numpy(dtype=object), dtype="string").fillna("")


def decode_choice(s: pd.Series, answers: _Answers, given: dict[str, str],
                  other_free: bool) -> tuple[list[Any], list[Any]]:
    """A single-choice column -> (codes, "other" texts). A value that matches no answer is kept
    as written (the tidy step reports it), or, when the question has an "Other" option whose
    text has no column of its own (Google Forms), becomes ``-oth-`` with the value as its text.
    """
    def one(v: str) -> tuple[str, str]:
        if v == "":
            return "", ""
        m = match_answer(v, answers.codes, answers.labels, given, fuzzy=False)
        if m.code is not None:
            return m.code, ""
        if answers.has_other and other_free:
            return "-oth-", v
        return v, ""

    pairs = _by_distinct(s, one)
    return [p[0] for p in pairs], [p[1] for p in pairs]


def decode_box(s: pd.Series) -> list[Any]:
    """A multiple-choice box column (0/1, x, Có, Y) -> ``Y`` or ``""``; anything else as written."""
    def one(v: str) -> str:
        f = norm(v) if v not in ("✓", "✔") else "✓"
        if f in TRUE_BOX or v in TRUE_BOX:
            return "Y"
        if f in FALSE_BOX:
            return ""
        m = match_answer(v, ("Y",), {"Y": ("Có", "Yes")})
        return "Y" if m.code == "Y" else v

    return _by_distinct(s, one)


def convert(table: RawExport, cmap: ColumnMap, inst: Any, *, map_path: str | None = None,
            map_text: str | None = None, kind: str | None = None,
            derive_id: Callable[[pd.Series, np.ndarray], pd.Series] | None = None,
            extra_sources: list[str] | None = None,
            require_timestamp: bool = False,
            display: dict[str, str] | None = None) -> SourceExport:
    """Apply ``cmap`` to ``table`` (read with the file's own headings).

    Args:
        table: the file as read (:mod:`cchc_survey.sources.table`).
        cmap: the column map.
        inst: the instrument.
        map_path: the map file (kept with the data as a source of the snapshot).
        map_text: the map's text (for line numbers in its errors).
        kind: the source kind (default: the map's).
        derive_id: how to derive response ids from the local timestamps and the row lines
            (Google Forms); required when the map says ``id: {derive: true}``.
        extra_sources: more files the export was read with (a KoboToolbox XLSForm).
        require_timestamp: set aside rows with no timestamp (a paper form without its date:
            it has no wave), each with its reason.
        display: a heading -> how messages name it (a data-entry workbook's ``cột F
            (TC[C1])``); default the heading itself.

    Raises:
        MapError: the map does not fit the instrument or the file.
    """
    fname = map_path or "(column map)"
    check_map(cmap, inst, fname, map_text)
    kind = kind or cmap.source
    n = len(table.data)
    notes = _Notes()
    idx = _heading_index(table)
    problems: list[Problem] = []

    def position(heading: str, where: str) -> int | None:
        hits = idx.get(norm_name(heading), [])
        if not hits:
            problems.append(Problem(fname, where, f"heading {heading!r} is not in "
                                    f"{Path(table.path).name}",
                                    "the map is of another file or the form was changed: run "
                                    "cchc-survey map again, or correct the heading in the map."))
            return None
        if len(hits) > 1:
            problems.append(Problem(fname, where, f"heading {heading!r} appears {len(hits)} "
                                    f"times in {Path(table.path).name} (columns "
                                    f"{', '.join(str(h + 1) for h in hits)})",
                                    "give the questions distinct titles in the form, or rename "
                                    "one column in the file."))
            return None
        return hits[0]

    out: dict[str, list[Any]] = {}
    headings: dict[str, str] = {}
    used: set[int] = set()
    lines = np.asarray(table.lines, dtype=np.int64)

    # --- timestamps -------------------------------------------------------------------------
    def times(ref: Any, name: str, field_name: str) -> pd.Series | None:
        if ref is None:
            return None
        if ref.heading is not None:
            pos = position(ref.heading, name)
            if pos is None:
                return None
            used.add(pos)
            raw_s = _col(table, pos)
            headings[field_name] = ref.heading
        elif ref.value is not None:
            raw_s = pd.Series([ref.value] * n, dtype="string")
            headings[field_name] = f"{name}: {ref.value}"
        else:
            return None
        stamps, bad = parse_times(raw_s, date_order=cmap.date_order, timezone=cmap.timezone,
                                  utc=ref.utc)
        text = iso_text(stamps)
        out[field_name] = list(text.where(~bad, raw_s.astype(object)))
        return stamps.where(~bad)

    submit = times(cmap.timestamp, "timestamp", "submitdate")
    times(cmap.started, "started", "startdate")
    times(cmap.received, "received", "datestamp")

    # --- response id ------------------------------------------------------------------------
    rejected: list[dict[str, object]] = list(table.rejected)
    keep = np.ones(n, dtype=bool)
    if require_timestamp and submit is not None and cmap.timestamp is not None:
        empty = np.array([v == "" for v in out["submitdate"]], dtype=bool)
        for ln in lines[empty].tolist():
            rejected.append({"line": ln, "reason": f"{headings['submitdate']!r} is empty: the "
                             "form has no date, hence no wave; type the date written on the "
                             "form"})
        keep &= ~empty
    if cmap.id.derive:
        if derive_id is None or submit is None:
            problems.append(Problem(fname, "id", "the response id is to be derived, but there is "
                                    "no timestamp to derive it from",
                                    "name the timestamp heading (timestamp: {heading: ...}) or "
                                    "the id heading (id: {heading: ...})."))
        else:
            ts_heading = cmap.timestamp.heading if cmap.timestamp is not None else None
            missing = submit.isna().to_numpy()
            for ln, v in zip(lines[missing].tolist(), np.array(out["submitdate"], dtype=object)
                             [missing].tolist(), strict=True):
                rejected.append({"line": ln, "reason": f"{ts_heading!r}: {v!r} is no date and "
                                 "time, so the response has no id (ids are derived from it)"})
            keep &= ~missing
            ids = derive_id(submit, lines)
            out["id"] = list(ids.astype(object))
            headings["id"] = f"(derived from {ts_heading!r})"
    elif cmap.id.heading is not None:
        pos = position(cmap.id.heading, "id")
        if pos is not None:
            used.add(pos)
            out["id"] = list(_col(table, pos).astype(object))
            headings["id"] = cmap.id.heading
    else:
        problems.append(Problem(fname, "id", "the map names no response id",
                                "give id: {heading: ...} (a form number, _id) or, for Google "
                                "Forms, id: {derive: true}."))

    if cmap.email is not None and cmap.email.heading is not None:
        pos = position(cmap.email.heading, "email")
        if pos is not None:
            used.add(pos)
            out["token"] = list(_col(table, pos).astype(object))
            headings["token"] = cmap.email.heading

    # --- items ------------------------------------------------------------------------------
    items_by_id = {it.id: it for it in inst.items}
    by_question: dict[str, list[Any]] = {}
    for it in inst.items:
        by_question.setdefault(it.question_code, []).append(it)
    mapped_items = {c.item for c in cmap.columns if c.item is not None}
    separator = ", " if kind != "kobo" else " "

    def put(item: Any, values: list[Any], heading: str) -> None:
        out[item.column] = values
        headings[item.id] = heading

    def item_column(c: Column, pos: int) -> None:
        item = items_by_id[str(c.item)]
        s = _col(table, pos)
        if item.type == "M" and item.kind == "answer":
            put(item, decode_box(s), c.heading)
            return
        if item.kind == "other" or item.type in ("S", "T", "N", "D"):
            put(item, list(s.astype(object)), c.heading)
            return
        answers = answers_of(inst, item)
        other_item = next((o for o in by_question[item.question_code] if o.kind == "other"), None)
        other_free = other_item is not None and other_item.id not in mapped_items
        codes, texts = decode_choice(s, answers, cmap.given_answers(answer_key(item), c),
                                     other_free)
        put(item, codes, c.heading)
        if other_free and other_item is not None:
            put(other_item, texts, c.heading)

    def question_column(c: Column, pos: int) -> None:
        subs = [it for it in by_question[str(c.question)] if it.kind == "answer"]
        other_item = next((o for o in by_question[str(c.question)] if o.kind == "other"), None)
        labels = {it.subcode: tuple(x for x in (it.text.vi, it.text.en) if x) for it in subs}
        labels["-oth-"] = OTHER_LABELS
        given = cmap.given_answers(str(c.question), c)
        keys: dict[str, str] = {}
        for code, labs in labels.items():
            for lab in labs:
                keys[norm(lab)] = code
        for code in labels:
            keys.setdefault(norm(code), code)
        for lab, code in given.items():
            keys[norm(lab)] = code
        sep = separator
        s = _col(table, pos)
        rows_of = pd.Series(lines)

        def one(v: str) -> tuple[frozenset[str], str]:
            if v == "":
                return frozenset(), ""
            if sep == " ":  # KoboToolbox: option names separated by spaces
                got, rest = [], []
                for tok in v.split():
                    code = keys.get(norm(tok))
                    (got.append(code) if code is not None else rest.append(tok))
                return frozenset(got), " ".join(rest)
            got_l, left = split_choices(v, keys, sep)
            return frozenset(got_l), left

        parsed = _by_distinct(s, one)
        chosen = [p[0] for p in parsed]
        rest = pd.Series([p[1] for p in parsed], dtype=object)
        for it in subs:
            put(it, ["Y" if it.subcode in ch else "" for ch in chosen], c.heading)
        has_rest = (rest != "").to_numpy()
        if other_item is not None and other_item.id not in mapped_items:
            put(other_item, list(rest), c.heading)
        elif has_rest.any():
            for ln, v in zip(rows_of[has_rest].tolist(), rest[has_rest].tolist(), strict=True):
                notes.add(c.heading, "code_in_scale", v, ln, "error",
                          f"{c.heading!r} ({c.question}): {v!r} is none of the question's "
                          "options and the question has no 'Other' text; add it to the map's "
                          f"answers under {c.question} or correct the cell")

    for i, c in enumerate(cmap.columns):
        if c.item is None and c.question is None:
            pos = position(c.heading, f"columns[{i}]")
            if pos is not None:
                used.add(pos)
            continue
        pos = position(c.heading, f"columns[{i}]")
        if pos is None:
            continue
        used.add(pos)
        if c.item is not None:
            item_column(c, pos)
        else:
            question_column(c, pos)

    # --- unit and wave given for the whole file ------------------------------------------------
    for name, ref, iid in (("unit", cmap.unit, inst.design.unit),
                           ("wave", cmap.wave, inst.design.wave.source)):
        if ref is None or (ref.heading is None and ref.value is None):
            continue
        if not iid or not inst.has_item(iid):
            problems.append(Problem(fname, name, f"the instrument has no {name} item to fill "
                                    f"(design.{name} is {iid or 'not set'!r})",
                                    f"remove {name}: from the map"
                                    + (" (the wave comes from the timestamp)."
                                       if name == "wave" else ".")))
            continue
        item = items_by_id[iid]
        if item.column in out:
            problems.append(Problem(fname, name, f"{name} is given twice: by {name}: and by "
                                    f"the heading {headings.get(iid)!r}", "keep one of them."))
            continue
        if ref.heading is not None:
            pos = position(ref.heading, name)
            if pos is None:
                continue
            used.add(pos)
            item_column(Column(heading=ref.heading, item=iid), pos)
        else:
            s = pd.Series([ref.value] * n, dtype="string")
            codes, _ = decode_choice(s, answers_of(inst, item),
                                     cmap.given_answers(answer_key(item)), False)
            put(item, codes, f"{name}: {ref.value}")

    for iid, value in cmap.fill.items():
        item = items_by_id[iid]
        if item.column in out:
            problems.append(Problem(fname, f"fill.{iid}", f"{iid} is given by fill: and by the "
                                    f"heading {headings.get(iid)!r}", "keep one of them."))
            continue
        s = pd.Series([value] * n, dtype="string")
        if item.type in ("S", "T", "N", "D") or item.kind == "other":
            put(item, list(s.astype(object)), f"fill: {value}")
        else:
            codes, _ = decode_choice(s, answers_of(inst, item),
                                     cmap.given_answers(answer_key(item)), False)
            put(item, codes, f"fill: {value}")

    if problems:
        raise MapError(problems, f"{fname}: the column map does not fit "
                       f"{Path(table.path).name}")

    for pos, h in enumerate(table.columns):
        if pos not in used and h.strip():
            notes.add(h, "known_column", None, None, "warning",
                      f"heading {h!r} is not in the column map; ignored. Map it (or write it "
                      "with item: null) to silence this")

    if display:
        headings = {k: display.get(v, v) for k, v in headings.items()}
        for r in rejected:
            for code, shown in display.items():
                r["reason"] = str(r["reason"]).replace(repr(code), shown)

    # --- the raw export ---------------------------------------------------------------------
    order = [k for k in META_TARGETS if k in out]
    order += [it.column for it in inst.items if it.column in out]
    data = pd.DataFrame({i: pd.Series(out[k], dtype=object) for i, k in enumerate(order)})
    if not keep.all():
        data = data.loc[keep].reset_index(drop=True)
        lines = lines[keep]
    sources = list(table.sources or [table.path])
    blobs = [Path(p).read_bytes() for p in sources]
    for extra in [*(extra_sources or []), *([map_path] if map_path else [])]:
        if extra and extra not in sources:
            sources.append(extra)
            blobs.append(Path(extra).read_bytes())
    digest = hashlib.sha256()
    for b in blobs:
        digest.update(b)
    raw = RawExport(path=table.path, format=kind, columns=order, data=data, lines=lines,
                    coding="codes", null_known=False, date_style="iso", language=None,
                    sha256=digest.hexdigest(), encoding=table.encoding, rejected=rejected,
                    sources=sources)
    return SourceExport(raw=raw, headings=headings, cmap=cmap, notes=notes.frame(), kind=kind)
