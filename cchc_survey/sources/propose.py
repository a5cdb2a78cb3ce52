"""``cchc-survey map``: propose a column map for a table, for a person to review.

The proposal matches every heading of the file with the instrument's items (see
:mod:`cchc_survey.sources.matcher` for the scores), every distinct answer of a matched column
with the item's codes, names the id, time, e-mail and unit columns, and lists what it could not
match: headings (ignored until mapped), items no heading holds (all missing), answers that are
no code (errors at import until mapped).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..limesurvey.exports.base import RawExport
from ..limesurvey.exports.layout import norm_name
from . import google_forms as gf
from . import kobo
from .columnmap import Answer, Column, ColumnMap, Ref, SourceKind, map_to_yaml
from .convert import OTHER_LABELS, answer_key, answers_of
from .kobo import XLSForm
from .matcher import REVIEW, Match, Target, assign, match_answer, norm, split_choices
from .times import guess_date_order

ID_HEADINGS = ("so phieu", "ma phieu", "so thu tu phieu", "ma so phieu", "phieu so", "id",
               "form number", "response id")
DATE_HEADINGS = ("ngay khao sat", "ngay phong van", "ngay dien phieu", "ngay", "date",
                 "thoi gian khao sat")
ANSWER_TYPES = frozenset({"F", "L", "!", "G", "Y"})


@dataclass
class Proposal:
    """A proposed map and what could not be matched.

    Attributes:
        cmap: the map.
        text: the map as YAML, with the instrument's wording and "KIỂM TRA" beside each line.
        matches: one row per heading: heading, target, confidence, review, wording.
        unmatched_headings: headings no item matched (ignored at import).
        unmatched_items: item ids no heading holds (missing at import).
        unmatched_answers: heading, value, rows, first_row, target: answers that are no code.
    """

    cmap: ColumnMap
    text: str
    matches: pd.DataFrame
    unmatched_headings: list[str]
    unmatched_items: list[str]
    unmatched_answers: pd.DataFrame


def targets_of(inst: Any) -> list[Target]:
    """What a heading can be matched to: each item, and each multiple-choice question."""
    comps = inst.components
    out: list[Target] = []
    for _, q in inst.questions():
        if q.type == "M":
            out.append(Target("question", q.code, (q.text.vi, q.text.en),
                              codes=(q.code, q.id or q.code.lower()),
                              label=f"{q.code} {q.text.vi}", question=q.code))
    for it in inst.items:
        qt = (it.question_text.vi, it.question_text.en)
        mirrors = tuple(comps[m].label.vi for m in it.mirrors if m in comps) + tuple(
            comps[m].label.en for m in it.mirrors if m in comps)
        codes = (it.id, it.column, it.column.replace("[", "_").replace("]", ""))
        if it.kind == "other":
            words = (f"{it.question_text.vi} [Khác]", f"{it.question_text.vi} khác",
                     f"{it.question_text.en} [Other]")
            out.append(Target("item", it.id, words, (*codes, f"{it.question_code.lower()}_other"),
                              ("Khác", "Other", "Khác (ghi rõ)"), qt,
                              label=f"{it.column} {it.question_text.vi} [Khác]",
                              question=it.question_code))
        elif it.subcode:
            rows = (it.text.vi, it.text.en, *mirrors)
            words = (*rows, f"{it.question_text.vi} [{it.text.vi}]",
                     f"{it.question_text.en} [{it.text.en}]")
            out.append(Target("item", it.id, words, codes, rows, qt,
                              label=f"{it.column} {it.text.vi}", question=it.question_code))
        else:
            out.append(Target("item", it.id, (it.text.vi, it.text.en, *mirrors), codes,
                              label=f"{it.column} {it.text.vi}", question=it.question_code))
    return out


def _exact(heading: str, targets: list[Target]) -> int | None:
    """A heading that is an item's id or LimeSurvey heading (``tc_c1``, ``TC[C1]``)."""
    h = norm_name(heading)
    for names in (h, kobo.base_name(h)):
        for i, t in enumerate(targets):
            if names in t.codes:
                return i
    return None


