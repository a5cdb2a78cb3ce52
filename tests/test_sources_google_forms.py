"""Google Forms: a CSV download and the linked sheet read into the tidy frame of the LimeSurvey
export of the same answers; the proposed map of a form retyped by hand; re-downloads."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import sources_material as sm

from cchc_survey.processed import import_export, load_processed
from cchc_survey.sources import MapError, import_source, propose, read_source
from cchc_survey.sources.columnmap import parse_map
from cchc_survey.sources.google_forms import derive_ids
from cchc_survey.tidy import ExportValidationError, ExportValidationWarning, read_export

INST, EXPORT = sm.answers(n=40, seed=11)
HIDDEN = ["tang", "cum", "trongso"]


def limesurvey_tidy(tmp_path: Path, export: pd.DataFrame = EXPORT):
    return read_export(sm.limesurvey_csv(export, tmp_path / "limesurvey.csv"), INST)


def quiet_read(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExportValidationWarning)
        return read_source(*args, on_error="warn", **kwargs)


def assert_same_answers(ls, src, key: str = "submitdate", skip: tuple[str, ...] = ()) -> None:
    """Every item column and the submission time equal, cell by cell and in type."""
    a = ls.frame.set_index(key, drop=False).sort_index()
    b = src.frame.set_index(key, drop=False).sort_index()
    assert len(a) == len(b)
    for col in ["submitdate", "complete", *ls.items]:
        if col in skip:
            assert b[col].isna().all(), col
            continue
        pd.testing.assert_series_equal(a[col], b[col], check_names=True, obj=col)


def write_proposed_map(path: Path) -> Path:
    prop = propose(path, INST)
    out = path.with_name(path.stem + ".map.yaml")
    out.write_text(prop.text, encoding="utf-8")
    return out


# ---------------------------------------------------------------------------------------------
def test_proposed_map_of_a_form_retyped_by_hand(tmp_path: Path) -> None:
    gf = sm.google_forms_frame(INST, EXPORT, headings=sm.RETYPED, labels=sm.RETYPED_LABELS,
                               email=True, extra=True)
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    prop = propose(path, INST)
    expected = {}
    for _, q in INST.questions():
        if q.hidden:
            continue
        items = [it for it in INST.items if it.question_code == q.code and it.kind == "answer"]
        if q.type == "F":
            for it in items:
                expected[f"{sm.RETYPED[q.code]} [{sm.RETYPED[it.column]}]"] = it.id
        elif q.type == "M":
            expected[sm.RETYPED[q.code]] = q.code
        else:
            expected[sm.RETYPED[q.code]] = items[0].id
    got = {c.heading: c.item or c.question for c in prop.cmap.columns}
    assert {h: got[h] for h in expected} == expected
    assert got[sm.EXTRA_HEADING] is None
    assert prop.unmatched_headings == [sm.EXTRA_HEADING]
    assert prop.unmatched_items == HIDDEN
    assert prop.unmatched_answers.empty
    # the meta columns: Google's timestamp and e-mail, an id derived from the time
    assert prop.cmap.timestamp.heading == "Dấu thời gian" and prop.cmap.id.derive
    assert prop.cmap.email.heading == "Địa chỉ email"
    assert prop.cmap.date_order == "ymd"
    # labels typed with another case / without diacritics are proposed, marked by confidence
    assert {(k, a.label, a.code, a.confidence) for k, v in prop.cmap.answers.items() for a in v} == {
        ("sat5", "Bình Thường", "3", 0.98), ("tuoi", "từ 18 đến 24 tuổi", "1", 0.98),
        ("linhvuc", "Dat dai", "LV1", 0.98)}
    # every line has its confidence; the diacritics-free row scores lower than exact ones
    conf = {c.heading: c.confidence for c in prop.cmap.columns}
    assert conf["Giới tính"] == 1.0
    assert 0.85 <= conf[f"{sm.RETYPED['TC']} [{sm.RETYPED['TC[C1]']}]"] < 1.0
    assert "KHÔNG KHỚP" in prop.text and "confidence: 0.98" in prop.text
    # the written map reads back as the same map
    assert parse_map(prop.text) == prop.cmap


def test_csv_download_reads_into_the_limesurvey_tidy_frame(tmp_path: Path) -> None:
    gf = sm.google_forms_frame(INST, EXPORT, headings=sm.RETYPED, labels=sm.RETYPED_LABELS,
                               email=True, extra=True)
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    write_proposed_map(path)
    ls = limesurvey_tidy(tmp_path)
    res = quiet_read(path, INST)
    assert res.n_in == len(EXPORT) == res.n_out + len(res.rejected) and res.rejected.empty
    assert_same_answers(ls, res, skip=tuple(HIDDEN))
    # the ids: the submission time and a two-digit counter, the same on every download
    assert res.frame["response_id"].tolist() == [
        int(t.replace("-", "").replace(" ", "").replace(":", "")) * 100
        for t in EXPORT["submitdate"]]
    # e-mails are kept only as keyed pseudonyms: 7 addresses, 24 hex characters, no '@'
    tok = res.frame["token_hash"]
    assert tok.notna().all() and tok.nunique() == 7 and tok.str.fullmatch("[0-9a-f]{24}").all()
    assert not res.frame.astype(str).apply(lambda s: s.str.contains("@")).any().any()
    assert res.lineage["format"] == "google_forms"
    assert [Path(s).name for s in res.lineage["sources"]] == ["phieu.csv", "phieu.map.yaml"]
    # only the hidden sampling fields are missing, and they are said to be
    f = res.failures
    assert f["check"].tolist() == ["item_present"] * 3 and f["column"].tolist() == HIDDEN


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_saved_as_xlsx_and_english_download(tmp_path: Path, lang: str) -> None:
    gf = sm.google_forms_frame(INST, EXPORT, lang=lang)
    ls = limesurvey_tidy(tmp_path)
    for path in (sm.write_google_xlsx(gf, tmp_path / f"sheet_{lang}.xlsx"),
                 sm.write_google_csv(gf, tmp_path / f"download_{lang}.csv", lang=lang)):
        write_proposed_map(path)
        res = quiet_read(path, INST)
        assert_same_answers(ls, res, skip=tuple(HIDDEN))


def test_sheet_csv_in_display_format_month_first(tmp_path: Path) -> None:
    """A Google Sheet (English US locale) downloaded as CSV: ``3/5/2026 9:41:07``; a day past 12
    in the data shows the order, the proposal says ``mdy``."""
    gf = sm.google_forms_frame(INST, EXPORT, lang="en")
    t = pd.to_datetime(gf["Timestamp"])
    gf["Timestamp"] = [f"{x.month}/{x.day}/{x.year} {x.hour}:{x:%M:%S}" for x in t]
    path = tmp_path / "sheet.csv"
    gf.to_csv(path, index=False)
    mp = write_proposed_map(path)
    assert parse_map(mp.read_text("utf-8")).date_order == "mdy"
    assert_same_answers(limesurvey_tidy(tmp_path), quiet_read(path, INST), skip=tuple(HIDDEN))


def test_checkbox_labels_holding_the_separator(tmp_path: Path) -> None:
    """MONGDOI's options 'Cải thiện cơ sở vật chất, trang thiết bị ...' and 'Tiếp nhận, xử lý
    góp ý, phản ánh, kiến nghị ...' hold ', '; an 'Other' text with ', ' stays whole."""
    export = EXPORT.copy()
    cols = [f"MONGDOI[M{i}]" for i in range(1, 9)]
    export.loc[0, cols] = ["", "Y", "", "", "Y", "", "", "Y"]
    export.loc[0, "MONGDOI[other]"] = "Có chỗ gửi xe, nước uống"
    gf = sm.google_forms_frame(INST, export)
    cell = gf.iloc[0][INST.spec.groups[6].questions[1].text.vi]
    # 3 joints + 1 + 1 + 3 inside the labels + 1 inside the other text
    assert cell.count(", ") == 9
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    write_proposed_map(path)
    res = quiet_read(path, INST)
    row = res.frame.iloc[0]
    assert [bool(row[f"mongdoi_m{i}"]) for i in range(1, 9)] == [
        False, True, False, False, True, False, False, True]
    assert row["mongdoi_other"] == "Có chỗ gửi xe, nước uống"
    assert_same_answers(limesurvey_tidy(tmp_path, export), res, skip=tuple(HIDDEN))


