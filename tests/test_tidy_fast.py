"""The import stage's speed paths give exactly what the general paths give (issue 8).

* CSV: blank lines of every kind, CR-only line ends and a record of empty fields send the file
  to the Python ``csv`` path; line breaks (also blank ones) inside quoted values stay on the
  Arrow path and are numbered as the ``csv`` module numbers them;
* tidy: factorizing on the Arrow storage equals ``pd.factorize``; the numpy parse of
  ``YYYY-MM-DD HH:MM:SS`` equals pandas' on every edge case; the Arrow cast of whole numbers
  equals ``pd.to_numeric``; expanding typed distinct values by numpy equals ``Series.take``;
  and the whole tidy result (frame, failures, reasons, rejected rows) of the ``auto`` engine is
  the ``reference`` engine's (the definition without any kernel).
"""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cchc_survey import tidy
from cchc_survey.errors import InputFileError
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.instrument import load_instrument
from cchc_survey.limesurvey.exports import csv as csvmod
from cchc_survey.limesurvey.exports import read_raw
from cchc_survey.limesurvey.exports.base import decode_text, frame_from_rows
from cchc_survey.tidy import kernels

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = Path(__file__).parent / "fixtures" / "limesurvey" / "exports"
KEY = b"test-only-key-tidy-fast"


@pytest.fixture(scope="module")
def sipas():
    return load_instrument(ROOT / "questionnaires" / "sipas_one_stop.yaml")


@pytest.fixture(scope="module")
def generated(tmp_path_factory, sipas) -> Path:
    demo = generate(sipas, DemoDesign(n=3000, seed=11))
    return write_limesurvey_csv(demo.export, tmp_path_factory.mktemp("gen") / "r.csv")


def _python_path(blob: bytes) -> tuple[list[str], pd.DataFrame, list[int], list]:
    text, _ = decode_text(blob, "x.csv", None)
    headers, records, lines, rejected, _ = csvmod.parse_delimited(text, "x.csv")
    return headers[0], frame_from_rows(records, len(headers[0])), lines.tolist(), rejected


def _arrow_string(values: list[str | None], chunk: int) -> pd.Series:
    """A ``string`` column stored as Arrow chunks of ``chunk`` values (as the CSV reader gives)."""
    parts = [pa.array(values[i:i + chunk], type=pa.large_string())
             for i in range(0, len(values), chunk)]
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=pa.large_string())))


# --------------------------------------------------------------------------------------------
# CSV reader
# --------------------------------------------------------------------------------------------
def test_blank_lines_and_cr_line_ends_take_the_python_path(generated: Path) -> None:
    blob = generated.read_bytes()
    head, rest = blob.split(b"\r\n", 1)
    recs = rest.rstrip(b"\r\n").split(b"\r\n")
    ncol = head.count(b";") + 1
    empty_record = b";".join([b'""'] * ncol)
    variants = {
        "crlf blank": head + b"\r\n" + b"\r\n".join([*recs[:3], b"", *recs[3:]]),
        "lf blank": head + b"\r\n" + b"\r\n".join(recs[:3]) + b"\n\n" + b"\r\n".join(recs[3:]),
        "lf then cr": head + b"\r\n" + b"\r\n".join(recs[:3]) + b"\n\r" + b"\r\n".join(recs[3:]),
        "cr cr": head + b"\r\n" + b"\r\n".join(recs[:3]) + b"\r\r" + b"\r\n".join(recs[3:]),
        "blank first": head + b"\r\n\r\n" + b"\r\n".join(recs),
        "cr only": head + b"\r" + b"\r".join(recs) + b"\r\r",
        "empty record": head + b"\r\n" + b"\r\n".join([*recs[:2], empty_record, *recs[2:]]),
    }
    for name, bad in variants.items():
        assert csvmod._fast_utf8(bad, None, None) is None, name
        raw = csvmod.read_csv_export("x.csv", raw=bad)
        header, data, lines, rejected = _python_path(bad)
        assert raw.columns == [c.strip() for c in header], name
        assert raw.lines.tolist() == lines, name
        assert raw.rejected == rejected, name
        pd.testing.assert_frame_equal(raw.data, data)
    # the blank line is numbered: the record after it starts two lines further on
    raw = csvmod.read_csv_export("x.csv", raw=variants["crlf blank"])
    plain = csvmod.read_csv_export("x.csv", raw=blob)
    assert len(raw.data) == len(plain.data) == len(recs) - 0
    assert raw.lines[3] == plain.lines[3] + 1


