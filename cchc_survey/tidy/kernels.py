"""The import's speed kernels: the same results as the readable definition
(:mod:`cchc_survey.tidy.values`, :mod:`cchc_survey.tidy.dates`), computed faster.

They are used by the ``auto`` engine of :func:`cchc_survey.tidy.read_export`; the
``reference`` engine uses none of them. Each kernel states what it equals; the tests run every
export fixture through both engines and compare the whole result (frame, reasons, failures,
rejected rows).

* a column's distinct values, once (:func:`factorize_small`): decoding and typing are value by
  value, so a column of a million answers with a handful of distinct codes is decoded and typed
  on those few values and expanded back by position (:func:`per_distinct`, :func:`expand`);
* Arrow's storage used directly: one-byte codes by their byte (:func:`one_byte_keys`), whole
  numbers cast by Arrow (:func:`whole_numbers`), ``YYYY-MM-DD HH:MM:SS`` parsed by numpy from
  the value bytes (:func:`parse_iso_seconds`), a column kept as its own strings with a validity
  bitmap when typing changed nothing (:func:`same_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class FailureSink(Protocol):
    """What the kernels need of the failure collector of :mod:`cchc_survey.tidy.values`."""

    rows: list[dict[str, Any]]
    typed: dict[tuple[Any, ...], tuple[list[Any], pd.Series, pd.DataFrame | None]]

    def add(self, column: str, check: str, value: Any, row: Any, severity: str,
            message: str) -> None: ...


def arrow_storage(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a ``string`` column read by Arrow, when it holds no NA."""
    if not isinstance(s.array, pd.arrays.ArrowStringArray) or s.hasnans:
        return None
    data = s.array.__arrow_array__()
    if not pa.types.is_large_string(data.type):  # pragma: no cover - pandas stores large_string
        return None
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])


