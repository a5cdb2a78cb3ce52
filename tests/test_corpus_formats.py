"""Every export format of every survey of the LimeSurvey 6.14 corpus reads into the identical
tidy frame, cell by cell against the payloads that were sent (ground_truth.json).

The surveys were not built from our instruments: each is read with its server's ``.lss`` alone.
Where a format cannot carry something, the README's import section lists it and the expected
frame here is changed by exactly that rule (:data:`LIMITS`), nothing more; a limitation that
changes nothing in a file fails the test too, so the list stays true.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from cchc_survey.errors import InputFileError
from cchc_survey.limesurvey.exports import read_raw
from cchc_survey.limesurvey.lss import read_lss
from cchc_survey.structure import Codebook, Layout
from cchc_survey.tidy import read_export

sys.path.insert(0, str(Path(__file__).parent))
from corpus import KEY, SURVEYS, Survey, survey, truth_frame


def format_of(path: Path) -> str:
    """The export format a corpus file is (the columns of the README's table)."""
    n = path.name
    for key, fmt in (("csv_code_short", "CSV code/short"), ("csv_code_long", "CSV code/long"),
                     ("csv_full_short", "CSV full/short"), ("csv_full_long_vi", "CSV full/long vi"),
                     ("csv_full_long", "CSV full/long"),
                     ("csv_abbreviated_short", "CSV abbreviated/short"),
                     ("csv_abbreviated_long", "CSV abbreviated/long"),
                     ("json_code_short", "JSON code/short"), ("json_full_long", "JSON full/long"),
                     ("xls_code_short", "Excel"), ("by_token", "CSV by token"),
                     ("rsyntax", "R syntax+data (RPC)"), ("rdata", "R data (RPC)"),
                     ("R_syntax", "R syntax+data"), ("R_data", "R data"),
                     ("stataxml", "Stata XML (RPC)"), ("STATA", "Stata XML"),
                     ("spsssav", "SPSS .sav (RPC)"), ("SPSS.sav", "SPSS .sav"),
                     ("syntax_file_spssver1", "SPSS .sps v1"), ("data_file_spssver1", "SPSS .dat v1"),
                     ("syntax_file_spssver2", "SPSS .sps v2"), ("data_file_spssver2", "SPSS .dat v2"),
                     ("_v1", "VV 1"), ("_v2", "VV 2")):
        if key in n:
            return fmt
    raise AssertionError(f"unknown corpus file {n}")  # pragma: no cover


# --------------------------------------------------------------------------------------------
# the limitations of the formats (README, "Importing any LimeSurvey survey"), as exact rules
# --------------------------------------------------------------------------------------------
Limit = Callable[[pd.DataFrame, Layout, Survey, Path], pd.DataFrame]


def boxes_blank(want: pd.DataFrame, layout: Layout, s: Survey, path: Path) -> pd.DataFrame:
    """SPSS, Stata and Excel write a box not shown (NULL) and a box not ticked ("") alike: both
    read "not ticked", except on a page after ``lastpage`` of an incomplete response (NA)."""
    out = want.copy()
    unreached = ~out["complete"] & out["lastpage"].notna()
    for c in layout.columns:
        if c.value == "checkbox" and c.kind == "answer":
            v = out[c.item_id].fillna(False)
            out[c.item_id] = v.mask(unreached & (out["lastpage"] < c.page) & ~v)
    return out


_TAGS = re.compile(r"<[^>]*>")
_SCRIPTS = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)


def _texts(want: pd.DataFrame, layout: Layout, f: Callable[[str], str]) -> pd.DataFrame:
    out = want.copy()
    for c in layout.columns:
        if c.kind in ("other", "comment") or c.value in ("text", "files", "equation"):
            out[c.item_id] = pd.Series([v if pd.isna(v) else (f(v) or pd.NA)
                                        for v in out[c.item_id]], dtype="string", index=out.index)
    return out


def _no_html(v: str) -> str:
    t = _TAGS.sub("", _SCRIPTS.sub("", html.unescape(v)))
    return t.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").strip()


def spss_texts(want: pd.DataFrame, layout: Layout, s: Survey, path: Path) -> pd.DataFrame:
    """The SPSS data file writes texts without HTML tags (scripts with their content), entities
    decoded, line breaks as spaces, trimmed."""
    return _texts(want, layout, _no_html)


def spss_255(want: pd.DataFrame, layout: Layout, s: Survey, path: Path) -> pd.DataFrame:
    """SPSS before version 16 (``spssver`` 1): texts cut at 255 characters."""
    return _texts(want, layout, lambda v: v[:255].strip())


_SAV_META = r"""
import json, sys
import pyreadstat
_, meta = pyreadstat.read_sav(sys.argv[1], metadataonly=True)
json.dump({"types": meta.original_variable_types}, sys.stdout)
"""