def test_derived_ids_count_responses_of_the_same_second() -> None:
    t = pd.Series(pd.to_datetime(["2026-03-05 09:41:07", "2026-03-05 09:41:07", None,
                                  "2026-03-05 09:41:08", "2026-03-05 09:41:07"]))
    assert derive_ids(t, None).tolist() == ["2026030509410700", "2026030509410701", "",
                                            "2026030509410800", "2026030509410702"]


# ---------------------------------------------------------------------------------------------
def test_second_download_adds_only_new_rows_and_reports_changed_ones(tmp_path: Path) -> None:
    first = sm.google_forms_frame(INST, EXPORT.iloc[:25].reset_index(drop=True))
    p1 = sm.write_google_csv(first, tmp_path / "tai_ve_1.csv")
    mp = write_proposed_map(p1)
    changed = EXPORT.copy()
    changed.loc[3, "HAILONG"] = "1" if changed.loc[3, "HAILONG"] != "1" else "2"  # edited in the sheet
    p2 = sm.write_google_csv(sm.google_forms_frame(INST, changed), tmp_path / "tai_ve_2.csv")
    roots = {"raw_root": tmp_path / "raw", "processed_root": tmp_path / "processed"}
    with pytest.warns(ExportValidationWarning):
        r1 = import_source(p1, INST, map=mp, **roots)
    assert (r1.n_in, r1.n_added, r1.n_identical, r1.n_replaced) == (25, 25, 0, 0)
    with pytest.warns(ExportValidationWarning):
        again = import_source(p1, INST, map=mp, **roots)
    assert again.already_imported and again.n_added == 0
    with pytest.warns(ExportValidationWarning):
        r2 = import_source(p2, INST, map=mp, **roots)
    assert (r2.n_in, r2.n_added, r2.n_identical, r2.n_replaced, r2.n_kept_old) == (
        len(EXPORT), len(EXPORT) - 25, 24, 1, 0)
    rid = int(EXPORT.loc[3, "submitdate"].replace("-", "").replace(" ", "").replace(":", "")) * 100
    assert r2.dedup["response_id"].tolist() == [rid]
    assert r2.dedup["columns_differing"].tolist() == ["hailong"]
    frame, _, lineage = load_processed("sipas_one_stop", tmp_path / "processed")
    assert len(frame) == len(EXPORT)
    assert frame.loc[frame["response_id"] == rid, "hailong"].item() == int(changed.loc[3, "HAILONG"])
    # each download and the map were kept once as raw snapshots
    assert [e["sources"] for e in lineage["snapshots"]] == [
        ["tai_ve_1.csv", "tai_ve_1.map.yaml"], ["tai_ve_2.csv", "tai_ve_1.map.yaml"]]