def one_byte_keys(data: pa.ChunkedArray) -> np.ndarray | None:
    """Each value of at most one byte as a key: 0 for ``""``, byte + 1 otherwise (else None).

    Most answer columns hold one-character codes (``1``..``6``, ``Y``, ``F``/``M``, ``""``);
    their keys come from the Arrow offsets and bytes in a few numpy passes, no hashing.
    """
    keys = []
    for chunk in data.chunks:
        n = len(chunk)
        if n == 0:
            continue
        _, off_buf, val_buf = chunk.buffers()
        off = np.frombuffer(off_buf, dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
        length = np.diff(off)
        if int(length.max()) > 1:
            return None
        if val_buf is None or off[-1] == off[0]:
            keys.append(np.zeros(n, dtype=np.int16))
            continue
        raw = np.frombuffer(val_buf, dtype=np.uint8)
        first = raw[np.minimum(off[:-1], len(raw) - 1)].astype(np.int16) + 1
        keys.append(np.where(length == 1, first, np.int16(0)))
    return np.concatenate(keys) if keys else np.zeros(0, dtype=np.int16)


class Factor(NamedTuple):
    """A column's ``pd.factorize``: ``codes`` (NA = -1), ``uniq`` and, when known for free,
    ``counts`` (how often each of ``uniq`` occurs)."""

    codes: np.ndarray
    uniq: Any
    counts: np.ndarray | None = None


def factorize_small(s: pd.Series) -> Factor:
    """``pd.factorize`` (NA = -1) with the codes in the smallest signed integer type.

    The same codes and uniques (in order of first appearance) as ``pd.factorize``; a column
    read by Arrow without NA is factorized on its Arrow storage: one-byte codes by their byte
    (:func:`one_byte_keys`), anything else with Arrow's ``dictionary_encode``.
    """
    data = arrow_storage(s)
    codes: np.ndarray | None = None
    if data is not None:
        keys = one_byte_keys(data)
        if keys is not None:
            tally = np.bincount(keys, minlength=257)
            present = np.flatnonzero(tally)
            head = dict.fromkeys(keys[:4096].tolist())  # first appearances, nearly always all
            rest = sorted((int(np.argmax(keys == k)), int(k)) for k in present if int(k) not in head)
            order = [*head, *(k for _, k in rest)]
            lut = np.full(257, -1, dtype=np.int64)
            lut[order] = np.arange(len(order))
            codes = lut.astype(np.int16 if len(order) >= 127 else np.int8)[keys]
            uniq: Any = pd.array(["" if k == 0 else chr(k - 1) for k in order], dtype="string")
            return Factor(codes, uniq, tally[order])  # int8 / int16 codes already
        enc = pc.dictionary_encode(data)
        dictionary = (enc.chunk(enc.num_chunks - 1).dictionary if enc.num_chunks else
                      pa.array([], type=pa.large_string()))
        uniq = pd.arrays.ArrowStringArray(dictionary)
        codes = (np.concatenate([c.indices.to_numpy() for c in enc.chunks]) if enc.num_chunks
                 else np.zeros(0, dtype=np.int32))
    if codes is None:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
    small = np.int8 if len(uniq) < 127 else np.int16 if len(uniq) < 32767 else np.int32
    return Factor(codes.astype(small, copy=False), uniq)


def stripped_counts(factor: Factor) -> pd.Series:
    """How often each stripped value occurs (NA left out), from a column's factorization;
    equals ``s.str.strip().value_counts()`` grouped by value, in code point order."""
    codes, uniq, counts = factor
    if counts is None:
        counts = np.bincount(codes.astype(np.intp) + 1, minlength=len(uniq) + 1)[1:]
    stripped = pd.Series(uniq, dtype="string").str.strip().tolist()
    total: dict[str, int] = {}  # a loop over the distinct values, a handful per column
    for value, count in zip(stripped, counts.tolist(), strict=True):
        total[value] = total.get(value, 0) + count
    keys = sorted(total)
    return pd.Series([total[k] for k in keys], index=pd.Index(keys, dtype="string"), dtype="int64")


def whole_numbers(t: pd.Series) -> pd.Series | None:
    """``pd.to_numeric(t, errors="coerce")`` (``Int64``) when every value is ASCII digits or NA.

    Arrow casts such a column in one pass; ``None`` for anything else (signs, decimals,
    blanks, other scripts' digits, numbers past int64), which ``pd.to_numeric`` then reads.
    """
    if not isinstance(t.array, pd.arrays.ArrowStringArray):
        return None
    data = t.array.__arrow_array__()
    if not pc.all(pc.ascii_is_decimal(data)).as_py():
        return None
    try:
        ints = pc.cast(data, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - past int64
        return None
    mask = pc.is_null(ints).to_numpy(zero_copy_only=False)
    vals = pc.fill_null(ints, 0).to_numpy()
    return pd.Series(pd.arrays.IntegerArray(vals, mask), index=t.index, copy=False)


_ISO_SECONDS = "YYYY-MM-DD HH:MM:SS"
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)  # positions of the digits in it
_SEPARATORS = {4: ord("-"), 7: ord("-"), 10: ord(" "), 13: ord(":"), 16: ord(":")}


def parse_iso_seconds(t: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The values written exactly ``YYYY-MM-DD HH:MM:SS`` (what LimeSurvey writes), by numpy.

    Returns ``(datetime64[ns] values, parsed)`` for a column read by Arrow (else ``None``):
    ``parsed`` marks the values of exactly that shape that are a valid date and time of a
    year 1678..2261 (inside pandas' nanosecond range), NaT elsewhere. Those values are the
    ones ``pd.to_datetime(format="%Y-%m-%d %H:%M:%S")`` parses, to the same instant; every
    other value (another shape, single digits, 24:00, 30 February) is left to pandas.
    """
    if not isinstance(t.array, pd.arrays.ArrowStringArray):
        return None
    data = t.array.__arrow_array__()
    n = len(t)
    values = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    parsed = np.zeros(n, dtype=bool)
    width = len(_ISO_SECONDS)
    at_parts, text_parts, start = [], [], 0
    for chunk in data.chunks:  # each value of that width, as a row of bytes (no string copy)
        m = len(chunk)
        valid, off_buf, val_buf = chunk.buffers()
        off = np.frombuffer(off_buf, dtype=np.int64)[chunk.offset:chunk.offset + m + 1]
        fits = np.diff(off) == width
        if valid is not None:
            fits &= pc.is_valid(chunk).to_numpy(zero_copy_only=False)
        if val_buf is not None and fits.any():
            raw = np.frombuffer(val_buf, dtype=np.uint8)
            pos = np.flatnonzero(fits)
            text_parts.append(np.lib.stride_tricks.sliding_window_view(raw, width)[off[pos]])
            at_parts.append(pos + start)
        start += m
    if not at_parts:
        return values, parsed
    at = np.concatenate(at_parts)
    text = np.concatenate(text_parts)
    ok = np.ones(len(at), dtype=bool)
    for i, byte in _SEPARATORS.items():
        ok &= text[:, i] == byte
    digit = {}
    for i in _DIGITS:
        digit[i] = text[:, i] - np.uint8(ord("0"))  # a byte below "0" wraps round to above 9
        ok &= digit[i] <= 9

    def number(*at: int) -> np.ndarray:
        value = digit[at[0]].astype(np.int32)
        for i in at[1:]:
            value = value * 10 + digit[i]
        return value

    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    hour, minute, sec = number(11, 12), number(14, 15), number(17, 18)
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    date = first.astype("datetime64[D]") + (day - 1)
    ok &= ((year >= 1678) & (year <= 2261) & (month >= 1) & (month <= 12) & (day >= 1)
           & (date < (first + 1).astype("datetime64[D]"))
           & (hour <= 23) & (minute <= 59) & (sec <= 59))
    ns = date.astype("datetime64[ns]") + ((hour * 60 + minute) * 60 + sec).astype(
        np.int64) * np.timedelta64(1_000_000_000, "ns")
    values[at[ok]] = ns[ok]
    parsed[at[ok]] = True
    return values, parsed


def reorder(values0: list[Any], typed0: pd.Series, rs0: pd.DataFrame | None,
            values: list[Any]) -> tuple[pd.Series, pd.DataFrame | None]:
    """Typed distinct values (and their reasons) computed in the order ``values0``, put in the
    order ``values`` (the same set): typing is value by value, so only positions change."""
    at0 = {v: i for i, v in enumerate(values0)}
    perm = np.array([at0[v] for v in values], dtype=np.intp)
    typed = typed0.take(perm).reset_index(drop=True)
    if rs0 is None or not len(rs0):
        return typed, rs0
    inverse = np.empty(len(perm), dtype=np.int64)
    inverse[perm] = np.arange(len(perm))
    rs = rs0.copy()
    rs["response_id"] = inverse[rs0["response_id"].to_numpy(dtype=np.int64)]
    return typed, rs


def same_text(s: pd.Series, uniq: Any, typed_u: pd.Series, codes: np.ndarray) -> pd.Series | None:
    """The typed column as the raw column's own Arrow strings with nulls added, when typing
    kept every distinct value as it was or made it NA (codes like ``U01``, clean texts).

    No string is copied: the raw chunks get a validity bitmap. ``None`` when a value changed
    (stripped, decoded, normalised) or the column is not Arrow strings without NA.
    """
    data = arrow_storage(s)
    if data is None or not isinstance(typed_u.array, pd.arrays.ArrowStringArray):
        return None
    kept = typed_u.iloc[:len(uniq)].reset_index(drop=True)
    if not bool((kept.isna() | (kept == pd.Series(uniq, dtype="string"))).all()):
        return None
    valid = ~typed_u.isna().to_numpy()[codes]
    chunks, start = [], 0
    for chunk in data.chunks:
        m = len(chunk)
        ok = valid[start:start + m]
        start += m
        if ok.all():
            chunks.append(chunk)
            continue
        bits = np.packbits(np.concatenate([np.zeros(chunk.offset, dtype=bool), ok]),
                           bitorder="little")
        _, off_buf, val_buf = chunk.buffers()
        chunks.append(pa.Array.from_buffers(chunk.type, m, [pa.py_buffer(bits), off_buf, val_buf],
                                            null_count=int(m - ok.sum()), offset=chunk.offset))
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=data.type)),
                     copy=False)


def set_na(typed: pd.Series, where: np.ndarray) -> pd.Series:
    """``typed.mask(where)``; a ``boolean`` column by its mask (no copy through ``where``)."""
    if typed.dtype != "boolean":
        return typed.mask(where)
    arr = typed.array
    values = arr.to_numpy(dtype=bool, na_value=False)
    return pd.Series(pd.arrays.BooleanArray(values, arr.isna() | where), index=typed.index,
                     copy=False)


def expand(typed_u: pd.Series, codes: np.ndarray) -> pd.Series:
    """``typed_u.take(codes)`` with a fresh RangeIndex, by numpy for numpy-backed dtypes.

    A masked column (``Int64``, ``Float64``, ``boolean``) is rebuilt from its values and mask
    taken by numpy (pandas' ``take`` on masked arrays checks and copies far more); Arrow
    strings are taken by Arrow.
    """
    arr = typed_u.array
    if isinstance(arr, pd.arrays.ArrowStringArray):  # Arrow's take on one chunk of few values
        small = arr.__arrow_array__()
        small = small.combine_chunks() if isinstance(small, pa.ChunkedArray) else small
        return pd.Series(pd.arrays.ArrowStringArray(pc.take(small, pa.array(codes))), copy=False)
    if typed_u.dtype not in ("boolean", "Int64", "Float64"):
        return typed_u.take(codes).reset_index(drop=True)
    at = codes.astype(np.intp)  # once, not once per gather
    mask = arr.isna()[at]
    if typed_u.dtype == "boolean":
        vals = arr.to_numpy(dtype=bool, na_value=False)
        return pd.Series(pd.arrays.BooleanArray(vals[at], mask), copy=False)
    if typed_u.dtype == "Int64":
        ints = arr.to_numpy(dtype="int64", na_value=0)
        return pd.Series(pd.arrays.IntegerArray(ints[at], mask), copy=False)
    floats = arr.to_numpy(dtype="float64", na_value=0.0)
    return pd.Series(pd.arrays.FloatingArray(floats[at], mask), copy=False)


Typer = Callable[[pd.Series, pd.Series, pd.Series, Any], tuple[pd.Series, "pd.DataFrame | None"]]
"""``typer(values, rows, response_ids, failures) -> (typed, reasons)``: decoding then typing,
value by value (the definition)."""


def per_distinct(s: pd.Series, factor: Factor, typer: Typer, key: tuple[Any, ...],
                 rows: pd.Series, rid: pd.Series, fail: FailureSink,
                 new_sink: Callable[[], FailureSink], column: str
                 ) -> tuple[pd.Series, pd.DataFrame | None] | None:
    """``typer`` applied to the column's distinct values and expanded back by position.

    Returns exactly what ``typer(s, rows, rid, fail)`` returns, failures and "don't know"
    reasons expanded to every row holding the value, in row order, as the row-by-row
    computation lists them; ``None`` when the column is short or has many distinct values
    (then the caller types it row by row).

    ``fail.typed`` (one per export) keeps the typed distinct values of columns that raised no
    failure, keyed by ``key`` (what decoding and typing read: type, codes, "don't know" codes,
    labels) plus the set of distinct values: the 22 items on one 1..6 scale are typed once, not
    22 times.
    """
    n = len(s)
    codes, uniq = factor[:2]
    if n < 1000 or len(uniq) > n // 4:
        return None
    has_na = bool((codes < 0).any())
    u = pd.Series(uniq, dtype="string").reset_index(drop=True)
    if has_na:
        u = pd.concat([u, pd.Series([pd.NA], dtype="string")], ignore_index=True)
        codes = np.where(codes < 0, len(uniq), codes)
    k = pd.Series(np.arange(len(u)))
    sub_fail = new_sink()
    values = [None if v is pd.NA else v for v in u.tolist()]
    full_key = (*key, frozenset(values))
    if full_key in fail.typed:  # the same values typed for a column alike, maybe in another order
        typed_u, rs_u = reorder(*fail.typed[full_key], values)
    else:
        typed_u, rs_u = typer(u, k, k, sub_fail)
        if not sub_fail.rows:
            fail.typed[full_key] = (values, typed_u, rs_u)
    typed = None if has_na else same_text(s, uniq, typed_u, codes)
    if typed is None:
        typed = expand(typed_u, codes)
    if sub_fail.rows:
        order: dict[str, int] = {}
        expanded: list[tuple[int, int, dict[str, Any]]] = []
        for f in sub_fail.rows:
            at = np.flatnonzero(codes == int(f["row"]))
            rank = order.setdefault(f["check"], len(order))
            expanded.extend((rank, int(i), f) for i in at)
        expanded.sort(key=lambda e: (e[0], e[1]))
        row_list = rows.tolist()
        for _, i, f in expanded:
            fail.add(f["column"], f["check"], f["value"], row_list[i], f["severity"], f["message"])
    rs = None
    if rs_u is not None and len(rs_u):
        ks = rs_u["response_id"].to_numpy(dtype=np.int64)
        pos = np.full(len(u), -1, dtype=np.int64)
        pos[ks] = np.arange(len(ks))
        at = pos[codes]  # a lookup by code, not np.isin over every row
        hit = at >= 0
        at = at[hit]
        rs = pd.DataFrame({  # string arrays taken from the distinct values' (no inference)
            "response_id": rid.to_numpy()[hit],
            "item": pd.array([column], dtype="string").take(np.zeros(len(at), np.intp)),
            "code": pd.array(rs_u["code"].to_numpy(), dtype="string").take(at),
            "reason": pd.array(rs_u["reason"].to_numpy(), dtype="string").take(at)}, copy=False)
    return typed, rs
