"""Bad input: each case gets a clear error naming the file and the row and/or column, and no row
is lost (rows in = rows out + rows rejected, checked on the result attached to the error)."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cchc_survey import QUESTIONNAIRES, load_instrument
from cchc_survey.codebook import read_lss
from cchc_survey.errors import CchcSurveyError, InputFileError
from cchc_survey.limesurvey.exports import ExportReadError
from cchc_survey.tidy import ExportValidationError, ExportValidationWarning, read_export

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
EXP = FIX / "exports"
CSV = EXP / "rpc" / "export_responses__csv_code_short.csv"
KEY = b"test-secret-key-0123456789abcdef"


@pytest.fixture(scope="module")
def cb():
    return read_lss(FIX / "survey.lss")


def csv_lines() -> list[bytes]:
    return CSV.read_bytes().split(b"\r\n")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def edit_cell(tmp_path: Path, row: int, column: str, value: str) -> Path:
    """The RPC CSV with one cell replaced (row = 1-based data row; line = row + 1)."""
    lines = csv_lines()
    head = lines[0].decode("utf-8-sig").split(";")
    col = head.index(f'"{column}"')
    cells = lines[row].decode("utf-8").split('";"')
    cells[col] = value  # the first cell keeps its opening quote in `value`
    lines[row] = '";"'.join(cells).encode("utf-8")
    return write(tmp_path, "edited.csv", b"\r\n".join(lines))


def read_fail(path: Path, cb, **kw) -> ExportValidationError:
    with pytest.raises(ExportValidationError) as ei:
        read_export(path, codebook=cb, secret_key=KEY, **kw)
    err = ei.value
    res = err.result
    assert res.n_in == res.n_out + len(res.rejected)
    assert path.name in str(err)
    return err


def file_fail(path: Path, cb, exc: type[Exception] = ExportReadError, **kw) -> str:
    with pytest.raises(exc) as ei:
        read_export(path, codebook=cb, secret_key=KEY, **kw)
    msg = str(ei.value)
    assert path.name in msg
    assert "Fix:" in msg or "fix" in msg.lower()
    assert isinstance(ei.value, CchcSurveyError)
    return msg


# --- files that cannot be read at all ---------------------------------------------------------
def test_01_empty_file(tmp_path, cb):
    msg = file_fail(write(tmp_path, "empty.csv", b""), cb)
    assert "empty" in msg


def test_02_limesurvey_empty_export_crlf_only(tmp_path, cb):
    # an export whose filter matches nothing is just "\r\n" (README 10)
    msg = file_fail(write(tmp_path, "nomatch.csv", b"\r\n"), cb)
    assert "empty" in msg and "filter" in msg


def test_03_binary_file_given_as_csv(tmp_path, cb):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    msg = file_fail(write(tmp_path, "photo.csv", png), cb)
    assert "binary" in msg and "byte" in msg


def test_04_undeclared_windows_1258(tmp_path, cb):
    # Windows-1258 writes "ữ" as "ư" + a combining tilde; those bytes are not UTF-8.
    raw = "id;GIOITINH\r\n1;F\r\n2;M\r\n3;N\u01b0\u0303\r\n"
    msg = file_fail(write(tmp_path, "cp1258.csv", raw.encode("cp1258")), cb)
    assert "line 4" in msg and "encoding='cp1258'" in msg


def test_05_unknown_encoding_name(tmp_path, cb):
    p = write(tmp_path, "x.csv", b'"id";"GIOITINH"\r\n"1";"F"\r\n')
    msg = file_fail(p, cb, encoding="no-such-codec")
    assert "unknown encoding" in msg


def test_06_missing_file(tmp_path, cb):
    msg = file_fail(tmp_path / "nothere.csv", cb)
    assert "does not exist" in msg


def test_07_no_id_column(tmp_path, cb):
    lines = csv_lines()
    lines[0] = lines[0].replace(b'"id"', b'"ident"')
    msg = file_fail(write(tmp_path, "noid.csv", b"\r\n".join(lines)), cb, InputFileError,
                    on_error="warn")
    assert "no response id column" in msg and ":1:" in msg


def test_08_wrong_survey_for_instrument(cb):
    inst = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
    with pytest.raises(InputFileError) as ei:
        read_export(CSV, instrument=inst, secret_key=KEY)
    msg = str(ei.value)
    assert CSV.name in msg and "sipas_one_stop" in msg and "header" in msg
    assert "another survey" in msg


def test_09_truncated_json(tmp_path, cb):
    blob = (EXP / "rpc" / "export_responses__json_code_short.json").read_bytes()
    msg = file_fail(write(tmp_path, "cut.json", blob[: len(blob) // 2]), cb)
    assert "line 1, column" in msg and "truncated" in msg


def test_10_json_of_another_shape(tmp_path, cb):
    msg = file_fail(write(tmp_path, "other.json", json.dumps({"rows": []}).encode()), cb)
    assert "top level" in msg and "responses" in msg


def test_11_truncated_xlsx(tmp_path, cb):
    blob = (EXP / "rpc" / "export_responses__xls_code_short.xlsx").read_bytes()
    msg = file_fail(write(tmp_path, "cut.xlsx", blob[: len(blob) // 2]), cb)
    assert "workbook" in msg and "truncated" in msg


def test_12_truncated_stata_xml(tmp_path, cb):
    blob = (EXP / "admin" / "survey_385924_STATA.xml").read_bytes()
    msg = file_fail(write(tmp_path, "cut.xml", blob[: len(blob) // 3]), cb)
    assert "not well-formed" in msg and "line" in msg


def test_13_sav_reader_crash_is_isolated(cb):
    # pyreadstat 1.3.7 segfaults on LimeSurvey's .sav (README 24): the crash happens in a child
    # process; this process carries on and the message says what to read instead.
    for f in (EXP / "admin" / "survey_385924_SPSS.sav", EXP / "rpc" / "export_responses__spsssav.sav"):
        msg = file_fail(f, cb)
        assert "whole file" in msg and ".sps" in msg and ".dat" in msg


def test_14_legacy_xls_of_export_statistics(cb):
    msg = file_fail(EXP / "rpc" / "export_statistics__xls.xls", cb)
    assert "BIFF8" in msg and "byte 0" in msg


def test_15_pdf_export(cb):
    msg = file_fail(EXP / "rpc" / "export_responses__pdf_ids_1_3.pdf", cb)
    assert "PDF" in msg


def test_16_html_and_word_exports(cb):
    for f in ("export_responses__html_code_short_ids_1_10.html",
              "export_responses__doc_code_long_ids_1_10.doc"):
        msg = file_fail(EXP / "rpc" / f, cb)
        assert "HTML" in msg


def test_17_spss_dat_without_syntax(tmp_path, cb):
    p = tmp_path / "survey_1_SPSS_data_file.dat"
    shutil.copy(EXP / "admin" / "survey_385924_SPSS_data_file_spssver2.dat", p)
    msg = file_fail(p, cb)
    assert "syntax file" in msg and "survey_1_SPSS_syntax_file.sps" in msg


def test_18_r_syntax_without_data(tmp_path, cb):
    p = tmp_path / "survey_1_R_syntax_file.R"
    shutil.copy(EXP / "admin" / "survey_385924_R_syntax_file.R", p)
    msg = file_fail(p, cb)
    assert "read.csv" in msg and "survey_385924_R_data_file.csv" in msg


def test_19_stata_xml_of_another_kind(tmp_path, cb):
    msg = file_fail(write(tmp_path, "x.xml", b"<?xml version='1.0'?><dta2><a/></dta2>"), cb)
    assert "<dta>" in msg


# --- files read with rows or cells set aside --------------------------------------------------
def test_20_truncated_csv_inside_a_quoted_value(tmp_path, cb):
    blob = CSV.read_bytes()
    cut = blob.index("Cán bộ tiếp nhận".encode()) + 10
    err = read_fail(write(tmp_path, "cut.csv", blob[:cut]), cb)
    res = err.result
    assert res.n_out == 2 and len(res.rejected) == 1 and res.n_in == 3
    assert int(res.rejected["row"].iloc[0]) == 4
    assert "row 4" in str(err) and "truncated" in str(err)


def test_21_truncated_csv_mid_row(tmp_path, cb):
    lines = csv_lines()
    body = b"\r\n".join(lines[:5]) + b"\r\n" + lines[5][:40]
    err = read_fail(write(tmp_path, "cut2.csv", body), cb)
    res = err.result
    assert res.n_out == 4 and len(res.rejected) == 1
    assert int(res.rejected["row"].iloc[0]) == 6
    assert "row 6" in str(err) and "truncated" in str(err)


def test_22_row_with_extra_separator(tmp_path, cb):
    lines = csv_lines()
    lines[3] = lines[3] + b';"extra"'
    err = read_fail(write(tmp_path, "extra.csv", b"\r\n".join(lines)), cb)
    res = err.result
    assert res.n_in == 60 and res.n_out == 59 and len(res.rejected) == 1
    assert "row 4" in str(err)
    assert 3 not in res.frame["response_id"].tolist()


def test_23_duplicate_response_ids(tmp_path, cb):
    lines = csv_lines()
    dup = lines[5].replace(b'"5";', b'"7";', 1)
    lines[5] = dup
    err = read_fail(write(tmp_path, "dup.csv", b"\r\n".join(lines)), cb)
    res = err.result
    assert res.n_in == 60 and res.n_out == 59
    assert res.rejected["reason"].iloc[0] == "response id 7 repeats the one on row 6"
    assert "rows 6 and 8" in str(err) and "column id" in str(err)


def test_24_response_id_not_a_number(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 3, "id", '"abc'), cb)
    assert "row 4, column id" in str(err)
    err_res = err.result
    assert err_res.n_in == 60 and err_res.n_out == 59
    assert err_res.rejected["row"].tolist() == [4]
    assert "'abc'" in err_res.rejected["reason"].iloc[0]


def test_25_malformed_submitdate(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 1, "submitdate", "2024-13-45 99:00:00"), cb)
    assert "row 2, column submitdate" in str(err) and "2024-13-45" in str(err)
    assert err.result.n_out == 60


def test_26_malformed_date_answer(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 1, "NGAYNOP", "06/03/24 à"), cb)
    assert "row 2, column ngaynop" in str(err)
    assert pd.isna(err.result.frame.loc[0, "ngaynop"])


def test_27_code_outside_the_scale(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 2, "TUOI", "9"), cb)
    msg = str(err)
    assert "row 3, column tuoi" in msg and "'9'" in msg and "not in the scale" in msg
    f = err.result.failures
    assert f[["column", "check", "value", "row", "severity"]].iloc[0].tolist() == [
        "tuoi", "code_in_scale", "9", 3, "error"]


def test_28_gender_code_unknown(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 1, "GIOITINH", "X"), cb)
    assert "row 2, column gioitinh" in str(err)


def test_29_multiple_choice_value_unknown(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 1, "KENH[K3]", "maybe"), cb)
    assert "row 2, column kenh_k3" in str(err)
    assert pd.isna(err.result.frame.loc[0, "kenh_k3"])


def test_30_number_not_numeric(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 1, "SOLAN", "two"), cb)
    assert "row 2, column solan" in str(err) and "not a number" in str(err)


def test_31_lastpage_not_integer(tmp_path, cb):
    err = read_fail(edit_cell(tmp_path, 1, "lastpage", "four"), cb)
    assert "row 2, column lastpage" in str(err)


def test_32_unknown_column_and_missing_item_warn_with_failure_table(tmp_path, cb):
    lines = csv_lines()
    lines[0] = lines[0].replace(b'"SOLAN"', b'"SOLAN_X"')
    p = write(tmp_path, "renamed.csv", b"\r\n".join(lines))
    with pytest.warns(ExportValidationWarning, match="renamed.csv"):
        res = read_export(p, codebook=cb, secret_key=KEY)
    f = res.failures
    assert f[["column", "check", "severity"]].values.tolist() == [
        ["SOLAN_X", "known_column", "warning"], ["solan", "item_present", "warning"]]
    assert res.frame["solan"].isna().all() and res.n_out == 60


def test_33_truncated_vv(tmp_path, cb):
    blob = (EXP / "admin" / "vvexport_385924_v2.csv").read_bytes()
    cut = blob.index("Cán bộ tiếp nhận".encode()) + 5
    err = read_fail(write(tmp_path, "vv_cut.csv", blob[:cut]), cb)
    assert err.result.n_out == 2 and len(err.result.rejected) == 1


def test_34_broken_zip_named_xlsx_is_not_read_as_text(tmp_path, cb):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    msg = file_fail(write(tmp_path, "fake.xlsx", buf.getvalue()), cb)
    assert "cannot be opened" in msg
