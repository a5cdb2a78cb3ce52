"""The RPC CSV after an analyst opened it in Excel and saved it again.

These files do not exist as fixtures: they are generated here from the real CSV bytes the way
Excel writes them: quotes only where needed, CRLF, no trailing empty line; "CSV UTF-8" (BOM),
UTF-8 without BOM (another tool's re-save), "Unicode Text" (UTF-16 LE with BOM, tab),
"CSV (comma delimited)" on a Vietnamese Windows (Windows-1258: base letter + combining tone
mark where no precomposed letter exists; a character it cannot hold, the emoji, becomes "?"),
with ``,`` or ``;`` as the list separator. Excel also opens an answer starting with ``=`` as a
formula that fails and saves ``#NAME?``; that loss is modelled and must be reported. Not
modelled: Excel's re-formatting of dates and long numbers (when the analyst keeps the columns
as text, they stay as written).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from test_exports_formats import KEY, truth_frame

from cchc_survey.codebook import read_lss
from cchc_survey.tidy import ExportValidationWarning, read_export

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
CSV = FIX / "exports" / "rpc" / "export_responses__csv_code_short.csv"


def to_cp1258(text: str) -> bytes:
    """Encode like Windows: precomposed where cp1258 has the letter, else base + combining
    marks; '?' for what cp1258 cannot hold."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        # compose the base with one mark cp1258 has precomposed (â, ê, ô, ơ, ư, ă), keep the
        # tone mark combining: "ậ" -> "â" + combining dot below
        options = [(unicodedata.normalize("NFC", base + m), marks.replace(m, "", 1))
                   for m in marks] + [(base, marks)]
        for head, rest in options:
            try:
                out += head.encode("cp1258") + rest.encode("cp1258")
                break
            except UnicodeEncodeError:
                continue
        else:
            out += b"?"
    return bytes(out)


def excel_resave(encoding: str, delimiter: str) -> bytes:
    text = CSV.read_bytes().decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=";") if r]
    rows = [["#NAME?" if c.startswith("=") else c for c in r] for r in rows]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    out = buf.getvalue()
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + out.encode("utf-8")
    if encoding == "utf-16":
        return out.encode("utf-16")  # BOM + little-endian on Windows
    if encoding == "cp1258":
        return to_cp1258(out)
    return out.encode(encoding)


VARIANTS = [("utf-8-sig", ","), ("utf-8-sig", ";"), ("utf-8", ","), ("utf-8", ";"),
            ("utf-16", "\t"), ("cp1258", ","), ("cp1258", ";")]


@pytest.mark.parametrize(("encoding", "delimiter"), VARIANTS,
                         ids=[f"{e}-{'tab' if d == chr(9) else d}" for e, d in VARIANTS])
def test_excel_resaved_csv_reads_to_the_same_frame(tmp_path, encoding, delimiter):
    cb = read_lss(FIX / "survey.lss")
    p = tmp_path / "resaved.csv"
    p.write_bytes(excel_resave(encoding, delimiter))
    declared = "cp1258" if encoding == "cp1258" else None
    with pytest.warns(ExportValidationWarning, match="gopy"):
        res = read_export(p, codebook=cb, secret_key=KEY, encoding=declared)
    want = truth_frame(cb)
    lost = want["gopy"].str.startswith("=").fillna(False)
    want.loc[lost, "gopy"] = "#NAME?"
    if encoding == "cp1258":
        want["gopy"] = want["gopy"].str.replace("\U0001f44d", "?")
    pd.testing.assert_frame_equal(res.frame, want)
    f = res.failures
    # response 51 starts on line 58 of the file (earlier answers hold line breaks)
    assert f[["column", "check", "row", "severity"]].values.tolist() == [
        ["gopy", "excel_error_value", 58, "warning"]]
    assert res.n_in == res.n_out == 60 and res.rejected.empty
    assert res.lineage["encoding"] == ("utf-16" if encoding == "utf-16" else
                                       "cp1258" if encoding == "cp1258" else "utf-8")


def test_cp1258_bytes_really_hold_combining_marks():
    b = to_cp1258("Giới tính của Ông/Bà?")
    assert b.decode("cp1258") != "Giới tính của Ông/Bà?"   # decomposed on disk
    assert unicodedata.normalize("NFC", b.decode("cp1258")) == "Giới tính của Ông/Bà?"
