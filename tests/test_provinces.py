"""The province crosswalk (63 old provinces, 34 units of NQ 202/2025/QH15) and name matching."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import pytest

from cchc_survey.official import (
    FIRST_NEW_YEAR,
    MERGER_IN_FORCE,
    UnmatchedProvinceError,
    components,
    era_of_date,
    era_of_year,
    kind_at,
    kind_changes,
    match_province,
    match_province_at,
    match_provinces,
    merger_2025,
    new_provinces,
    province_key,
    provinces,
    units_2025,
)
from cchc_survey.official.loader import bundled_official
from cchc_survey.official.provinces import unmatched_error


def _strip(s: str) -> str:
    t = unicodedata.normalize("NFD", s.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in t if unicodedata.category(c) != "Mn")


def test_63_old_provinces_with_regions():
    p = provinces()
    assert len(p) == 63
    assert p["province"].is_unique
    counts = p["region_vi"].value_counts().to_dict()
    assert counts == {
        "Trung du và miền núi phía Bắc": 14, "Đồng bằng sông Hồng": 11,
        "Bắc Trung Bộ và Duyên hải miền Trung": 14, "Tây Nguyên": 5, "Đông Nam Bộ": 6,
        "Đồng bằng sông Cửu Long": 13,
    }
    # The regions are exactly those of the bundled PAR regional averages.
    par = bundled_official("PAR")
    regions = set(par.loc[par["level"] == "region", "province"])
    assert set(p["region_vi"]) == regions
    assert (p["region_source_url"].str.startswith("https://")).all()
    assert p.loc[p["province"] == "Quảng Ninh", "region_vi"].item() == "Đồng bằng sông Hồng"
    assert (p["kind"] == "thành phố").sum() == 5  # Hà Nội, Hải Phòng, Đà Nẵng, HCM, Cần Thơ


def test_merger_34_units_11_unchanged_23_merged():
    m = merger_2025()
    assert len(m) == 63
    assert m["old_province"].is_unique
    assert set(m["old_province"]) == set(provinces()["province"])
    assert len(new_provinces()) == 34
    sizes = m.groupby("province_2025")["old_province"].size()
    assert (sizes == 1).sum() == 11
    assert (sizes > 1).sum() == 23
    assert sizes[sizes > 1].sum() == 52
    assert sorted(sizes[sizes == 3].index) == sorted(
        ["Phú Thọ", "Ninh Bình", "Lâm Đồng", "TP. Hồ Chí Minh", "Cần Thơ", "Vĩnh Long"])
    unchanged = set(sizes[sizes == 1].index)
    assert unchanged == {"Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn",
                         "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng"}
    assert (m["source_url"].str.contains("https://")).all()
    cities = set(m.loc[m["kind_2025"] == "thành phố", "province_2025"])  # on 1/7/2025
    assert cities == {"Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "TP. Hồ Chí Minh", "Cần Thơ"}
    # provinces.csv and merger_2025.csv agree.
    p = provinces().set_index("province")["province_2025"]
    assert (m.set_index("old_province")["province_2025"] == p.loc[m["old_province"]]).all()


@pytest.mark.parametrize(("new", "olds"), [
    ("Hải Phòng", {"Hải Phòng", "Hải Dương"}),
    ("Ninh Binh", {"Ninh Bình", "Hà Nam", "Nam Định"}),
    ("TP HCM", {"TP. Hồ Chí Minh", "Bình Dương", "Bà Rịa - Vũng Tàu"}),
    ("Lam Dong", {"Lâm Đồng", "Đắk Nông", "Bình Thuận"}),
    ("Tỉnh An Giang", {"An Giang", "Kiên Giang"}),
    ("Thành phố Huế", {"Thừa Thiên Huế"}),
    ("Gia Lai", {"Gia Lai", "Bình Định"}),
    ("Quảng Ngãi", {"Quảng Ngãi", "Kon Tum"}),
])
def test_components(new, olds):
    assert set(components(new)) == olds


def test_components_of_unknown_unit_raises():
    with pytest.raises(UnmatchedProvinceError, match="not one of the 34"):
        components("Hải Dương")  # an old province, not a 2025 unit


def test_keys_are_unique_across_old_provinces():
    p = provinces()
    owner: dict[str, str] = {}
    for name, ascii_, aliases in zip(p["province"], p["name_ascii"], p["aliases"], strict=True):
        for a in [name, ascii_, *[x for x in aliases.split(";") if x]]:
            k = province_key(a)
            assert owner.setdefault(k, name) == name, (a, owner[k], name)


def test_every_old_province_matches_in_messy_spellings():
    names = provinces()["province"].tolist()
    variants = {
        "plain": names,
        "no diacritics": [_strip(n) for n in names],
        "upper no diacritics": [_strip(n).upper() for n in names],
        "Tỉnh prefix": [f"Tỉnh {n}" for n in names],
        "TP. prefix": [f"TP. {_strip(n)}" for n in names],
        "Thành phố prefix": [f"Thành phố {n}" for n in names],
        "NFD": [unicodedata.normalize("NFD", n) for n in names],
        "no spaces": [n.replace(" ", "") for n in names],
        "ascii": provinces()["name_ascii"].tolist(),
    }
    for label, vs in variants.items():
        m = match_provinces(vs, era="old")
        assert m.ok, (label, m.unmatched)
        assert m.table["province"].tolist() == names, label


@pytest.mark.parametrize(("raw", "want"), [
    ("HCMC", "TP. Hồ Chí Minh"), ("Ho Chi Minh City", "TP. Hồ Chí Minh"),
    ("TP.HCM", "TP. Hồ Chí Minh"), ("Hanoi", "Hà Nội"), ("Ha Noi", "Hà Nội"),
    ("Thua Thien Hue", "Thừa Thiên Huế"), ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
    ("Huế", "Thừa Thiên Huế"), ("Ba Ria-Vung Tau", "Bà Rịa - Vũng Tàu"),
    ("BR-VT", "Bà Rịa - Vũng Tàu"), ("Bac Can", "Bắc Kạn"), ("Daklak", "Đắk Lắk"),
    ("Khánh Hoà", "Khánh Hòa"), ("Hoà Bình", "Hòa Bình"), ("Quang Ninh province", "Quảng Ninh"),
    ("Kontum", "Kon Tum"), ("Can Tho City", "Cần Thơ"),
])
def test_english_and_variant_spellings(raw, want):
    assert match_province(raw, era="old") == want


def test_era_from_year_and_merged_names():
    m = match_provinces(["Hải Dương", "Hai Duong", "Thành phố Huế", "Ha Giang", "Hải Phòng",
                         "Thua Thien Hue", "HCMC"],
                        [2023, 2025, 2025, 2026, 2025, 2024, 2025], first_row=2)
    t = m.table
    assert t["era"].tolist() == ["old", "new", "new", "new", "new", "old", "new"]
    assert t["province"].tolist() == ["Hải Dương", "", "Huế", "", "Hải Phòng", "Thừa Thiên Huế",
                                      "TP. Hồ Chí Minh"]
    assert t["province_2025"].tolist() == ["Hải Phòng", "", "Huế", "", "Hải Phòng", "Huế",
                                           "TP. Hồ Chí Minh"]
    assert t["status"].tolist() == ["matched", "old_name_after_merger", "matched",
                                    "old_name_after_merger", "matched", "matched", "matched"]
    assert "merged into Hải Phòng" in t.loc[1, "suggestion"]
    assert "merged into Tuyên Quang" in t.loc[3, "suggestion"]
    assert m.unmatched["row"].tolist() == [3, 5]
    # Regions belong to the 63 old provinces only.
    assert t.loc[0, "region_vi"] == "Đồng bằng sông Hồng"
    assert t.loc[4, "region_vi"] == ""


def test_unmatched_names_are_reported_with_rows_and_suggestions():
    m = match_provinces(pd.Series(["Quang Nihn", "Atlantis", "Hà Nội"]), years=2023, first_row=2)
    assert not m.ok
    u = m.unmatched
    assert u["row"].tolist() == [2, 3]
    assert u["input"].tolist() == ["Quang Nihn", "Atlantis"]
    assert u["suggestion"].tolist() == ["Quảng Ninh", ""]
    err = unmatched_error(m, "user.csv")
    msg = str(err)
    assert "2 province name(s) not matched" in msg
    assert "user.csv: row 2, column province: 'Quang Nihn'" in msg
    assert "did you mean 'Quảng Ninh'?" in msg
    assert "row 3" in msg and "Atlantis" in msg
    assert len(err.problems) == 2


def test_province_key_folds():
    assert province_key("Tỉnh Bà Rịa - Vũng Tàu") == "bariavungtau"
    assert province_key("TP. Hồ Chí Minh") == province_key("Ho Chi Minh City") == "hochiminh"
    assert province_key("  ĐẮK   LẮK ") == "daklak"


# --- provinces over time ---------------------------------------------------------------------


@pytest.mark.parametrize("day", ["2024-06-01", "2025-06-30", "2025-07-01", "2026-04-30", "2026-12-04"])
def test_thu_do_ha_noi_matches_at_every_date(day):
    hit = match_province_at("Thủ đô Hà Nội", day)
    assert hit is not None and hit.name == "Hà Nội" and hit.kind == "thành phố"
    assert match_province("THU DO HA NOI", era="old") == match_province("Thủ đô Hà Nội", era="new") \
        == "Hà Nội"
    assert province_key("Thủ đô Hà Nội") == "hanoi"


def test_dong_nai_before_and_after_30_4_2026():
    before_merger = match_province_at("Tỉnh Đồng Nai", "2025-06-30")
    assert (before_merger.era, before_merger.kind, before_merger.code) == ("old", "tỉnh", "")
    after_merger = match_province_at("Dong Nai", "2025-07-01")
    assert (after_merger.era, after_merger.kind, after_merger.code) == ("new", "tỉnh", "75")
    assert match_province_at("Đồng Nai", "2026-04-29").kind == "tỉnh"
    city = match_province_at("Thành phố Đồng Nai", "2026-04-30")
    assert (city.name, city.kind, city.official_name) == ("Đồng Nai", "thành phố", "Thành phố Đồng Nai")
    assert match_province_at("Dong Nai City", "2026-12-04").kind == "thành phố"
    assert kind_at("Đồng Nai", dt.date(2026, 4, 29)) == "tỉnh"
    assert kind_at("Đồng Nai", "2026-04-30") == "thành phố"
    # Bình Phước is part of Đồng Nai from 1/7/2025: its old name no longer matches a unit.
    assert match_province_at("Bình Phước", "2025-06-30").province_2025 == "Đồng Nai"
    assert match_province_at("Bình Phước", "2025-07-01") is None


def test_every_old_province_matches_before_the_merger_and_belongs_to_a_unit():
    p = provinces()
    for name, ascii_, unit in zip(p["province"], p["name_ascii"], p["province_2025"], strict=True):
        for spelling in (name, ascii_, f"Tỉnh {_strip(name)}"):
            hit = match_province_at(spelling, "2025-06-30")
            assert hit is not None, spelling
            assert (hit.name, hit.era, hit.province_2025) == (name, "old", unit)
        after = match_province_at(name, "2025-07-01")
        merged = (merger_2025().set_index("old_province").loc[name, "merged"] == "yes")
        # an unmerged province keeps its name; a merged one matches only when it names the unit
        assert (after is not None) == (not merged or unit == name or name == "TP. Hồ Chí Minh")
        if after is not None:
            assert after.name == unit


def test_cities_and_provinces_at_three_dates():
    def kinds(day: str) -> dict[str, int]:
        names = provinces()["province"] if day < "2025-07-01" else new_provinces()
        got = [match_province_at(n, day).kind for n in names]
        return {k: got.count(k) for k in ("thành phố", "tỉnh")}

    assert kinds("2024-12-31") == {"thành phố": 5, "tỉnh": 58}
    assert kinds("2025-01-01") == {"thành phố": 6, "tỉnh": 57}  # Thành phố Huế
    assert kinds("2025-07-01") == {"thành phố": 6, "tỉnh": 28}
    assert kinds("2026-04-30") == {"thành phố": 7, "tỉnh": 27}  # Thành phố Đồng Nai


def test_unit_codes_of_qd_19_2025_and_centres():
    u = units_2025().set_index("province_2025")
    assert len(u) == 34 and u["code_2025"].is_unique
    assert set(u.index) == set(new_provinces())
    assert u["code_2025"].to_dict() == {
        "Hà Nội": "01", "Cao Bằng": "04", "Tuyên Quang": "08", "Điện Biên": "11", "Lai Châu": "12",
        "Sơn La": "14", "Lào Cai": "15", "Thái Nguyên": "19", "Lạng Sơn": "20", "Quảng Ninh": "22",
        "Bắc Ninh": "24", "Phú Thọ": "25", "Hải Phòng": "31", "Hưng Yên": "33", "Ninh Bình": "37",
        "Thanh Hóa": "38", "Nghệ An": "40", "Hà Tĩnh": "42", "Quảng Trị": "44", "Huế": "46",
        "Đà Nẵng": "48", "Quảng Ngãi": "51", "Gia Lai": "52", "Khánh Hòa": "56", "Đắk Lắk": "66",
        "Lâm Đồng": "68", "Đồng Nai": "75", "TP. Hồ Chí Minh": "79", "Tây Ninh": "80",
        "Đồng Tháp": "82", "Vĩnh Long": "86", "An Giang": "91", "Cần Thơ": "92", "Cà Mau": "96"}
    centres = u.loc[u["admin_centre_in"] != "", "admin_centre_in"].to_dict()
    assert centres == {"Lào Cai": "Yên Bái", "Bắc Ninh": "Bắc Giang", "Quảng Trị": "Quảng Bình"}
    assert u["code_source_url"].str.contains("nso.gov.vn").all()
    assert (u.loc[list(centres), "centre_source_url"] != "").all()
    assert u.loc["Hà Nội", "official_name"] == "Thủ đô Hà Nội"
    assert match_province_at("Thủ đô Hà Nội", "2025-07-01").code == "01"


def test_eras_come_from_one_place():
    assert (FIRST_NEW_YEAR, MERGER_IN_FORCE) == (2025, dt.date(2025, 7, 1))
    assert [era_of_year(y) for y in (2023, 2024, 2025, 2026)] == ["old", "old", "new", "new"]
    assert era_of_date(dt.date(2025, 6, 30)) == "old" and era_of_date("2025-07-01") == "new"
    ch = kind_changes()
    assert ch["unit"].tolist() == ["Thừa Thiên Huế", "Đồng Nai"]
    assert ch["in_force"].tolist() == [dt.date(2025, 1, 1), dt.date(2026, 4, 30)]
    assert ch["source_url"].str.startswith("https://").all()
    assert merger_2025()["source_url"].str.contains("luatvietnam.vn").all()
