"""What every export reader returns: a raw frame faithful to the file, before any mapping.

A reader turns one LimeSurvey export file into a :class:`RawExport`: the column names exactly as
written, the cell values as text (``None`` where the format says the value is NULL, i.e. the
question was not shown; ``""`` where it is empty), the 1-based line of each row in the file, and
what the format tells about its coding (raw LimeSurvey codes, answer labels, SPSS/R numeric codes,
Stata codes). Mapping the columns to items and typing the values is :mod:`cchc_survey.tidy`'s job.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ...errors import InputFileError, Problem, advice

Coding = Literal["codes", "labels", "numeric", "stata"]
"""How answer values are written.

* ``codes``: LimeSurvey's stored codes (``F``, ``Y``, ``1``, ``-oth-``; M sub-questions ``Y``/"").
* ``labels``: answer texts in the export language (``long`` answers; ``N/A`` for no answer).
* ``numeric``: SPSS and R coding (G 1 = F, 2 = M; Y 1 = Y, 2 = N; M 1 = selected, 0 = not).
* ``stata``: Stata XML coding (G 0 = F, 1 = M; Y 1 = Y, 2 = N; M ``Y``/"").
"""

DateStyle = Literal["iso", "dmy", "stata_ms"]


class ExportReadError(InputFileError):
    """An export file cannot be read as it stands (the message names file, row and column)."""


def read_error(path: str | Path, where: str, message: str, fix: str = "",
               line: int | None = None) -> ExportReadError:
    """Build an :class:`ExportReadError` with one problem."""
    return ExportReadError([Problem(str(path), where, message, fix, line)],
                           summary=f"cannot read LimeSurvey export {Path(path).name}")


@dataclass
class RawExport:
    """One export file, read faithfully.

    Attributes:
        path: the file read (for the ``.sps`` + ``.dat`` pair, the data file).
        format: the detected format (``csv``, ``json``, ``xlsx``, ``spss_dat``, ``sav``, ``r``,
            ``stata``, ``vv1``, ``vv2``).
        columns: the column names as written, in file order (may repeat: abbreviated headings).
        data: one row per record; columns are positions ``0..len(columns)-1``; object values,
            ``str`` or ``None`` (NULL, known only when ``null_known``).
        lines: 1-based line (row) in the file where each record starts.
        coding: how answers are coded (see :data:`Coding`).
        null_known: whether ``None`` distinguishes "not shown" from "" in this format.
        date_style: how dates are written.
        language: the language of headings/labels when the format says so.
        sha256: digest of the file bytes (of both files for a syntax + data pair).
        encoding: the text encoding used to decode the file.
        rejected: records that could not be read at all: ``line``, ``reason``.
        value_labels: per column name, code -> label, when the file carries them.
        sources: every file that was read.
    """

    path: str
    format: str
    columns: list[str]
    data: pd.DataFrame
    lines: np.ndarray
    coding: Coding = "codes"
    null_known: bool = False
    date_style: DateStyle = "iso"
    language: str | None = None
    sha256: str = ""
    encoding: str = "utf-8"
    rejected: list[dict[str, object]] = field(default_factory=list)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        """Records seen in the file: read plus rejected."""
        return len(self.data) + len(self.rejected)


def sha256_of(*blobs: bytes) -> str:
    """Hex sha256 of the concatenated bytes."""
    h = hashlib.sha256()
    for b in blobs:
        h.update(b)
    return h.hexdigest()


def frame_from_rows(rows: list[list[str | None]], ncol: int) -> pd.DataFrame:
    """Build the positional object frame in one go."""
    if not rows:
        return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(ncol)})
    arr = np.empty((len(rows), ncol), dtype=object)
    arr[:] = rows
    return pd.DataFrame(arr, columns=list(range(ncol)), dtype=object)


_UTF8_BOM = b"\xef\xbb\xbf"


def decode_text(raw: bytes, path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode an export's bytes: BOM first, then the declared encoding, else strict UTF-8.

    Returns:
        ``(text, encoding_used)``; the text has no BOM.

    Raises:
        ExportReadError: empty file, a binary file, or bytes that are not UTF-8 while no
            encoding was declared (the message gives the line and byte, and the fix).
    """
    if not raw.strip(b"\r\n\t \x00"):
        raise read_error(path, "whole file", "the file is empty (no header line, no responses)",
                         "export again from LimeSurvey; a filter that matches no response gives "
                         "an empty file (an id range past the last response, a completion "
                         "state with no match).")
    if raw.startswith(_UTF8_BOM):
        enc, body = "utf-8", raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc, body = "utf-16", raw
    else:
        enc, body = (encoding or "utf-8"), raw
        head = raw[:4096]
        if b"\x00" in head and not (encoding or "").lower().startswith("utf-16"):
            raise read_error(path, "byte " + str(head.index(b"\x00")),
                             "the file holds binary data (NUL bytes), not delimited text",
                             "give the file in its own format (xlsx, sav, dta) or export "
                             "a CSV from LimeSurvey; check the file extension.")
    try:
        text = body.decode(enc)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise read_error(
            path, f"line {line}, byte {exc.start}",
            f"the bytes are not valid {enc} (byte 0x{body[exc.start]:02x}); the file was saved "
            "in another encoding and does not say which",
            advice(python="say the encoding, e.g. encoding='cp1258' (Excel 'CSV' on "
                          "Vietnamese Windows) or encoding='utf-16'; or save it again as 'CSV UTF-8'.",
                   cli="give the encoding, e.g. --encoding cp1258 (Excel 'CSV' on Vietnamese "
                       "Windows) or --encoding utf-16; or save it again as 'CSV UTF-8'."),
            line=line) from None
    except LookupError:
        raise read_error(path, "encoding", f"unknown encoding {enc!r}",
                         "use a Python codec name such as 'utf-8', 'utf-16' or 'cp1258'.") from None
    # NFC at the boundary: Windows-1258 files decode to base letters + combining tone marks.
    return unicodedata.normalize("NFC", text.lstrip("\ufeff")), enc
