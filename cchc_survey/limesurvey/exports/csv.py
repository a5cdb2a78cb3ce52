"""Delimited-text exports: LimeSurvey CSV (RPC and admin form), the R data file, Excel re-saves.

LimeSurvey writes a UTF-8 BOM, quotes every field, doubles ``"``, ends records with CRLF and the
file with an extra empty line (README behaviour 12). The RPC export always uses ``;``; the admin
form offers ``,`` (default), ``;`` or tab. A file opened and re-saved by Excel loses the quotes
and may change encoding (UTF-8 with or without BOM, UTF-16 with tabs, Windows-1258) and
separator. All of these are read here; the separator is sniffed from the header line.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .base import Coding, RawExport, decode_text, frame_from_rows, read_error, sha256_of

if TYPE_CHECKING:
    import pyarrow as pa

_DELIMS = (";", ",", "\t")


def sniff_delimiter(header: str) -> str:
    """The separator of a header line: the candidate seen most often outside quotes."""
    counts = dict.fromkeys(_DELIMS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMS, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_delimited(text: str, path: str | Path, *, delimiter: str | None = None,
                    quotechar: str = '"', header_lines: int = 1
                    ) -> tuple[list[list[str]], list[list[str | None]], np.ndarray,
                               list[dict[str, object]], str]:
    """Split delimited text into header rows and records.

    Returns:
        ``(headers, records, lines, rejected, delimiter)``: ``headers`` holds the first
        ``header_lines`` records; each record has exactly ``len(headers[0])`` fields; records with
        another field count, or a last record cut inside a quoted value, are in ``rejected``
        (``line``, ``reason``) instead.
    """
    first_line = text.split("\n", 1)[0]
    delim = delimiter or sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar=quotechar,
                        strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    truncated: dict[str, object] | None = None
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        truncated = {"line": start, "reason": f"record cut off or malformed: {exc} "
                     "(the file is truncated or a quote is not closed)"}
    rows = [(ln, r) for ln, r in rows if r and r != [""]]
    if len(rows) < header_lines:
        raise read_error(path, "line 1", "no header line was found",
                         "export again with headings (LimeSurvey always writes one).", line=1)
    headers = [r for _, r in rows[:header_lines]]
    ncol = len(headers[0])
    body = rows[header_lines:]
    lens = np.fromiter((len(r) for _, r in body), dtype=np.int64, count=len(body))
    ok = lens == ncol
    records: list[list[str | None]] = [list(r) for (_, r), good in zip(body, ok, strict=True)
                                       if good]
    lines = np.array([ln for (ln, _), good in zip(body, ok, strict=True) if good], dtype=np.int64)
    rejected: list[dict[str, object]] = [
        {"line": ln, "reason": f"{len(r)} fields where the header has {ncol} "
         f"(separator {delim!r}); the row is cut, or a value holds an unquoted separator"}
        for (ln, r), good in zip(body, ok, strict=True) if not good]
    if truncated is not None:
        rejected.append(truncated)
    return headers, records, lines, rejected, delim


_BLOCK = 1 << 24
"""Arrow's CSV block: 16 MB gives ~20 chunks per column of a 300 MB export instead of ~300,
so every later step that walks a column's chunks (byte scans, factorizing) loops far less."""


def _column_pool() -> pa.MemoryPool:
    """Arrow's jemalloc pool when built in, else the default one, for the parsed columns.

    The default (mimalloc) keeps the pages of freed buffers resident, so a column released once
    it is typed still counts in the process's memory; jemalloc gives them back to the system,
    and what the tidy step frees is then really free. Its decay time is set to 0 (pages go
    back when freed, not a second later, which on a busy machine came too late to lower the
    peak); only these columns live in that pool, the rest of Arrow uses the default one.
    """
    import pyarrow as pa

    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(0)
    except NotImplementedError:  # pragma: no cover - a pyarrow built without jemalloc
        return pa.default_memory_pool()
    return pool


def _count_byte(blob: bytes, start: int, value: int, step: int = 1 << 24) -> int:
    """How often one byte value occurs in ``blob[start:]`` (numpy, in slices of 16 MB).

    ``bytes.count`` runs a byte-by-byte loop (0.18 s on a 300 MB export); numpy compares a
    slice at a time with SIMD (0.03 s) and never holds more than one slice's mask.
    """
    arr = np.frombuffer(blob, dtype=np.uint8)
    return sum(int(np.count_nonzero(arr[i:i + step] == value))
               for i in range(start, len(arr), step))


