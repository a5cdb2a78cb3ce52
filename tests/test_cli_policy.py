"""One convention for every command: errors on standard error with one prefix, exit 1 for bad
input and 2 for usage (an option value outside its choices is refused before any work), messages
from one catalogue (Vietnamese first; English with --lang en or an English locale), advice in
command-line words; and a report from 1 response up, whatever cannot be computed."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_survey import bundled_instrument
from cchc_survey.cli import app
from cchc_survey.cli.messages import CATALOGUE, Lang, locale_lang, t
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv

runner = CliRunner()
PAR = "questionnaires/par_survey.yaml"


@pytest.mark.parametrize("args", [
    ["report", "x.csv", "--lang", "fr"],
    ["pull", "1", "--completion", "bogus"],
    ["pull", "1", "--format", "xml"],
    ["official", "compare", "scores.csv", "--province", "Hà Nội", "--era", "neww"],
    ["official", "compare", "scores.csv", "--province", "Hà Nội", "--index", "PAPII"],
    ["sample-size", "-e", "0.05", "--formula", "yamanee"],
    ["sample-size", "-e", "0.05", "--allocation", "random"],
    ["--lang", "de", "instruments"],
    ["report"],
    ["no-such-command"],
])
def test_usage_errors_exit_2_before_any_work(args: list[str]) -> None:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    assert r.stdout == "" and "Traceback" not in r.output
    assert "Usage:" in r.stderr or "Try 'cchc-survey" in r.stderr


@pytest.mark.parametrize("args, where", [
    (["report", "nope.csv", "--instrument", PAR], "nope.csv"),
    (["report", "README.md"], "--instrument"),
    (["import", "nope.csv", "--instrument", PAR], "nope.csv"),
    (["lss", "build", "questionnaires/nope.yaml"], "nope.yaml"),
    (["codebook", "nope.lss"], "nope.lss"),
    (["official", "load", "nope.csv"], "nope.csv"),
    (["official", "compare", "nope.csv", "--province", "Hà Nội"], "nope.csv"),
    (["instruments", "nope_folder"], "nope_folder"),
])
def test_bad_input_exits_1_with_one_prefix_on_stderr(args: list[str], where: str, tmp_path: Path,
                                                     monkeypatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    r = runner.invoke(app, args)
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith("Lỗi (error):") and r.stderr.count("Lỗi") == 1, r.stderr
    assert where in r.stderr and "Traceback" not in r.output


def test_lang_en_and_the_locale_switch_the_catalogue(tmp_path: Path) -> None:
    r = runner.invoke(app, ["--lang", "en", "report", "nope"])
    assert r.exit_code == 1 and r.stderr.startswith("Error: nope: no file or processed survey")
    r = runner.invoke(app, ["report", "nope"], env={"LANG": "en_GB.UTF-8", "LC_ALL": ""})
    assert r.stderr.startswith("Error:")
    r = runner.invoke(app, ["report", "nope"], env={"LANG": "vi_VN.UTF-8", "LC_ALL": ""})
    assert r.stderr.startswith("Lỗi (error): nope: không có tệp")
    assert locale_lang({"LANG": "C.UTF-8"}) == Lang.vi
    assert locale_lang({"LC_ALL": "en_US.UTF-8", "LANG": "vi_VN"}) == Lang.en


def test_every_message_is_in_both_languages_nfc_with_the_same_fields() -> None:
    import string

    for key, (vi, en) in CATALOGUE.items():
        assert vi and en and unicodedata.is_normalized("NFC", vi), key
        fields = {f for _, f, _, _ in string.Formatter().parse(vi) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(en) if f}, key
    assert t("error", "en") == "Error:" and t("error", "vi") == "Lỗi (error):"


@pytest.fixture(scope="module")
def par_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    demo = generate(bundled_instrument("par_survey"), DemoDesign(n=60, months=2))
    return write_limesurvey_csv(demo.export, tmp_path_factory.mktemp("policy") / "par.csv")


def test_advice_names_command_line_options(par_export: Path, tmp_path: Path) -> None:
    cp = tmp_path / "excel.csv"
    cp.write_bytes(par_export.read_text("utf-8-sig").encode("cp1258", errors="replace"))
    r = runner.invoke(app, ["report", str(cp), "--instrument", PAR, "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "--encoding cp1258" in r.stderr and "encoding='cp1258'" not in r.stderr
    r = runner.invoke(app, ["report", str(par_export), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "--instrument" in r.stderr and "instrument=" not in r.stderr
    # the Python words are back for Python callers after a command
    from cchc_survey import read_export
    from cchc_survey.errors import InputFileError

    with pytest.raises(InputFileError, match="encoding='cp1258'"):
        read_export(cp, bundled_instrument("par_survey"))


def test_a_lss_given_as_instrument_is_read_as_lss(par_export: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["report", str(par_export), "--instrument", "questionnaires/par_survey.lss",
                            "--out", str(tmp_path / "o")])
    assert "YAML" not in r.stderr.replace("phiếu YAML", "") and "Traceback" not in r.output
    assert "là tệp cấu trúc LimeSurvey (.lss)" in r.stderr
    # with the instrument too, the .lss reads the export and the instrument scores it
    r = runner.invoke(app, ["report", str(par_export), "--lss", "questionnaires/par_survey.lss",
                            "--instrument", PAR, "--out", str(tmp_path / "o2")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o2" / "bao_cao.docx").is_file()


@pytest.mark.parametrize("n", [1, 3, 5])
@pytest.mark.parametrize("iid", ["sipas_one_stop", "par_survey", "sipas_2023", "papi_mirror"])
def test_a_report_from_any_sample_size(iid: str, n: int, tmp_path: Path) -> None:
    inst = bundled_instrument(iid)
    export = write_limesurvey_csv(generate(inst, DemoDesign(n=n, months=1, p_incomplete=0.0)).export,
                                  tmp_path / "x.csv")
    args = ["report", str(export), "--instrument", f"questionnaires/{iid}.yaml",
            "--out", str(tmp_path / "o")]
    if iid == "sipas_one_stop":  # margins with units that have no respondent: design weights
        args += ["--margins", "cchc_survey/examples/sipas_one_stop_margins_donvi.csv"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    for f in ("bao_cao.xlsx", "bao_cao.html", "bao_cao.docx"):
        assert (tmp_path / "o" / f).stat().st_size > 5_000, f
    assert f"{n} phiếu đọc được" in r.stdout
    if n < 3:
        assert "Không tính được độ tin cậy" in r.stderr
    if iid == "sipas_one_stop":
        assert "Không gia quyền được theo cơ cấu tổng thể" in r.stderr


def test_no_questionnaire_left_is_one_clear_error(tmp_path: Path) -> None:
    inst = bundled_instrument("par_survey")
    export = write_limesurvey_csv(generate(inst, DemoDesign(n=2, p_incomplete=1.0)).export,
                                  tmp_path / "x.csv")
    r = runner.invoke(app, ["report", str(export), "--instrument", PAR, "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "no questionnaire is left to analyse: 2 read" in r.stderr and "incomplete: 2" in r.stderr


def test_an_estimator_on_a_text_column_names_the_column() -> None:
    from cchc_survey import bundled_example, design_from_tidy, proportion, read_export
    from cchc_survey.estimate import EstimationError

    inst = bundled_instrument("sipas_one_stop")
    design = design_from_tidy(read_export(bundled_example(), inst).frame, inst)
    with pytest.raises(EstimationError, match=r"variable 'gioitinh' is not numeric: value '[MF]'"):
        proportion(design, "gioitinh")
    female = (design.data["gioitinh"] == "F").astype("float").where(design.data["gioitinh"].notna())
    res = proportion(design, female.rename("female"))  # the 0/1 indicator is what it estimates
    share = float((design.weights * female.fillna(0)).sum() / design.weights[female.notna()].sum())
    assert float(res.estimate.ravel()[0]) == pytest.approx(share, rel=1e-12)
