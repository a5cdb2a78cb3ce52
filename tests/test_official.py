"""Bundled official data (partial, sourced), the template, the user-table loader, the checks."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cchc_survey.official import (
    TEMPLATE_COLUMNS,
    OfficialTableError,
    UnmatchedProvinceError,
    bundled_official,
    check_arithmetic,
    group_cutoffs,
    load_official,
    official_template,
    tidy_official,
)

# Numbers as printed in the research notes (papi_2023_provinces.md, papi.md §4), typed by hand:
PAPI_2023_TOTALS = {
    "Thừa Thiên Huế": 46.0415, "Hà Nội": 43.9603, "TP. Hồ Chí Minh": 41.7754,
    "Thái Nguyên": 45.78, "Bắc Ninh": 45.70, "Sóc Trăng": 45.61, "Bạc Liêu": 45.57,
    "Đắk Nông": 38.97, "Ninh Thuận": 45.5054, "Sơn La": 42.3,
}
TABLE_3_6 = {  # D6, 6.1, 6.2, 6.3, 6.4
    "Hà Nội": (7.8486, 1.7029, 1.9570, 2.2548, 1.9339),
    "Hà Giang": (7.1704, 2.0531, 1.4387, 1.7372, 1.9414),
    "Cao Bằng": (7.4801, 1.9008, 1.9677, 1.7319, 1.8798),
    "Bắc Kạn": (7.1279, 1.9933, 1.4148, 1.8536, 1.8662),
    "Tuyên Quang": (6.9125, 1.9475, 1.2585, 1.7667, 1.9398),
    "Lào Cai": (7.1670, 1.9401, 1.4336, 1.8735, 1.9198),
    "Điện Biên": (6.9334, 1.9827, 1.3984, 1.6847, 1.8675),
    "Lai Châu": (7.7201, 2.0169, 1.9162, 1.9380, 1.8491),
    "Sơn La": (7.5906, 1.8384, 1.9619, 1.9061, 1.8843),
    "Yên Bái": (7.5827, 2.0376, 1.7437, 1.9078, 1.8936),
    "Hòa Bình": (7.1872, 1.9933, 1.4121, 1.8074, 1.9744),
    "Thái Nguyên": (8.0022, 1.9684, 2.0428, 2.0251, 1.9659),
    "Lạng Sơn": (7.3537, 1.8922, 1.4529, 2.0457, 1.9628),
    "Bắc Giang": (7.4286, 1.9547, 1.4157, 2.1518, 1.9064),
    "Phú Thọ": (7.2370, 1.9201, 1.4126, 1.9704, 1.9339),
    "Vĩnh Phúc": (8.0307, 1.9498, 1.9764, 2.1608, 1.9437),
    "Bắc Ninh": (8.2568, 2.0065, 2.0623, 2.2201, 1.9678),
    "Hải Dương": (7.4842, 1.9186, 1.4627, 2.1742, 1.9287),
}


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return bundled_official()


def test_every_bundled_number_has_a_source(bundled):
    assert len(bundled) == 161
    assert (bundled["source_url"].str.contains("https://")).all()
    assert bundled["value"].notna().all()
    assert (bundled["province_std"] != "").sum() == (bundled["level"] == "province").sum()


def test_papi_2023_is_partial_and_exact(bundled):
    p = bundled[(bundled["index"] == "PAPI") & (bundled["year"] == 2023)
                & (bundled["level"] == "province")]
    tot = p[p["component"] == "total"].set_index("province_std")["value"].to_dict()
    assert tot == PAPI_2023_TOTALS
    d6 = p[p["component"] == "D6"].set_index("province_std")["value"].to_dict()
    want = {k: v[0] for k, v in TABLE_3_6.items()} | {"Thừa Thiên Huế": 8.3}
    assert d6 == want
    for k in range(1, 5):
        sub = p[p["component"] == f"D6.{k}"].set_index("province_std")["value"].to_dict()
        assert sub == {prov: v[k] for prov, v in TABLE_3_6.items()}
    # Partial stays partial: no other dimension, no 2024 PAPI, 24 provinces for 2023.
    assert set(p["component"]) == {"total", "D6", "D6.1", "D6.2", "D6.3", "D6.4"}
    assert p["province_std"].nunique() == 24
    assert bundled[(bundled["index"] == "PAPI") & (bundled["year"] == 2024)].empty
    # Quảng Ninh and Bình Dương were not scored in 2023: no row.
    assert not p["province_std"].isin(["Quảng Ninh", "Bình Dương"]).any()
    # Precision as printed.
    hue = p[(p["province_std"] == "Thừa Thiên Huế") & (p["component"] == "D6")]
    assert hue["decimals"].item() == 1
    assert p.loc[(p["province_std"] == "Lào Cai") & (p["component"] == "D6"), "decimals"].item() == 4


def test_papi_2022_sipas_par_partial(bundled):
    p22 = bundled[(bundled["index"] == "PAPI") & (bundled["year"] == 2022)
                  & (bundled["level"] == "province")]
    assert p22.set_index("province_std")["value"].to_dict() == {
        "Quảng Ninh": 47.8763, "Thừa Thiên Huế": 45.3845}
    s = bundled[(bundled["index"] == "SIPAS") & (bundled["level"] == "province")]
    assert len(s) == 10
    s23 = s[s["year"] == 2023].set_index("province_std")
    assert s23["value"].to_dict() == {"Quảng Ninh": 90.61, "Thái Nguyên": 90.29,
                                      "Hải Dương": 90.23, "Hải Phòng": 88.09, "Gia Lai": 83.84}
    assert s23["rank"].to_dict() == {"Quảng Ninh": 1, "Thái Nguyên": 2, "Hải Dương": 3,
                                     "Hải Phòng": 5, "Gia Lai": 19}
    nat = bundled[(bundled["index"] == "SIPAS") & (bundled["level"] == "national")]
    assert nat.set_index(["year", "statistic"])["value"].to_dict() == {
        (2019, "mean"): 84.45, (2020, "mean"): 85.48, (2022, "mean"): 80.08,
        (2023, "mean"): 82.66, (2024, "mean"): 83.94, (2023, "min"): 75.03,
        (2023, "max"): 90.61}
    par = bundled[(bundled["index"] == "PAR") & (bundled["level"] == "province")]
    assert len(par) == 12
    hp = par[(par["province_std"] == "Hải Phòng") & (par["year"] == 2023)]
    assert sorted(hp["value"]) == [91.81, 91.87]  # conflicting sources both kept
    reg = bundled[(bundled["index"] == "PAR") & (bundled["level"] == "region")]
    assert len(reg) == 10  # 6 for 2023, 4 for 2022 (ĐBSCL and Tây Nguyên 2022 not published)
    assert reg[(reg["year"] == 2023) & (reg["province"] == "Tây Nguyên")]["value"].item() == 85.42


def test_group_cutoffs_bundled():
    c = group_cutoffs()
    d6 = c[(c["year"] == 2022) & (c["component"] == "D6")].sort_values("group_order")
    assert d6["group_vi"].tolist() == ["Cao", "Trung bình cao", "Trung bình thấp", "Thấp"]
    assert d6["low"].tolist() == [7.8579, 7.5189, 7.2294, 6.4132]
    assert d6["high"].tolist() == [8.3148, 7.8072, 7.5173, 7.2275]
    assert len(c) == 5


def test_template_csv_and_xlsx(tmp_path: Path):
    p = official_template(tmp_path / "t.csv")
    assert p.read_text(encoding="utf-8").splitlines()[0].split(",")[:10] == list(TEMPLATE_COLUMNS)
    x = official_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["data", "README"]
    header = [c.value for c in wb["data"][1]]
    assert header[:10] == list(TEMPLATE_COLUMNS)
    doc = {r[0].value: r[1].value for r in wb["README"].iter_rows(min_row=2)}
    assert set(doc) == set(header)
    assert "required" in doc["source_url"]
    with pytest.raises(OfficialTableError, match="unsupported extension"):
        official_template(tmp_path / "t.txt")


MESSY = """index,year,province,component,value,se,ci_low,ci_high,source_url,note
PAPI,2023,TP. Ho Chi Minh,total,41.7754,,,,https://example.org/a,
PAPI,2023,Tinh Ha Giang,D6,7.1704,,,,https://example.org/a,
PAPI,2023,Thua Thien - Hue,D6,"8,3",,,,https://example.org/b,rounded
SIPAS,2023,HA NOI,total,80.5,0.8,78.9,82.1,https://example.org/c,
PAR,2023,Ba Ria Vung Tau,total,91.03,,,,https://example.org/d,
PAPI,2023,Hải Dương,D6,7.4842,,,,https://example.org/a,
PAPI,2025,Hai Duong,total,44.1,,,,https://example.org/e,post-merger year
PAPI,2023,Atlantis,total,40.0,,,,https://example.org/f,
"""


def test_load_messy_user_table_reports_unmatched_rows(tmp_path: Path):
    f = tmp_path / "official.csv"
    f.write_text(MESSY, encoding="utf-8")
    with pytest.raises(UnmatchedProvinceError) as ei:
        load_official(f)
    msg = str(ei.value)
    assert "row 8, column province: 'Hai Duong'" in msg
    assert "merged into Hải Phòng" in msg
    assert "row 9, column province: 'Atlantis'" in msg
    res = load_official(f, on_unmatched="report")
    assert res.unmatched["row"].tolist() == [8, 9]
    t = res.table
    assert t["row"].tolist() == list(range(2, 10))
    assert t["province_std"].tolist() == ["TP. Hồ Chí Minh", "Hà Giang", "Thừa Thiên Huế",
                                          "Hà Nội", "Bà Rịa - Vũng Tàu", "Hải Dương", "", ""]
    assert t["province_2025"].tolist()[:6] == ["TP. Hồ Chí Minh", "Tuyên Quang", "Huế", "Hà Nội",
                                               "TP. Hồ Chí Minh", "Hải Phòng"]
    assert t["value"].tolist() == [41.7754, 7.1704, 8.3, 80.5, 91.03, 7.4842, 44.1, 40.0]
    assert t["decimals"].tolist() == [4, 4, 1, 1, 2, 4, 1, 1]
    assert t.loc[3, ["se", "ci_low", "ci_high"]].tolist() == [0.8, 78.9, 82.1]
    assert t["era"].tolist() == ["old"] * 6 + ["new", "old"]
    assert (t["level"] == "province").all() and (t["statistic"] == "value").all()


def test_load_clean_xlsx(tmp_path: Path):
    df = pd.read_csv(pd.io.common.StringIO(MESSY), dtype=str, keep_default_na=False).iloc[:6]
    x = tmp_path / "official.xlsx"
    df.to_excel(x, index=False, sheet_name="data")
    res = load_official(x, sheet="data")
    assert res.unmatched.empty
    assert res.table["province_std"].tolist()[-1] == "Hải Dương"


@pytest.mark.parametrize(("csv", "pattern"), [
    ("index,year,province,value,source_url\nPAPI,2023,Ha Noi,1,u\n", r"missing column\(s\) \['component'\]"),
    ("index,year,province,component,value,source_url\nPAPI,2023,Ha Noi,total,abc,u\n",
     r"row 2, column value: 'abc' is not a number"),
    ("index,year,province,component,value,source_url\nPAPI,2023,Ha Noi,total,1,\n",
     r"row 2, column source_url: is empty"),
    ("index,year,province,component,value,source_url\nPAPI,,Ha Noi,total,1,u\n",
     r"row 2, column year: is empty"),
    ("index,year,province,component,value,source_url,level\nPAPI,2023,Ha Noi,total,1,u,city\n",
     r"row 2, column level"),
])
def test_load_errors_name_row_and_column(tmp_path: Path, csv, pattern):
    f = tmp_path / "bad.csv"
    f.write_text(csv, encoding="utf-8")
    with pytest.raises(OfficialTableError, match=pattern):
        load_official(f)


def test_load_missing_file(tmp_path: Path):
    with pytest.raises(OfficialTableError, match="does not exist"):
        load_official(tmp_path / "nope.csv")


def test_arithmetic_checks_on_bundled_data(bundled):
    c = check_arithmetic(bundled)
    d6 = c[(c["year"] == 2023) & (c["parent"] == "D6")]
    assert len(d6) == 18
    assert (d6["status"] == "consistent").all()
    for prov, v in TABLE_3_6.items():
        row = d6[d6["province"] == prov].iloc[0]
        assert row["children_sum"] == pytest.approx(math.fsum(v[1:]), abs=1e-9)
        assert row["difference"] == pytest.approx(v[0] - math.fsum(v[1:]), abs=1e-9)
        assert row["tolerance"] == 1e-4
    # Ba Ria-Vung Tau 2019, Table 3.1: 0.88 + 1.58 + 1.59 + 1.27 = 5.32.
    brvt = c[(c["year"] == 2019)].iloc[0]
    assert (brvt["province"], brvt["status"], brvt["children_sum"]) == (
        "Bà Rịa - Vũng Tàu", "consistent", 5.32)
    assert brvt["tolerance"] == pytest.approx(0.005 + 4 * 0.005)
    # Hai Duong 2021 (news): 8 dimensions add up to 43.22, the reported total is 42.68.
    hd = c[(c["year"] == 2021)].iloc[0]
    dims = [4.83, 5.45, 4.13, 6.93, 7.34, 7.80, 3.14, 3.60]
    assert hd["status"] == "inconsistent"
    assert hd["children_sum"] == pytest.approx(math.fsum(dims))
    assert hd["difference"] == pytest.approx(42.68 - math.fsum(dims))
    assert hd["difference"] == pytest.approx(-0.54)
    assert hd["tolerance"] == pytest.approx(0.005 + 8 * 0.005)
    assert not hd["rule_verified"]
    # 2023 totals have only D6 published: not checked.
    tot = c[(c["year"] == 2023) & (c["parent"] == "total")]
    assert set(tot["status"]) == {"incomplete"}
    assert len(tot) == 5
    assert c["status"].value_counts().to_dict() == {"consistent": 19, "incomplete": 5,
                                                    "inconsistent": 1}


def _table(rows):
    df = pd.DataFrame(rows, columns=["index", "year", "province", "component", "value",
                                     "source_url"]).astype(str)
    return tidy_official(df, file="t").table


def test_arithmetic_flags_a_wrong_sum_and_skips_incomplete():
    t = _table([
        ("PAPI", 2023, "Ha Noi", "D6", "7.8586", "u"),  # printed 7.8486; off by 0.01
        ("PAPI", 2023, "Ha Noi", "D6.1", "1.7029", "u"), ("PAPI", 2023, "Ha Noi", "D6.2", "1.9570", "u"),
        ("PAPI", 2023, "Ha Noi", "D6.3", "2.2548", "u"), ("PAPI", 2023, "Ha Noi", "D6.4", "1.9339", "u"),
        ("PAPI", 2023, "Cao Bang", "D6", "7.4801", "u"),
        ("PAPI", 2023, "Cao Bang", "D6.1", "1.9008", "u"), ("PAPI", 2023, "Cao Bang", "D6.2", "1.9677", "u"),
        ("PAPI", 2023, "Ha Giang", "D2", "5.0000", "u"),
        ("PAPI", 2023, "Ha Giang", "D2.1", "2.5000", "u"), ("PAPI", 2023, "Ha Giang", "D2.2", "2.5000", "u"),
        ("PAPI", 2023, "Lao Cai", "D6", "7.1670", "u"),
        ("PAPI", 2023, "Lao Cai", "D6.1", "1.9401", "u"), ("PAPI", 2023, "Lao Cai", "D6.1", "1.9402", "v"),
        ("PAPI", 2023, "Lao Cai", "D6.2", "1.4336", "u"), ("PAPI", 2023, "Lao Cai", "D6.3", "1.8735", "u"),
        ("PAPI", 2023, "Lao Cai", "D6.4", "1.9198", "u"),
    ])
    c = check_arithmetic(t).set_index("province")
    assert c.loc["Hà Nội", "status"] == "inconsistent"
    assert c.loc["Hà Nội", "difference"] == pytest.approx(0.01)
    assert c.loc["Cao Bằng", "status"] == "incomplete"
    assert c.loc["Cao Bằng", "note"] == "2 of 4 children published; not checked"
    assert c.loc["Hà Giang", "status"] == "consistent"
    assert "not confirmed" in c.loc["Hà Giang", "note"]
    assert pd.isna(c.loc["Hà Giang", "expected_children"])
    assert c.loc["Lào Cai", "status"] == "ambiguous"


def test_tidy_official_accepts_a_numeric_frame():
    df = pd.DataFrame({"index": ["PAR", "PAR"], "year": [2023, 2023],
                       "province": ["Quảng Ninh", "An Giang"], "component": ["total", "total"],
                       "value": [92.18, 81.32], "se": [0.4, float("nan")],
                       "source_url": ["u", "u"]})
    t = tidy_official(df).table
    assert t["value"].tolist() == [92.18, 81.32]
    assert t["se"].iloc[0] == 0.4 and math.isnan(t["se"].iloc[1])
    assert t["province_std"].tolist() == ["Quảng Ninh", "An Giang"]