# ---------------------------------------------------------------------------------------------
def test_answer_outside_the_list_names_the_row_and_the_heading(tmp_path: Path) -> None:
    gf = sm.google_forms_frame(INST, EXPORT, headings=sm.RETYPED)
    heading = f"{sm.RETYPED['TC']} [{sm.RETYPED['TC[C2]']}]"
    gf.loc[4, heading] = "Rất tốt"
    gf.loc[0, "18. Ý kiến khác"] = "Dòng một\nDòng hai"  # a line break: later rows move down
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    write_proposed_map(path)
    with pytest.raises(ExportValidationError) as exc:
        read_source(path, INST)
    msg = str(exc.value)
    # row 7 of the file: header on line 1, rows on 2.., one extra line from the line break
    assert f"phieu.csv:7: row 7, column {heading}: '{heading}' (tc_c2): 'Rất tốt' is none " \
           "of the item's answers" in msg
    res = exc.value.result
    bad = res.failures[res.failures["severity"] == "error"]
    assert bad[["column", "value", "row"]].values.tolist() == [[heading, "Rất tốt", 7]]
    assert res.frame["tc_c2"].isna().sum() == (EXPORT["TC[C2]"] == "").sum() + 1


def test_bad_timestamp_sets_the_row_aside(tmp_path: Path) -> None:
    gf = sm.google_forms_frame(INST, EXPORT)
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    text = path.read_text("utf-8").splitlines()
    text[3] = "hôm qua" + text[3][text[3].index(","):]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    write_proposed_map(path)
    with pytest.raises(ExportValidationError) as exc:
        read_source(path, INST)
    assert "row 4, column *" in str(exc.value) and "'hôm qua' is no date and time" in str(exc.value)
    res = quiet_read(path, INST)
    assert res.n_in == len(EXPORT) and res.n_out == len(EXPORT) - 1
    assert res.rejected["row"].tolist() == [4]
    assert "'Dấu thời gian': 'hôm qua' is no date and time" in res.rejected["reason"].item()


