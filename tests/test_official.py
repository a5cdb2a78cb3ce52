"""Bundled official data (partial, sourced), the template, the user-table loader, the checks."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cchc_survey import QUESTIONNAIRES, load_instrument
from cchc_survey.cli import app
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.official import (
    TEMPLATE_COLUMNS,
    OfficialTableError,
    UnmatchedProvinceError,
    bundled_official,
    check_arithmetic,
    conflicts,
    coverage,
    group_cutoffs,
    load_official,
    official_ranks,
    official_template,
    papi_groups,
    provinces,
    tidy_official,
)
from cchc_survey.official.loader import years

# Numbers as printed in the sources (typed by hand from the research notes, not from the data):
PAPI_2023_TOTALS = {
    "Thừa Thiên Huế": 46.0415, "Hà Nội": 43.9603, "TP. Hồ Chí Minh": 41.7754,
    "Thái Nguyên": 45.7875, "Bắc Ninh": 45.7047, "Sóc Trăng": 45.61, "Bạc Liêu": 45.57,
    "Đắk Nông": 38.97, "Ninh Thuận": 45.5054, "Sơn La": 42.3, "Bắc Giang": 44.3204,
}
# Bắc Giang 2023 on its provincial portal (en.bacgiang.gov.vn): D1..D8.
BAC_GIANG_2023 = (5.5787, 5.687, 4.3875, 7.1515, 7.3001, 7.4286, 3.3046, 3.4825)
# PAPI 2024 (vietnam.vn, baomoi.net.vn, en.baohagiang.vn): totals with ranks; Quảng Ninh's dims.
PAPI_2024_TOTALS = {"Quảng Ninh": (47.8212, 1), "Tây Ninh": (47.345, 2), "Bình Thuận": (47.126, 3),
                    "Hà Giang": (43.7, 30)}
QUANG_NINH_2024 = {"D1": 5.43, "D2": 6.52, "D3": 5.09, "D4": 7.36, "D5": 7.66, "D6": 8.42,
                   "D8": 4.08}
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
    assert len(bundled) == 204
    assert bundled["index"].value_counts().to_dict() == {"PAPI": 146, "PAR": 35, "SIPAS": 23}
    assert (bundled["source_url"].str.contains("https://")).all()
    assert bundled["value"].notna().all()
    assert (bundled["province_std"] != "").sum() == (bundled["level"] == "province").sum()
    # weak sources were replaced where an official or press-agency source was read
    assert not bundled["source_url"].str.contains("shipbolt").any()
    # 4 values are kept for the record only (the other side of a conflict)
    assert int((~bundled["use"]).sum()) == 4


def test_2024_for_all_three_indices(bundled):
    y24 = bundled[bundled["year"] == 2024]
    assert set(y24["index"]) == {"PAPI", "SIPAS", "PAR"}
    papi = y24[(y24["index"] == "PAPI") & (y24["level"] == "province")]
    tot = papi[papi["component"] == "total"].set_index("province_std")
    assert {k: (v, int(r)) for k, v, r in zip(tot.index, tot["value"], tot["rank"], strict=True)} \
        == PAPI_2024_TOTALS
    assert tot.loc["Quảng Ninh", "rank_of"] == 61 and tot.loc["Hà Giang", "rank_of"] == 63
    qn = papi[papi["province_std"] == "Quảng Ninh"].set_index("component")["value"].to_dict()
    assert qn == {**QUANG_NINH_2024, "total": 47.8212}  # D7 is not published
    nat = y24[y24["level"] == "national"].set_index(["index", "component", "statistic"])["value"]
    assert nat.to_dict() == {
        ("PAPI", "total", "mean"): 41.43, ("SIPAS", "total", "mean"): 83.94,
        ("SIPAS", "policy", "mean"): 83.84, ("SIPAS", "policy", "min"): 78.16,
        ("SIPAS", "policy", "max"): 90.59, ("SIPAS", "services", "mean"): 84.09,
        ("SIPAS", "services.access", "mean"): 84.27, ("PAR", "total", "mean"): 88.37}
    prov = y24[(y24["index"] != "PAPI") & (y24["level"] == "province")]
    assert prov.set_index(["index", "province_std"])[["value", "rank"]].to_numpy().tolist() == [
        [90.59, 1], [96.17, 1]]  # SIPAS then PAR: Hải Phòng first in both
    reg = y24[y24["level"] == "region"].set_index("province")["value"].to_dict()
    assert reg == {"Đồng bằng sông Hồng": 90.17, "Đông Nam Bộ": 89.44,
                   "Bắc Trung Bộ và Duyên hải miền Trung": 88.51,
                   "Trung du và miền núi phía Bắc": 88.20, "Đồng bằng sông Cửu Long": 87.37,
                   "Tây Nguyên": 85.63}
    assert "vietnamplus.vn" in y24[y24["level"] == "region"]["source_url"].iloc[0]


def test_conflicts_keep_both_values_and_say_which_is_used(bundled):
    c = conflicts(bundled).set_index(["index", "year", "province", "component"])
    assert len(c) == 7
    hp = c.loc[("PAR", 2023, "Hải Phòng", "total")]
    assert (hp["value_used"], hp["value_not_used"]) == (91.87, "91.81")
    assert "doanhnghiephoinhap" in hp["source_not_used"] and "baochinhphu" in hp["source_used"]
    assert "implied by the 2024 result 96.17 '+4.30'" in hp["conflict"]
    sp = c.loc[("SIPAS", 2023, "Hải Phòng", "total")]
    assert sp["value_used"] == 88.09 and sp["value_not_used"] == ""
    assert "88.90" in sp["conflict"] and "vccinews" in sp["conflict"]
    hue = c.loc[("PAPI", 2023, "Thừa Thiên Huế", "total")]
    assert hue["value_used"] == 46.0415 and "46.0414" in hue["conflict"]
    assert "bottom" in c.loc[("PAR", 2023, "An Giang", "total")]["conflict"]
    regions = {k[2]: (r["value_used"], r["value_not_used"]) for k, r in c.iterrows()
               if k[0] == "PAR" and k[2] in ("Đồng bằng sông Hồng", "Đông Nam Bộ",
                                             "Bắc Trung Bộ và Duyên hải miền Trung")}
    assert regions == {"Đồng bằng sông Hồng": (88.33, "88.32"), "Đông Nam Bộ": (87.79, "87.45"),
                       "Bắc Trung Bộ và Duyên hải miền Trung": (86.82, "87.72")}
    # the not-used side is a row, marked so
    nu = bundled[~bundled["use"]]
    assert sorted(nu["value"]) == [87.45, 87.72, 88.32, 91.81]
    assert nu["conflict"].str.startswith("kept for the record, not used").all()


def test_years_and_coverage_say_every_table_is_partial(bundled):
    y = years(bundled)
    assert not y["full"].any()
    row = y[(y["index"] == "PAPI") & (y["year"] == 2024)].iloc[0]
    assert (row["n_values"], row["n_provinces"], row["of"]) == (12, 4, 61)
    assert row["note"] == "partial: the index value for 4 of 61 provinces; no full table"
    cov = coverage(bundled).set_index(["index", "year", "level", "component"])
    d6 = cov.loc[("PAPI", 2023, "province", "D6")]
    assert (d6["n_provinces"], d6["of"], d6["full"]) == (19, 61, False)
    assert d6["note"].startswith("PAPI 2023 D6: 19 of 61 provinces (partial table")
    assert d6["note_vi"] == "PAPI 2023 D6: 19/61 tỉnh có số liệu công bố (bảng chưa đầy đủ)"
    assert cov.loc[("SIPAS", 2024, "national", "policy")]["note"] == (
        "SIPAS 2024 policy: national figure(s) only")


def test_coverage_of_a_full_user_table():
    rows = [("PAR", 2023, p, "total", str(80 + i % 10), "u")
            for i, p in enumerate(provinces()["province"])]
    t = tidy_official(pd.DataFrame(rows, columns=["index", "year", "province", "component",
                                                  "value", "source_url"]).astype(str)).table
    c = coverage(t).iloc[0]
    assert (c["n_provinces"], c["of"], bool(c["full"])) == (63, 63, True)
    assert years(t)["note"].tolist() == ["full table"]


def test_rank_only_facts():
    r = official_ranks()
    assert len(r) == 24
    got = {(x.index, x.year, x.province_std): (None if pd.isna(x.rank) else int(x.rank), x.group)
           for x in r.itertuples()}
    assert got[("PAR", 2024, "Hà Nội")] == (3, "")
    assert got[("PAR", 2024, "Bà Rịa - Vũng Tàu")] == (2, "")
    assert got[("PAR", 2024, "Cao Bằng")] == (63, "")
    assert got[("SIPAS", 2024, "Quảng Ngãi")] == (59, "bottom 5")
    assert got[("PAPI", 2024, "Bà Rịa - Vũng Tàu")] == (7, "Cao")
    assert got[("PAPI", 2024, "Kon Tum")] == (None, "Thấp")
    top5 = r[(r["index"] == "SIPAS") & (r["group"] == "top 5")]["province_std"].tolist()
    assert top5 == ["Hải Phòng", "Thái Nguyên", "Hải Dương", "Quảng Ninh", "Bà Rịa - Vũng Tàu"]
    assert r["source_url"].str.startswith("https://").all()
    assert len(official_ranks("par")) == 7


def test_papi_2023_is_partial_and_exact(bundled):
    p = bundled[(bundled["index"] == "PAPI") & (bundled["year"] == 2023)
                & (bundled["level"] == "province")]
    tot = p[p["component"] == "total"].set_index("province_std")["value"].to_dict()
    assert tot == PAPI_2023_TOTALS
    d6 = p[p["component"] == "D6"].set_index("province_std")["value"].to_dict()
    want = {k: v[0] for k, v in TABLE_3_6.items()} | {"Thừa Thiên Huế": 8.3041}
    assert d6 == want
    for k in range(1, 5):
        sub = p[p["component"] == f"D6.{k}"].set_index("province_std")["value"].to_dict()
        assert sub == {prov: v[k] for prov, v in TABLE_3_6.items()}
    # Partial stays partial: Bắc Giang's and Huế's dimensions, 24 provinces for 2023.
    bg = p[p["province_std"] == "Bắc Giang"].set_index("component")["value"].to_dict()
    assert [bg[f"D{k}"] for k in range(1, 9)] == list(BAC_GIANG_2023)
    hue = p[p["province_std"] == "Thừa Thiên Huế"].set_index("component")["value"].to_dict()
    assert {k: v for k, v in hue.items() if k != "total"} == {
        "D1": 5.3435, "D2": 5.8366, "D3": 4.3688, "D4": 7.574, "D6": 8.3041}
    assert p["province_std"].nunique() == 24
    # Quảng Ninh and Bình Dương were not scored in 2023: no row.
    assert not p["province_std"].isin(["Quảng Ninh", "Bình Dương"]).any()
    # Precision as printed.
    assert p.loc[(p["province_std"] == "Bắc Giang") & (p["component"] == "D2"), "decimals"].item() == 3
    assert p.loc[(p["province_std"] == "Lào Cai") & (p["component"] == "D6"), "decimals"].item() == 4


def test_papi_2022_sipas_par_partial(bundled):
    p22 = bundled[(bundled["index"] == "PAPI") & (bundled["year"] == 2022)
                  & (bundled["level"] == "province")]
    assert p22.set_index("province_std")["value"].to_dict() == {
        "Quảng Ninh": 47.8763, "Thừa Thiên Huế": 45.3845}
    s = bundled[(bundled["index"] == "SIPAS") & (bundled["level"] == "province")]
    assert len(s) == 11
    s23 = s[s["year"] == 2023].set_index("province_std")
    assert s23["value"].to_dict() == {"Quảng Ninh": 90.61, "Thái Nguyên": 90.29,
                                      "Hải Dương": 90.23, "Hải Phòng": 88.09, "Gia Lai": 83.84}
    assert s23["rank"].to_dict() == {"Quảng Ninh": 1, "Thái Nguyên": 2, "Hải Dương": 3,
                                     "Hải Phòng": 5, "Gia Lai": 19}
    nat = bundled[(bundled["index"] == "SIPAS") & (bundled["level"] == "national")]
    nat = nat[nat["component"] == "total"]
    assert nat.set_index(["year", "statistic"])["value"].to_dict() == {
        (2019, "mean"): 84.45, (2020, "mean"): 85.48, (2022, "mean"): 80.08,
        (2023, "mean"): 82.66, (2024, "mean"): 83.94, (2023, "min"): 75.03,
        (2023, "max"): 90.61}
    par = bundled[(bundled["index"] == "PAR") & (bundled["level"] == "province")]
    assert len(par) == 14
    hp = par[(par["province_std"] == "Hải Phòng") & (par["year"] == 2023)]
    assert sorted(hp["value"]) == [91.81, 91.87]  # conflicting sources both kept ...
    assert hp.set_index("value")["use"].to_dict() == {91.87: True, 91.81: False}  # ... one used
    assert par[(par["year"] == 2023) & (par["province_std"] == "Ninh Bình")]["rank"].item() == 11
    reg = bundled[(bundled["index"] == "PAR") & (bundled["level"] == "region") & bundled["use"]]
    assert len(reg) == 16  # 6 for 2024 and 2023, 4 for 2022 (ĐBSCL, Tây Nguyên 2022 not published)
    assert reg[(reg["year"] == 2023) & (reg["province"] == "Tây Nguyên")]["value"].item() == 85.42


def test_group_cutoffs_bundled():
    c = group_cutoffs()
    d6 = c[(c["year"] == 2022) & (c["component"] == "D6")].sort_values("group_order")
    assert d6["group_vi"].tolist() == ["Cao", "Trung bình cao", "Trung bình thấp", "Thấp"]
    assert d6["low"].tolist() == [7.8579, 7.5189, 7.2294, 6.4132]
    assert d6["high"].tolist() == [8.3148, 7.8072, 7.5173, 7.2275]
    assert len(c) == 5


def test_papi_groups_are_data():
    g = papi_groups()
    assert g.vi == ("Cao", "Trung bình cao", "Trung bình thấp", "Thấp")
    assert g.en == ("High", "High-average", "Low-average", "Low")
    assert g.sizes_for(2024, "total") == (15, 15, 15, 16)  # 61 scored
    assert g.sizes_for(2020, "total") == (16, 16, 15, 16)
    assert g.sizes_for(2023, "total") is None  # sources disagree on the bottom group
    assert g.rule_verified is False and "Toolkit rule" in g.rule_source


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
        assert row["tolerance"] == pytest.approx(5 * 0.00005)  # parent + 4 children, 4 decimals
    # Bắc Giang 2023 (official portal): the 8 dimensions sum to 44.3205, the total is 44.3204.
    bg = c[(c["province"] == "Bắc Giang") & (c["parent"] == "total")].iloc[0]
    assert bg["children_sum"] == pytest.approx(math.fsum(BAC_GIANG_2023)) == 44.3205
    assert bg["difference"] == pytest.approx(-0.0001)
    # 7 four-decimal dimensions, D2 with 3 decimals, the total with 4
    assert bg["tolerance"] == pytest.approx(0.00005 + 7 * 0.00005 + 0.0005)
    assert bg["status"] == "consistent" and not bg["rule_verified"]
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
    # Other 2023 totals have only some dimensions published: not checked.
    tot = c[(c["year"] == 2023) & (c["parent"] == "total") & (c["province"] != "Bắc Giang")]
    assert set(tot["status"]) == {"incomplete"}
    assert len(tot) == 5
    hue = tot[tot["province"] == "Thừa Thiên Huế"].iloc[0]
    assert hue["note"] == "5 of 8 children published; not checked"
    assert c["status"].value_counts().to_dict() == {"consistent": 20, "incomplete": 6,
                                                    "inconsistent": 1}


def test_tolerance_is_exact_at_the_boundary():
    # A 2-decimal D6 (7.85) against four 4-decimal sub-dimensions: the tolerance is
    # 0.005 + 4 x 0.00005 = 0.0052. Missing by exactly 0.0052 is consistent, by 0.0053 not (in
    # floating point 7.85 - 7.8448 is 0.00519999..., so a float test would depend on luck).
    def d6(last: str) -> pd.Series:
        rows = [("PAPI", 2023, "Ha Noi", "D6", "7.85", "u")] + [
            ("PAPI", 2023, "Ha Noi", f"D6.{k}", v, "u")
            for k, v in enumerate(("1.7029", "1.9570", "2.2548", last), start=1)]
        return check_arithmetic(_table(rows)).iloc[0]

    at = d6("1.9301")
    assert at["children_sum"] == 7.8448 and at["difference"] == 0.0052
    assert at["tolerance"] == 0.0052 and at["status"] == "consistent"
    past = d6("1.9300")
    assert past["difference"] == 0.0053 and past["status"] == "inconsistent"


def test_values_not_used_are_not_checked():
    t = _table([("PAPI", 2023, "Ha Noi", "D6", "7.8486", "u"),
                ("PAPI", 2023, "Ha Noi", "D6.1", "1.7029", "u"),
                ("PAPI", 2023, "Ha Noi", "D6.2", "1.9570", "u"),
                ("PAPI", 2023, "Ha Noi", "D6.3", "2.2548", "u"),
                ("PAPI", 2023, "Ha Noi", "D6.4", "1.9339", "u")])
    assert check_arithmetic(t)["status"].tolist() == ["consistent"]
    t.loc[t["component"] == "D6.4", "use"] = False
    assert check_arithmetic(t)["status"].tolist() == ["incomplete"]


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


# --- the command line ------------------------------------------------------------------------


def test_cli_official_load_lists_2024_for_all_three_indices():
    r = CliRunner().invoke(app, ["official", "load"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == ("bundled official tables (partial): 204 rows, 200 in use, 7 conflict(s) "
                        "between sources, 0 unmatched province name(s)")
    rows = {tuple(ln.split()[:2]): ln for ln in lines[2:]}
    for idx in ("PAPI", "SIPAS", "PAR"):
        assert (idx, "2024") in rows, idx
        assert "NO" in rows[(idx, "2024")] and "no full table" in rows[(idx, "2024")]
    assert "the index value for 4 of 61 provinces" in rows[("PAPI", "2024")]


def test_cli_official_conflicts_and_ranks():
    r = CliRunner().invoke(app, ["official", "conflicts"])
    assert r.exit_code == 0, r.output
    assert "PAR 2023 Hải Phòng total (value): uses 91.87, not 91.81" in r.output
    assert r.output.rstrip().endswith("7 conflict(s)")
    r = CliRunner().invoke(app, ["official", "ranks", "--index", "par"])
    assert r.exit_code == 0, r.output
    assert "Cao Bằng" in r.output and "Quảng Ngãi" in r.output


@pytest.mark.parametrize(("args", "option"), [
    (["--era", "neww"], "--era"), (["--index", "PAPY"], "--index")])
def test_cli_compare_refuses_unknown_fixed_values_before_any_work(tmp_path, args, option):
    # the score file does not exist: a usage error must come first, before anything is read
    r = CliRunner().invoke(app, ["official", "compare", str(tmp_path / "none.csv"),
                                 "--province", "Hà Nội", *args])
    assert r.exit_code == 2
    assert option in r.output and "is not one of" in r.output


def test_cli_report_then_official_compare(tmp_path):
    inst = load_instrument(QUESTIONNAIRES / "sipas_2023.yaml")
    export = write_limesurvey_csv(generate(inst, DemoDesign(n=150, seed=7)).export,
                                  tmp_path / "export.csv")
    runner = CliRunner()
    rep = runner.invoke(app, ["report", str(export), "--instrument",
                              str(QUESTIONNAIRES / "sipas_2023.yaml"), "--out", str(tmp_path / "r")])
    assert rep.exit_code == 0, rep.output
    written = tmp_path / "r" / "bao_cao_sipas.csv"
    assert written.exists()
    shown = pd.read_csv(written, dtype=str, encoding="utf-8-sig")
    whole = shown[(shown["Mã"] == "SIPAS") & (shown["Nhóm"] == "Toàn bộ mẫu")]
    est = float(whole["Ước lượng"].item())
    out = tmp_path / "cmp.csv"
    r = runner.invoke(app, ["official", "compare", str(written), "--province", "TP Hải Phòng",
                            "--instrument", str(QUESTIONNAIRES / "sipas_2023.yaml"),
                            "--year", "2023", "--year", "2024", "--out", str(out)])
    assert r.exit_code == 0, r.output
    cmp = pd.read_csv(out, encoding="utf-8-sig")
    assert cmp["component"].tolist() == ["total", "total"] and cmp["code"].tolist() == ["SIPAS"] * 2
    assert cmp["official_value"].tolist() == [88.09, 90.59]
    assert cmp["estimate"].tolist() == pytest.approx([est, est])
    assert cmp["difference"].tolist() == pytest.approx([est - 88.09, est - 90.59])
    assert "CONFLICT: doubtful" in cmp["official_note"].iloc[0]
    assert cmp["counterpart_note"].str.startswith("How QĐ 1001/QĐ-BNV").all()
    # without the instrument the SIPAS codes do not meet the official ones: say what to give
    r = runner.invoke(app, ["official", "compare", str(written), "--province", "Hải Phòng"])
    assert r.exit_code == 1
    assert "give the survey's instrument (--instrument" in r.output