def test_blank_lines_inside_values_stay_on_the_arrow_path(generated: Path) -> None:
    blob = generated.read_bytes()
    head, rest = blob.split(b"\r\n", 1)
    rec1, rest2 = rest.split(b"\r\n", 1)
    rec1 = rec1.replace(b'"";', b'"para 1\r\n\r\npara 2\n\nend\r\r";', 1)
    rec1 = rec1.replace(b'"";"";', b'"ends in CR\r";"\nstarts with LF";', 1)  # 2 breaks, not 1
    doc = head + b"\r\n" + rec1 + b"\r\n" + rest2
    fast = csvmod._fast_utf8(doc, None, None)
    assert fast is not None
    header, data, lines = fast
    h2, d2, l2, rejected = _python_path(doc)
    assert rejected == []
    assert header == h2 and lines.tolist() == l2
    assert lines[:3].tolist() == [2, 11, 12]  # eight line breaks: the first record spans 9 lines
    for i in range(d2.shape[1]):
        assert data[i].astype(object).tolist() == d2[i].tolist()
    assert "para 1\r\n\r\npara 2\n\nend\r\r" in data.astype(object).iloc[0].tolist()


def test_nfc_on_distinct_values_equals_nfc_of_every_value(generated: Path) -> None:
    blob = generated.read_bytes()
    head, rest = blob.split(b"\r\n", 1)
    recs = rest.split(b"\r\n")
    decomposed = "Thu tu\u0323c nhanh, ca\u0301n bo\u0302\u0323 nhie\u0323\u0302t ti\u0300nh".encode()
    for i in (0, 5, 2999):
        recs[i] = recs[i].replace(b'"";', b'"' + decomposed + b'";', 1)
    doc = head + b"\r\n" + b"\r\n".join(recs)
    fast = csvmod._fast_utf8(doc, None, None)
    assert fast is not None
    header, data, lines = fast
    h2, d2, l2, _ = _python_path(doc)
    assert header == h2 and lines.tolist() == l2
    for i in range(d2.shape[1]):
        assert data[i].astype(object).tolist() == d2[i].tolist()
    nfc = "Thu tục nhanh, cán bộ nhiệt tình"  # precomposed letters
    assert sum(nfc in row for row in data.astype(object).itertuples()) == 3
    assert decomposed.decode() not in set(data.astype(object).to_numpy().ravel())
    col = pa.chunked_array([pa.array(["a", "Tổ 1"], pa.large_string()),
                            pa.array(["Tổ 1", ""], pa.large_string())])
    assert csvmod._nfc(col) is col  # already NFC: the same column, no copy
    mixed = pa.chunked_array([pa.array(["To\u0302\u0309", "b"], pa.large_string()),
                              pa.array(["", "Tổ"], pa.large_string())])
    assert csvmod._nfc(mixed).to_pylist() == ["Tổ", "b", "", "Tổ"]


def test_quote_count_and_sha256_as_before(generated: Path) -> None:
    blob = generated.read_bytes()
    assert csvmod._count_byte(blob, 0, ord('"')) == blob.count(b'"')
    assert csvmod._count_byte(blob, 3, ord('"'), step=1000) == blob.count(b'"', 3)
    assert csvmod._count_byte(blob, 0, 10, step=7) == blob.count(b"\n")
    raw = csvmod.read_csv_export(generated)
    assert raw.sha256 == hashlib.sha256(blob).hexdigest()


# --------------------------------------------------------------------------------------------
# tidy helpers
# --------------------------------------------------------------------------------------------
def _assert_factorize_same(s: pd.Series) -> None:
    codes, uniq, counts = kernels.factorize_small(s)
    want_codes, want_uniq = pd.factorize(s, use_na_sentinel=True)
    if counts is not None:  # counted on the way (one-byte codes)
        assert counts.tolist() == np.bincount(want_codes[want_codes >= 0],
                                              minlength=len(want_uniq)).tolist()
    assert codes.tolist() == want_codes.tolist()
    assert list(uniq) == list(want_uniq)
    assert str(pd.Series(uniq).dtype) == str(pd.Series(want_uniq).dtype) == "string"


