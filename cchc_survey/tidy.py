"""Export columns -> item columns, typed by the instrument (or by a survey's codebook).

Any LimeSurvey export, read by :mod:`cchc_survey.limesurvey.exports` into a faithful raw frame,
becomes the same tidy frame here:

* one row per response; meta columns ``response_id`` (Int64), ``submitdate``, ``startdate``,
  ``datestamp`` (datetime64), ``lastpage`` (Int64), ``startlanguage`` (string), ``complete``
  (bool), ``token_hash`` (string pseudonym, NA when no token);
* then one column per item id, in questionnaire order, typed from the instrument:

  - choice items (F, L, !) whose codes are all integers -> ``Int64``;
  - choices coded by text (G ``F``/``M``, Y ``Y``/``N``, list codes like ``U01``) and lists with an
    "other" option -> pandas ``string`` holding the code (``-oth-`` stays ``-oth-``; its text is in
    ``<item>_other``). Codes are kept as codes; :func:`label_frame` gives labels;
  - multiple choice (M) sub-items -> ``boolean``: True selected, False shown but not selected,
    NA not shown (known from a NULL in formats that keep it, and in every format from the
    response's ``lastpage`` when the response is incomplete and the question's page comes later);
  - N -> ``Float64``; S, T and other texts -> ``string`` (NFC, line breaks ``\\n``, no surrounding
    blanks, "" -> NA); D -> ``datetime64``.

* codes the instrument marks "don't know / not applicable" become NA and are listed in
  ``reasons`` (response_id, item, code, reason);
* everything that does not fit (unknown columns, missing items, codes outside the scale,
  malformed dates, duplicate ids) is one row of ``failures`` (column, check, value, row,
  severity, message); rows that cannot be kept are in ``rejected`` with a reason, and
  ``n_in == n_out + len(rejected)`` always.

Why line breaks and surrounding blanks are normalised: CSV exports turn ``\\r\\n`` into ``\\n``
and VV exports trim values (README behaviours 13 and 27); normalising makes every format give
the same frame. The SPSS ``.dat`` file also replaces line breaks by spaces, which cannot be
undone (its lineage says so).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import InputFileError, Problem, advice
from .limesurvey.exports.base import RawExport
from .limesurvey.exports.layout import (
    GENDER_LABELS,
    META_COLUMNS,
    NA_LABEL,
    OTHER_LABEL,
    PERSONAL_FIELDS,
    SYSTEM_FIELDS,
    YES_NO_LABELS,
    ColumnSpec,
    Layout,
    abbreviate,
    layout_from_instrument,
    norm_name,
)
from .pseudonym import load_secret, pseudonymise_series

OnError = Literal["raise", "warn"]
FAILURE_COLUMNS = ["column", "check", "value", "row", "severity", "message"]
REASON_COLUMNS = ["response_id", "item", "code", "reason"]
REJECTED_COLUMNS = ["row", "response_id", "reason"]

_NUMERIC_CODING = {"G": {"1": "F", "2": "M"}, "Y": {"1": "Y", "2": "N"},
                   "M": {"1": "Y", "0": "", "": ""}}
# Stata: the value label says Y 1 / N 2, but the data hold 0 for N (fixture, LimeSurvey 6.2.1).
_STATA_CODING = {"G": {"0": "F", "1": "M"}, "Y": {"1": "Y", "0": "N", "2": "N"}}
_TEXT_TYPES = frozenset({"S", "T", "U", "Q", "K", ";", ":"})
_CHOICE_TYPES = frozenset({"F", "L", "!", "O", "5", "A", "B", "C", "E", "H", "1"})


class ExportValidationError(InputFileError):
    """An export was read, but some values or columns do not fit the instrument.

    ``result`` holds the whole :class:`TidyResult` (nothing is lost): inspect
    ``result.failures``, or read again with ``on_error="warn"`` to keep going.
    """

    def __init__(self, problems: list[Problem], summary: str, result: TidyResult) -> None:
        super().__init__(problems, summary)
        self.result = result


class ExportValidationWarning(UserWarning):
    """Columns or values that do not fit the instrument, kept going (see ``failures``)."""


@dataclass
class TidyResult:
    """One export, tidy. See the module docstring for the frame's columns and types."""

    frame: pd.DataFrame
    reasons: pd.DataFrame
    failures: pd.DataFrame
    lineage: dict[str, Any]
    n_in: int
    n_out: int
    rejected: pd.DataFrame
    layout: Layout = field(repr=False)

    @property
    def items(self) -> list[str]:
        """The item columns, in questionnaire order."""
        return self.layout.item_ids


# --------------------------------------------------------------------------------------------
# column mapping
# --------------------------------------------------------------------------------------------
Target = tuple[str, str]  # ("meta", field) | ("item", item_id)


def _name_table(layout: Layout) -> dict[str, list[Target]]:
    table: dict[str, list[Target]] = {}

    def add(name: str, target: Target) -> None:
        key = norm_name(name)
        if key and target not in table.setdefault(key, []):
            table[key].append(target)

    for fname, vi, en in SYSTEM_FIELDS:
        for n in (fname, vi, en, vi.replace(" ", "_"), en.replace(" ", "_"),
                  abbreviate(vi), abbreviate(en)):
            add(n, ("meta", fname))
    for fname in PERSONAL_FIELDS:
        add(fname, ("meta", fname))
    for spec in layout.columns:
        for n in spec.names(layout.languages):
            add(n, ("item", spec.item_id))
        if spec.sgqa and spec.kind == "other":
            add(spec.sgqa, ("item", spec.item_id))
    return table