def _variants(heading: str, kind: str, form: XLSForm | None) -> list[str]:
    """The texts a heading is compared by: itself, its last path part (KoboToolbox groups),
    and the XLSForm label of the XML name it is (an option column ``q/opt``: ``Q [Opt]``)."""
    out = [heading]
    if kind == "kobo" and "/" in heading:
        out.append(heading.rsplit("/", 1)[-1])
    if form is not None:
        qs = form.by_path()
        q = qs.get(heading) or qs.get(kobo.base_name(heading))
        if q is not None:
            out += list(q.labels.values())
        elif "/" in heading:
            parent, opt = heading.rsplit("/", 1)
            pq = qs.get(parent) or qs.get(kobo.base_name(parent))
            if pq is not None and pq.type == "select_multiple":
                for name, labels in form.choices.get(pq.list_name, []):
                    if name == opt:
                        for lang, lab in labels.items():
                            out.append(f"{pq.labels.get(lang, pq.label)} [{lab}]")
    return out


def _meta_refs(table: RawExport, kind: str) -> tuple[dict[str, Ref], set[int], dict[str, str]]:
    """The id / timestamp / e-mail refs a source's own conventions give; positions used."""
    refs: dict[str, Ref] = {}
    used: set[int] = set()
    notes: dict[str, str] = {}
    hs = [h.strip() for h in table.columns]
    if kind == "google_forms":
        refs["timestamp"] = Ref(heading=hs[0])
        used.add(0)
        refs["id"] = Ref(derive=True)
        notes["id"] = "Google Forms không có mã phiếu: mã = thời điểm gửi (YYYYMMDDhhmmss + 2 số)"
        for i, h in enumerate(hs):
            if gf.is_email_heading(h):
                refs["email"] = Ref(heading=h)
                used.add(i)
                notes["email"] = "dữ liệu cá nhân: chỉ giữ mã hoá (pseudonym)"
            elif gf.is_ignored_heading(h):
                used.add(i)
    elif kind == "kobo":
        pos = {h: i for i, h in enumerate(hs)}
        if "_id" in pos:
            refs["id"] = Ref(heading="_id")
        if "end" in pos:
            refs["timestamp"] = Ref(heading="end")
            notes["timestamp"] = "giờ kết thúc trên máy, có múi giờ"
        elif "_submission_time" in pos:
            refs["timestamp"] = Ref(heading="_submission_time", utc=True)
        if "start" in pos:
            refs["started"] = Ref(heading="start")
        if "_submission_time" in pos:
            refs["received"] = Ref(heading="_submission_time", utc=True)
            notes["received"] = "giờ máy chủ nhận phiếu (UTC)"
        for i, h in enumerate(hs):
            if kobo.is_meta_heading(h):
                used.add(i)
    else:
        for i, h in enumerate(hs):
            f = " ".join(norm(h).split())
            if "id" not in refs and f in ID_HEADINGS:
                refs["id"] = Ref(heading=h)
                used.add(i)
            elif "timestamp" not in refs and (f in DATE_HEADINGS or gf.is_timestamp_heading(h)):
                refs["timestamp"] = Ref(heading=h)
                used.add(i)
    return refs, used, notes


def _answers_for(table: RawExport, pos: int, item: Any, inst: Any, form: XLSForm | None,
                 heading: str, kind: str) -> tuple[list[Answer], list[dict[str, Any]]]:
    """Proposed answers of a single-choice column, and the values that matched nothing."""
    ans = answers_of(inst, item)
    s = pd.Series(table.data[pos].to_numpy(dtype=object), dtype="string").fillna("").str.strip()
    counts = s[s != ""].value_counts(sort=False)
    values = list(counts.index)
    if form is not None:  # every choice of the form's list, answered yet or not
        q = form.by_path().get(heading) or form.by_path().get(kobo.base_name(heading))
        if q is not None and q.list_name:
            for name, labels in form.choices.get(q.list_name, []):
                code = _choice_code(name, labels, ans)
                if code is not None and name not in values:
                    values.append(name)
    out: list[Answer] = []
    bad: list[dict[str, Any]] = []
    for v in values:
        m = match_answer(v, ans.codes, ans.labels)
        code = m.code
        conf = m.confidence
        if code is None and form is not None:
            q = form.by_path().get(heading) or form.by_path().get(kobo.base_name(heading))
            for name, labels in form.choices.get(q.list_name if q else "", []):
                if name == v:
                    code = _choice_code(name, labels, ans)
                    conf = 0.95 if code is not None else 0.0
        if code is None:
            if ans.has_other and kind != "kobo":
                continue  # a Google Forms "Other" text: kept as the other answer
            rows = table.lines[(s == v).to_numpy()]
            bad.append({"heading": heading, "value": v, "rows": int(counts.get(v, 0)),
                        "first_row": int(rows[0]) if len(rows) else None, "target": item.id})
            continue
        out.append(Answer(label=v, code=code, confidence=conf))
    return out, bad