def test_factorize_on_arrow_storage_equals_pandas(generated: Path) -> None:
    raw = read_raw(generated)
    assert raw.data[0].dtype == "string"  # the Arrow reader's columns
    for c in raw.data:
        _assert_factorize_same(raw.data[c])
    rng = np.random.default_rng(3)
    one_byte = ["", "1", "2", "Y", "-", " ", "é"[:1]]
    values = [one_byte[i] for i in rng.integers(0, 3, 9000)] + ["Y", "", "7", "1"] * 10
    _assert_factorize_same(_arrow_string(values, 1000))  # "Y" and "7" appear after row 4096
    _assert_factorize_same(_arrow_string([str(v) for v in rng.integers(0, 300, 5000)], 700))
    _assert_factorize_same(_arrow_string(["U01", "", "U02", "U01", "Tổ 5"] * 900, 333))
    _assert_factorize_same(_arrow_string(["a", None, "b", "a"], 2))  # NA: pandas' own path
    _assert_factorize_same(pd.Series(["a", None, "", "a"], dtype="string"))
    _assert_factorize_same(_arrow_string([], 10))
    codes, uniq, _ = kernels.factorize_small(_arrow_string([str(v) for v in range(400)] * 3, 250))
    assert codes.dtype == np.int16 and len(uniq) == 400 and codes[-1] == 399


DATES = [
    "2026-01-05 07:20:25", "2024-02-29 23:59:59", "2023-02-29 00:00:00", "2026-02-30 10:00:00",
    "2026-13-01 00:00:00", "2026-00-10 00:00:00", "2026-01-00 00:00:00", "2026-01-05 24:00:00",
    "2026-01-05 23:60:00", "2026-01-05 23:00:60", "2026-1-5 07:20:25", "2026-01-05 7:20:25",
    " 2026-01-05 07:20:25 ", "2026-01-05T07:20:25", "2026/01/05 07:20:25", "2026-01-05 07:20",
    "2026-01-05", "05-01-2026 07:20:25", "05/01/2026 07:20:25", "05/01/2026 07:20",
    "05-01-2026", "1677-09-22 00:00:00", "1678-01-01 00:00:00", "2261-12-31 23:59:59",
    "2262-04-11 00:00:00", "2026-01-05 07:20:2x",
    "20260105 07:20:25 ", "2026-01-05 07:20:25.5", "", "   ", "not a date", "２０26-01-05 07:20:25",
    "2000-02-29 12:00:00", "1900-02-29 12:00:00", "2026-12-31 23:59:59", "1970-01-01 00:00:00",
    "2300-01-01 00:00:00", "1500-06-01 00:00:00", "9999-12-31 23:59:59",  # beyond datetime64[ns]
]


def test_iso_dates_by_numpy_equal_pandas() -> None:
    values = DATES * 40 + [None, "2026-01-05 07:20:25"]
    for s in (_arrow_string(values, 97), pd.Series(values, dtype="string"),
              pd.Series(values, dtype=object)):
        for style in ("iso", "dmy"):
            fast_vals, fast_bad = tidy.parse_dates(s, style)
            want_vals, want_bad = tidy.parse_dates(s, style, engine="reference")
            pd.testing.assert_series_equal(fast_vals, want_vals)
            pd.testing.assert_series_equal(fast_bad, want_bad)
    vals, bad = tidy.parse_dates(_arrow_string(DATES, 10), "iso")
    got = dict(zip(DATES, vals.tolist(), strict=True))
    assert got["2024-02-29 23:59:59"] == pd.Timestamp("2024-02-29 23:59:59")
    assert got["2261-12-31 23:59:59"] == pd.Timestamp("2261-12-31 23:59:59")
    assert got["05/01/2026 07:20"] == pd.Timestamp("2026-01-05 07:20")
    # inside pandas' nanosecond range but outside the years the numpy parse takes: pandas reads
    assert got["1677-09-22 00:00:00"] == pd.Timestamp("1677-09-22")
    assert got["2262-04-11 00:00:00"] == pd.Timestamp("2262-04-11")
    assert pd.isna(got["2026-02-30 10:00:00"])
    unparsed = {d for d, b in zip(DATES, bad.tolist(), strict=True) if b}
    assert {"2026-02-30 10:00:00", "2026-01-05 24:00:00", "not a date"} <= unparsed
    # a year pandas cannot hold is reported as an unparsed date, not an OutOfBoundsDatetime crash
    assert {"2300-01-01 00:00:00", "1500-06-01 00:00:00", "9999-12-31 23:59:59"} <= unparsed
    assert "" not in unparsed and "   " not in unparsed
    parsed = kernels.parse_iso_seconds(_arrow_string(DATES, 10).str.strip())
    assert parsed is not None
    assert {d for d, ok in zip(DATES, parsed[1].tolist(), strict=True) if ok} == {
        "2026-01-05 07:20:25", "2024-02-29 23:59:59", " 2026-01-05 07:20:25 ",
        "1678-01-01 00:00:00", "2261-12-31 23:59:59", "2000-02-29 12:00:00",
        "2026-12-31 23:59:59", "1970-01-01 00:00:00"}


