"""SPSS exports: the ``.sps`` syntax + ``.dat`` data pair, and the ``.sav`` file.

``.sps`` + ``.dat`` (README behaviour 23): the data file has no header; the syntax names the
variables ``V1..Vn`` with their SPSS types and renames them (``RENAME VARIABLES ( V19 =
GIOITINH )``). Ten participant columns come first when the survey has a participants table.
Strings are quoted with ``'``; dates are ``'DD-MM-YYYY HH:MM:SS'``; gender 1 = F, 2 = M; yes/no
1 = Y, 2 = N; multiple choice 1 = selected; line breaks inside text became spaces.

``.sav`` (README behaviour 24): pyreadstat 1.3.7 crashes (segmentation fault) on the files
LimeSurvey writes. The file is therefore read in a separate Python process: if that process
dies, the analyst's process does not, and the error says to read the ``.sps`` + ``.dat`` pair
instead. The RPC's ``.sav`` body has a JSON-RPC envelope appended after the binary (behaviour
8); it is cut off before reading.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .base import RawExport, decode_text, frame_from_rows, read_error, sha256_of
from .detect import split_sav_trailer

_VAR = re.compile(r"^\s*(V\d+)\s+([A-Z]+)([\d.]*)\s*\.?\s*$")
_RENAME = re.compile(r"RENAME VARIABLES\s*\(\s*(V\d+)\s*=\s*([^\s)]+)\s*\)", re.I)
_FILE = re.compile(r"/FILE\s*=\s*'([^']+)'", re.I)
SAV_TIMEOUT_S = 120


def _pair_paths(path: Path) -> tuple[Path, Path]:
    """(syntax, data) for either file of a pair."""
    if path.suffix.lower() == ".sps":
        sps = path
        text = sps.read_text("utf-8-sig", errors="replace")
        m = _FILE.search(text)
        cands = [path.with_name(m.group(1))] if m else []
        cands.append(path.with_name(path.name.replace("syntax_file", "data_file"))
                     .with_suffix(".dat"))
        cands.append(path.with_suffix(".dat"))
        dat = next((c for c in cands if c.is_file()), None)
        if dat is None:
            raise read_error(path, "/FILE", "the SPSS data file named by the syntax file was "
                             f"not found (looked for {', '.join(c.name for c in cands)})",
                             "put the .dat file next to the .sps file (download both).")
        return sps, dat
    cands = [path.with_name(path.name.replace("data_file", "syntax_file")).with_suffix(".sps"),
             path.with_suffix(".sps")]
    sps_found = next((c for c in cands if c.is_file()), None)
    if sps_found is None:
        raise read_error(path, "file", "an SPSS .dat file has no header; its syntax file "
                         "(.sps) is needed to name the columns and was not found "
                         f"(looked for {', '.join(c.name for c in cands)})",
                         "download the syntax file too (admin: Export > SPSS > syntax) and "
                         "put it next to the .dat file.")
    return sps_found, path


def parse_sps(text: str, path: str | Path) -> tuple[list[str], list[str]]:
    """Variable names (after RENAME) and SPSS types (``A``, ``F``, ``DATETIME``) of a syntax file."""
    names: list[str] = []
    types: list[str] = []
    in_vars = False
    for line in text.splitlines():
        if "/VARIABLES" in line.upper():
            in_vars = True
            continue
        if in_vars:
            m = _VAR.match(line)
            if not m:
                break
            names.append(m.group(1))
            types.append(m.group(2))
            if line.rstrip().endswith("."):
                break
    if not names:
        raise read_error(path, "/VARIABLES", "no variable list (GET DATA ... /VARIABLES=) was "
                         "found", "give the syntax file LimeSurvey's SPSS export wrote.")
    ren = dict(_RENAME.findall(text))
    return [ren.get(n, n) for n in names], types


def read_spss_pair(path: str | Path, *, encoding: str | None = None) -> RawExport:
    """Read an SPSS ``.sps`` + ``.dat`` pair (give either file)."""
    sps, dat = _pair_paths(Path(path))
    sps_blob, dat_blob = sps.read_bytes(), dat.read_bytes()
    sps_text, _ = decode_text(sps_blob, sps, encoding)
    names, _types = parse_sps(sps_text, sps)
    text, enc = decode_text(dat_blob, dat, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",", quotechar="'",
                        strict=True)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    rejected: list[dict[str, object]] = []
    start = 1
    try:
        for rec in reader:
            if rec and rec != [""]:
                if len(rec) == len(names) + 1 and rec[-1] == "":
                    rec = rec[:-1]  # the unnamed token column LimeSurvey 6.14 adds (always empty)
                if len(rec) == len(names):
                    rows.append(list(rec))
                    lines.append(start)
                else:
                    rejected.append({"line": start, "reason": f"{len(rec)} fields where the "
                                     f"syntax file declares {len(names)} variables"})
            start = reader.line_num + 1
    except csv.Error as exc:
        rejected.append({"line": start, "reason": f"record cut off or malformed: {exc}"})
    return RawExport(path=str(dat), format="spss_dat", columns=names,
                     data=frame_from_rows(rows, len(names)),
                     lines=np.array(lines, dtype=np.int64), coding="numeric",
                     date_style="dmy", sha256=sha256_of(sps_blob, dat_blob), encoding=enc,
                     rejected=rejected, sources=[str(sps), str(dat)])


_CHILD = r"""
import json, sys
import pyreadstat
df, meta = pyreadstat.read_sav(sys.argv[1], apply_value_formats=False,
                               dates_as_pandas_datetime=False)
