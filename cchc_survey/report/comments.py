"""Free-text answers (ý kiến góp ý) summarised for a reader, at any number of respondents.

Steps, each counted so the books balance (``total = blank + no_comment + substantive``):

1. **normalise**: Unicode NFC, line breaks and runs of spaces to one space, surrounding quotes and
   punctuation stripped; two answers that differ only in case, spacing or final punctuation are
   the same answer (repeats are counted, the first spelling is shown);
2. **set apart** empty answers and "no comment" answers (``Không có ý kiến``, ``không``, ``ko``,
   ``no comment`` ...; matched on the text without diacritics);
3. **group** the substantive answers by their most frequent content words: the words come from
   Vietnamese word segmentation (underthesea's ``word_tokenize``, a CRF model shipped in the
   package, no download), less underthesea's stop-word list; each answer joins the group of the
   most frequent word it contains, so groups do not overlap, and each group keeps the answers
   repeated most often as examples.

Segmentation runs once per distinct answer, and on at most :data:`MAX_SEGMENTED` distinct answers
(the most frequent ones; the rest are counted in "other"), so the cost does not grow with the
number of respondents. The full list goes to the Excel workbook only (escaped and formula-safe
there); the reports show this summary.

Example:
    >>> s = summarise_comments(pd.Series(["Cán bộ nhiệt tình.", "cán bộ nhiệt tình", "", "Không"]))
    >>> s.total, s.blank, s.no_comment, s.substantive, s.distinct
    (4, 1, 1, 2, 1)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from ..text import fold, nfc_series

MAX_SEGMENTED = 5_000
"""At most this many distinct answers (the most frequent) are segmented into words."""
MAX_GROUPS = 8
"""Groups shown; the remaining answers are counted in one "other" group."""
EXAMPLES = 3
"""Examples shown per group."""

_NO_COMMENT = re.compile(
    r"^(?:(?:khong|ko|k|kg|chua|hien chua|tam thoi chua)(?: co)?(?: y kien| gop y| kien nghi"
    r"| de xuat| gi)*(?: them| khac| gi)*(?: a| ạ)?|(?:no|none|nothing|no comments?|n/?a|nil)"
    r"|[-_.…/]+|0|x)$")
_EDGES = re.compile(r"^[\s\"'“”‘’.,;:!?…\-–—*]+|[\s\"'“”‘’.,;:!?…\-–—*]+$")
_SPACES = re.compile(r"\s+")
_EXTRA_STOP = ("nên", "cần", "thêm", "còn", "hơn", "cho", "rồi", "ạ", "nữa", "lắm", "hay", "bị",
               "với", "tại", "về", "như", "thì", "cũng", "đề nghị", "mong", "ý kiến")


@dataclass(frozen=True)
class CommentGroup:
    """One group of answers that share a frequent word."""

    word: str
    answers: int
    examples: tuple[tuple[str, int], ...]  # (answer as first written, times given)


@dataclass(frozen=True)
class CommentSummary:
    """The counts and groups of :func:`summarise_comments`."""

    total: int
    blank: int
    no_comment: int
    substantive: int
    distinct: int
    groups: tuple[CommentGroup, ...] = ()
    other: int = 0
    segmented: int = 0
    top: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def normalise(texts: pd.Series) -> pd.Series:
    """NFC, one space between words, surrounding quotes and punctuation removed."""
    s = nfc_series(texts.fillna("").astype(str))
    s = s.str.replace(_SPACES, " ", regex=True).str.strip()
    return s.str.replace(_EDGES, "", regex=True)


def is_no_comment(normalised: pd.Series) -> pd.Series:
    """True for "no comment" answers (``Không có ý kiến thêm``, ``ko``, ``none``, ``-``)."""
    folded = normalised.map(lambda v: fold(v).strip(), na_action="ignore")
    return folded.str.fullmatch(_NO_COMMENT.pattern).fillna(False).astype(bool)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from underthesea.datasets.stopwords import words  # lazy: underthesea costs ~0.5 s

    return frozenset(w.strip().lower() for w in [*words, *_EXTRA_STOP] if w.strip())


def content_words(text: str) -> list[str]:
    """The content words of one answer: underthesea's segmentation, lower case, without stop
    words, punctuation, numbers and one-letter tokens (``thủ tục``, ``hồ sơ``)."""
    from underthesea import word_tokenize

    stop = _stopwords()
    out: list[str] = []
    for w in word_tokenize(text):
        w = w.lower().strip()
        if len(w) < 2 or w in stop or not any(ch.isalpha() for ch in w):
            continue
        out.append(w)
    return list(dict.fromkeys(out))


def summarise_comments(texts: pd.Series, *, blank: int = 0, max_groups: int = MAX_GROUPS,
                       max_segmented: int = MAX_SEGMENTED) -> CommentSummary:
    """Count, de-duplicate and group free-text answers (see the module docstring).

    Args:
        texts: one answer per respondent (missing values count as blank).
        blank: respondents with no answer that are not in ``texts`` (added to ``blank``).
        max_groups: groups shown (the rest in ``other``).
        max_segmented: distinct answers segmented at most.
    """
    raw = texts.fillna("").astype(str)
    distinct = raw.value_counts(sort=False)  # one pass in C; the text work is per distinct value
    norm = normalise(pd.Series(distinct.index, dtype=object))
    times = distinct.to_numpy(dtype=np.int64)
    empty = (norm == "").to_numpy()
    none = is_no_comment(norm).to_numpy() & ~empty
    keep = ~empty & ~none
    frame = pd.DataFrame({"key": norm[keep].str.lower().to_numpy(),
                          "answer": norm[keep].to_numpy(), "times": times[keep]})
    # the spelling shown is the most frequent one of each answer
    frame = frame.sort_values("times", ascending=False, kind="stable")
    agg = frame.groupby("key", sort=False).agg(answer=("answer", "first"), times=("times", "sum"))
    counts = agg["times"].sort_values(ascending=False, kind="stable")
    shown = {k: str(agg.at[k, "answer"]) for k in counts.index[: max(max_segmented, 0)]}
    top = tuple((shown[k], int(c)) for k, c in counts.head(EXAMPLES * 2).items())
    groups, other, segmented = _group(counts, shown, max_groups)
    return CommentSummary(total=len(texts) + blank, blank=int(times[empty].sum()) + blank,
                          no_comment=int(times[none].sum()), substantive=int(times[keep].sum()),
                          distinct=len(counts), groups=groups, other=other,
                          segmented=segmented, top=top)


def _group(counts: pd.Series, shown: dict[str, str], max_groups: int
           ) -> tuple[tuple[CommentGroup, ...], int, int]:
    """Each answer to the group of its most frequent word (frequency = answers containing it)."""
    if not shown:
        return (), int(counts.sum()), 0
    words = {k: content_words(shown[k]) for k in shown}
    freq: Counter[str] = Counter()
    for k, ws in words.items():
        for w in ws:
            freq[w] += int(counts[k])
    rank = {w: i for i, (w, _) in enumerate(freq.most_common())}
    members: dict[str, list[str]] = {}
    for k, ws in words.items():
        if ws:
            members.setdefault(min(ws, key=rank.__getitem__), []).append(k)
    sizes = {w: int(counts[ks].sum()) for w, ks in members.items()}
    order = sorted(sizes, key=lambda w: (-sizes[w], rank[w]))[:max_groups]
    groups = tuple(
        CommentGroup(word=w, answers=sizes[w],
                     examples=tuple((shown[k], int(counts[k])) for k in members[w][:EXAMPLES]))
        for w in order)
    other = int(counts.sum()) - sum(g.answers for g in groups)
    return groups, other, len(shown)


def comment_table(texts: pd.Series) -> pd.DataFrame:
    """Every distinct answer with how often it was given (for the Excel sheet), most frequent
    first: ``answer`` (as the respondent wrote it, NFC; of answers that differ only in case,
    spacing or final punctuation, the spelling given most often), ``times``, ``no_comment``.
    Empty answers are left out."""
    distinct = nfc_series(texts.dropna().astype(str)).value_counts(sort=False)
    raw = pd.Series(distinct.index, dtype=object)
    norm = normalise(raw)
    keep = (norm != "").to_numpy()
    frame = pd.DataFrame({"answer": raw[keep].to_numpy(), "key": norm[keep].str.lower().to_numpy(),
                          "times": distinct.to_numpy(dtype=np.int64)[keep]})
    frame = frame.sort_values("times", ascending=False, kind="stable")
    grouped = frame.groupby("key", sort=False).agg(answer=("answer", "first"),
                                                   times=("times", "sum"))
    grouped = grouped.sort_values("times", ascending=False, kind="stable").reset_index()
    grouped["no_comment"] = is_no_comment(grouped["key"]).to_numpy(dtype=bool)
    return grouped[["answer", "times", "no_comment"]].reset_index(drop=True)
