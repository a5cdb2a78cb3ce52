"""R exports (ExportR plugin; README behaviour 25): a syntax file and a CSV data file.

The data file is a CSV with code headings; the syntax file reads it (``read.csv("<name>")``)
and declares factors. Codes: gender 1 = F, 2 = M; yes/no 1 = Y, 2 = N; multiple choice 1 / 0.
The RPC ``rdata`` file uses ``;`` (which R's default ``read.csv`` cannot load; it is read here
anyway) and the syntax file names a data file that the RPC does not provide under that name.
"""

from __future__ import annotations

import re
from pathlib import Path

from .base import RawExport, read_error
from .csv import read_csv_export

_READ = re.compile(r"read\.csv\(\s*\"([^\"]+)\"")


def read_r_export(path: str | Path, *, encoding: str | None = None) -> RawExport:
    """Read an R export: give the syntax file (``.R``) or the data file."""
    p = Path(path)
    if p.suffix.lower() != ".r":
        return read_csv_export(p, encoding=encoding, coding="numeric", fmt="r")
    text = p.read_text("utf-8-sig", errors="replace")
    m = _READ.search(text)
    cands = [p.with_name(m.group(1))] if m else []
    cands += [p.with_name(p.name.replace("syntax_file", "data_file")).with_suffix(".csv"),
              p.with_name(p.name.replace("rsyntax", "rdata")).with_suffix(".csv")]
    data = next((c for c in cands if c.is_file() and c != p), None)
    if data is None:
        raise read_error(p, "read.csv", "the R data file named by the syntax file was not "
                         f"found (looked for {', '.join(c.name for c in cands)})",
                         "download the data file too and put it next to the syntax file.")
    raw = read_csv_export(data, encoding=encoding, coding="numeric", fmt="r")
    raw.sources = [str(p), str(data)]
    return raw