def _choice_code(name: str, labels: dict[str, str], ans: Any) -> str | None:
    """The instrument code of an XLSForm choice: by its name, then by any of its labels."""
    m = match_answer(name, ans.codes, ans.labels, fuzzy=False)
    if m.code is not None:
        return m.code
    for lab in labels.values():
        m = match_answer(lab, ans.codes, ans.labels)
        if m.code is not None:
            return m.code
    if name.lower() == "other" and "-oth-" in ans.codes:
        return "-oth-"
    return None


def _checkbox_answers(table: RawExport, pos: int, question: str, inst: Any, heading: str,
                      form: XLSForm | None, kind: str
                      ) -> tuple[list[Answer], list[dict[str, Any]]]:
    subs = [it for it in inst.items if it.question_code == question and it.kind == "answer"]
    has_other = any(it.kind == "other" for it in inst.items if it.question_code == question)
    keys: dict[str, str] = {}
    for it in subs:
        for lab in (it.text.vi, it.text.en):
            if lab:
                keys[norm(lab)] = it.subcode
        keys[norm(it.subcode)] = it.subcode
    for lab in OTHER_LABELS:
        keys[norm(lab)] = "-oth-"
    out: list[Answer] = []
    if form is not None:
        q = form.by_path().get(heading) or form.by_path().get(kobo.base_name(heading))
        for name, labels in form.choices.get(q.list_name if q else "", []):
            code = keys.get(norm(name))
            for lab in labels.values():
                code = code or keys.get(norm(lab))
                if code is None:
                    best = max(subs, key=lambda it: _ratio(lab, it.text.vi), default=None)
                    if best is not None and _ratio(lab, best.text.vi) >= 90:
                        code = best.subcode
            if code is not None:
                keys[norm(name)] = code
                if norm(name) != norm(code):
                    out.append(Answer(label=name, code=code, confidence=0.95))
    s = pd.Series(table.data[pos].to_numpy(dtype=object), dtype="string").fillna("").str.strip()
    counts = s[s != ""].value_counts(sort=False)
    bad: list[dict[str, Any]] = []
    rest_seen: dict[str, int] = {}
    for v, n in counts.items():
        if kind == "kobo":
            rest = " ".join(t for t in str(v).split() if norm(t) not in keys)
        else:
            _, rest = split_choices(str(v), keys)
        if rest:
            rest_seen[rest] = rest_seen.get(rest, 0) + int(n)
    if not has_other:
        for rest, n in rest_seen.items():
            rows = table.lines[s.str.contains(rest, regex=False).to_numpy()]
            bad.append({"heading": heading, "value": rest, "rows": n,
                        "first_row": int(rows[0]) if len(rows) else None, "target": question})
    return out, bad


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(norm(a), norm(b)))


def detect_kind(table: RawExport) -> SourceKind:
    """The kind of a table from its headings."""
    if gf.looks_like_google_forms(table.columns):
        return "google_forms"
    if kobo.looks_like_kobo(table.columns):
        return "kobo"
    return "table"