_CODETEXT = re.compile(r"^(?P<code>[^\s.]+)\. ")


def map_columns(columns: list[str], layout: Layout) -> tuple[list[Target | None], list[str]]:
    """Match export column names to meta fields and items.

    Names are tried as written (NFC, single spaces), then as the ``codetext`` heading's code
    (``TC[A1]. text``). A name that several columns share (abbreviated headings) is given to
    the candidates in questionnaire order.

    Returns:
        ``(targets, unknown)``: one target per column (None when unknown) and the unknown names.
    """
    table = _name_table(layout)
    used: set[Target] = set()
    out: list[Target | None] = []
    unknown: list[str] = []
    for col in columns:
        key = norm_name(col)
        cands = table.get(key)
        if not cands:
            m = _CODETEXT.match(col)
            cands = table.get(norm_name(m.group("code"))) if m else None
        free = [t for t in (cands or []) if t not in used]
        if free:
            used.add(free[0])
            out.append(free[0])
        else:
            out.append(None)
            unknown.append(col)
    return out, unknown


# --------------------------------------------------------------------------------------------
# value decoding
# --------------------------------------------------------------------------------------------
def _as_text(s: pd.Series) -> pd.Series:
    """Object column -> pandas string; ``None`` stays NA (NULL)."""
    return s.astype("string")


def _detect_coding(raw: RawExport, cols: Mapping[str, pd.Series], layout: Layout,
                   factors: Mapping[str, _Factor] | None = None
                   ) -> tuple[str, tuple[str, str] | None]:
    """Decide how answers are coded when the reader could not tell.

    Returns ``(coding, convert_yn)``: ``convert_yn`` is the (Y, N) pair of an export made with
    LimeSurvey's "convert Y/N" option, detected when yes/no and multiple-choice columns hold
    digits while gender columns hold their codes ``F``/``M`` (SPSS/R coding writes gender as
    digits) or a yes/no column holds ``0`` (SPSS/R write N as 2). Other choices: pass
    ``convert_yn`` explicitly.
    """
    if raw.coding != "codes":
        return raw.coding, None

    counts = {k: _stripped_counts(v, (factors or {}).get(k)) for k, v in cols.items()}

    def values(types: tuple[str, ...]) -> pd.Series:
        """The distinct non-empty stripped values of the columns of these types (with counts)."""
        parts = [counts[c.item_id] for c in layout.columns
                 if c.kind == "answer" and c.qtype in types and c.item_id in counts]
        v = (pd.concat(parts).groupby(level=0).sum() if parts else
             pd.Series([], dtype="int64", index=pd.Index([], dtype="string")))
        return v[v.index != ""]

    g, ym, m = values(("G",)).index, values(("Y", "M")).index, values(("M",)).index
    digits_ym = len(ym) > 0 and bool(ym.str.fullmatch(r"\d+").all())
    y_only = values(("Y",)).index
    if digits_ym and ((len(g) and g.isin(["F", "M"]).all()) or y_only.isin(["0"]).any()):
        n_val = sorted(set(ym.tolist()) - {"1"})
        return "convertyn", ("1", n_val[0] if n_val else "2")
    if digits_ym and (not len(g) or g.isin(["0", "1", "2"]).all()) and not m.isin(["2"]).any():
        return "numeric", None
    n_codes = n_labels = 0
    for spec in layout.columns:
        vc = counts.get(spec.item_id)
        if vc is None or spec.kind != "answer":
            continue
        vc = vc[vc.index != ""]
        if not len(vc):
            continue
        if spec.qtype in ("G", "Y", "M"):
            fixed = GENDER_LABELS if spec.qtype == "G" else YES_NO_LABELS
            n_codes += int(vc[vc.index.isin(["F", "M", "Y", "N"])].sum())
            n_labels += int(vc[vc.index.isin([*fixed["vi"].values(), *fixed["en"].values(),
                                              NA_LABEL])].sum())
        elif spec.codes:
            labs = [lab for lang in spec.labels.values() for lab in lang.values()]
            n_codes += int(vc[vc.index.isin(list(spec.codes))].sum())
            n_labels += int(vc[vc.index.isin([*labs, *OTHER_LABEL.values()])].sum())
    return ("labels" if n_labels > n_codes else "codes"), None


