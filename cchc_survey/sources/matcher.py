"""Matching a sheet's headings and answer labels against an instrument's wording.

A heading typed by hand differs from the instrument's text in ways that carry no meaning: case,
diacritics (``Noi ngoi cho`` for ``Nơi ngồi chờ``), punctuation, spacing, a numbering in front
(``1.``, ``Câu 3:``, ``III.``, ``3.1)``) and a required mark (``*``). :func:`norm` removes all of
them; what is left is compared with RapidFuzz's token ratios, so a word dropped or two words
swapped lower the score without hiding the match.

Scores (0-100):

* a heading against an item: the best over the item's wordings (Vietnamese and English text,
  the question's text with the row's, the short label of the official criterion it mirrors,
  the item id and its LimeSurvey heading ``Q[SQ]``) of ``max(ratio, token_sort_ratio,
  0.9 * token_set_ratio)`` between the normalised texts; a Google Forms grid heading
  ``Question [Row]`` scores its row against the row wording (weight 0.8) and its question
  against the question wording (weight 0.2);
* then one heading per item and one item per heading, chosen together so that the sum of the
  scores is largest (:func:`scipy.optimize.linear_sum_assignment`), pairs under
  :data:`ACCEPT` left unmatched. ``confidence = score / 100``.

Answer labels are matched the same way, with exact and code matches first (see
:func:`match_answer`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..text import fold

ACCEPT = 60.0
"""The lowest score that still proposes a match (below it the heading is listed as unmatched)."""
REVIEW = 85.0
"""Matches scoring below this are marked for review in the written map."""

_NUMBERING = re.compile(
    r"^\s*(?:(?:cau|question|q|muc|phan)\s*)?"          # Câu 3:, Question 3., Mục 2
    r"(?:\d+(?:\.\d+)*|[ivxlc]+|[a-z])"                   # 3, 3.1, III, a
    r"\s*[.:)\-–]+\s+")
_NUMBER_ONLY = re.compile(r"^\s*(?:cau|question|q)\s*\d+(?:\.\d+)*\s*[.:)\-–]*\s*")
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_GRID = re.compile(r"^(?P<q>.*?)\s*\[(?P<row>[^\[\]]*)\]\s*$", re.DOTALL)


def norm(text: str) -> str:
    """A text as it is compared: folded (no diacritics, ``đ`` -> ``d``, lower case), no numbering
    in front, no punctuation, single spaces.

    >>> norm("Câu 3: Nơi ngồi chờ có đủ chỗ ngồi?*")
    'noi ngoi cho co du cho ngoi'
    >>> norm("III. Công chức")
    'cong chuc'
    """
    t = fold(unicodedata.normalize("NFC", str(text)))
    for _ in range(2):  # "Câu 3. 1) ..." carries two numberings
        t = _NUMBERING.sub("", t, count=1)
        t = _NUMBER_ONLY.sub("", t, count=1)
    return " ".join(_PUNCT.sub(" ", t).split())


def split_grid(heading: str) -> tuple[str, str | None]:
    """``"Question [Row]"`` -> ``("Question", "Row")``; any other heading -> ``(heading, None)``."""
    m = _GRID.match(heading)
    if m and m.group("q").strip() and m.group("row").strip():
        return m.group("q"), m.group("row")
    return heading, None


def similarity(a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    """Scores 0-100 of every normalised text of ``a`` against every one of ``b`` (a matrix).

    ``max(ratio, token_sort_ratio, 0.9 * token_set_ratio)``: the set ratio finds a heading that
    dropped words, and is discounted so that a short text inside a long one does not count as
    equal to it.
    """
    from rapidfuzz import fuzz, process

    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    r = process.cdist(a, b, scorer=fuzz.ratio, dtype=np.float32)
    s = process.cdist(a, b, scorer=fuzz.token_sort_ratio, dtype=np.float32)
    t = process.cdist(a, b, scorer=fuzz.token_set_ratio, dtype=np.float32) * 0.9
    out = np.maximum(np.maximum(r, s), t).astype(float)
    empty_a = np.array([not x for x in a])
    empty_b = np.array([not x for x in b])
    out[empty_a, :] = 0.0
    out[:, empty_b] = 0.0
    return out


@dataclass(frozen=True)
class Target:
    """Something a heading can be matched to.

    Attributes:
        kind: ``item`` (one response column) or ``question`` (a multiple-choice question whose
            boxes come in one column, as Google Forms writes checkboxes).
        key: the item id, or the question code.
        words: the wordings a heading may carry (raw; normalised when compared).
        codes: names matched only exactly (the item id, ``Q[SQ]``, ``Q_SQ``): a short code
            is close to many short codes, so it never scores a fuzzy match.
        row_words: for a sub-question, the row's own wordings (compared with a grid heading's
            ``[Row]``); empty otherwise.
        question_words: the question's wordings (compared with a grid heading's question part).
        label: the instrument's wording, shown beside the match for review.
        question: the question code (a runner-up of the same question is no rival: the
            question's checkbox column and its boxes are alternatives of one another).
    """

    kind: str
    key: str
    words: tuple[str, ...]
    codes: tuple[str, ...] = ()
    row_words: tuple[str, ...] = ()
    question_words: tuple[str, ...] = ()
    label: str = ""
    question: str = ""


def _best(scores: np.ndarray, owners: np.ndarray, n_targets: int) -> np.ndarray:
    """Per row of ``scores`` (headings x wordings), the best wording score of each target."""
    out = np.zeros((scores.shape[0], n_targets))
    for t in range(n_targets):  # a loop over the instrument's targets, not over respondents
        cols = np.flatnonzero(owners == t)
        if len(cols):
            out[:, t] = scores[:, cols].max(axis=1)
    return out


def heading_words(text: str) -> str:
    """:func:`norm` without numbers standing alone: a question's scale explanation
    (``5 = Rất hài lòng, 4 = ...``) and a heading's ``phan_1/cau_2`` share digits, not meaning."""
    return " ".join(w for w in norm(text).split() if not w.isdigit())


def _words_matrix(texts: Sequence[str], targets: Sequence[Target], field: str) -> np.ndarray:
    words: list[str] = []
    owners: list[int] = []
    for i, t in enumerate(targets):
        for w in getattr(t, field):
            n = heading_words(w)
            if n:
                words.append(n)
                owners.append(i)
    return _best(similarity([heading_words(x) for x in texts], words),
                 np.array(owners, dtype=int), len(targets))


def score_headings(headings: Sequence[str], targets: Sequence[Target]) -> np.ndarray:
    """The score matrix (headings x targets); see the module docstring."""
    whole = _words_matrix(headings, targets, "words")
    parts = [split_grid(h) for h in headings]
    grid = np.array([r is not None for _, r in parts])
    if grid.any():
        rows = _words_matrix([r or "" for _, r in parts], targets, "row_words")
        quest = _words_matrix([q for q, _ in parts], targets, "question_words")
        has_rows = np.array([bool(t.row_words) for t in targets])
        combined = np.where(has_rows[None, :], 0.8 * rows + 0.2 * quest, 0.0)
        whole = np.where(grid[:, None], np.maximum(whole, combined), whole)
    return whole


@dataclass(frozen=True)
class Match:
    """One proposed heading -> target pair (``target`` None: no target scored :data:`ACCEPT`)."""

    heading: str
    target: Target | None
    score: float
    runner_up: float = 0.0

    @property
    def confidence(self) -> float:
        return round(self.score / 100.0, 2) if self.target is not None else 0.0

    @property
    def review(self) -> bool:
        """Whether a person should look at it: a low score, or another target nearly as good
        (an exact match of the normalised wording never needs it)."""
        return self.target is not None and self.score < 100.0 and (
            self.score < REVIEW or self.runner_up >= self.score - 3.0)


def assign(headings: Sequence[str], targets: Sequence[Target],
           fixed: Mapping[int, int] | None = None, scores: np.ndarray | None = None
           ) -> list[Match]:
    """One target per heading and one heading per target, the largest total score.

    Args:
        headings: the headings to match.
        targets: what they can be matched to.
        fixed: heading position -> target position already decided (an exact name match);
            those are kept as they are.
        scores: the score matrix when already computed (default :func:`score_headings`).
    """
    from scipy.optimize import linear_sum_assignment

    fixed = dict(fixed or {})
    if scores is None:
        scores = (score_headings(headings, targets) if len(targets)
                  else np.zeros((len(headings), 0)))
    out: list[Match | None] = [None] * len(headings)
    for h, t in fixed.items():
        out[h] = Match(headings[h], targets[t], 100.0)
    free_h = [h for h in range(len(headings)) if h not in fixed]
    free_t = [t for t in range(len(targets)) if t not in set(fixed.values())]
    if free_h and free_t:
        sub = scores[np.ix_(free_h, free_t)]
        rows, cols = linear_sum_assignment(sub, maximize=True)
        for r, c in zip(rows, cols, strict=True):
            h, t = free_h[r], free_t[c]
            s = float(sub[r, c])
            if s >= ACCEPT:
                rivals = [k for k, tt in enumerate(free_t)
                          if k != c and (not targets[tt].question or
                                         targets[tt].question != targets[t].question)]
                others = sub[r, rivals]
                out[h] = Match(headings[h], targets[t], s,
                               float(others.max()) if len(others) else 0.0)
    return [m if m is not None else Match(headings[i], None, 0.0) for i, m in enumerate(out)]


# --------------------------------------------------------------------------------------------
# answers
# --------------------------------------------------------------------------------------------
_LEADING_CODE = re.compile(
    r"^\s*(?P<code>-oth-|[^\s.:)\-–]+)\s*(?:[.:)]|\s[-–=]|-|–)\s*(?P<rest>.+)$")

TRUE_BOX = frozenset({"y", "1", "x", "co", "yes", "true", "✓", "✔", "v"})
"""Values of a multiple-choice box (one column per option) that mean "ticked" (folded)."""
FALSE_BOX = frozenset({"", "0", "n", "khong", "no", "false"})
"""Values of such a box that mean "not ticked" (folded)."""


@dataclass(frozen=True)
class AnswerMatch:
    """How one value written in the file was read: ``code`` None when it matched nothing."""

    value: str
    code: str | None
    confidence: float
    how: str


def answer_keys(labels: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Folded label -> code, from code -> labels (every language). A folded label two codes
    share is left out (it cannot say which)."""
    seen: dict[str, set[str]] = {}
    for code, labs in labels.items():
        for lab in labs:
            k = norm(lab)
            if k:
                seen.setdefault(k, set()).add(code)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def match_answer(value: str, codes: Sequence[str], labels: Mapping[str, Iterable[str]],
                 given: Mapping[str, str] | None = None, *, fuzzy: bool = True) -> AnswerMatch:
    """Read one answer as written: the map's own entry, then the exact label, a code with its
    label (``5 - Rất hài lòng``, ``5. Rất hài lòng``; a code with another code's label is no
    match), the label without case/diacritics/punctuation, the code itself (``5``, ``5.0``),
    and (``fuzzy``, for proposals only: an import reads only what the map and the instrument
    say) the closest label scoring 95.

    Args:
        value: the cell's text (stripped by the caller).
        codes: the allowed codes (text), including the "don't know" ones.
        labels: code -> its labels (every language).
        given: the map's own ``label -> code`` for this answer list (reviewed by a person).
    """
    if given and value in given:
        return AnswerMatch(value, given[value], 1.0, "map")
    for code, labs in labels.items():
        if value in labs:
            return AnswerMatch(value, code, 1.0, "label")
    keys = answer_keys(labels)
    v = value.strip()
    m = _LEADING_CODE.match(v)
    if m and m.group("code") in codes:  # before the labels: norm() drops a leading "4 - "
        code = m.group("code")
        rest = norm(m.group("rest"))
        if not rest or keys.get(rest, code) == code:
            return AnswerMatch(value, code, 0.95, "code with its label")
        return AnswerMatch(value, None, 0.0, "a code with another code's label")
    nv = norm(value)
    if given:
        folded_given = {norm(k): v for k, v in given.items()}
        if nv in folded_given:
            return AnswerMatch(value, folded_given[nv], 0.98, "map, case or diacritics differ")
    if nv in keys:
        return AnswerMatch(value, keys[nv], 0.98, "label, case or diacritics differ")
    as_int = v[:-2] if v.endswith(".0") else v
    if as_int in codes:
        return AnswerMatch(value, as_int, 0.95, "code")
    if fuzzy and keys and nv:
        from rapidfuzz import fuzz, process

        best = process.extractOne(nv, list(keys), scorer=fuzz.ratio)
        if best is not None and best[1] >= 95:
            return AnswerMatch(value, keys[best[0]], round(best[1] / 100, 2), "closest label")
    return AnswerMatch(value, None, 0.0, "no match")


def split_choices(value: str, keys: Mapping[str, str], sep: str = ", ") -> tuple[list[str], str]:
    """A checkbox answer -> (the codes of the options ticked, the text left over).

    Google Forms joins the ticked options' labels with ``", "`` and puts an "Other" text among
    them, so a label that holds ``", "`` itself cannot be split on the separator. The pieces are
    joined back greedily: at each position the longest run of pieces that is a known label
    (``keys``: normalised label -> code) is taken; pieces that are no label are the "Other"
    text (joined again with ``", "``, in their order).
    """
    pieces = value.split(sep)
    codes: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            k = norm(sep.join(pieces[i:j]))
            if k in keys:
                codes.append(keys[k])
                i = j
                break
        else:
            rest.append(pieces[i])
            i += 1
    return codes, sep.join(p for p in rest).strip()
