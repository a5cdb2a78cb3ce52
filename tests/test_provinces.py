"""The province crosswalk (63 old provinces, 34 units of NQ 202/2025/QH15) and name matching."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from cchc_survey.official import (
    UnmatchedProvinceError,
    components,
    match_province,
    match_provinces,
    merger_2025,
    new_provinces,
    province_key,
    provinces,
)
from cchc_survey.official.loader import _bundled_csv
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
    regions = set(_bundled_csv("par_index_regions_2022_2023.csv")["region"])
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
    cities = set(m.loc[m["kind_2025"] == "thành phố", "province_2025"])
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
