"""Every LimeSurvey export format of the fixture survey reads into the same tidy frame, equal
cell by cell to the ground truth that was sent to the server (generated_responses.json).

The fixture survey (385924) was not built from our instruments: it reads with its ``.lss`` alone
(the codebook plays the instrument's role).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_survey.codebook import read_lss
from cchc_survey.limesurvey.exports.codebook_adapter import layout_from_codebook
from cchc_survey.pseudonym import pseudonym
from cchc_survey.tidy import read_export

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
EXP = FIX / "exports"
KEY = b"test-secret-key-0123456789abcdef"
META = ["response_id", "submitdate", "startdate", "datestamp", "lastpage", "startlanguage",
        "complete", "token_hash"]
TOKENS = {11: "vn8Kq2xLm4Pz7Rt", 24: "Hd3Wc9sYb6Nf2Qa", 38: "Zp5Tj1mRk8Vx4Ge",
          52: "Lb7Ey2uHn5Cw9Sd"}


@pytest.fixture(scope="module")
def cb():
    return read_lss(FIX / "survey.lss")


def truth_frame(cb) -> pd.DataFrame:
    """The expected tidy frame, built independently from the payloads sent with add_response."""
    rows = json.loads((FIX / "generated_responses.json").read_text("utf-8"))
    lay = layout_from_codebook(cb)
    n = len(rows)
    ids = np.arange(1, n + 1)

    def col(key: str) -> pd.Series:
        return pd.Series([r.get(key) for r in rows], dtype=object)

    def dates(key: str) -> pd.Series:
        s = col(key).where(col(key) != "", None)
        return pd.to_datetime(s, format="%Y-%m-%d %H:%M:%S").astype("datetime64[ns]")

    out: dict[str, pd.Series] = {
        "response_id": pd.Series(ids, dtype="Int64"),
        "submitdate": dates("submitdate"),
        "startdate": dates("startdate"),
        "datestamp": dates("datestamp"),
        "lastpage": pd.Series([r["lastpage"] for r in rows], dtype="Int64"),
        "startlanguage": pd.Series([r["startlanguage"] for r in rows], dtype="string"),
        "complete": pd.Series([r["submitdate"] != "" for r in rows], dtype=bool),
        "token_hash": pd.Series([pseudonym(TOKENS[i], KEY) if i in TOKENS else None
                                 for i in ids], dtype="string"),
    }
    for spec in lay.columns:
        raw = col(spec.sgqa)
        empty = raw.isna() | (raw == "")
        if spec.qtype == "M" and spec.kind == "answer":
            out[spec.item_id] = raw.map({"Y": True, "": False}).astype("boolean")
        elif spec.qtype == "N":
            out[spec.item_id] = pd.to_numeric(raw.where(~empty, None)).astype("Float64")
        elif spec.qtype == "D":
            out[spec.item_id] = pd.to_datetime(raw.where(~empty, None),
                                               format="%Y-%m-%d %H:%M:%S").astype("datetime64[ns]")
        elif spec.kind == "other" or spec.qtype in ("S", "T"):
            t = raw.where(~empty, None).astype("string")
            t = t.str.replace("\r\n", "\n").str.normalize("NFC").str.strip()
            out[spec.item_id] = t.mask(t == "")
        elif spec.integer_codes and not spec.has_other:
            out[spec.item_id] = pd.to_numeric(raw.where(~empty, None)).astype("Int64")
        else:
            out[spec.item_id] = raw.where(~empty, None).astype("string")
    return pd.DataFrame(out)[META + lay.item_ids]


# (file, the ids it holds); every format LimeSurvey writes for responses.
ALL = list(range(1, 61))
FORMATS = [
    ("rpc/export_responses__csv_code_short.csv", ALL),
    ("rpc/export_responses__csv_code_long.csv", ALL),
    ("rpc/export_responses__csv_full_short.csv", ALL),
    ("rpc/export_responses__csv_full_long.csv", ALL),
    ("rpc/export_responses__csv_full_long_en.csv", ALL),
    ("rpc/export_responses__csv_abbreviated_short.csv", ALL),
    ("rpc/export_responses__csv_abbreviated_long.csv", ALL),
    ("rpc/export_responses__csv_all.csv", ALL),
    ("rpc/export_responses__csv_ids_10_20.csv", list(range(10, 21))),
    ("admin/results_ui_code_short_comma.csv", ALL),
    ("admin/results_ui_code_short_tab_convertYN_underscores.csv", ALL),
    ("admin/results_ui_codetext_short_semicolon_maskeq.csv", ALL),
    ("admin/results_ui_defaults_full_long_comma.csv", ALL),
    ("rpc/export_responses__json_code_short.json", ALL),
    ("rpc/export_responses__json_full_long_ids_1_20.json", list(range(1, 21))),
    ("rpc/export_responses__xls_code_short.xlsx", ALL),
    ("rpc/export_responses__xls_full_long.xlsx", ALL),
    ("admin/survey_385924_SPSS_syntax_file_spssver2.sps", ALL),
    ("admin/survey_385924_SPSS_data_file_spssver1.dat", ALL),
    ("admin/survey_385924_R_syntax_file.R", ALL),
    ("admin/survey_385924_R_data_file.csv", ALL),
    ("rpc/export_responses__rsyntax.R", ALL),
    ("rpc/export_responses__stataxml.xml", ALL),
    ("admin/survey_385924_STATA.xml", ALL),
    ("admin/vvexport_385924_v1.csv", ALL),
    ("admin/vvexport_385924_v2.csv", ALL),
]


@pytest.mark.parametrize(("name", "ids"), FORMATS, ids=[Path(f).name for f, _ in FORMATS])
def test_format_equals_ground_truth(cb, name, ids):
    res = read_export(EXP / name, codebook=cb, secret_key=KEY)
    want = truth_frame(cb)
    want = want[want["response_id"].isin(ids)].reset_index(drop=True)
    got = res.frame
    if "maskeq" in name:
        # the admin form's "mask equations" prefixes answers starting with '=' by "'" (README 20)
        masked = want["gopy"].str.startswith("=").fillna(False)
        want.loc[masked, "gopy"] = "'" + want.loc[masked, "gopy"]
    if "convertYN" in name:
        # "convert Y/N" also converts an unanswered yes/no ("") into the N value, so in this
        # export "no answer" and "No" cannot be told apart (README 20); NULL stays empty.
        sent = json.loads((FIX / "generated_responses.json").read_text("utf-8"))
        blank = pd.Series([r.get("385924X4X7") == "" for r in sent])
        want.loc[blank[want["response_id"].to_numpy() - 1].to_numpy(), "dunghen"] = "N"
    if res.lineage["format"] == "spss_dat":
        # the SPSS .dat writer replaces line breaks inside text by spaces (README 23)
        want["gopy"] = want["gopy"].str.replace("\n", " ")
    pd.testing.assert_frame_equal(got, want, check_dtype=True)
    assert res.n_in == len(ids) == res.n_out
    assert res.rejected.empty
    assert res.failures.empty, res.failures.to_dict("records")[:5]
    assert res.lineage["layout_source"] == "codebook" and res.lineage["sid"] == "385924"


def test_label_frame_from_codebook(cb):
    from cchc_survey.tidy import label_frame

    res = read_export(EXP / "rpc/export_responses__csv_code_short.csv", codebook=cb,
                      secret_key=KEY)
    vi, en = label_frame(res, "vi"), label_frame(res, "en")
    f = res.frame.set_index("response_id")
    vi, en = vi.set_index("response_id"), en.set_index("response_id")
    assert f.loc[1, "tc_a1"] == 3 and vi.loc[1, "tc_a1"] == "Bình thường"
    assert en.loc[1, "tc_a1"] == "Neutral"
    assert (f.loc[1, "gioitinh"], vi.loc[1, "gioitinh"], en.loc[1, "gioitinh"]) == (
        "F", "Nữ", "Female")
    oth = f.index[f["nghenghiep"] == "-oth-"]
    sent = json.loads((FIX / "generated_responses.json").read_text("utf-8"))
    assert list(oth) == [i + 1 for i, r in enumerate(sent) if r.get("385924X1X3") == "-oth-"]
    assert len(oth) == 3
    assert (vi.loc[oth, "nghenghiep"] == "Khác").all() and (en.loc[oth, "nghenghiep"] == "Other").all()
    assert f.loc[oth, "nghenghiep_other"].notna().all()
    assert vi.loc[1, "kenh_k1"] == "Có" and vi.loc[1, "kenh_k3"] == "Không"
    assert pd.isna(vi.loc[2, "kenh_k1"])     # response 2 stopped on page 3; KENH is on page 4


def test_rpc_field_subset_with_convert_yn(cb):
    """aFields (id, token, submitdate, DUNGHEN, KENH[K1], KENH[other]) + convertY=1 / convertN=0:
    the other items are reported missing; an unanswered Y/N and the empty other text were turned
    into "0" by LimeSurvey (README 20)."""
    f = EXP / "rpc/export_responses__csv_fields_convertYN.csv"
    with pytest.warns(Warning, match="failure case"):
        res = read_export(f, codebook=cb, secret_key=KEY)
    assert res.lineage["coding"] == "convertyn"
    miss = res.failures[res.failures["check"] == "item_present"]["column"].tolist()
    assert len(miss) == 21 and "dunghen" not in miss and "kenh_k1" not in miss
    assert (res.failures["severity"] == "warning").all()
    want = truth_frame(cb)
    sent = json.loads((FIX / "generated_responses.json").read_text("utf-8"))
    blank = pd.Series([r.get("385924X4X7") == "" for r in sent])
    want.loc[blank.to_numpy(), "dunghen"] = "N"
    # without a lastpage column, a multiple-choice box of a page never reached cannot be told
    # from an unticked one: it reads False, not NA
    unreached = want["kenh_k1"].isna()
    assert int(unreached.sum()) == 9 and not res.frame.loc[unreached, "kenh_k1"].any()
    want.loc[unreached, "kenh_k1"] = False
    for c in ("response_id", "submitdate", "complete", "token_hash", "dunghen", "kenh_k1",
              "kenh_other"):
        pd.testing.assert_series_equal(res.frame[c], want[c], check_names=False)