def test_whole_numbers_by_arrow_equal_to_numeric() -> None:
    s = _arrow_string(["1", "007", "42", None, "9223372036854775807", "0"], 4)
    got = kernels.whole_numbers(s)
    assert got is not None and str(got.dtype) == "Int64"
    pd.testing.assert_series_equal(got, pd.to_numeric(s, errors="coerce"))
    for other in ("0x1F", "+5", "-3", "1.0", "", " 1", "1e3", "٣", "99999999999999999999"):
        assert kernels.whole_numbers(_arrow_string(["1", other], 1)) is None, other
    assert kernels.whole_numbers(pd.Series(["1", "2"], dtype=object)) is None


def test_expand_equals_take() -> None:
    codes = np.array([2, 0, 1, 1, 3, 0, 2], dtype=np.int8)
    for typed in (pd.Series([1, None, 3, 5], dtype="Int64"),
                  pd.Series([True, False, None, True], dtype="boolean"),
                  pd.Series([1.5, None, 2.0, -0.25], dtype="Float64"),
                  pd.Series(["a", None, "c", ""], dtype="string"),
                  pd.Series(pd.to_datetime(["2026-01-01", None, "2026-01-03", "2026-01-04"]))):
        want = typed.take(codes).reset_index(drop=True)
        got = kernels.expand(typed, codes)
        pd.testing.assert_series_equal(got, want)
        assert got.dtype == typed.dtype


