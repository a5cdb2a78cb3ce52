"""VV ("vertical verification") exports: tab-separated, two header lines (README behaviour 27).

Line 1 holds the question texts, line 2 the column names: ``GIOITINH``, ``TC_A1``,
``NGHENGHIEP_other`` in version 2, SGQA names (``385924X1X1``) in version 1. The values are the
raw database values: NULL is ``{question_not_shown}``, and ``{cr}``, ``{newline}``, ``{tab}``,
``{lbrace}``, ``{quote}`` stand for CR, LF, tab, ``{`` and a leading ``"``; values are trimmed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .base import RawExport, decode_text, frame_from_rows, sha256_of
from .csv import parse_delimited

NOT_SHOWN = "{question_not_shown}"
_ESCAPES = {"{cr}": "\r", "{newline}": "\n", "{tab}": "\t", "{quote}": '"', "{lbrace}": "{"}
_ESC_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))
_SGQA = re.compile(r"^\d+X\d+X\d+")
_PHP_ESCAPE = '\\"'
_HELD = "\ue000"  # a private-use character, never in an export


def looks_like_vv(blob: bytes, encoding: str | None = None) -> bool:
    """A VV file: tab-separated, and its second line names the ``id`` and ``token`` columns."""
    head = blob[:65536]
    if b"\t" not in head.split(b"\n", 1)[0]:
        return False
    try:
        text = head.decode(encoding or "utf-8", errors="replace").lstrip("\ufeff")
    except LookupError:
        return False
    lines = text.split("\n")
    if len(lines) < 2:
        return False
    second = [f.strip().strip('"') for f in lines[1].rstrip("\r").split("\t")]
    # a survey with datestamps off has no startdate: submitdate and lastpage are always there
    return bool(second) and second[0] == "id" and bool({"startdate", "submitdate", "lastpage"}
                                                       & set(second))


def unescape(s: pd.Series) -> pd.Series:
    """Undo VV's escapes (vectorised over the column)."""
    t = s.astype("string")
    if not t.str.contains("{", regex=False).fillna(False).any():
        return t
    return t.str.replace(_ESC_RE, lambda m: _ESCAPES[m.group(0)], regex=True)


def read_vv_export(path: str | Path, *, raw: bytes | None = None,
                   encoding: str | None = None) -> RawExport:
    """Read a VV export of either version."""
    blob = Path(path).read_bytes() if raw is None else raw
    text, enc = decode_text(blob, path, encoding)
    # LimeSurvey quotes VV fields as PHP's fputcsv does, with ``\`` as escape character: a
    # quote right after a backslash (a file list's ``\"``) is not doubled. Kept aside while
    # the fields are split, put back in the values.
    held = _PHP_ESCAPE in text
    if held:
        text = text.replace(_PHP_ESCAPE, _HELD)
    headers, records, lines, rejected, _ = parse_delimited(text, path, delimiter="\t",
                                                           header_lines=2)
    if held:
        records = [[None if v is None else v.replace(_HELD, _PHP_ESCAPE) for v in r]
                   for r in records]
    cols = [c.strip() for c in headers[1]]
    version = "vv1" if any(_SGQA.match(c) for c in cols) else "vv2"
    frame = frame_from_rows(records, len(cols))
    for c in frame.columns:
        s = frame[c].astype("string")
        s = s.mask(s == NOT_SHOWN)
        frame[c] = unescape(s).astype(object).where(s.notna(), None)
    return RawExport(path=str(path), format=version, columns=cols, data=frame, lines=lines,
                     null_known=True, sha256=sha256_of(blob), encoding=enc, rejected=rejected,
                     sources=[str(path)])
