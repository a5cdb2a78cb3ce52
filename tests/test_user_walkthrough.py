"""An analyst's mistakes at the command line: each one ends in a message naming the file, the row
or option and the fix (exit code 2), never in a Python traceback; and the report's Vietnamese
presentation (weighting sheet formats, check rules and group headings in Vietnamese)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cchc_survey import read_margins
from cchc_survey.cli import app
from cchc_survey.demo import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.errors import InputFileError
from cchc_survey.instrument import load_instrument

PAR = Path("questionnaires/par_survey.yaml")


@pytest.fixture(scope="module")
def par_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("walk") / "par.csv"
    demo = generate(load_instrument(PAR), DemoDesign(n=150, months=2))
    return write_limesurvey_csv(demo.export, out)


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Encode as Excel does on Vietnamese Windows: base vowel + combining tone; emoji -> ?."""
    table = {}
    for ch in set(text):
        try:
            ch.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in nfd if c in _TONES)
            table[ch] = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in _TONES)) + tones
    return "".join(table.get(c, c) for c in text).encode("cp1258", errors="replace")  # emoji -> ?


def _report(*args: str):
    return CliRunner().invoke(app, ["report", *args])


def test_cp1258_export_reads_with_encoding_option(par_export: Path, tmp_path: Path) -> None:
    text = par_export.read_text(encoding="utf-8-sig")
    cp = tmp_path / "excel_cp1258.csv"
    cp.write_bytes(_cp1258(text))
    r = _report(str(cp), "--instrument", str(PAR), "--out", str(tmp_path / "a"))
    assert r.exit_code == 1
    assert "cp1258" in r.output and "excel_cp1258.csv" in r.output
    r = _report(str(cp), "--instrument", str(PAR), "--encoding", "cp1258",
                "--out", str(tmp_path / "b"))
    assert r.exit_code == 0, r.output
    assert "150 phiếu đọc được" in r.output
    # the decoded labels are NFC Vietnamese again, equal to those read from the UTF-8 original
    ok = _report(str(par_export), "--instrument", str(PAR), "--out", str(tmp_path / "c"))
    assert ok.exit_code == 0, ok.output
    read = {k: pd.read_csv(tmp_path / k / "bao_cao_par.csv", encoding="utf-8-sig")
            for k in ("b", "c")}
    pd.testing.assert_frame_equal(read["b"], read["c"])
    labels = read["b"]["Nội dung"]
    assert (labels == labels.map(lambda v: unicodedata.normalize("NFC", v))).all()


def test_bad_lang_is_refused_before_reading(tmp_path: Path) -> None:
    r = _report("nope.csv", "--instrument", str(PAR), "--lang", "fr")
    assert r.exit_code == 2  # a usage error, found before any file is read
    assert "--lang" in r.output and "'fr'" in r.output and "'vi', 'en'" in r.output
    assert "nope.csv" not in r.output and "Traceback" not in r.output


def test_missing_margin_file_is_a_message(par_export: Path, tmp_path: Path) -> None:
    missing = tmp_path / "bien.csv"
    r = _report(str(par_export), "--instrument", str(PAR), "--margins", str(missing),
                "--out", str(tmp_path / "o"))
    assert r.exit_code == 1
    assert str(missing) in r.output and "check the path" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


def test_margin_csv_problems_name_row_and_fix(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("donvi,N\nU01,3\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"m\.csv: header: .*'Freq'.*Fix: give one column"):
        read_margins(p)
    p.write_text("donvi,Freq\nU01,3\nU02,1.250\nU03,x\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_margins(p)
    (prob,) = err.value.problems
    assert (prob.line, prob.where) == (3, "row 3, column Freq")
    assert "'1.250'" in prob.message and "2 such row(s)" in prob.message
    p.write_text("\ufeffdonvi,Freq\nU01,1250\nU02,-1\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="row 3, column Freq"):
        read_margins(p)


def test_margin_csv_good_file_reads_codes_as_text(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text("\ufeffdoituong,Freq\n01,860\n02,140.5\n", encoding="utf-8")
    df = read_margins(p)
    assert df.columns.tolist() == ["doituong", "Freq"]
    assert df["doituong"].tolist() == ["01", "02"]
    assert df["Freq"].tolist() == [860.0, 140.5]
    assert df["Freq"].dtype == "float64"
    pd.testing.assert_series_equal(df["Freq"], pd.Series([860.0, 140.5], name="Freq"))


def test_report_speaks_vietnamese_in_checks_weighting_and_groups(par_export: Path,
                                                                 tmp_path: Path) -> None:
    import openpyxl

    r = _report(str(par_export), "--instrument", str(PAR), "--out", str(tmp_path / "r"))
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "r" / "bao_cao.xlsx")
    ws = wb["Chi tiết kiểm tra"]  # the summary by rule is "Kiểm tra dữ liệu"
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    assert rows, "the demo export has flagged rows"
    rules = {row[0] for row in rows}
    severities = {row[-1] for row in rows}
    assert "Phiếu chưa hoàn thành (incomplete)" in rules
    assert all("(" in rule for rule in rules)  # every demo rule has Vietnamese wording
    assert severities <= {"Lỗi", "Cảnh báo", "Thông tin"} and severities
    ws = wb["Gia quyền"]
    summary = {ws.cell(k, 1).value: ws.cell(k, 2) for k in range(4, 11)}
    assert summary["Số vòng lặp"].number_format == "0"
    assert summary["Trọng số nhỏ nhất"].number_format == "0.00"
    assert summary["Trọng số lớn nhất"].number_format == "0.00"
    assert summary["Cỡ mẫu hiệu dụng"].number_format == "0.0"
    # the HTML report summarises (questionnaires by rule, units by name), the detail is in Excel
    html = (tmp_path / "r" / "bao_cao.html").read_text(encoding="utf-8")
    assert "<td>Phiếu chưa hoàn thành</td>" in html
    assert "donvi" not in html and "<td>warning</td>" not in html


def test_report_checks_name_the_response_id_of_the_export(par_export: Path,
                                                          tmp_path: Path) -> None:
    import openpyxl

    r = _report(str(par_export), "--instrument", str(PAR), "--out", str(tmp_path / "r"))
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(tmp_path / "r" / "bao_cao.xlsx")["Chi tiết kiểm tra"]
    header = [c.value for c in ws[4]]
    assert header == ["Quy tắc kiểm tra", "Dòng", "Mã phiếu (id)", "Cột", "Giá trị", "Mức độ"]
    export = pd.read_csv(par_export, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    assert rows
    for rule, row, rid, *_ in rows:
        assert str(rid) == export["id"].iloc[int(row)], (rule, row, rid)