# --------------------------------------------------------------------------------------------
# the whole tidy result
# --------------------------------------------------------------------------------------------
def test_tidy_result_equals_reference_engine(generated: Path, sipas) -> None:
    raw = read_raw(generated)
    cols = raw.columns
    data = raw.data.copy()
    edits = {"TC[C1]": {3: "9", 50: " 4 ", 51: "x"}, "submitdate": {7: "31/02/2026 10:00",
             8: "2026-01-05 7:20:25", 9: "05/01/2026 07:20"}, "id": {12: "11"},
             "lastpage": {20: "3.0"}, "GIOITINH": {30: "X"}}
    for name, cells in edits.items():
        c = cols.index(name)
        data[c] = data[c].astype(object)
        for row, v in cells.items():
            data.loc[row, c] = v
        data[c] = data[c].astype("string")
    raw.data = data
    layout = tidy.resolve_layout(sipas)
    with pytest.warns(tidy.ExportValidationWarning):
        fast = tidy.tidy_raw(raw, layout, on_error="warn", secret_key=KEY)
    with pytest.warns(tidy.ExportValidationWarning):
        slow = tidy.tidy_raw(raw, layout, on_error="warn", secret_key=KEY, engine="reference")
    for a, b in ((fast.frame, slow.frame), (fast.reasons, slow.reasons),
                 (fast.failures, slow.failures), (fast.rejected, slow.rejected)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert fast.lineage == slow.lineage and fast.n_in == slow.n_in == 3000
    assert fast.rejected["reason"].tolist() == ["response id 11 repeats the one on row 12"]
    f = fast.failures
    assert sorted(f.loc[f["check"] == "code_in_scale", "value"].tolist()) == ["9", "X", "x"]
    assert f.loc[f["check"] == "date_format", "value"].tolist() == ["31/02/2026 10:00"]
    assert fast.frame.loc[8, "submitdate"] == pd.Timestamp("2026-01-05 07:20:25")
    assert fast.frame.loc[9, "submitdate"] == pd.Timestamp("2026-01-05 07:20")
    assert fast.frame.loc[19, "lastpage"] == 3  # raw row 20; row 12 was set aside
    assert list(fast.frame.columns) == [*tidy.META_COLUMNS, *layout.item_ids]


EXPORT_FIXTURES = sorted(p for p in EXPORTS.rglob("*")
                         if p.suffix.lower() in (".csv", ".json", ".xlsx", ".xml", ".sps", ".dat", ".r")
                         and p.stat().st_size > 10)


def _read_or_error(path: Path, engine: str = "auto") -> tidy.TidyResult | str:
    lss = EXPORTS.parent / "survey.lss"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", tidy.ExportValidationWarning)
            return tidy.read_export(path, lss=lss, on_error="warn", secret_key=KEY,
                                    engine=engine)
    except InputFileError as exc:  # the same error either way
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("path", EXPORT_FIXTURES, ids=lambda p: p.name)
def test_read_export_of_fixtures_equals_reference_engine(path: Path) -> None:
    fast = _read_or_error(path)
    slow = _read_or_error(path, engine="reference")
    if isinstance(fast, str) or isinstance(slow, str):
        assert fast == slow
        return
    for a, b in ((fast.frame, slow.frame), (fast.reasons, slow.reasons),
                 (fast.failures, slow.failures), (fast.rejected, slow.rejected)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert fast.lineage == slow.lineage
    assert fast.n_in == fast.n_out + len(fast.rejected) > 0


def test_most_export_fixtures_are_read() -> None:
    read = [p.name for p in EXPORT_FIXTURES if not isinstance(_read_or_error(p), str)]
    assert len(read) >= 30, read  # every format of the fixture survey; _index.json is no export


def test_pseudonymise_series_hashes_each_distinct_value_once() -> None:
    from cchc_survey.pseudonym import pseudonym, pseudonymise_series

    s = pd.Series(["tokA", " tokA ", "", None, "Tổ", "To\u0302\u0309", "   ", "tokB"],
                  index=[7, 6, 5, 4, 3, 2, 1, 0])
    got = pseudonymise_series(s, KEY)
    want = [pseudonym("tokA", KEY)] * 2 + [None, None] + [pseudonym("Tổ", KEY)] * 2 + [
        None, pseudonym("tokB", KEY)]
    assert got.index.tolist() == [7, 6, 5, 4, 3, 2, 1, 0]
    assert str(got.dtype) == "string"
    assert [None if pd.isna(v) else v for v in got.tolist()] == want
    assert len(want[0]) == 24 and want[0] != want[-1]
    empty = pseudonymise_series(pd.Series(["", " "] * 3, dtype="string"), KEY)
    assert empty.isna().all() and str(empty.dtype) == "string" and len(empty) == 6


def test_read_export_releasing_columns_equals_tidy_raw(generated: Path, sipas) -> None:
    raw = read_raw(generated)
    shape = raw.data.shape
    kept = tidy.tidy_raw(raw, tidy.resolve_layout(sipas), secret_key=KEY)
    assert raw.data.shape == shape == (3000, 59)  # tidy_raw leaves the caller's export whole
    released = tidy.read_export(generated, sipas, secret_key=KEY)
    for a, b in ((kept.frame, released.frame), (kept.reasons, released.reasons),
                 (kept.failures, released.failures), (kept.rejected, released.rejected)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert kept.lineage == released.lineage
    assert released.n_in == released.n_out == 3000 and len(released.reasons) > 0


def test_same_text_shares_the_raw_strings_and_equals_take() -> None:
    values = ["U01", "", "U02", "U01", "Khác", ""] * 700
    sliced = pa.chunked_array([pa.array(["x"] * 5 + values[:1000], pa.large_string())[5:],
                               pa.array(values[1000:], pa.large_string())])
    for s in (_arrow_string(values, 333), pd.Series(pd.arrays.ArrowStringArray(sliced))):
        codes, uniq, _ = kernels.factorize_small(s)
        typed_u = pd.Series(["U01", pd.NA, "U02", pd.NA], dtype="string")  # "" and "Khác" -> NA
        got = kernels.same_text(s, uniq, typed_u, codes)
        assert got is not None
        want = typed_u.take(codes).reset_index(drop=True)
        pd.testing.assert_series_equal(got, want)
        assert int(got.isna().sum()) == 2 * 700 + 700
        assert got.tolist()[:4] == ["U01", pd.NA, "U02", "U01"]
    s = _arrow_string(values, 333)
    codes, uniq, _ = kernels.factorize_small(s)
    changed = pd.Series(["U01", pd.NA, "U2", pd.NA], dtype="string")  # a value was rewritten
    assert kernels.same_text(s, uniq, changed, codes) is None
    assert kernels.same_text(s, uniq, pd.Series([1, None, 2, None], dtype="Int64"), codes) is None
    with_na = pd.Series(["U01", None, "U01"], dtype="string")
    codes, uniq, _ = kernels.factorize_small(with_na)
    assert kernels.same_text(with_na, uniq, pd.Series(["U01"], dtype="string"), codes) is None


def test_line_breaks_by_byte_positions_equal_counts_per_value() -> None:
    import pyarrow.compute as pc

    rng = np.random.default_rng(5)
    alphabet = np.array(["a", "\r", "\n", "ễ", " "])
    values = ["".join(alphabet[rng.integers(0, 5, rng.integers(0, 6))]) for _ in range(3000)]
    values[:4] = ["\r", "\n", "", "\r\n"]  # a value ending in CR next to one starting with LF
    col = pa.chunked_array([pa.array(["zz", *values[:1000]], pa.large_string())[1:],
                            pa.array(values[1000:], pa.large_string()),
                            pa.array([], pa.large_string())])
    want = sum(pc.count_substring(col, p).to_numpy(zero_copy_only=False) * w
               for p, w in (("\n", 1), ("\r", 1), ("\r\n", -1)))
    got = csvmod._line_breaks(col)
    assert got.tolist() == want.tolist()
    assert got[:4].tolist() == [1, 1, 0, 1] and got.sum() > 1000


def test_typed_values_are_shared_only_between_columns_typed_alike(generated: Path, sipas) -> None:
    raw = read_raw(generated)
    same = pd.Series((["1", "2", "6", ""] * 750), dtype="string")
    data = raw.data.copy()
    for name in ("TC[C1]", "HOCVAN", "NGHENGHIEP"):  # one set of values, three scales
        data[raw.columns.index(name)] = same
    # the same values first seen in another order: typed once, put in this column's order
    data[raw.columns.index("TC[C2]")] = pd.Series((["6", "", "2", "1"] * 750), dtype="string")
    raw.data = data
    layout = tidy.resolve_layout(sipas)
    fast = tidy.tidy_raw(raw, layout, secret_key=KEY)
    slow = tidy.tidy_raw(raw, layout, secret_key=KEY, engine="reference")
    for a, b in ((fast.frame, slow.frame), (fast.reasons, slow.reasons),
                 (fast.failures, slow.failures)):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    f = fast.frame
    assert f["tc_c1"].tolist()[:4] == [1, 2, pd.NA, pd.NA]  # 6 = don't know
    assert f["tc_c2"].tolist()[:4] == [pd.NA, pd.NA, 2, 1]
    assert f["hocvan"].tolist()[:4] == [1, 2, 6, pd.NA]  # 6 is an answer
    assert f["nghenghiep"].tolist()[:4] == ["1", "2", "6", pd.NA]  # text codes (has "other")
    r = fast.reasons
    assert r.loc[r["item"] == "tc_c2", "response_id"].tolist() == f.loc[::4, "response_id"].tolist()
    assert r.loc[r["item"] == "tc_c1", "response_id"].tolist() == f.loc[2::4, "response_id"].tolist()
    assert set(r.loc[r["item"] == "tc_c2", "code"]) == {"6"}
    assert set(r.loc[r["item"].isin(["tc_c1", "tc_c2"]), "reason"]) == {"dont_know"}
    assert not r["item"].isin(["hocvan", "nghenghiep"]).any()
