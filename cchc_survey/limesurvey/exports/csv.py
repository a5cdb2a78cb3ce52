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
from pathlib import Path

import numpy as np

from .base import Coding, RawExport, decode_text, frame_from_rows, read_error, sha256_of

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
        >>> raw = read_csv_export("tests/fixtures/limesurvey/exports/rpc/"
        ...                       "export_responses__csv_code_short.csv")  # doctest: +SKIP
        >>> raw.columns[:3]
        ['id', 'submitdate', 'lastpage']
    """
    blob = Path(path).read_bytes() if raw is None else raw
    text, enc = decode_text(blob, path, encoding)
    headers, records, lines, rejected, _ = parse_delimited(text, path, delimiter=delimiter)
    cols = [c.strip() for c in headers[0]]
    return RawExport(
        path=str(path), format=fmt, columns=cols, data=frame_from_rows(records, len(cols)),
        lines=lines, coding=coding or "codes", null_known=False, sha256=sha256_of(blob),
        encoding=enc, rejected=rejected, sources=[str(path)],
    )