def _arrow_storage(s: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a ``string`` column read by Arrow, when it holds no NA."""
    if not isinstance(s.array, pd.arrays.ArrowStringArray) or s.hasnans:
        return None
    data = s.array.__arrow_array__()
    if not pa.types.is_large_string(data.type):  # pragma: no cover - pandas stores large_string
        return None
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])


def _one_byte_keys(data: pa.ChunkedArray) -> np.ndarray | None:
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


class _Factor(NamedTuple):
    """A column's ``pd.factorize``: ``codes`` (NA = -1), ``uniq`` and, when known for free,
    ``counts`` (how often each of ``uniq`` occurs)."""

    codes: np.ndarray
    uniq: Any
    counts: np.ndarray | None = None


def _factorize_small(s: pd.Series) -> _Factor:
    """``pd.factorize`` (NA = -1) with the codes in the smallest signed integer type.

    The same codes and uniques (in order of first appearance) as ``pd.factorize``; a column
    read by Arrow without NA is factorized on its Arrow storage: one-byte codes by their byte
    (:func:`_one_byte_keys`), anything else with Arrow's ``dictionary_encode``.
    """
    data = _arrow_storage(s)
    codes: np.ndarray | None = None
    if data is not None:
        keys = _one_byte_keys(data)
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
            return _Factor(codes, uniq, tally[order])  # int8 / int16 codes already
        else:
            enc = pc.dictionary_encode(data)
            dictionary = (enc.chunk(enc.num_chunks - 1).dictionary if enc.num_chunks else
                          pa.array([], type=pa.large_string()))
            uniq = pd.arrays.ArrowStringArray(dictionary)
            codes = (np.concatenate([c.indices.to_numpy() for c in enc.chunks]) if enc.num_chunks
                     else np.zeros(0, dtype=np.int32))
    if codes is None:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
    small = np.int8 if len(uniq) < 127 else np.int16 if len(uniq) < 32767 else np.int32
    return _Factor(codes.astype(small, copy=False), uniq)


def _stripped_counts(s: pd.Series, factor: _Factor | None = None) -> pd.Series:
    """How often each stripped value occurs (NA left out); computed on the distinct values.

    ``factor``: the column's ``pd.factorize`` when already computed (counted with bincount).
    """
    if factor is not None:
        codes, uniq, counts = factor
        if counts is None:
            counts = np.bincount(codes.astype(np.intp) + 1, minlength=len(uniq) + 1)[1:]
        stripped = pd.Series(uniq, dtype="string").str.strip().tolist()
        total: dict[str, int] = {}  # a loop over the distinct values, a handful per column
        for value, count in zip(stripped, counts.tolist(), strict=True):
            total[value] = total.get(value, 0) + count
        keys = sorted(total)  # as groupby orders them (code point order)
        return pd.Series([total[k] for k in keys], index=pd.Index(keys, dtype="string"),
                         dtype="int64")
    vc = s.value_counts(dropna=True)
    idx = pd.Series(vc.index, dtype="string").str.strip()
    return pd.Series(vc.to_numpy(), index=pd.Index(idx, dtype="string")).groupby(level=0).sum()


def _label_maps(spec: ColumnSpec, langs: list[str]) -> dict[str, str | None]:
    """Answer label -> code (``None`` for "N/A") for a ``long`` export."""
    m: dict[str, str | None] = {NA_LABEL: None}
    for lang in reversed(langs):
        if spec.qtype == "G":
            m.update({v: k for k, v in GENDER_LABELS.get(lang, {}).items()})
        elif spec.qtype == "Y":
            m.update({v: k for k, v in YES_NO_LABELS.get(lang, {}).items()})
        elif spec.qtype == "M":
            yn = YES_NO_LABELS.get(lang, {})
            m.update({yn.get("Y", "Yes"): "Y", yn.get("N", "No"): ""})
        else:
            m.update({v: k for k, v in spec.labels.get(lang, {}).items()})
            if spec.has_other:
                m[OTHER_LABEL.get(lang, "Other")] = "-oth-"
    m[""] = ""
    return m


_INT_FLOAT = r"^(-?\d+)\.0*$"  # a string pattern: pandas runs it in Arrow, not per cell


def _drop_zero_decimals(v: pd.Series) -> pd.Series:
    """``"1.0000000000"`` -> ``"1"`` (VV writes DECIMAL values, Excel numbers as floats)."""
    if not v.str.contains(".", regex=False).fillna(False).any():
        return v
    return v.str.replace(_INT_FLOAT, r"\1", regex=True)


def _whole_numbers(t: pd.Series) -> pd.Series | None:
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


def _decode(s: pd.Series, spec: ColumnSpec, coding: str, langs: list[str],
            convert_yn: tuple[str, str] | None = None) -> pd.Series:
    """Raw values -> LimeSurvey codes (text; NA = NULL)."""
    if convert_yn is not None and spec.qtype in ("Y", "M"):
        yv, nv = convert_yn
        v = s.str.strip()
        if spec.kind == "other":  # LimeSurvey converts the empty other text too (README 20)
            return s.mask(v == nv, "")
        table_yn = {yv: "Y", nv: "N" if spec.qtype == "Y" else ""}
        return v.map(table_yn).astype("string").where(v.isin(list(table_yn)), v)
    if spec.kind != "answer" or spec.qtype in _TEXT_TYPES or spec.qtype in ("N", "D"):
        return s
    v = s.str.strip()
    if coding == "labels":
        mapping = _label_maps(spec, langs)
        known = v.isin(list(mapping))
        return v.map(mapping).astype("string").where(known, v)
    v = _drop_zero_decimals(v)
    table = (_NUMERIC_CODING if coding == "numeric" else
             _STATA_CODING if coding == "stata" else {}).get(spec.qtype)
    if table:
        return v.map(table).astype("string").where(v.isin(list(table)), v)
    return v


def _clean_text(s: pd.Series) -> pd.Series:
    t = s.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    t = t.str.normalize("NFC").str.strip()
    return t.mask(t == "")


_DATE_FORMATS = {
    "iso": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    "dmy": ["%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y"],
}


_ISO_SECONDS = "YYYY-MM-DD HH:MM:SS"
_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18)  # positions of the digits in it
_SEPARATORS = {4: ord("-"), 7: ord("-"), 10: ord(" "), 13: ord(":"), 16: ord(":")}


def _parse_iso_seconds(t: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
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


def parse_dates(s: pd.Series, style: str) -> tuple[pd.Series, pd.Series]:
    """Parse a date column. Returns ``(datetime64 values, mask of unparseable non-empty cells)``.

    ``iso``: ``YYYY-MM-DD HH:MM:SS`` (CSV, JSON, xlsx, R, VV); ``dmy``: ``DD-MM-YYYY HH:MM:SS``
    (SPSS ``.dat``) and ``DD/MM/YYYY HH:MM`` (Excel on a Vietnamese Windows); ``stata_ms``:
    milliseconds since 1960-01-01 (Stata ``%tc``).
    """
    t = s.astype("string").str.strip()
    empty = t.isna() | (t == "")
    if style == "stata_ms":
        ms = pd.to_numeric(t.mask(empty), errors="coerce")
        out = pd.Timestamp("1960-01-01") + pd.to_timedelta(ms, unit="ms")
        out = pd.Series(out, index=s.index).astype("datetime64[ns]")
        return out, ~empty & out.isna()
    todo = ~empty
    fixed = _parse_iso_seconds(t)
    if fixed is None:
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    else:
        values, parsed = fixed
        out = pd.Series(values, index=s.index, copy=False)
        todo = todo & ~parsed
    for fmt in _DATE_FORMATS["iso"] + _DATE_FORMATS["dmy"]:
        if not todo.any():
            break
        got = pd.to_datetime(t[todo], format=fmt, errors="coerce")
        # a date outside datetime64[ns] (years 1677-2262) is no date LimeSurvey wrote: unparsed
        got = got.where((got >= pd.Timestamp.min) & (got <= pd.Timestamp.max))
        ok = got.notna()
        out.loc[ok[ok].index] = got[ok].astype("datetime64[ns]")
        todo = todo & out.isna()
    return out, todo


# --------------------------------------------------------------------------------------------
# the tidy frame
# --------------------------------------------------------------------------------------------
class _Collector:
    """The failures of one export, and (``typed``) its typed distinct values by column kind."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.typed: dict[tuple[Any, ...], tuple[list[Any], pd.Series, pd.DataFrame | None]] = {}

    def add(self, column: str, check: str, value: Any, row: Any, severity: str,
            message: str) -> None:
        self.rows.append({"column": column, "check": check, "value": value, "row": row,
                          "severity": severity, "message": message})

    def add_many(self, column: str, check: str, values: pd.Series, rows: pd.Series,
                 severity: str, message: str) -> None:
        for v, r in zip(values.tolist(), rows.tolist(), strict=True):
            self.add(column, check, v, r, severity, message)

    def frame(self) -> pd.DataFrame:
        from .shapes import FAILURES, failure_table

        return failure_table(FAILURES, self.rows)


def tidy_raw(raw: RawExport, layout: Layout, *, on_error: OnError = "raise",
             secret_key: bytes | None = None,
             convert_yn: tuple[str, str] | None = None) -> TidyResult:
    """Map, decode and type a raw export (see the module docstring).

    Args:
        raw: the reader's output.
        layout: the survey's columns (from an instrument or a codebook).
        on_error: ``raise`` an :class:`ExportValidationError` when a failure of severity
            ``error`` was found (the result is attached to it), or ``warn`` and return.
        secret_key: the pseudonymisation key (default: the local secret file).
        convert_yn: the (Y, N) values of an export made with "convert Y/N to" (detected
            when gender codes are F/M but yes/no columns hold digits).
    """
    return _tidy(raw, layout, on_error=on_error, secret_key=secret_key, convert_yn=convert_yn,
                 release=False)


def _tidy(raw: RawExport, layout: Layout, *, on_error: OnError, secret_key: bytes | None,
          convert_yn: tuple[str, str] | None, release: bool) -> TidyResult:
    """:func:`tidy_raw`; with ``release`` the raw columns are handed over (``raw.data`` is
    emptied) and each is dropped once typed, so the export's text and the tidy frame are not
    both held whole (:func:`read_export` reads the raw export only for this)."""
    fail = _Collector()
    targets, _unknown = map_columns(raw.columns, layout)
    n_in = raw.n_records
    lines = pd.Series(raw.lines, index=raw.data.index)
    meta: dict[str, pd.Series] = {}
    items: dict[str, pd.Series] = {}
    for pos, (col, tgt) in enumerate(zip(raw.columns, targets, strict=True)):
        if tgt is None:
            fail.add(col, "known_column", None, None, "warning",
                     f"column {col!r} is not in {layout.source} {layout.source_id!r}; ignored. "
                     "Check that the export is of this survey, or pass its .lss.")
            continue
        kind, name = tgt
        s = _as_text(raw.data[pos])
        (meta if kind == "meta" else items)[name] = s
    if release:
        raw.data = raw.data.iloc[:, :0]

    item_ids = layout.item_ids
    matched = [i for i in item_ids if i in items]
    if "id" not in meta:
        raise InputFileError([Problem(raw.path, "header", "no response id column (id, "
                                      "'ID trả lời', 'Response ID') was found",
                                      "export again with the response id column selected.",
                                      line=1)], summary=f"cannot read {Path(raw.path).name}")
    n_unknown = sum(1 for t in targets if t is None)
    if item_ids and (not matched or n_unknown > len(matched)):
        cols_seen = [c for c, t in zip(raw.columns, targets, strict=True) if t is None][:8]
        raise InputFileError([Problem(
            raw.path, "header",
            f"only {len(matched)} of {len(item_ids)} items of {layout.source} "
            f"{layout.source_id!r} were found; unknown columns include {cols_seen}",
            "this export is of another survey: use the instrument it was built from (the "
            "--instrument YAML on the command line), or that survey's .lss (lss=... in Python).",
            line=1)],
            summary=f"{Path(raw.path).name} does not match {layout.source} {layout.source_id}")
    for iid in item_ids:
        if iid not in items:
            fail.add(iid, "item_present", None, None, "warning",
                     f"item {iid!r} ({layout.spec(iid).code_heading}) has no column in the "
                     "export; it is all missing. Export all columns.")

    # --- rows: response id ----------------------------------------------------------------
    rid_text = meta["id"].str.strip()
    rid = _whole_numbers(rid_text)
    if rid is None:
        rid = pd.to_numeric(_drop_zero_decimals(rid_text), errors="coerce")
    bad_id = rid.isna() | (rid != rid.round())
    rejected: list[dict[str, Any]] = [
        {"row": r["line"], "response_id": pd.NA, "reason": r["reason"]} for r in raw.rejected]
    for ln, v in zip(lines[bad_id].tolist(), rid_text[bad_id].tolist(), strict=True):
        rejected.append({"row": ln, "response_id": pd.NA,
                         "reason": f"response id {v!r} is missing or not a whole number"})
        fail.add("id", "response_id", v, ln, "error",
                 f"response id {v!r} is missing or not a whole number; the row was set aside "
                 "(see rejected)")
    keep = ~bad_id
    rid_int = rid.where(keep).astype("Int64")
    dup = rid_int.duplicated(keep="first") & keep
    if dup.any():
        firsts = lines[keep & ~dup].groupby(rid_int[keep & ~dup]).first()
        for ln, dv in zip(lines[dup].tolist(), rid_int[dup].tolist(), strict=True):
            first = int(firsts.loc[dv])
            rejected.append({"row": ln, "response_id": dv,
                             "reason": f"response id {dv} repeats the one on row {first}"})
            fail.add("id", "unique_response_id", dv, ln, "error",
                     f"response id {dv} appears on rows {first} and {ln}; the later row was "
                     "set aside (see rejected). Export again, or de-duplicate knowingly.")
        keep = keep & ~dup
    for r in raw.rejected:
        fail.add("*", "record_readable", None, r["line"], "error", str(r["reason"]))

    all_kept = bool(keep.all())
    idx = keep.index if all_kept else keep[keep].index
    rows = lines.reset_index(drop=True) if all_kept else lines.loc[idx].reset_index(drop=True)

    def sub(s: pd.Series) -> pd.Series:
        return s.reset_index(drop=True) if all_kept else s.loc[idx].reset_index(drop=True)

    out: dict[str, pd.Series] = {"response_id": sub(rid_int)}
    date_style = raw.date_style
    for fname in ("submitdate", "startdate", "datestamp"):
        if fname in meta:
            vals, bad = parse_dates(sub(meta[fname]), date_style)
            if bad.any():
                fail.add_many(fname, "date_format", sub(meta[fname])[bad], rows[bad], "error",
                              f"{fname}: not a date LimeSurvey writes (YYYY-MM-DD HH:MM:SS)")
            out[fname] = vals
        else:
            out[fname] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    if "lastpage" in meta:
        lp_text = sub(meta["lastpage"]).str.strip()
        lp = _whole_numbers(lp_text.mask(lp_text == ""))
        if lp is None:
            lp = pd.to_numeric(_drop_zero_decimals(lp_text).mask(lp_text == ""),
                               errors="coerce")
        badlp = lp.isna() & lp_text.notna() & (lp_text != "")
        if badlp.any():
            fail.add_many("lastpage", "integer", lp_text[badlp], rows[badlp], "error",
                          "lastpage is not a whole number")
        out["lastpage"] = lp.astype("Float64").round().astype("Int64")
    else:
        out["lastpage"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    lang = sub(meta["startlanguage"]).str.strip() if "startlanguage" in meta else None
    out["startlanguage"] = (lang.mask(lang == "") if lang is not None else
                            pd.Series(pd.NA, index=rows.index, dtype="string"))
    out["complete"] = out["submitdate"].notna().astype(bool)
    if "token" in meta:
        key = secret_key if secret_key is not None else load_secret()
        out["token_hash"] = pseudonymise_series(sub(meta["token"]), key)
    else:
        out["token_hash"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    if release:
        meta.clear()

    # --- items ----------------------------------------------------------------------------
    item_cols = {k: sub(v) for k, v in items.items()}
    # each column's distinct values, once: the coding is detected and the values decoded on them
    factors = {k: _factorize_small(v) for k, v in item_cols.items()}
    coding, detected_yn = _detect_coding(raw, item_cols, layout, factors)
    convert_yn = convert_yn or detected_yn
    if convert_yn is not None:
        coding = "convertyn"
    langs = [raw.language] if raw.language else list(layout.languages)
    langs += [lg for lg in layout.languages if lg not in langs]
    lastpage = out["lastpage"]
    not_reached = ((~out["complete"]) & lastpage.notna()).to_numpy(dtype=bool)
    page_of_row = lastpage.fillna(0).to_numpy(dtype=np.int64)
    unreached_by_page: dict[int, np.ndarray] = {}
    reasons: list[pd.DataFrame] = []
    unique_ids = len(set(item_ids)) == len(item_ids)
    for spec in layout.columns:
        n = len(rows)
        if spec.item_id not in items:
            out[spec.item_id] = _empty(spec, n)
            continue
        typed, rs = _decode_and_type(item_cols[spec.item_id], spec, coding, langs, convert_yn,
                                     rows, out["response_id"], fail, raw.date_style,
                                     factors[spec.item_id])
        if release and unique_ids:  # the column's text is typed: let it go
            del item_cols[spec.item_id], items[spec.item_id]
        if spec.qtype == "M" and spec.kind == "answer":
            if spec.page not in unreached_by_page:
                unreached_by_page[spec.page] = not_reached & (page_of_row < spec.page)
            typed = _set_na(typed, unreached_by_page[spec.page])
        out[spec.item_id] = typed
        if rs is not None:
            reasons.append(rs)
    order = list(META_COLUMNS) + item_ids
    if list(out) == order:  # built in the frame's order: one frame, no copy of the columns
        frame = pd.DataFrame(out, copy=False)
    else:  # pragma: no cover - a layout repeating an item id
        frame = pd.DataFrame(out)[order]
    reason_df = (pd.concat(reasons, ignore_index=True) if reasons else
                 pd.DataFrame(columns=REASON_COLUMNS))
    reason_df = reason_df.astype({"response_id": "Int64", "item": "string", "code": "string",
                                  "reason": "string"})
    rej = pd.DataFrame(rejected, columns=REJECTED_COLUMNS).astype(
        {"row": "Int64", "response_id": "Int64", "reason": "string"})
    failures = fail.frame()
    failures = failures[~((failures["check"] == "known_column") &
                          failures["column"].isin(["seed"]))].reset_index(drop=True)
    lineage = {
        "sources": list(raw.sources or [raw.path]),
        "sha256": raw.sha256,
        "format": raw.format,
        "coding": coding,
        "encoding": raw.encoding,
        "layout_source": layout.source,
        "layout_id": layout.source_id,
        "layout_version": layout.version,
        "sid": layout.sid,
        "text_fidelity": ("line breaks replaced by spaces by the SPSS .dat writer"
                          if raw.format == "spss_dat" else "full"),
    }
    result = TidyResult(frame=frame, reasons=reason_df, failures=failures, lineage=lineage,
                        n_in=n_in, n_out=len(frame), rejected=rej, layout=layout)
    if result.n_in != result.n_out + len(result.rejected):  # pragma: no cover - invariant
        raise RuntimeError("rows in != rows out + rows rejected")
    _report(result, raw.path, on_error)
    return result


def _decode_and_type(s: pd.Series, spec: ColumnSpec, coding: str, langs: list[str],
                     convert_yn: tuple[str, str] | None, rows: pd.Series, rid: pd.Series,
                     fail: _Collector, date_style: str = "iso",
                     factor: _Factor | None = None
                     ) -> tuple[pd.Series, pd.DataFrame | None]:
    """:func:`_decode` then :func:`_type_column`, computed once per distinct value.

    Both are value by value (no value depends on another row), so a column of a million answers
    with a handful of distinct codes is decoded and typed on those few values and expanded back
    by position; failures and "don't know" reasons are expanded to every row holding the value,
    in row order, exactly as the row-by-row computation lists them.

    ``fail.typed`` (one per export) keeps the typed distinct values of columns that raised no
    failure, keyed by what decoding and typing read (type, scale, "don't know" codes, labels
    and the distinct values): the 22 items on one 1..6 scale are typed once, not 22 times.
    """
    n = len(s)
    codes, uniq = factor[:2] if factor is not None else pd.factorize(s, use_na_sentinel=True)
    if n < 1000 or len(uniq) > n // 4:
        return _type_column(_decode(s, spec, coding, langs, convert_yn), spec, rows, rid, fail,
                            date_style)
    has_na = bool((codes < 0).any())
    u = pd.Series(uniq, dtype="string").reset_index(drop=True)
    if has_na:
        u = pd.concat([u, pd.Series([pd.NA], dtype="string")], ignore_index=True)
        codes = np.where(codes < 0, len(uniq), codes)
    k = pd.Series(np.arange(len(u)))
    sub_fail = _Collector()
    values = [None if v is pd.NA else v for v in u.tolist()]
    key = (spec.qtype, spec.kind, spec.codes, spec.integer_codes, tuple(spec.missing.items()),
           spec.has_other, repr(spec.labels) if coding == "labels" else "",
           frozenset(values))
    if key in fail.typed:  # the same values typed for a column alike, maybe in another order
        typed_u, rs_u = _reorder(*fail.typed[key], values)
    else:
        typed_u, rs_u = _type_column(_decode(u, spec, coding, langs, convert_yn), spec, k, k,
                                     sub_fail, date_style)
        if not sub_fail.rows:
            fail.typed[key] = (values, typed_u, rs_u)
    typed = None if has_na else _same_text(s, uniq, typed_u, codes)
    if typed is None:
        typed = _expand(typed_u, codes)
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
            "item": pd.array([spec.item_id], dtype="string").take(np.zeros(len(at), np.intp)),
            "code": pd.array(rs_u["code"].to_numpy(), dtype="string").take(at),
            "reason": pd.array(rs_u["reason"].to_numpy(), dtype="string").take(at)}, copy=False)
    return typed, rs


def _reorder(values0: list[Any], typed0: pd.Series, rs0: pd.DataFrame | None,
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


def _same_text(s: pd.Series, uniq: Any, typed_u: pd.Series, codes: np.ndarray
               ) -> pd.Series | None:
    """The typed column as the raw column's own Arrow strings with nulls added, when typing
    kept every distinct value as it was or made it NA (codes like ``U01``, clean texts).

    No string is copied: the raw chunks get a validity bitmap. ``None`` when a value changed
    (stripped, decoded, normalised) or the column is not Arrow strings without NA.
    """
    data = _arrow_storage(s)
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


def _set_na(typed: pd.Series, where: np.ndarray) -> pd.Series:
    """``typed.mask(where)``; a ``boolean`` column by its mask (no copy through ``where``)."""
    if typed.dtype != "boolean":
        return typed.mask(where)
    arr = typed.array
    values = arr.to_numpy(dtype=bool, na_value=False)
    return pd.Series(pd.arrays.BooleanArray(values, arr.isna() | where), index=typed.index,
                     copy=False)


def _expand(typed_u: pd.Series, codes: np.ndarray) -> pd.Series:
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


def _empty(spec: ColumnSpec, n: int) -> pd.Series:
    return pd.Series([pd.NA] * n, dtype=_dtype_of(spec))


def _dtype_of(spec: ColumnSpec) -> str:
    if spec.kind != "answer" or spec.qtype in _TEXT_TYPES:
        return "string"
    if spec.qtype == "M":
        return "boolean"
    if spec.qtype == "N":
        return "Float64"
    if spec.qtype == "D":
        return "datetime64[ns]"
    if spec.integer_codes and not spec.has_other:
        return "Int64"
    return "string"


_EXCEL_ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NULL!")


def _type_column(s: pd.Series, spec: ColumnSpec, rows: pd.Series, rid: pd.Series,
                 fail: _Collector, date_style: str = "iso"
                 ) -> tuple[pd.Series, pd.DataFrame | None]:
    name = spec.item_id
    dtype = _dtype_of(spec)
    if dtype == "string" and (spec.kind != "answer" or spec.qtype in _TEXT_TYPES):
        text = _clean_text(s).astype("string")
        xl = text.isin(_EXCEL_ERRORS).fillna(False)
        if xl.any():
            fail.add_many(name, "excel_error_value", text[xl], rows[xl], "warning",
                          f"{spec.code_heading}: an Excel error value: the file was opened in "
                          "Excel, which read an answer starting with '=' as a formula and lost "
                          "it; take that answer from the original export")
        return text, None
    if spec.qtype == "N":
        t = s.str.strip()
        num = pd.to_numeric(t.mask(t == ""), errors="coerce")
        bad = num.isna() & t.notna() & (t != "")
        if bad.any():
            fail.add_many(name, "numeric", t[bad], rows[bad], "error",
                          f"{spec.code_heading}: not a number")
        return num.astype("Float64"), None
    if spec.qtype == "D":
        vals, bad = parse_dates(s, "stata_ms" if date_style == "stata_ms" else "iso")
        if bad.any() and date_style != "stata_ms":
            vals2, _ = parse_dates(s[bad], "dmy")
            vals.loc[bad] = vals2
            bad = bad & vals.isna()
        if bad.any():
            fail.add_many(name, "date_format", s[bad], rows[bad], "error",
                          f"{spec.code_heading}: not a date (YYYY-MM-DD HH:MM:SS)")
        return vals, None
    if spec.qtype == "M":
        t = s.str.strip()
        bad = t.notna() & ~t.isin(["Y", ""])
        if bad.any():
            fail.add_many(name, "code_in_scale", t[bad], rows[bad], "error",
                          f"{spec.code_heading}: a multiple-choice box holds 'Y' or nothing")
        return t.map({"Y": True, "": False}).astype("boolean").mask(bad.to_numpy()), None
    # choice items
    t = s.str.strip()
    t = t.mask(t == "")
    codes = list(spec.codes)
    if spec.qtype == "G":
        codes = codes or ["F", "M"]
    elif spec.qtype == "Y":
        codes = codes or ["Y", "N"]
    allowed = [*codes, *spec.missing, *(["-oth-"] if spec.has_other else [])]
    reasons = None
    if spec.missing:
        miss = t.isin(list(spec.missing))
        if miss.any():
            reasons = pd.DataFrame({"response_id": rid[miss].to_numpy(), "item": name,
                                    "code": t[miss].to_numpy(),
                                    "reason": t[miss].map(dict(spec.missing)).to_numpy()})
        t = t.mask(miss)
    if codes:
        bad = t.notna() & ~t.isin(allowed)
        if bad.any():
            fail.add_many(name, "code_in_scale", t[bad], rows[bad], "error",
                          f"{spec.code_heading}: code not in the scale {codes}")
            t = t.mask(bad)
    if dtype == "Int64":
        return pd.to_numeric(t, errors="coerce").astype("Int64"), reasons
    return t.astype("string"), reasons


def _report(result: TidyResult, path: str, on_error: OnError) -> None:
    f = result.failures
    errors = f[f["severity"] == "error"]
    name = Path(path).name
    if len(errors) and on_error == "raise":
        problems = []
        for r in errors.head(20).to_dict("records"):
            row = r["row"] if r["row"] is not None and pd.notna(r["row"]) else None
            problems.append(Problem(
                path, f"row {row}, column {r['column']}" if row is not None
                else f"column {r['column']}", f"{r['message']} (value {r['value']!r})",
                advice(python="correct the file or read it with on_error='warn' and check "
                       "result.failures",
                       cli="correct the file, or add --warn to go on and list every failure"),
                line=int(row) if row is not None else None))
        raise ExportValidationError(
            problems, f"{name}: {len(errors)} problem(s) with rows or values read against "
            f"{result.layout.source} {result.layout.source_id}", result)
    warn = f[f["severity"].isin(["warning", "error"])]
    if len(warn):
        cols = ", ".join(dict.fromkeys(warn["column"].astype(str).tolist()))
        warnings.warn(f"{name}: {len(warn)} failure case(s) in columns {cols}; see "
                      "result.failures", ExportValidationWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------
def resolve_layout(instrument: Any = None, *, lss: str | Path | None = None,
                   codebook: Any = None) -> Layout:
    """The layout from an instrument, a codebook, or a ``.lss`` file (in that order).

    With an instrument *and* a ``.lss``, the instrument gives items and types and the ``.lss``
    adds the SGQA names, so VV version 1 files and field-map names can be read.
    """
    from .limesurvey.exports.codebook_adapter import layout_from_codebook, merge_sgqa

    if instrument is not None:
        lay = layout_from_instrument(instrument)
        if lss is not None or codebook is not None:
            cb = codebook if codebook is not None else _read_lss(lss)
            lay = merge_sgqa(lay, layout_from_codebook(cb))
        return lay
    if codebook is not None:
        return layout_from_codebook(codebook)
    if lss is not None:
        return layout_from_codebook(_read_lss(lss))
    raise InputFileError([Problem("(arguments)", "instrument", "neither an instrument nor a "
                                  ".lss/codebook was given",
                                  advice(python="pass instrument=load_instrument(...) or "
                                         "lss='survey.lss'",
                                         cli="give --instrument x.yaml or --lss survey.lss"))],
                         summary="nothing to map the export's columns to")


def _read_lss(path: str | Path | None) -> Any:
    from .codebook import read_lss

    if path is None:  # pragma: no cover - callers check
        raise ValueError("no .lss path")
    return read_lss(path)


def read_export(path: str | Path | RawExport, instrument: Any = None, *,
                lss: str | Path | None = None,
                codebook: Any = None, encoding: str | None = None, format: str | None = None,
                language: str | None = None, on_error: OnError = "raise",
                secret_key: bytes | None = None,
                convert_yn: tuple[str, str] | None = None) -> TidyResult:
    """Read any LimeSurvey response export into the tidy frame.

    Args:
        path: the export (CSV, JSON, xlsx, SPSS ``.sps``/``.dat``/``.sav``, R ``.R``/data CSV,
            Stata XML, VV). For the SPSS and R pairs give either file of the pair. Or a
            :class:`RawExport` already read (the readers of :mod:`cchc_survey.sources` give one
            for Google Forms, KoboToolbox and data-entry files); it is not changed.
        instrument: the instrument the survey was built from.
        lss: the survey's ``.lss``: alone for a survey not built from our instruments, or with
            the instrument to add SGQA names.
        codebook: an already-read codebook instead of ``lss``.
        encoding: the text encoding when the file does not say and is not UTF-8 (``cp1258``).
        format: force the format (see :func:`cchc_survey.limesurvey.exports.read_raw`).
        language: the language of a ``long``/``full`` export when not the base language.
        on_error: ``raise`` (default) or ``warn`` on failures of severity ``error``.
        secret_key: pseudonymisation key (default: the local secret file).
        convert_yn: the (Y, N) values chosen with LimeSurvey's "convert Y/N" export option.

    Example:
        >>> from cchc_survey import load_instrument
        >>> inst = load_instrument("questionnaires/sipas_one_stop.yaml")   # doctest: +SKIP
        >>> res = read_export("responses.csv", instrument=inst)             # doctest: +SKIP
        >>> res.frame[["response_id", "complete", "tc_c1"]].head()          # doctest: +SKIP
    """
    from .limesurvey.exports import read_raw

    layout = resolve_layout(instrument, lss=lss, codebook=codebook)
    given = isinstance(path, RawExport)
    raw = path if isinstance(path, RawExport) else read_raw(path, encoding=encoding,
                                                            format=format)
    if language:
        raw.language = language
    return _tidy(raw, layout, on_error=on_error, secret_key=secret_key, convert_yn=convert_yn,
                 release=not given)


def label_frame(tidy: TidyResult, lang: str = "vi") -> pd.DataFrame:
    """The tidy frame with answer codes replaced by their labels in ``lang``.

    Choice items become ordered/unordered ``Categorical`` of labels (scale order); ``-oth-``
    becomes "Khác"/"Other"; multiple-choice items become the question's Yes/No labels.
    """
    f = tidy.frame.copy()
    for spec in tidy.layout.columns:
        if spec.kind != "answer" or spec.item_id not in f:
            continue
        col = f[spec.item_id]
        if spec.qtype == "M":
            yn = YES_NO_LABELS.get(lang, YES_NO_LABELS["en"])
            f[spec.item_id] = col.map({True: yn["Y"], False: yn["N"]}).astype("string")
            continue
        labels: dict[str, str] = dict(spec.labels.get(lang, {}))
        if spec.qtype == "G":
            labels = dict(GENDER_LABELS.get(lang, GENDER_LABELS["en"]))
        elif spec.qtype == "Y":
            labels = dict(YES_NO_LABELS.get(lang, YES_NO_LABELS["en"]))
        if not labels:
            continue
        order = [labels[c] for c in (spec.codes or labels) if c in labels]
        if spec.has_other:
            labels["-oth-"] = OTHER_LABEL.get(lang, "Other")
            order.append(labels["-oth-"])
        text = col.astype("string")
        f[spec.item_id] = pd.Categorical(text.map(labels), categories=list(dict.fromkeys(order)),
                                         ordered=spec.integer_codes)
    return f


__all__ = ["ExportValidationError", "ExportValidationWarning", "TidyResult", "label_frame",
           "parse_dates", "read_export", "resolve_layout", "tidy_raw"]

