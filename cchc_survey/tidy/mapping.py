"""Export columns -> meta fields and items; the answer coding of an export that does not say.

A column is found by any name LimeSurvey gives it in any export format
(:meth:`cchc_survey.structure.Column.names`): item id, code heading, underscore name, SGQA, full
and abbreviated headings in every survey language (also with spaces written ``_``), and the
``codetext`` heading ``Q[SQ]. text``. Names are compared in NFC with runs of blanks as one
space. A name several columns share (two sub-questions whose abbreviated texts are the same)
goes to the candidates in questionnaire order, each after the column matched before it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from ..limesurvey.exports.base import RawExport
from ..structure import Layout
from ..structure.limesurvey import (
    NUMERIC_CODING,
    PERSONAL_FIELDS,
    STATA_CODING,
    SYSTEM_FIELDS,
    ellipsize,
)
from ..text import nfc
from .values import INT_FLOAT, Coding, label_map, valid_codes

Target = tuple[str, str]
"""``("meta", field)``, ``("item", item_id)`` or ``("ignore", column code)``."""


def norm_name(name: str) -> str:
    """Normalise a heading for matching: NFC, single spaces, no surrounding space."""
    return " ".join(nfc(name).split())


def name_table(layout: Layout, style: str = "text") -> dict[str, list[Target]]:
    """Every name a column of ``layout`` (or a system column) can carry in an export of
    format ``style`` -> its targets, in questionnaire order."""
    table: dict[str, list[Target]] = {}

    def add(name: str, target: Target) -> None:
        key = norm_name(name)
        if key and target not in table.setdefault(key, []):
            table[key].append(target)

    for fname, vi, en in SYSTEM_FIELDS:
        for n in (fname, vi, en, vi.replace(" ", "_"), en.replace(" ", "_"), ellipsize(vi),
                  ellipsize(en)):
            add(n, ("meta", fname))
    for fname in PERSONAL_FIELDS:
        add(fname, ("meta", fname))
    for col in layout.columns:
        for n in col.names(layout.languages, style):
            add(n, ("item", col.item_id))
    for col in layout.ignored:
        for n in col.names(layout.languages, style):
            add(n, ("ignore", col.code))
    return table


_CODETEXT = re.compile(r"^(?P<code>[^\s.]+)\. ")
_INT_FLOAT = re.compile(INT_FLOAT)


def _whole(v: str) -> str:
    """:func:`~cchc_survey.tidy.values.drop_zero_decimals` of one value."""
    m = _INT_FLOAT.match(v)
    return m.group(1) if m else v


_ATTRIBUTE = re.compile(r"^attribute_\d+$")


def map_columns(columns: list[str], layout: Layout, style: str = "text"
                ) -> tuple[list[Target | None], list[str]]:
    """Match the column names of an export of format ``style`` (see
    :meth:`cchc_survey.structure.Column.names`) to meta fields, items and known columns
    without answers.

    Returns:
        ``(targets, unknown)``: one target per column (None when unknown) and the unknown names.
    """
    table = name_table(layout, style)
    position = {("item", c.item_id): i for i, c in enumerate(layout.columns)}
    position.update({("ignore", c.code): i for i, c in enumerate(layout.ignored)})
    used: set[Target] = set()
    out: list[Target | None] = []
    unknown: list[str] = []
    last = -1
    for col in columns:
        cands = table.get(norm_name(col))
        if not cands and _ATTRIBUTE.match(col.strip()):  # a participant attribute: personal
            cands = [("meta", col.strip())]
        if not cands:
            m = _CODETEXT.match(col)
            cands = table.get(norm_name(m.group("code"))) if m else None
        free = [t for t in (cands or []) if t not in used]
        after = [t for t in free if position.get(t, last + 1) > last]
        chosen = after or free
        if not chosen:
            out.append(None)
            unknown.append(col)
            continue
        pick = chosen[0]
        used.add(pick)
        out.append(pick)
        if pick[0] == "item":
            last = position[pick]
    return out, unknown


def value_counts(s: pd.Series) -> pd.Series:
    """How often each stripped value occurs (NA left out), in code point order."""
    vc = s.str.strip().value_counts(dropna=True)
    return vc.groupby(level=0).sum().sort_index()


def detect_coding(raw: RawExport, layout: Layout, counts: Mapping[str, pd.Series]
                  ) -> tuple[Coding, tuple[str, str] | None]:
    """How an export's answers are coded, when the reader could not tell (``raw.coding`` is
    ``codes``): LimeSurvey's codes, ``long`` labels, SPSS/R numbers, Stata numbers, or the
    "convert Y/N" option's values.

    Each coding is scored by how many answer values of the columns whose codes are letters or
    fixed (and of every coded column) it turns into valid codes; the best wins, LimeSurvey's
    codes on a tie. ``counts``: item id -> :func:`value_counts` of its raw column.

    Returns ``(coding, convert_yn)``; ``convert_yn`` is the (Y, N) pair of a "convert Y/N"
    export (yes/no and multiple-choice columns holding ``1`` and another digit while the
    gender, yes/no/uncertain and increase/same/decrease columns keep their letters).
    """
    if raw.coding != "codes":
        return raw.coding, None
    langs = [raw.language] if raw.language else list(layout.languages)
    langs += [lg for lg in layout.languages if lg not in langs]
    cols = [c for c in layout.columns if c.kind == "answer" and c.item_id in counts
            and c.value in ("code", "checkbox")]
    yn_digits = sorted({v for c in cols if c.type in ("Y", "M", "P")
                        for v in counts[c.item_id].index if v.isdigit()})
    candidates: list[tuple[Coding, tuple[str, str] | None]] = [
        ("codes", None), ("labels", None), ("numeric", None), ("stata", None)]
    if "1" in yn_digits and len(yn_digits) == 2:
        candidates.append(("convertyn", ("1", next(v for v in yn_digits if v != "1"))))
    # the distinct values of each column (a handful): scored in plain Python
    distinct = []
    for c in cols:
        vc = counts[c.item_id]
        vc = vc[vc.index != ""]
        if len(vc):
            distinct.append((c, [str(v) for v in vc.index], vc.to_numpy().tolist(),
                             valid_codes(c)))
    best: tuple[int, Coding, tuple[str, str] | None] = (-1, "codes", None)
    for coding, yn in candidates:
        score = 0
        for c, values, n, ok in distinct:
            if coding == "labels":
                m = label_map(c, langs)
                good = [v in m and (m[v] is None or m[v] in ok) for v in values]
            elif coding == "convertyn" and c.type in ("Y", "M", "P") and yn is not None:
                table = {yn[0]: "Y", yn[1]: "N" if c.type == "Y" else ""}
                good = [table.get(v, v) in ok for v in values]
            else:
                table = (NUMERIC_CODING if coding in ("numeric", "spss") else
                         STATA_CODING if coding == "stata" else {}).get(c.type, {})
                good = [table.get(_whole(v), _whole(v)) in ok for v in values]
            score += sum(k for k, g in zip(n, good, strict=True) if g)
        if score > best[0]:
            best = (score, coding, yn)
    return best[1], best[2]