def propose_map(table: RawExport, inst: Any, *, kind: SourceKind | None = None,
                form: XLSForm | None = None, sheet: str | None = None) -> Proposal:
    """Propose the map of ``table`` (read with its own headings) onto ``inst``."""
    kind = kind or detect_kind(table)
    refs, used, ref_notes = _meta_refs(table, kind)
    targets = targets_of(inst)
    ref_heads = {r.heading for r in refs.values() if r.heading is not None}
    system = [table.columns[i] for i in sorted(used) if table.columns[i].strip() not in ref_heads]
    if form is not None:  # a select_multiple's "other" box: the answer is its text question
        qs = form.by_path()
        for i, h in enumerate(table.columns):
            parent = h.rsplit("/", 1)[0] if "/" in h else ""
            pq = qs.get(parent) or qs.get(kobo.base_name(parent)) if parent else None
            if (pq is not None and pq.type == "select_multiple" and h.rsplit("/", 1)[1]
                    == "other" and i not in used):
                used.add(i)
                system.append(h)
    if kind == "kobo":  # the "other" box of a labels export: "Question/Khác"
        for i, h in enumerate(table.columns):
            if ("/" in h and norm(h.rsplit("/", 1)[1]) in ("khac", "other") and i not in used
                    and h not in system):
                used.add(i)
                system.append(h)
    todo = [i for i in range(len(table.columns)) if i not in used and table.columns[i].strip()]
    heads = [table.columns[i] for i in todo]
    fixed: dict[int, int] = {}
    for j, h in enumerate(heads):
        hit = _exact(h, targets)
        if hit is not None and hit not in fixed.values():
            fixed[j] = hit
        elif form is not None:
            fq = form.by_path().get(h) or form.by_path().get(kobo.base_name(h))
            if fq is not None:
                hit = _exact(fq.name, targets)
                if hit is not None and hit not in fixed.values():
                    fixed[j] = hit
    variants = [_variants(h, kind, form) for h in heads]
    width = max((len(v) for v in variants), default=1)
    scores = np.zeros((len(heads), len(targets)))
    from .matcher import score_headings

    for k in range(width):
        texts = [v[k] if k < len(v) else "" for v in variants]
        scores = np.maximum(scores, score_headings(texts, targets))
    matches = assign(heads, targets, fixed, scores)

    # a question's boxes come as one column (Google Forms) or one column per option (Kobo):
    # where option columns matched, the question-level column is not used
    matched_items = {m.target.key for m in matches if m.target is not None and m.target.kind == "item"}
    by_id = {it.id: it for it in inst.items}
    box_questions = {by_id[i].question_code for i in matched_items
                     if by_id[i].type == "M" and by_id[i].kind == "answer"}
    columns: list[Column] = [Column(heading=h, item=None, confidence=1.0) for h in system]
    comments: dict[str, str] = {f"columns[{i}]": "cột hệ thống (system column): bỏ qua"
                                for i in range(len(system))}
    answers: dict[str, list[Answer]] = {}
    bad: list[dict[str, Any]] = []
    rows = []
    unmatched_headings: list[str] = []
    for j, m in enumerate(matches):
        pos = todo[j]
        t = m.target
        if t is not None and t.kind == "question" and t.key in box_questions:
            columns.append(Column(heading=m.heading, item=None, confidence=1.0))
            comments[f"columns[{len(columns) - 1}]"] = (
                f"{t.key}: các cột 0/1 của từng phương án được dùng (the option columns are read)")
            rows.append({"heading": m.heading, "target": "", "confidence": 1.0, "review": False,
                         "wording": t.label})
            continue
        if t is None:
            columns.append(Column(heading=m.heading, item=None, confidence=0.0))
            comments[f"columns[{len(columns) - 1}]"] = "KHÔNG KHỚP (no match): bỏ qua khi nhập"
            unmatched_headings.append(m.heading)
            rows.append({"heading": m.heading, "target": "", "confidence": 0.0, "review": True,
                         "wording": ""})
            continue
        conf = 1.0 if j in fixed else m.confidence
        if t.kind == "question":
            columns.append(Column(heading=m.heading, question=t.key, confidence=conf))
            got, b = _checkbox_answers(table, pos, t.key, inst, m.heading, form, kind)
            if got:
                answers.setdefault(t.key, []).extend(a for a in got
                                                     if a not in answers.get(t.key, []))
            bad += b
        else:
            columns.append(Column(heading=m.heading, item=t.key, confidence=conf))
            item = by_id[t.key]
            if item.kind == "answer" and item.type in ANSWER_TYPES:
                got, b = _answers_for(table, pos, item, inst, form, m.heading, kind)
                key = answer_key(item)
                have = {(a.label, a.code) for a in answers.get(key, [])}
                for a in got:
                    if a.label == a.code:
                        continue  # a code written as itself needs no line
                    if (a.label, a.code) not in have and not (a.confidence == 1.0 and
                                                              a.label in answers_of(inst, item)
                                                              .labels.get(a.code, ())):
                        answers.setdefault(key, []).append(a)
                        have.add((a.label, a.code))
                bad += b
        review = j not in fixed and m.review
        note = f"← {t.label}" + ("   KIỂM TRA (check)" if review else "")
        comments[f"columns[{len(columns) - 1}]"] = note
        rows.append({"heading": m.heading, "target": t.key, "confidence": conf,
                     "review": review, "wording": t.label})
    answers = {k: sorted(v, key=lambda a: (a.code, a.label)) for k, v in answers.items() if v}
    for key, entries in answers.items():
        for i, a in enumerate(entries):
            if a.confidence < 0.95:  # a closest-label guess: a person says yes or no
                comments[f"answers.{key}[{i}]"] = "KIỂM TRA (check)"

    covered = {c.item for c in columns if c.item} | {
        it.id for c in columns if c.question for it in inst.items if it.question_code == c.question}
    unit_ref = None
    if inst.design.unit and inst.design.unit not in covered:
        unit_scale = inst.scale_of(inst.design.unit)
        opts = ", ".join(f"{o.code} = {o.vi}" for o in (unit_scale.options if unit_scale else []))
        comments["unit"] = (f"ĐIỀN (fill in): mã đơn vị của cả tệp, một trong: {opts}"
                            if opts else "ĐIỀN (fill in): the unit of the whole file")
        unit_ref = None
    unmatched_items = [it.id for it in inst.items if it.id not in covered
                       and not (it.kind == "other" and any(
                           c.item == next((x.id for x in inst.items if x.question_code
                                           == it.question_code and x.kind == "answer"), None)
                           for c in columns))]
    date_order = None
    ts = refs.get("timestamp")
    if ts is not None and ts.heading is not None:
        pos = [h.strip() for h in table.columns].index(ts.heading)
        vals = pd.Series(table.data[pos].to_numpy(dtype=object), dtype="string")
        date_order = guess_date_order(vals)
        if date_order is None and not vals.fillna("").str.match(r"^\s*\d{4}").all():
            date_order = gf.default_date_order(ts.heading)  # type: ignore[assignment]
            comments["date_order"] = ("KIỂM TRA (check): the dates cannot tell day from month; "
                                      "guessed from the heading's language")
    cmap = ColumnMap(source=kind, instrument=inst.id, instrument_version=inst.version,
                     sheet=sheet, date_order=date_order, id=refs.get("id", Ref()),
                     timestamp=refs.get("timestamp"), started=refs.get("started"),
                     received=refs.get("received"), email=refs.get("email"), unit=unit_ref,
                     columns=columns, answers=answers)
    design_missing = [i for i in (inst.design.stratum, inst.design.cluster, inst.design.weight)
                      if i and i in unmatched_items]
    if design_missing:
        comments["fill"] = (f"ĐIỀN (fill in) {', '.join(design_missing)}: the file lacks these "
                            "design items; give each one value for the whole file, e.g. "
                            f"fill: {{{design_missing[-1]}: \"1\"}}, or the report cannot weight")
    for note_key, note in ref_notes.items():
        comments.setdefault(note_key, note)
    if "id" not in refs:
        comments["id"] = "ĐIỀN (fill in): the heading of the form number, id: {heading: ...}"
    bad_df = pd.DataFrame(bad, columns=["heading", "value", "rows", "first_row", "target"])
    header = [f"Bản đồ cột (column map) của {Path(table.path).name} -> {inst.id} "
              f"v{inst.version}, đề xuất bởi cchc-survey map.",
              "Xem lại từng dòng trước khi nhập (review every line before importing): "
              "'confidence' 1.00 = khớp chính xác;",
              f"dưới {REVIEW / 100:.2f} hoặc ghi KIỂM TRA = cần kiểm tra. item: null = bỏ qua "
              "cột. Nhập: cchc-survey import FILE --instrument X --map THIS"]
    tail = _unmatched_text(unmatched_headings, unmatched_items, bad_df, inst)
    text = map_to_yaml(cmap, comments=comments, header=header, unmatched=tail)
    return Proposal(cmap=cmap, text=text, matches=pd.DataFrame(
        rows, columns=["heading", "target", "confidence", "review", "wording"]),
        unmatched_headings=unmatched_headings, unmatched_items=unmatched_items,
        unmatched_answers=bad_df)


def _unmatched_text(headings: list[str], items: list[str], bad: pd.DataFrame,
                    inst: Any) -> list[str]:
    out = ["CHƯA KHỚP (not matched):"]
    out.append(f"  cột không khớp mục nào (headings, ignored): {len(headings)}")
    out += [f"    - {h}" for h in headings]
    out.append(f"  mục không có cột (items without a heading, all missing): {len(items)}")
    out += [f"    - {i}: {inst.item(i).text.vi}" for i in items]
    out.append(f"  câu trả lời không khớp mã (answers matching no code, errors at import): "
               f"{len(bad)}")
    out += [f"    - {r['heading']}: {r['value']!r} ({r['rows']} dòng, dòng đầu {r['first_row']})"
            for r in bad.to_dict("records")]
    return out


__all__ = ["Match", "Proposal", "detect_kind", "propose_map", "targets_of"]