def sav_types(want: pd.DataFrame, layout: Layout, s: Survey, path: Path) -> pd.DataFrame:
    """The .sav declares each text column's type from its values: a text column whose values
    are all numbers is numeric (``0012345`` reads ``12345``), a string column is as wide as
    LimeSurvey declares (``A15``: a longer value is cut)."""
    body = path.read_bytes()
    cut = body.rfind(b'{"id"')
    tmp = path.with_suffix(".meta.sav")
    tmp.write_bytes(body[:cut] if cut > 0 and body.rstrip().endswith(b"}") else body)
    types = json.loads(subprocess.run([sys.executable, "-c", _SAV_META, str(tmp)],
                                      capture_output=True, check=True).stdout)["types"]
    out = want.copy()
    for c in layout.columns:
        if not (c.kind in ("other", "comment") or c.value in ("text", "files", "equation")):
            continue
        t = types.get(c.variable, "")
        col = out[c.item_id]
        if t.startswith("F"):
            out[c.item_id] = pd.Series([v if pd.isna(v) else _number_text(v) for v in col],
                                       dtype="string", index=out.index)
        elif t.startswith("A"):
            width = int(t[1:])
            out[c.item_id] = pd.Series(
                [v if pd.isna(v) else (_cut_bytes(v, width).strip() or pd.NA) for v in col],
                dtype="string", index=out.index)
    return out


def _number_text(v: str) -> str:
    x = float(v)
    return str(int(x)) if x.is_integer() else repr(x)


def _cut_bytes(v: str, width: int) -> str:
    return v.encode("utf-8")[:width].decode("utf-8", errors="ignore")


def excel_255(want: pd.DataFrame, layout: Layout, s: Survey, path: Path) -> pd.DataFrame:
    """The Excel export holds the first 255 columns of the export only (LimeSurvey's writer):
    the items after them are missing."""
    head = read_raw(path).columns
    if len(head) < 255:
        return want
    assert len(head) == 255
    out = want.copy()
    kept = set(head)
    for c in layout.columns:
        if c.code not in kept:
            out[c.item_id] = pd.Series([pd.NA] * len(out), dtype=out[c.item_id].dtype,
                                       index=out.index)
    return out


LIMITS: dict[str, list[Limit]] = {
    "SPSS .dat v1": [boxes_blank, spss_texts, spss_255],
    "SPSS .sps v1": [boxes_blank, spss_texts, spss_255],
    "SPSS .dat v2": [boxes_blank, spss_texts], "SPSS .sps v2": [boxes_blank, spss_texts],
    "SPSS .sav": [boxes_blank, sav_types], "SPSS .sav (RPC)": [boxes_blank, sav_types],
    "Stata XML": [boxes_blank], "Stata XML (RPC)": [boxes_blank],
    "Excel": [boxes_blank, excel_255],
}
"""Per format, the rules that change the expected frame (every other format: none)."""

REFUSED = {("sample_full_82556", "SPSS .sav"):
           "the first columns of this .sav are shifted"}
"""Files LimeSurvey wrote broken, refused with a clear error instead of read wrong (README)."""


CASES = [(name, p) for name in SURVEYS for p in survey(name).exports()]


@cache
def codebook(name: str) -> Codebook:
    return read_lss(survey(name).lss)


@cache
def truth(name: str) -> pd.DataFrame:
    return truth_frame(survey(name), codebook(name).layout(), token_column=True)


@cache
def check_file(name: str, path: Path) -> tuple[str, ...]:
    """Read one corpus file and compare it with the ground truth; returns the limitations that
    changed something (an AssertionError says which cell differs)."""
    s = survey(name)
    fmt = format_of(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = read_export(path, codebook=codebook(name), secret_key=KEY, on_error="raise")
    layout = res.layout
    assert layout.item_ids == codebook(name).layout().item_ids
    want = truth(name)
    ids = res.frame["response_id"]
    want = want.set_index("response_id").loc[ids.tolist()].reset_index()
    used = []
    for limit in LIMITS.get(fmt, []):
        changed = limit(want, layout, s, path)
        if not changed.equals(want):
            used.append(limit.__name__)
        want = changed
    got = res.frame
    for c in want.columns:
        pd.testing.assert_series_equal(got[c], want[c], check_names=False, obj=f"{path.name} {c}")
    assert res.n_in == res.n_out == len(ids) and res.rejected.empty
    if "excel_255" in used:
        f = res.failures
        assert set(f["check"]) == {"item_present"} and f["message"].str.contains("255").all()
        assert [str(w.message) for w in caught] == [
            f"{path.name}: {len(f)} failure case(s) in columns {', '.join(f['column'][:10])} "
            f"and {len(f) - 10} more; see result.failures"]
    else:
        assert res.failures.empty and not caught, res.failures.head().to_dict("records")
    return tuple(used)


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}/{p.name}" for n, p in CASES])
def test_every_format_equals_ground_truth(name: str, path: Path) -> None:
    fmt = format_of(path)
    if (name, fmt) in REFUSED:
        with pytest.raises(InputFileError, match=REFUSED[(name, fmt)]):
            read_export(path, codebook=codebook(name), secret_key=KEY)
        return
    used = check_file(name, path)
    # every rule listed for the format changes something in at least one survey's file
    assert set(used) <= {f.__name__ for f in LIMITS.get(fmt, [])}


def test_each_limitation_is_needed() -> None:
    """No rule of LIMITS is listed in vain: each changes the expected frame of some file."""
    used: dict[str, set[str]] = {}
    for name, path in CASES:
        fmt = format_of(path)
        if (name, fmt) in REFUSED or fmt not in LIMITS:
            continue
        used.setdefault(fmt, set()).update(check_file(name, path))
    for fmt, limits in LIMITS.items():
        assert used.get(fmt, set()) == {f.__name__ for f in limits}, fmt
