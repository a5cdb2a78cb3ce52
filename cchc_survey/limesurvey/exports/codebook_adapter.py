"""Adapter: a :class:`cchc_survey.codebook.Codebook` (read from a ``.lss``) -> a :class:`Layout`.

The codebook is the survey's own description; for an export of a survey that was not built from
our instruments it plays the instrument's role. Pages follow the group order (LimeSurvey format
``G``, group by group); item ids are the codebook's (``tc_a1``, ``nghenghiep_other``).
"""

from __future__ import annotations

import re
from typing import Any

from ...text import nfc
from .layout import ColumnSpec, Layout

_INT = re.compile(r"^-?\d+$")
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """Question text as the export headings write it: no HTML tags, NFC, single spaces."""
    t = _TAG.sub("", text or "").replace("&nbsp;", " ").replace("&amp;", "&")
    return " ".join(nfc(t).split())


def layout_from_codebook(cb: Any) -> Layout:
    """The layout of a codebook (see the module docstring)."""
    pages = {g.code: i for i, g in enumerate(sorted(cb.groups, key=lambda g: g.order), start=1)}
    qs = {q.code: q for q in cb.questions}
    langs = tuple(cb.languages)
    specs: list[ColumnSpec] = []
    for c in cb.column_list:
        q = qs[c.question]
        kind = "other" if c.kind == "other" else ("answer" if c.kind == "answer" else c.kind)
        answers = [a for a in q.answers if a.scale_id == 0] if kind == "answer" else []
        subst = [a for a in answers if not a.missing and a.code != "-oth-"]
        codes = tuple(a.code for a in subst) if q.type not in ("M", "P") else ()
        labels = {lg: {a.code: nfc(a.label(lg)) for a in answers} for lg in langs}
        specs.append(ColumnSpec(
            item_id=c.item_id, qcode=c.question,
            subcode="other" if kind == "other" else c.subquestion,
            qtype=q.type, kind=kind if kind in ("answer", "other") else "other",
            page=pages.get(q.group, 1), sgqa=c.sgqa, codes=codes,
            integer_codes=bool(codes) and all(_INT.match(x) for x in codes)
            and q.type in ("F", "L", "!", "O", "5", "A", "B"),
            missing={a.code: a.missing for a in answers if a.missing},
            labels=labels,
            question_text={lg: _plain(q.texts.get(lg, "")) for lg in langs},
            sub_text=({lg: _plain(c.texts.get(lg, "")) for lg in langs}
                      if c.subquestion and kind == "answer" else {}),
            has_other=bool(q.other) and kind == "answer" and q.type in ("L", "!"),
        ))
    sid = "" if cb.sid is None else str(cb.sid)
    return Layout(columns=tuple(specs), source="codebook" if not cb.instrument_id else
                  "instrument", source_id=cb.instrument_id or sid or str(cb.source),
                  version=cb.instrument_version or "", languages=langs, sid=sid)


def merge_sgqa(inst_layout: Layout, cb_layout: Layout) -> Layout:
    """The instrument's layout with the SGQA names of the codebook (matched by ``Q[SQ]``)."""
    by_code = {c.code_heading: c.sgqa for c in cb_layout.columns}
    cols = tuple(
        ColumnSpec(**{**c.__dict__, "sgqa": by_code.get(c.code_heading, c.sgqa)})
        for c in inst_layout.columns)
    return Layout(columns=cols, source=inst_layout.source, source_id=inst_layout.source_id,
                  version=inst_layout.version, languages=inst_layout.languages,
                  sid=cb_layout.sid or inst_layout.sid)
