"""The tidy frame for an instrument: the lead's demo path (generator -> RPC CSV -> read_export)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cchc_survey import QUESTIONNAIRES, load_instrument
from cchc_survey.generate import generate, write_limesurvey_csv
from cchc_survey.tidy import label_frame, read_export

KEY = b"test-secret-key-0123456789abcdef"


@pytest.fixture(scope="module")
def inst():
    return load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")


@pytest.fixture(scope="module")
def demo(inst, tmp_path_factory):
    d = generate(inst)
    path = write_limesurvey_csv(d.export, tmp_path_factory.mktemp("demo") / "responses.csv")
    return d, path, read_export(path, instrument=inst, secret_key=KEY)


def test_meta_columns_and_types(demo, inst):
    d, _, res = demo
    f = res.frame
    meta = ["response_id", "submitdate", "startdate", "datestamp", "lastpage", "startlanguage",
            "complete", "token_hash"]
    assert list(f.columns) == meta + [it.id for it in inst.items]
    assert str(f["response_id"].dtype) == "Int64"
    assert str(f["lastpage"].dtype) == "Int64"
    assert f["submitdate"].dtype.kind == "M" and f["startdate"].dtype.kind == "M"
    assert f["complete"].dtype == bool
    assert str(f["startlanguage"].dtype) == "string"
    assert str(f["tc_c1"].dtype) == "Int64"
    assert str(f["donvi"].dtype) == "string"        # string-coded list (U01..)
    assert str(f["cophananh"].dtype) == "string"    # Y/N
    assert str(f["mongdoi_m1"].dtype) == "boolean"
    assert str(f["trongso"].dtype) == "Float64"
    assert str(f["ykien"].dtype) == "string"
    assert res.n_in == len(d.export) == res.n_out + len(res.rejected)
    assert len(res.rejected) == 0
    assert res.failures.empty
    np.testing.assert_array_equal(f["response_id"].to_numpy(), d.truth["id"].to_numpy())
    np.testing.assert_array_equal(f["complete"].to_numpy(), d.truth["complete"].to_numpy())


def test_every_item_equals_generator_truth(demo, inst):
    d, _, res = demo
    f, t = res.frame, d.truth
    for it in inst.items:
        got, want = f[it.id], t[it.id].astype("string")
        if it.type == "M" and it.kind == "answer":
            shown = got.notna()
            exp = want.map({"Y": True, "": False}).astype("boolean")
            assert (got[shown] == exp[shown]).all(), it.id
            # NA only where the response stopped before the question's page.
            assert (~t.loc[~shown.to_numpy(), "complete"]).all(), it.id
            continue
        if it.type in ("S", "T") or it.kind == "other":
            # free text: NFC, line breaks \n, surrounding blanks dropped (see cchc_survey.tidy)
            want = want.str.replace("\r\n", "\n").str.strip()
        dk = (want == "6") if it.scale == "sat5" else pd.Series(False, index=want.index)
        exp = want.mask((want == "") | dk)
        if str(got.dtype) == "Int64":
            exp_num = pd.to_numeric(exp).astype("Int64")
            assert got.equals(exp_num), it.id
        elif str(got.dtype) == "Float64":
            assert np.allclose(got.astype(float).to_numpy(), pd.to_numeric(exp).to_numpy(),
                               equal_nan=True), it.id
        else:
            assert got.fillna("<NA>").tolist() == exp.fillna("<NA>").tolist(), it.id


def res_items_sat5(res):
    inst = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
    return [it for it in inst.items if it.scale == "sat5"]


def test_dont_know_becomes_missing_with_reason(demo):
    d, _, res = demo
    t = d.truth
    sat_items = [it.id for it in res_items_sat5(res)]
    n_dk = int(sum((t[c] == "6").sum() for c in sat_items))
    assert n_dk > 0
    assert len(res.reasons) == n_dk
    assert set(res.reasons["reason"]) == {"dont_know"}
    assert set(res.reasons["code"]) == {"6"}
    r = res.reasons.iloc[0]
    row = t.index[t["id"] == r["response_id"]][0]
    assert t.loc[row, r["item"]] == "6"
    assert pd.isna(res.frame.loc[row, r["item"]])


def test_label_frame_vi_and_en(demo):
    _, _, res = demo
    vi, en = label_frame(res, "vi"), label_frame(res, "en")
    i = res.frame.index[res.frame["tc_c1"] == 5][0]
    assert vi.loc[i, "tc_c1"] == "Rất hài lòng"
    assert en.loc[i, "tc_c1"] == "Very satisfied"
    j = res.frame.index[res.frame["donvi"] == "U01"][0]
    assert vi.loc[j, "donvi"] == "Sở Tài chính"
    assert list(vi["tc_c1"].cat.categories) == ["Rất không hài lòng", "Không hài lòng",
                                                "Bình thường", "Hài lòng", "Rất hài lòng"]
    assert vi["tc_c1"].cat.ordered
    k = res.frame.index[res.frame["mongdoi_m2"].fillna(False)][0]
    assert vi.loc[k, "mongdoi_m2"] == "Có" and en.loc[k, "mongdoi_m2"] == "Yes"


def test_instrument_plus_lss_reads_sgqa_headings(demo, inst, tmp_path):
    """With the survey's .lss the SGQA names (VV 1, field map) map onto the instrument's items."""
    from cchc_survey.tidy import resolve_layout

    _, path, res = demo
    lay = resolve_layout(inst, lss=QUESTIONNAIRES / "sipas_one_stop.lss")
    assert all(c.sgqa.startswith(f"{lay.sid}X") for c in lay.columns)
    head, rest = path.read_bytes().split(b"\r\n", 1)
    names = {c.code_heading: c.sgqa for c in lay.columns}
    cols = [c.strip('"') for c in head.decode("utf-8-sig").split(";")]
    new_head = ";".join(f'"{names.get(c, c)}"' for c in cols)
    p = tmp_path / "sgqa.csv"
    p.write_bytes(b"\xef\xbb\xbf" + new_head.encode() + b"\r\n" + rest)
    again = read_export(p, instrument=inst, lss=QUESTIONNAIRES / "sipas_one_stop.lss",
                        secret_key=KEY)
    pd.testing.assert_frame_equal(again.frame, res.frame)
    assert again.lineage["sid"] == lay.sid and again.lineage["layout_id"] == "sipas_one_stop"
    assert again.lineage["layout_version"] == inst.version


def test_unticked_box_of_a_question_not_shown_is_missing(tmp_path):
    """sipas_2023 asks HTGOPY (multiple choice) only when SANSANG is 3 or 4; the CSV writes its
    boxes "" for everyone else (as for "not ticked"): they read NA, not False, so the checks
    see no answer to flag. A box ticked there anyway is an answer (a filter breach), kept."""
    from cchc_survey.generate import DemoDesign

    inst = load_instrument(QUESTIONNAIRES / "sipas_2023.yaml")
    d = generate(inst, DemoDesign(n=400, seed=3))
    export = d.export.copy()
    not_asked = ~export["SANSANG"].astype(str).isin(["3", "4"])
    breach = export.index[not_asked][0]
    export.loc[breach, "HTGOPY[G1]"] = "Y"
    res = read_export(write_limesurvey_csv(export, tmp_path / "r.csv"), inst, secret_key=KEY)
    f = res.frame
    boxes = [c for c in f.columns if c.startswith("htgopy_")]
    assert len(boxes) == 6
    asked = f["sansang"].isin([3, 4]).fillna(False).to_numpy()
    assert int((~asked).sum()) == int(not_asked.sum()) > 0
    for c in boxes:
        assert f.loc[asked, c].notna().all(), c
        want_na = (~asked).sum() - (c == "htgopy_g1")
        assert int(f.loc[~asked, c].isna().sum()) == want_na, c
    assert bool(f.loc[breach, "htgopy_g1"]) is True
    ref = read_export(tmp_path / "r.csv", inst, secret_key=KEY, engine="reference")
    pd.testing.assert_frame_equal(res.frame, ref.frame)
