"""KoboToolbox: the CSV (XML names) and XLSX (labels) exports with the form's XLSForm as their
codebook read into the tidy frame of the LimeSurvey export of the same answers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import sources_material as sm

from cchc_survey.sources import SourceReadError, propose, read_source
from cchc_survey.sources.kobo import read_xlsform
from cchc_survey.tidy import ExportValidationError, ExportValidationWarning, read_export

INST, EXPORT = sm.answers(n=40, seed=23)
FORM = sm.kobo_form(INST)
# LimeSurvey keeps the page reached and the start language; KoboToolbox has neither
NOT_IN_KOBO = ("lastpage", "startlanguage")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("kobo")
    return {
        "xlsform": sm.write_xlsform(FORM, d / "form.xlsx"),
        "csv": sm.write_kobo_csv(sm.kobo_frame(INST, EXPORT, FORM), d / "kobo.csv"),
        "xlsx": sm.write_kobo_xlsx(sm.kobo_frame(INST, EXPORT, FORM, labels=True),
                                   d / "kobo_labels.xlsx", INST.title.vi),
        "limesurvey": sm.limesurvey_csv(EXPORT, d / "limesurvey.csv"),
    }


def mapped(files: dict[str, Path], which: str) -> Path:
    prop = propose(files[which], INST, xlsform=files["xlsform"])
    assert prop.unmatched_headings == [] and prop.unmatched_items == []
    assert prop.unmatched_answers.empty
    assert not prop.matches["review"].any()
    files[which].with_name(files[which].stem + ".map.yaml").write_text(prop.text, "utf-8")
    return files[which]


def test_xlsform_is_read_as_the_codebook(files: dict[str, Path]) -> None:
    form = read_xlsform(files["xlsform"])
    assert form.title == INST.title.vi
    q = form.by_path()["phan_2/cau_8"]
    assert (q.type, q.list_name, q.labels["Tiếng Việt (vi)"]) == (
        "select_one", "sat5", "Nơi ngồi chờ tại Bộ phận Một cửa có đủ chỗ ngồi")
    assert [n for n, _ in form.choices["donvi"]] == ["so_tai_chinh", "so_noi_vu", "so_xay_dung",
                                                     "so_nong_nghiep_va_moi_tr", "so_tu_phap",
                                                     "so_y_te"]
    assert form.by_path()["phan_7/cau_37"].type == "select_multiple"


@pytest.mark.parametrize("which", ["csv", "xlsx"])
def test_export_reads_into_the_limesurvey_tidy_frame(files: dict[str, Path], which: str) -> None:
    path = mapped(files, which)
    res = read_source(path, INST, xlsform=files["xlsform"])
    ls = read_export(files["limesurvey"], INST)
    assert res.failures.empty
    assert res.n_in == len(EXPORT) == res.n_out and res.rejected.empty
    a = ls.frame.set_index("response_id", drop=False)
    b = res.frame.set_index("response_id", drop=False)
    for col in ls.frame.columns:
        if col in NOT_IN_KOBO:
            assert b[col].isna().all()
            continue
        pd.testing.assert_series_equal(a[col], b[col], obj=col)
    # the XLSForm is kept with the data as one of its sources
    assert [Path(s).name for s in res.lineage["sources"]] == [
        path.name, "form.xlsx", path.stem + ".map.yaml"]


def test_proposal_reads_names_through_the_xlsform(files: dict[str, Path]) -> None:
    prop = propose(files["csv"], INST, xlsform=files["xlsform"])
    cols = {c.heading: (c.item or c.question) for c in prop.cmap.columns}
    assert cols["phan_2/cau_8"] == "tc_c1"
    assert cols["phan_1/cau_1"] == "donvi"
    assert cols["phan_7/cau_37/mo_rong_cac_hinh_thuc_th"] == "mongdoi_m1"
    assert cols["phan_7/cau_37_khac"] == "mongdoi_other"
    assert cols["phan_7/cau_37"] is None and cols["phan_7/cau_37/other"] is None
    assert cols["_uuid"] is None and cols["_index"] is None
    assert (prop.cmap.id.heading, prop.cmap.timestamp.heading, prop.cmap.started.heading,
            prop.cmap.received.heading, prop.cmap.received.utc) == (
        "_id", "end", "start", "_submission_time", True)
    donvi = {a.label: a.code for a in prop.cmap.answers["donvi"]}
    assert donvi == {"so_tai_chinh": "U01", "so_noi_vu": "U02", "so_xay_dung": "U03",
                     "so_nong_nghiep_va_moi_tr": "U04", "so_tu_phap": "U05", "so_y_te": "U06"}


def test_without_the_xlsform_xml_names_are_not_guessed(files: dict[str, Path]) -> None:
    prop = propose(files["csv"], INST)
    # opaque names (cau_8) match no wording: left for a person, never guessed
    assert "phan_2/cau_8" in prop.unmatched_headings
    assert len(prop.unmatched_items) > 40


def test_select_multiple_as_names_only(files: dict[str, Path], tmp_path: Path) -> None:
    """An export with only the space-separated summary column (no 0/1 columns)."""
    frame = sm.kobo_frame(INST, EXPORT, FORM)
    frame = frame[[c for c in frame.columns if not c.startswith("phan_7/cau_37/")]]
    path = sm.write_kobo_csv(frame, tmp_path / "summary.csv")
    prop = propose(path, INST, xlsform=files["xlsform"])
    col = next(c for c in prop.cmap.columns if c.heading == "phan_7/cau_37")
    assert col.question == "MONGDOI"
    path.with_name("summary.map.yaml").write_text(prop.text, "utf-8")
    res = read_source(path, INST)
    ls = read_export(files["limesurvey"], INST)
    for i in range(1, 9):
        pd.testing.assert_series_equal(ls.frame[f"mongdoi_m{i}"], res.frame[f"mongdoi_m{i}"])


def test_unknown_choice_name_is_an_error_naming_row_and_heading(files: dict[str, Path],
                                                               tmp_path: Path) -> None:
    frame = sm.kobo_frame(INST, EXPORT, FORM)
    frame.loc[5, "phan_1/cau_1"] = "so_ngoai_vu"
    path = sm.write_kobo_csv(frame, tmp_path / "bad.csv")
    prop = propose(path, INST, xlsform=files["xlsform"])
    assert prop.unmatched_answers[["heading", "value", "first_row"]].values.tolist() == [
        ["phan_1/cau_1", "so_ngoai_vu", 7]]
    path.with_name("bad.map.yaml").write_text(prop.text, "utf-8")
    with pytest.raises(ExportValidationError) as exc:
        read_source(path, INST)
    assert "bad.csv:7: row 7, column phan_1/cau_1: 'phan_1/cau_1' (donvi): 'so_ngoai_vu'" \
        in str(exc.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportValidationWarning)
        res = read_source(path, INST, on_error="warn")
    assert res.n_out == len(EXPORT) and res.frame["donvi"].isna().sum() == 1


def test_not_an_xlsform(files: dict[str, Path]) -> None:
    with pytest.raises(SourceReadError) as exc:
        read_xlsform(files["xlsx"])
    assert "no 'survey' sheet" in str(exc.value) and "XLSForm" in str(exc.value)


def test_xlsform_with_a_choice_name_twice(tmp_path: Path) -> None:
    form = sm.kobo_form(INST)
    dup = dict(next(c for c in form["choices"] if c["list_name"] == "donvi"))
    dup["label::Tiếng Việt (vi)"] = "Sở Ngoại vụ"
    form = {**form, "choices": [*form["choices"], dup]}
    path = sm.write_xlsform(form, tmp_path / "form.xlsx")
    with pytest.raises(SourceReadError) as exc:
        read_xlsform(path)
    row = len(form["choices"]) + 1
    assert f"form.xlsx:{row}: choices sheet, row {row}: list 'donvi' has the choice name " \
           "'so_tai_chinh' twice" in str(exc.value)