def _nfc(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """``pyarrow.compute.utf8_normalize(col, "NFC")``, computed on the column's distinct values.

    Normalising costs ~15 ns a byte; free texts repeat ("", the same short answers), so the
    distinct values are normalised and, when one changes, expanded back by position. A column
    already in NFC (what LimeSurvey writes) is returned as it is, without a copy.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(col)
    if enc.num_chunks == 0:
        return col
    distinct = enc.chunk(enc.num_chunks - 1).dictionary  # every chunk indexes the full one
    normal = pc.utf8_normalize(distinct, "NFC")
    if normal.equals(distinct):
        return col
    return pa.chunked_array([pc.take(normal, chunk.indices) for chunk in enc.chunks],
                            type=col.type)


def _line_breaks(col: pa.ChunkedArray) -> np.ndarray:
    """Line breaks inside each value, as the ``csv`` module counts lines: CRLF, LF and CR one
    each (``count("\\n") + count("\\r") - count("\\r\\n")`` per value).

    Found in the value bytes: the few CR and LF positions are mapped to their value through
    the offsets, so the cost is one pass over the bytes, not a search per value.
    """
    parts = []
    for chunk in col.chunks:
        n = len(chunk)
        counts = np.zeros(n, dtype=np.int64)
        _, off_buf, val_buf = chunk.buffers()
        if n and val_buf is not None:
            off = np.frombuffer(off_buf, dtype=np.int64)[chunk.offset:chunk.offset + n + 1]
            raw = np.frombuffer(val_buf, dtype=np.uint8)[off[0]:off[-1]]
            start = off - off[0]
            cr, lf = np.flatnonzero(raw == 13), np.flatnonzero(raw == 10)
            pair = cr[cr + 1 < len(raw)]
            pair = pair[raw[pair + 1] == 10]
            # the value holding each byte position: the last value starting at or before it
            of_cr, of_lf, of_pair, of_pair_lf = (np.searchsorted(start, p, side="right") - 1
                                                 for p in (cr, lf, pair, pair + 1))
            counts += np.bincount(of_cr, minlength=n) + np.bincount(of_lf, minlength=n)
            counts -= np.bincount(of_pair[of_pair == of_pair_lf], minlength=n)
        parts.append(counts)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def quoted_header(line: str, delimiter: str) -> bool:
    """Whether every field of the header line is double-quoted, as LimeSurvey writes every
    field of its CSV (and R data) exports; then an unquoted empty field is NULL, a question the
    respondent was not shown, and ``""`` an empty answer (LimeSurvey 6.14; 6.2.1 wrote NULL as
    ``""``). A file re-saved by a spreadsheet loses the quotes, and with them that difference."""
    quoted = False
    at_start = True
    for ch in line:
        if at_start and ch != '"':
            return False
        at_start = False
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            at_start = True
    return bool(line) and not quoted and not at_start


def _fast_utf8(blob: bytes, encoding: str | None, delimiter: str | None
               ) -> tuple[list[str], pd.DataFrame, np.ndarray] | None:
    """A well-formed UTF-8 file, parsed by Arrow's C++ CSV reader (no Python object per cell).

    Returns ``(columns, data, lines)`` exactly as the Python path would, with ``string`` columns
    (Arrow storage) instead of object ones (an unquoted empty field is NA when the header is
    quoted, :func:`quoted_header`), or ``None`` when the file is anything but plain: not
    UTF-8, a NUL byte, blank lines between records, a line ending other than LF or CRLF after
    the header, a field count that differs, a quote left open. Those files take the Python
    path, which names every problem by line.

    Blank lines are found without a scan of the file: Arrow reads them (``ignore_empty_lines``
    off) as records whose every field is empty, and such a record sends the file to the Python
    path (a real record with every field empty, which LimeSurvey never writes as it always
    has an id, goes there too). Trailing line ends (LimeSurvey adds an empty last line) are cut
    off by position before Arrow reads.
    """
    if encoding is not None and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return None
    # positions in ``blob``, never slices of it: a slice of a 300 MB export is a 300 MB copy
    start = 3 if blob.startswith(b"\xef\xbb\xbf") else 0
    if blob.startswith((b"\xff\xfe", b"\xfe\xff"), start) or b"\x00" in blob[start:start + 4096]:
        return None
    end = len(blob)
    while end > start and blob[end - 1] in (10, 13):
        end -= 1
    nl = blob.find(b"\n", start, end)
    if end == start or nl < 0:
        return None  # empty, or a header alone (or CR-only line ends): the Python path
    if blob.find(b"\r", start, nl - 1) >= 0:
        return None  # a CR inside the header line: CR-only line ends, which the Python path numbers
    if _count_byte(blob, start, 34) % 2:
        return None  # a quote left open (a file cut inside a quoted value): the Python path says where
    try:
        first = blob[start:nl].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    delim = delimiter or sniff_delimiter(first)
    header = next(csv.reader([unicodedata.normalize("NFC", first)], delimiter=delim))
    nulls = quoted_header(first, delim)
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(memoryview(blob)[nl + 1:end]),
            read_options=pacsv.ReadOptions(column_names=names, block_size=_BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string()),
                                                 strings_can_be_null=nulls, null_values=[""],
                                                 quoted_strings_can_be_null=False),
            memory_pool=_column_pool())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows and len(names):
        blank = pc.fill_null(pc.equal(table.column(0), ""), True)
        for name in names[1:]:
            if not pc.any(blank).as_py():
                break
            blank = pc.and_(blank, pc.fill_null(pc.equal(table.column(name), ""), True))
        if pc.any(blank).as_py():
            return None  # a blank line (or a record of empty fields): the Python path numbers it
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    cols: dict[int, pd.Series] = {}
    for i, name in enumerate(names):
        col = table.column(name)
        non_ascii = has_break = False
        for chunk in col.chunks:  # scan the value bytes, not the values
            if len(chunk) and chunk.buffers()[2] is not None:
                raw_bytes = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
                if not raw_bytes.size:
                    continue
                non_ascii = non_ascii or bool(raw_bytes.max() >= 0x80)
                # a control byte at all (one pass) before looking for CR and LF (three)
                has_break = has_break or bool(raw_bytes.min() <= 13 and np.count_nonzero(
                    (raw_bytes == 10) | (raw_bytes == 13)))
        if non_ascii:
            col = _nfc(col)  # NFC at the boundary, as decode_text does
        if has_break:  # line breaks inside values, counted as the csv module counts lines
            breaks += _line_breaks(col)
        cols[i] = pd.Series(pd.arrays.ArrowStringArray(col), copy=False)
    lines = 2 + np.arange(table.num_rows, dtype=np.int64) + np.concatenate(
        [[0], np.cumsum(breaks)[:-1]]).astype(np.int64)
    data = pd.DataFrame(cols) if cols else pd.DataFrame()
    return header, data, lines


def read_csv_export(path: str | Path, *, encoding: str | None = None,
                    delimiter: str | None = None, coding: Coding | None = None,
                    raw: bytes | None = None, fmt: str = "csv") -> RawExport:
    """Read a LimeSurvey CSV export (any heading style, short or long answers).

    Args:
        path: the file.
        encoding: the text encoding when the file does not say (no BOM) and is not UTF-8,
            e.g. ``"cp1258"``.
        delimiter: force the separator (default: sniffed from the header line).
        coding: force the answer coding (default: decided later from the values).
        raw: the file bytes when already read.
        fmt: the format name recorded (``csv`` or ``r`` for the R data file).

    Example:
        >>> from cchc_survey import bundled_example
        >>> raw = read_csv_export(bundled_example("par_survey"))
        >>> raw.columns[:3], len(raw.columns)
        (['id', 'submitdate', 'lastpage'], 54)
    """
    blob = Path(path).read_bytes() if raw is None else raw
    # the digest in a thread while the file is parsed (hashlib releases the GIL on large data)
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(sha256_of, blob)
        fast = _fast_utf8(blob, encoding, delimiter)
        sha256 = digest.result()
    if fast is not None:
        header, data, lines = fast
        cols = [c.strip() for c in header]
        at = 3 if blob.startswith(b"\xef\xbb\xbf") else 0  # positions, never a copy of the file
        first = blob[at:blob.find(b"\n", at)].decode("utf-8").rstrip("\r")
        # LimeSurvey 6.14 writes NULL as an unquoted empty field, 6.2.1 as "": NULL is known
        # only in a file that holds one
        nulls = quoted_header(first, delimiter or sniff_delimiter(first)) and any(
            bool(data[c].hasnans) for c in data.columns)
        return RawExport(
            path=str(path), format=fmt, columns=cols, data=data, lines=lines,
            coding=coding or "codes", null_known=nulls, sha256=sha256, encoding="utf-8",
            rejected=[], sources=[str(path)])
    text, enc = decode_text(blob, path, encoding)
    headers, records, lines, rejected, _ = parse_delimited(text, path, delimiter=delimiter)
    cols = [c.strip() for c in headers[0]]
    return RawExport(
        path=str(path), format=fmt, columns=cols, data=frame_from_rows(records, len(cols)),
        lines=lines, coding=coding or "codes", null_known=False, sha256=sha256,
        encoding=enc, rejected=rejected, sources=[str(path)],
    )
