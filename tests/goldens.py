"""Saved expected outputs ("goldens"): a table a trusted run produced, compared cell by cell.

A test calls :func:`assert_golden` with the table it computed and a name. The golden file
``tests/fixtures/goldens/<name>.csv`` holds every cell as text (missing = empty) and a first
line with the column types; the comparison is exact on both. When a change of output is
intended, ``make goldens`` (``CCHC_UPDATE_GOLDENS=1 pytest ...``) writes the files again and
``git diff`` shows what changed, to be reviewed like code.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd

GOLDENS = Path(__file__).parent / "fixtures" / "goldens"
UPDATE = os.environ.get("CCHC_UPDATE_GOLDENS") == "1"


def _cell(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def as_text(df: pd.DataFrame) -> str:
    """The golden text of ``df``: a line of dtypes, the header, one line per row (CSV)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"#{df[c].dtype}" for c in df.columns])
    w.writerow(df.columns)
    for row in df.itertuples(index=False):
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def assert_golden(df: pd.DataFrame, name: str) -> None:
    """``df`` equals the golden ``name`` (types, header and every cell); rewrite it on update."""
    path = GOLDENS / f"{name}.csv"
    text = as_text(df)
    if UPDATE or not path.exists():
        if not UPDATE:
            raise AssertionError(f"no golden {path.name}: run `make goldens` to write it, then "
                                 "review the new file before committing it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    want = path.read_text(encoding="utf-8")
    if text != want:
        got, exp = text.splitlines(), want.splitlines()
        diff = next((i for i, (a, b) in enumerate(zip(got, exp, strict=False)) if a != b),
                    min(len(got), len(exp)))
        raise AssertionError(
            f"{name}: differs from {path} at line {diff + 1} ({len(got)} lines vs {len(exp)}):\n"
            f"  got:      {got[diff] if diff < len(got) else '<end>'}\n"
            f"  expected: {exp[diff] if diff < len(exp) else '<end>'}\n"
            "If the change is intended, run `make goldens` and review the diff.")
