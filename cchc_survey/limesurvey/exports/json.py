"""JSON exports: ``{"responses": [ {heading: value, ...}, ... ]}`` (README behaviour 21).

With ``code``/``short`` the values are typed (``id``/``lastpage`` numbers, the rest strings) and
NULL is ``null``, so "not shown" is known. With ``full``/``long`` some NULLs become ``""``.
Free text keeps ``\\r\\n``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .base import RawExport, decode_text, frame_from_rows, read_error, sha256_of


def _cell(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "Y" if v else "N"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_json_export(path: str | Path, *, raw: bytes | None = None,
                     encoding: str | None = None) -> RawExport:
    """Read a LimeSurvey JSON export.

    Raises:
        ExportReadError: not JSON, cut short, or not the ``{"responses": [...]}`` shape.
    """
    blob = Path(path).read_bytes() if raw is None else raw
    text, enc = decode_text(blob, path, encoding)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise read_error(path, f"line {exc.lineno}, column {exc.colno}",
                         f"not valid JSON ({exc.msg}); the file is truncated or damaged",
                         "download the export again.", line=exc.lineno) from None
    recs = doc.get("responses") if isinstance(doc, dict) else None
    if not isinstance(recs, list):
        raise read_error(path, "top level", "a LimeSurvey JSON export is "
                         '{"responses": [...]}; this file has another shape',
                         "give the file export_responses(..., 'json') wrote.")
    # Older LimeSurvey versions wrap each response: [{"<id>": {...}}].
    recs = [next(iter(r.values())) if isinstance(r, dict) and len(r) == 1 and
            isinstance(next(iter(r.values())), dict) else r for r in recs]
    cols: list[str] = []
    seen: set[str] = set()
    for r in recs:
        if isinstance(r, dict):
            for k in r:
                if k not in seen:
                    seen.add(k)
                    cols.append(k)
    good = [r for r in recs if isinstance(r, dict)]
    rejected: list[dict[str, object]] = [
        {"line": i + 1, "reason": "response is not a JSON object"}
        for i, r in enumerate(recs) if not isinstance(r, dict)]
    rows: list[list[str | None]] = [[_cell(r.get(c)) for c in cols] for r in good]
    lines = np.array([i + 1 for i, r in enumerate(recs) if isinstance(r, dict)], dtype=np.int64)
    return RawExport(path=str(path), format="json", columns=cols,
                     data=frame_from_rows(rows, len(cols)), lines=lines, null_known=True,
                     sha256=sha256_of(blob), encoding=enc, rejected=rejected,
                     sources=[str(path)])