cols = list(df.columns)
rows = [[None if v is None or v != v else (str(int(v)) if isinstance(v, float) and
         v.is_integer() else str(v)) for v in r] for r in df.itertuples(index=False)]
json.dump({"columns": cols, "rows": rows}, sys.stdout)
"""


def _check_not_shifted(path: str | Path, cols: list[str], rows: list[list[str | None]]) -> None:
    """Refuse a ``.sav`` whose data are one column off its dictionary.

    LimeSurvey 6.14's admin ``.sav`` of a survey with a participants table writes the token
    second in each record while its dictionary declares it after ``seed``: ``lastpage`` then
    holds the submission time in SPSS seconds (~1.4e10), ``startlanguage`` the page, ``seed``
    the language. A page number is never that large.
    """
    if "lastpage" not in cols:
        return
    at = cols.index("lastpage")
    for i, r in enumerate(rows):
        v = r[at]
        try:
            big = v is not None and float(v) > 1e6
        except ValueError:
            big = False
        if big:
            raise read_error(path, f"record {i + 1}, column lastpage",
                             f"lastpage holds {v}, a date in SPSS seconds, not a page: the first "
                             "columns of this .sav are shifted (LimeSurvey writes the token of "
                             "a survey with a participants table in another place than its "
                             "dictionary says)",
                             "export the .sav through the RemoteControl API (cchc-survey pull) "
                             "or read the SPSS syntax + data pair or a CSV export instead.")


def read_sav_export(path: str | Path, *, raw: bytes | None = None,
                    timeout: float = SAV_TIMEOUT_S) -> RawExport:
    """Read a ``.sav`` in an isolated process (see the module docstring).

    Raises:
        ExportReadError: the reader crashed or failed; the message says to use the
            ``.sps`` + ``.dat`` pair.
    """
    blob = Path(path).read_bytes() if raw is None else raw
    body = split_sav_trailer(blob)
    fix = ("read the SPSS syntax + data pair instead (admin: Export > SPSS, download the "
           ".sps and .dat files), or export CSV/JSON.")
    fd, tmp = tempfile.mkstemp(suffix=".sav")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        try:
            proc = subprocess.run([sys.executable, "-c", _CHILD, tmp], capture_output=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise read_error(path, "whole file", f"the SPSS .sav reader did not finish in "
                             f"{timeout:.0f} s", fix) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    if proc.returncode != 0:
        if proc.returncode < 0:
            try:
                sig = signal.Signals(-proc.returncode).name
            except ValueError:
                sig = f"signal {-proc.returncode}"
            why = (f"the SPSS .sav reader (pyreadstat) crashed with {sig} on this file, a "
                   "known problem with the .sav files LimeSurvey writes; your session is not "
                   "affected")
        else:
            last = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            why = f"the SPSS .sav reader failed: {last[0]}"
        raise read_error(path, "whole file", why, fix)
    doc = json.loads(proc.stdout.decode("utf-8"))
    cols = [str(c) for c in doc["columns"]]
    rows = doc["rows"]
    _check_not_shifted(path, cols, rows)
    return RawExport(path=str(path), format="sav", columns=cols,
                     data=frame_from_rows(rows, len(cols)),
                     lines=np.arange(1, len(rows) + 1, dtype=np.int64), coding="codes",
                     sha256=sha256_of(blob), encoding="sav", sources=[str(path)])