def test_map_of_another_file_and_missing_map(tmp_path: Path) -> None:
    path = sm.write_google_csv(sm.google_forms_frame(INST, EXPORT), tmp_path / "phieu.csv")
    with pytest.raises(MapError) as exc:
        read_source(path, INST)
    assert "has no column map (looked for phieu.map.yaml beside it)" in str(exc.value)
    assert "cchc-survey map phieu.csv --instrument x.yaml" in str(exc.value)
    mp = write_proposed_map(path)
    text = mp.read_text("utf-8").replace("Giới tính", "Giới tính của Ông/Bà")
    text = text.replace("item: hocvan", "item: hoc_van")
    mp.write_text(text, encoding="utf-8")
    with pytest.raises(MapError) as exc:
        read_source(path, INST)
    msg = str(exc.value)
    assert "the instrument has no item 'hoc_van'" in msg and "phieu.map.yaml:" in msg
    mp.write_text(text.replace("item: hoc_van", "item: hocvan"), encoding="utf-8")
    with pytest.raises(MapError) as exc:
        read_source(path, INST)
    assert "heading 'Giới tính của Ông/Bà' is not in phieu.csv" in str(exc.value)


def test_checkbox_part_that_is_no_option_without_other(tmp_path: Path) -> None:
    inst, export = sm.answers("sipas_2023", n=12, seed=4)
    q = next(q for _, q in inst.questions() if q.type == "M" and not q.other)
    gf = sm.google_forms_frame(inst, export)
    gf.loc[2, q.text.vi] = (gf.loc[2, q.text.vi] + ", " if gf.loc[2, q.text.vi] else "") + "Gọi điện"
    path = sm.write_google_csv(gf, tmp_path / "phieu.csv")
    prop = propose(path, inst)
    assert prop.unmatched_answers[["heading", "value", "rows", "first_row"]].values.tolist() == [
        [q.text.vi, "Gọi điện", 1, 4]]
    path.with_name("phieu.map.yaml").write_text(prop.text, encoding="utf-8")
    with pytest.raises(ExportValidationError) as exc:
        read_source(path, inst)
    assert f"row 4, column {q.text.vi}" in str(exc.value) and "'Gọi điện' is none of the " \
        "question's options" in str(exc.value)


def test_a_plain_export_is_still_read_by_the_limesurvey_readers(tmp_path: Path) -> None:
    """Nothing changes for LimeSurvey files: import_export on an export path as before."""
    path = sm.limesurvey_csv(EXPORT, tmp_path / "ls.csv")
    rep = import_export(path, INST, raw_root=tmp_path / "raw", processed_root=tmp_path / "p")
    assert rep.n_added == len(EXPORT)
