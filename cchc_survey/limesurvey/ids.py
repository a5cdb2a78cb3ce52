"""Sets of response ids held as runs of consecutive ids: memory grows with the gaps, not the ids.

LimeSurvey's response ids are an auto-increment column, so the ids of a survey (and the ids a
pull stored) are mostly long runs: one million stored ids are a handful of ``(first, last)``
pairs instead of eight megabytes of int64 or thirty-six of Python ints. :class:`IdRuns` is an
immutable, sorted set with vectorised membership (:meth:`IdRuns.contains`, one
:func:`numpy.searchsorted` for a whole page) and behaves as a read-only sequence of ints
(``len``, iteration, indexing, ``==`` with a list).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import numpy as np

__all__ = ["IdRuns"]


def _runs_of(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)`` of the runs of consecutive values in a sorted, unique int64 array."""
    if ids.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    breaks = np.flatnonzero(np.diff(ids) != 1)
    starts = np.r_[ids[0], ids[breaks + 1]]
    ends = np.r_[ids[breaks], ids[-1]]
    return starts.astype(np.int64), ends.astype(np.int64)


class IdRuns(Sequence[int]):
    """A sorted set of response ids stored as inclusive runs ``starts[k]..ends[k]``.

    >>> r = IdRuns.from_ids([5, 1, 2, 3, 9])
    >>> r.runs
    [(1, 3), (5, 5), (9, 9)]
    >>> r.contains(np.array([0, 2, 4, 9])).tolist()
    [False, True, False, True]
    >>> list(r | IdRuns.from_ids([4])) == [1, 2, 3, 4, 5, 9]
    True
    """

    __slots__ = ("_cum", "_ends", "_starts")

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self._starts = np.asarray(starts, dtype=np.int64)
        self._ends = np.asarray(ends, dtype=np.int64)
        self._cum = np.cumsum(self._ends - self._starts + 1)

    @classmethod
    def empty(cls) -> IdRuns:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64))

    @classmethod
    def from_ids(cls, ids: Iterable[int] | np.ndarray) -> IdRuns:
        """The runs of any collection of ids (duplicates and order do not matter)."""
        arr = np.unique(np.fromiter(ids, dtype=np.int64) if not isinstance(ids, np.ndarray)
                        else ids.astype(np.int64))  # fmt: skip
        return cls(*_runs_of(arr))

    @classmethod
    def union_all(cls, parts: Iterable[IdRuns]) -> IdRuns:
        """The union of many sets, merging runs (no id is materialised)."""
        starts, ends = [], []
        for p in parts:
            starts.append(p._starts)
            ends.append(p._ends)
        s, e = (np.concatenate(starts), np.concatenate(ends)) if starts else (np.empty(0, np.int64),) * 2
        if not s.size:
            return cls.empty()
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        reach = np.maximum.accumulate(e)
        new = np.r_[True, s[1:] > reach[:-1] + 1]  # a run that neither overlaps nor touches
        group = np.cumsum(new) - 1
        out_s = s[new]
        out_e = out_s.copy()
        np.maximum.at(out_e, group, e)
        return cls(out_s, out_e)

    def __or__(self, other: IdRuns) -> IdRuns:
        return IdRuns.union_all([self, other])

    @property
    def runs(self) -> list[tuple[int, int]]:
        """The runs as ``(first, last)`` pairs."""
        return [(int(a), int(b)) for a, b in zip(self._starts, self._ends, strict=True)]

    def contains(self, ids: np.ndarray) -> np.ndarray:
        """Boolean mask: which of ``ids`` are in the set (vectorised)."""
        ids = np.asarray(ids, dtype=np.int64)
        k = np.searchsorted(self._starts, ids, side="right") - 1
        ok = k >= 0
        out = np.zeros(ids.shape, bool)
        out[ok] = ids[ok] <= self._ends[k[ok]]
        return out

    def to_numpy(self) -> np.ndarray:
        """Every id as an int64 array (materialises the set)."""
        if not self._starts.size:
            return np.empty(0, np.int64)
        lengths = self._ends - self._starts + 1
        offsets = np.repeat(self._starts - np.r_[0, self._cum[:-1]], lengths)
        return np.arange(int(self._cum[-1]), dtype=np.int64) + offsets

    def tolist(self) -> list[int]:
        return [int(i) for i in self]

    # -- Sequence -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self._cum[-1]) if self._cum.size else 0

    @overload
    def __getitem__(self, i: int) -> int: ...

    @overload
    def __getitem__(self, i: slice) -> list[int]: ...

    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("id index out of range")
        k = int(np.searchsorted(self._cum, i, side="right"))
        before = int(self._cum[k - 1]) if k else 0
        return int(self._starts[k]) + (i - before)

    def __iter__(self) -> Iterator[int]:
        for a, b in zip(self._starts.tolist(), self._ends.tolist(), strict=True):
            yield from range(a, b + 1)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | np.integer) and bool(self.contains(np.array([value]))[0])

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, IdRuns):
            return np.array_equal(self._starts, other._starts) and np.array_equal(self._ends, other._ends)
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in self.runs[:6])
        more = ", ..." if len(self._starts) > 6 else ""
        return f"IdRuns({len(self)} ids: {shown}{more})"
