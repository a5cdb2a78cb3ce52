"""Survey vs official comparison, wave change and the uncertainty-respecting league table.

Every expected number is recomputed here from the inputs (plain Python / scipy), not copied from
the code's output.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from cchc_survey import QUESTIONNAIRES, load_instrument
from cchc_survey.compare import (
    ComparisonError,
    change_between_waves,
    compare_official,
    for_report,
    league_table,
)
from cchc_survey.compare.official import official_code_map
from cchc_survey.compare.score_files import ScoreFileError, read_score_file
from cchc_survey.official import bundled_official, provinces, tidy_official
from cchc_survey.report.tables import write_csv
from cchc_survey.scoretable import COLUMNS as SCORE_COLUMNS
from cchc_survey.scoretable import score_table

OTHER_2023_TOTALS = [43.9603, 45.7047, 46.0415, 45.5054, 45.61, 45.57, 41.7754, 38.97, 42.3, 44.3204]


def _scores(rows):
    return score_table([{"index": "PAPI", "ci_level": 0.95, "n": 400, "verified": True, **r}
                        for r in rows])


def _official(rows, cols=("index", "year", "province", "component", "value", "se",
                          "source_url")):
    df = pd.DataFrame(rows, columns=list(cols)).astype(str).replace("nan", "")
    return tidy_official(df, file="t").table


def test_compare_thai_nguyen_with_bundled_papi_2023():
    sc = _scores([{"code": "total", "estimate": 44.0, "se": 0.5, "ci_low": 43.02,
                   "ci_high": 44.98}])
    r = compare_official(sc, bundled_official(), province="TP Thai Nguyen", index="PAPI",
                         years=[2023])
    assert len(r) == 1
    row = r.iloc[0]
    assert row["official_province"] == "Thái Nguyên"
    assert row["official_value"] == 45.7875
    assert "bacgiang.gov.vn" in row["official_source_url"]
    assert row["difference"] == pytest.approx(44.0 - 45.7875)
    assert row["difference_se"] == 0.5
    assert row["difference_ci_low"] == pytest.approx(43.02 - 45.7875)
    assert row["difference_ci_high"] == pytest.approx(44.98 - 45.7875)
    assert bool(row["significant"]) is True
    assert row["difference_method"].startswith("official value fixed")
    others = np.array(OTHER_2023_TOTALS)
    assert row["rank_if_official"] == 1 + int((others > 44.0).sum()) == 7
    assert row["rank_best"] == 1 + int((others > 44.98).sum())
    assert row["rank_worst"] == 1 + int((others > 43.02).sum()) == 8
    assert row["rank_among"] == len(others) + 1 == 11
    assert row["rank_note"] == "among the 11 provinces with published values in 2023"
    assert row["official_coverage"] == ("PAPI 2023 total: 11 of 61 provinces (partial table; "
                                        "61 = provinces ranked, as published)")
    assert row["official_coverage_vi"] == "PAPI 2023 total: 11/61 tỉnh có số liệu công bố (bảng chưa đầy đủ)"
    # 2023 aggregate: only the upper-medium range is published; 44.0 is in none of them.
    assert row["group"] == ""
    assert "only some group ranges" in row["group_basis"]


def test_group_from_published_upper_medium_range():
    sc = _scores([{"code": "total", "estimate": 43.0, "se": 0.5, "ci_low": 42.02,
                   "ci_high": 43.98}])
    r = compare_official(sc, bundled_official(), province="Ha Noi", index="PAPI", years=[2023])
    row = r.iloc[0]
    assert row["group"] == "Trung bình cao"
    assert "42.39–43.95" in row["group_basis"]
    assert row["difference"] == pytest.approx(43.0 - 43.9603)
    assert bool(row["significant"]) is False  # 42.02-43.9603 < 0 < 43.98-43.9603


def test_official_se_gives_independent_samples_ci_with_t():
    off = _official([("SIPAS", 2023, "Tỉnh Hà Nam", "total", "82.0", "1.0", "u"),
                     ("SIPAS", 2023, "Nam Dinh", "total", "85.0", "", "u"),
                     ("SIPAS", 2023, "Ninh Binh", "total", "80.0", "", "u")])
    sc = score_table([{"index": "SIPAS", "code": "total", "estimate": 0.85, "se": 0.01,
                       "ci_low": 0.83, "ci_high": 0.87, "ci_level": 0.90, "df": 30, "n": 300}])
    r = compare_official(sc, off, province="Hà Nam", scale=100)
    row = r.iloc[0]
    se = math.sqrt(1.0**2 + 1.0**2)
    q = stats.t.ppf(0.95, 30)
    assert row["estimate"] == pytest.approx(85.0)
    assert row["difference"] == pytest.approx(3.0)
    assert row["difference_se"] == pytest.approx(se)
    assert row["difference_ci_low"] == pytest.approx(3.0 - q * se)
    assert row["difference_ci_high"] == pytest.approx(3.0 + q * se)
    assert bool(row["significant"]) is True
    assert row["difference_method"].startswith("independent samples")
    assert row["rank_if_official"] == 1 and row["rank_among"] == 3  # 85 ties 85: not above


def test_merged_unit_shows_components_and_a_visible_aggregate():
    off = _official([("PAPI", 2023, "Hai Phong", "D6", "7.9000", "", "u1"),
                     ("PAPI", 2023, "Hai Duong", "D6", "7.4842", "", "u2"),
                     ("PAPI", 2023, "Ha Noi", "D6", "7.8486", "", "u3"),
                     ("PAPI", 2022, "Hai Phong", "D6", "7.7000", "", "u4")])
    sc = _scores([{"code": "D6", "estimate": 7.5, "se": 0.1, "ci_low": 7.304,
                   "ci_high": 7.696}])
    r = compare_official(sc, off, province="Thành phố Hải Phòng", era="new", index="PAPI")
    r23 = r[r["year"] == 2023].set_index("role")
    comp = r[(r["year"] == 2023) & (r["role"] == "component")]
    assert sorted(comp["official_province"]) == ["Hải Dương", "Hải Phòng"]
    assert comp["difference"].isna().all()
    agg = r23.loc["aggregate"]
    assert agg["official_value"] == pytest.approx((7.9 + 7.4842) / 2)
    assert agg["aggregate_method"] == "unweighted mean of Hải Phòng, Hải Dương"
    assert agg["official_province"] == "Hải Phòng+Hải Dương"
    assert agg["difference"] == pytest.approx(7.5 - (7.9 + 7.4842) / 2)
    assert agg["rank_among"] == 2 and agg["rank_if_official"] == 2  # vs Hà Nội only
    assert agg["rank_note"].endswith("(pre-merger provinces)")
    # 2022: Hải Dương missing -> no invented aggregate.
    a22 = r[(r["year"] == 2022) & (r["role"] == "aggregate")].iloc[0]
    assert math.isnan(a22["official_value"]) and math.isnan(a22["difference"])
    assert "no published value for Hải Dương" in a22["aggregate_method"]
    # Weighted by population (given by the analyst).
    rw = compare_official(sc, off, province="Hai Phong", era="new", years=[2023],
                          aggregate="weighted", weights={"Hải Phòng": 2.1, "Hai Duong": 1.9},
                          weights_label="population (million)")
    aw = rw[rw["role"] == "aggregate"].iloc[0]
    assert aw["official_value"] == pytest.approx((2.1 * 7.9 + 1.9 * 7.4842) / 4.0)
    assert aw["aggregate_method"].startswith("weighted mean by population (million) of")
    with pytest.raises(ComparisonError, match="needs weights"):
        compare_official(sc, off, province="Hai Phong", era="new", aggregate="weighted")


def test_unmerged_new_unit_and_hue():
    off = _official([("PAPI", 2023, "Thua Thien Hue", "total", "46.0415", "", "u"),
                     ("PAPI", 2025, "Huế", "total", "47.0", "", "v")])
    sc = _scores([{"code": "total", "estimate": 45.0, "se": 0.4, "ci_low": 44.2,
                   "ci_high": 45.8}])
    r = compare_official(sc, off, province="TP. Huế", era="new")
    assert r["role"].tolist() == ["province", "province"]
    assert r["official_province"].tolist() == ["Thừa Thiên Huế", "Huế"]
    assert r["difference"].tolist() == pytest.approx([45.0 - 46.0415, 45.0 - 47.0])


def test_groups_from_cutoffs_and_from_a_complete_table():
    vals = {"Ha Noi": 8.2, "Ha Giang": 7.9, "Cao Bang": 7.6, "Bac Kan": 7.4,
            "Tuyen Quang": 7.3, "Lao Cai": 7.0, "Dien Bien": 6.9, "Lai Chau": 7.7}
    off = _official([("PAPI", 2022, p, "D6", str(v), "", "u") for p, v in vals.items()])
    sc = _scores([{"code": "D6", "estimate": 7.83, "se": 0.05, "ci_low": 7.73,
                   "ci_high": 7.93}])
    row = compare_official(sc, off, province="Lai Chau").iloc[0]
    # 7.83 lies between the printed 'Trung bình cao' top (7.8072) and 'Cao' bottom (7.8579).
    assert row["group"] == "Trung bình cao"
    assert "outside the printed ranges" in row["group_basis"]
    sc2 = _scores([{"code": "D6", "estimate": 8.0, "se": 0.05, "ci_low": 7.9, "ci_high": 8.1}])
    assert compare_official(sc2, off, province="Lai Chau").iloc[0]["group"] == "Cao"
    # No published ranges for 2023 -> group only when the table is declared complete.
    off23 = _official([("PAPI", 2023, p, "D6", str(v), "", "u") for p, v in vals.items()])
    r = compare_official(sc, off23, province="Lai Chau").iloc[0]
    assert r["group"] == "" and "incomplete" in r["group_basis"]
    rc = compare_official(sc, off23, province="Lai Chau", complete=True).iloc[0]
    others = np.array([v for p, v in vals.items() if p != "Lai Chau"])
    rank = 1 + int((others > 7.83).sum())
    assert rc["rank_if_official"] == rank == 3
    assert rc["group"] == ["Cao", "Trung bình cao", "Trung bình thấp", "Thấp"][
        math.ceil(4 * rank / 8) - 1] == "Trung bình cao"
    assert rc["group_basis"].startswith("quartile of the rank order among 8")
    # A table that holds every province is complete without being told so (coverage).
    assert compare_official(sc, off23, province="Lai Chau", complete=False).iloc[0]["group"] == ""


def test_published_max_is_reported():
    sc = score_table([{"index": "SIPAS", "code": "total", "estimate": 92.0, "se": 0.5,
                       "ci_low": 91.02, "ci_high": 92.98, "ci_level": 0.95, "n": 300}])
    r = compare_official(sc, bundled_official(), province="Quang Ninh", index="SIPAS",
                         years=[2023]).iloc[0]
    assert r["official_value"] == 90.61
    assert r["difference"] == pytest.approx(92.0 - 90.61)
    assert r["rank_if_official"] == 1 and r["rank_among"] == 5
    assert "above the published maximum (90.61)" in r["rank_note"]


def test_compare_errors():
    sc = _scores([{"code": "total", "estimate": 44.0, "se": 0.5, "ci_low": 43.0,
                   "ci_high": 45.0}])
    with pytest.raises(ComparisonError, match="not one of the 63"):
        compare_official(sc, bundled_official(), province="Atlantis")
    with pytest.raises(ComparisonError, match="no official value shares a component"):
        compare_official(_scores([{"code": "X9", "estimate": 1.0}]), bundled_official(),
                         province="Ha Noi")
    with pytest.raises(ComparisonError, match="no score rows"):
        compare_official(sc, bundled_official(), province="Ha Noi", group_var="wave",
                         group_value="Q9")


def test_change_between_waves():
    rows = []
    for w, e, s in (("2025-Q1", 80.0, 0.5), ("2025-Q2", 82.5, 0.6), ("2025-Q3", 82.0, 0.9)):
        rows.append({"code": "SIPAS", "group_var": "wave", "group_value": w, "estimate": e,
                     "se": s})
    rows.append({"code": "SIPAS", "estimate": 81.0, "se": 0.6})  # whole sample: ignored
    ch = change_between_waves(_scores(rows))
    assert ch["wave_from"].tolist() == ["2025-Q1", "2025-Q2"]
    assert ch["wave_to"].tolist() == ["2025-Q2", "2025-Q3"]
    z = stats.norm.ppf(0.975)
    se1, se2 = math.hypot(0.5, 0.6), math.hypot(0.6, 0.9)
    assert ch["change"].tolist() == pytest.approx([2.5, -0.5])
    assert ch["change_se"].tolist() == pytest.approx([se1, se2])
    assert ch["ci_low"].tolist() == pytest.approx([2.5 - z * se1, -0.5 - z * se2])
    assert ch["ci_high"].tolist() == pytest.approx([2.5 + z * se1, -0.5 + z * se2])
    assert ch["significant"].tolist() == [2.5 - z * se1 > 0, False] == [True, False]
    assert ch["method"].iloc[0].startswith("independent samples: SE = sqrt(se1² + se2²)")
    # An explicit order that reverses time.
    rev = change_between_waves(_scores(rows), order=["2025-Q3", "2025-Q2", "2025-Q1"])
    assert rev["change"].tolist() == pytest.approx([0.5, -2.5])
    with pytest.raises(ComparisonError, match="not in order"):
        change_between_waves(_scores(rows), order=["2025-Q1"])


def _league_scores(units, df=40.0):
    z = stats.t.ppf(0.975, df)
    return _scores([{"code": "SIPAS", "group_var": "donvi", "group_value": u, "estimate": e,
                     "se": se, "ci_low": e - z * se, "ci_high": e + z * se, "df": df,
                     "flag": flag, "flag_vi": "Ước lượng kém tin cậy: x" if flag == "unreliable"
                     else ""}
                    for u, e, se, flag in units])


# planted: two groups of two units 25 points apart (A, B ~ 90; C, D ~ 60), one unit (E) far below
# but flagged unreliable, and one in between (F) whose interval touches both groups' edges
PLANTED = [("A", 90.0, 1.5, "ok"), ("B", 88.0, 1.5, "ok"), ("C", 61.0, 2.5, "ok"),
           ("D", 59.0, 2.5, "ok"), ("E", 30.0, 9.0, "unreliable")]


def _holm(p):
    order = np.argsort(p)
    m = len(p)
    adj = np.maximum.accumulate([min(1.0, (m - k) * p[o]) for k, o in enumerate(order)])
    out = np.empty(m)
    out[order] = adj
    return out


def test_league_table_separates_planted_differences_and_never_ranks_flagged_units():
    lt = league_table(_league_scores(PLANTED), code="SIPAS", group_var="donvi")
    assert lt["unit"].tolist() == ["A", "B", "C", "D", "E"]
    assert lt["tier"].tolist()[:4] == [1, 1, 2, 2] and pd.isna(lt["tier"].iloc[4])
    assert lt["ranked"].tolist() == [True, True, True, True, False]
    assert lt["rank_range"].tolist() == ["1–2", "1–2", "3–4", "3–4", ""]
    assert lt["note_vi"].iloc[4] == "Không xếp hạng: Ước lượng kém tin cậy: x"
    assert lt["tier_size"].tolist()[:4] == [2, 2, 2, 2]
    assert "Holm correction over 6 pairs" in lt["method"].iloc[0]
    # every interval is shown, the unranked one too
    assert lt["ci_low"].notna().all() and lt["ci_high"].notna().all()
    # the tests by hand: t on 40 df, Holm over the 6 pairs of the 4 ranked units
    est = np.array([90.0, 88.0, 61.0, 59.0])
    se = np.array([1.5, 1.5, 2.5, 2.5])
    pairs = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    p = np.array([2 * stats.t.sf(abs(est[i] - est[j]) / math.hypot(se[i], se[j]), 40)
                  for i, j in pairs])
    adj = dict(zip(pairs, _holm(p), strict=True))
    assert adj[(0, 1)] > 0.05 and adj[(2, 3)] > 0.05  # ties inside the groups
    assert all(adj[(i, j)] < 0.05 for i in (0, 1) for j in (2, 3))  # groups apart


def test_league_table_non_overlapping_units_are_never_in_one_tier():
    """With many units Holm can leave a difference non-significant although the two intervals
    do not overlap; such units still go to different tiers."""
    rng = np.random.default_rng(4)
    units = [(f"U{i:02d}", float(e), 2.0, "ok") for i, e in enumerate(np.sort(rng.uniform(50, 80, 30))[::-1])]
    lt = league_table(_league_scores(units), code="SIPAS", group_var="donvi")
    for _, a in lt.iterrows():
        for _, b in lt.iterrows():
            if a["ci_low"] > b["ci_high"]:
                assert a["tier"] < b["tier"], (a["unit"], b["unit"])
    # tiers run down the estimates: each unit's tier is at most the next one's
    assert (np.diff(lt["tier"].to_numpy(dtype=int)) >= 0).all()
    none = league_table(_league_scores(units), code="SIPAS", group_var="donvi", correction="none")
    assert none["tier"].max() >= lt["tier"].max()  # fewer ties without a correction
    with pytest.raises(ComparisonError, match="correction="):
        league_table(_league_scores(units), code="SIPAS", group_var="donvi", correction="sidak")


def test_league_table_uses_given_covariances_and_errors():
    two = [("P", 10.0, 1.0, "ok"), ("Q", 7.5, 1.0, "ok")]
    lt = league_table(_league_scores(two), code="SIPAS", group_var="donvi")
    assert lt["tier"].tolist() == [1, 1]  # t = 2.5/sqrt(2) = 1.77: tied
    cov = pd.DataFrame([[1.0, 0.8], [0.8, 1.0]], index=["P", "Q"], columns=["P", "Q"])
    lt2 = league_table(_league_scores(two), code="SIPAS", group_var="donvi", cov=cov)
    assert lt2["tier"].tolist() == [1, 2]  # t = 2.5/sqrt(0.4) = 3.95: apart
    assert "covariances given" in lt2["method"].iloc[0]
    chain = [("P", 10.0, 0.5, "ok"), ("Q", 8.5, 0.5, "ok"), ("R", 7.0, 0.5, "ok")]
    with pytest.raises(ComparisonError, match="no confidence interval"):
        league_table(_scores([{"code": "SIPAS", "group_var": "donvi", "group_value": "X",
                               "estimate": 1.0}]), code="SIPAS", group_var="donvi")
    with pytest.raises(ComparisonError, match="no score rows"):
        league_table(_league_scores(chain), code="PAPI", group_var="donvi")


# --- the instrument declares the official counterparts ----------------------------------------

SIPAS_2023 = load_instrument(QUESTIONNAIRES / "sipas_2023.yaml")


def _sipas_scores(rows):
    return score_table([{"index": "SIPAS", "instrument": "sipas_2023", "ci_level": 0.95,
                         "n": 500, "unit": "percent", **r} for r in rows])


SIPAS_ROWS = [
    {"code": "SIPAS", "level": "index", "estimate": 85.0, "se": 1.0, "ci_low": 83.04, "ci_high": 86.96},
    {"code": "HLCS", "level": "policy_index", "estimate": 84.0, "se": 1.1, "ci_low": 81.8, "ci_high": 86.2},
    {"code": "HLDV", "level": "service_index", "estimate": 86.0, "se": 0.9, "ci_low": 84.2, "ci_high": 87.8},
    {"code": "CS01", "level": "policy", "estimate": 70.0, "se": 2.0, "ci_low": 66.0, "ci_high": 74.0},
]


def test_instrument_declares_which_official_component_each_component_is():
    assert official_code_map(SIPAS_2023) == {"SIPAS": "total", "HLCS": "policy", "HLDV": "services",
                                              "DV1": "services.access"}
    off = _official([("SIPAS", 2024, "Hai Phong", "total", "90.59", "", "u1"),
                     ("SIPAS", 2024, "Hai Phong", "policy", "90.0", "", "u2"),
                     ("SIPAS", 2024, "Hai Phong", "services", "91.0", "", "u3"),
                     ("SIPAS", 2024, "Hai Phong", "CS01", "75.0", "", "u4")])
    r = compare_official(_sipas_scores(SIPAS_ROWS), off, province="Hải Phòng",
                         instrument=SIPAS_2023)
    got = r.set_index("code")[["component", "official_value", "difference"]]
    # CS01 declares no counterpart, so it is not compared even though the table has a CS01 row
    assert got.to_dict("index") == {
        "SIPAS": {"component": "total", "official_value": 90.59, "difference": pytest.approx(85 - 90.59)},
        "HLCS": {"component": "policy", "official_value": 90.0, "difference": pytest.approx(-6.0)},
        "HLDV": {"component": "services", "official_value": 91.0, "difference": pytest.approx(-5.0)}}
    assert r["index"].unique().tolist() == ["SIPAS"]  # the index comes from the instrument
    note = r.set_index("code").loc["SIPAS", "counterpart_note"]
    assert note.startswith("How QĐ 1001/QĐ-BNV makes SIPAS from its two contents was not read")
    assert r.set_index("code").loc["SIPAS", "counterpart_note_vi"].startswith("Cách tính SIPAS")
    rep = for_report(r)
    assert rep["note_vi"].iloc[0].startswith("Cách tính SIPAS")
    assert "tỉnh có số liệu" in rep["note_vi"].iloc[0]
    assert "official value fixed" in rep["note_en"].iloc[0]
    # Without the instrument, the codes do not meet and the error says what to give.
    with pytest.raises(ComparisonError, match=r"give the survey's instrument \(--instrument"):
        compare_official(_sipas_scores(SIPAS_ROWS), off[off["component"] != "CS01"],
                         province="Hải Phòng")


def test_instrument_errors(tmp_path):
    other = score_table([{"index": "SIPAS", "instrument": "sipas_one_stop", "code": "SIPAS",
                          "estimate": 80.0, "se": 1.0, "ci_low": 78.0, "ci_high": 82.0}])
    with pytest.raises(ComparisonError, match=r"comes from instrument.*sipas_one_stop.*--instrument"):
        compare_official(other, bundled_official(), province="Hải Phòng", instrument=SIPAS_2023)
    spec = yaml.safe_load((QUESTIONNAIRES / "sipas_2023.yaml").read_text(encoding="utf-8"))
    top = spec["methodology"]["components"][0]
    hlcs = top["children"][0]
    assert (top["id"], hlcs["id"]) == ("SIPAS", "HLCS")
    hlcs["official"] = "total"  # the short form: the official component's code only
    f = tmp_path / "twice.yaml"
    f.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ComparisonError,
                       match="'SIPAS' and 'HLCS' both declare the official component 'total'"):
        official_code_map(load_instrument(f))

    def drop(nodes):
        for c in nodes:
            c.pop("official", None)
            drop(c.get("children", []))

    drop(spec["methodology"]["components"])
    none = tmp_path / "none.yaml"
    none.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    inst = load_instrument(none)
    assert official_code_map(inst) == {}
    with pytest.raises(ComparisonError, match=r"declares no official counterpart.*official: total"):
        compare_official(_sipas_scores(SIPAS_ROWS), bundled_official(), province="Hải Phòng",
                         instrument=inst)
    with pytest.raises(ComparisonError, match=r"--era old"):
        compare_official(_sipas_scores(SIPAS_ROWS), bundled_official(), province="Hải Phòng",
                         era="neww")  # type: ignore[arg-type]


def test_conflicting_value_is_left_out_and_the_used_one_says_why():
    sc = score_table([{"index": "PAR", "code": "total", "estimate": 90.0, "se": 0.5,
                       "ci_low": 89.0, "ci_high": 91.0, "ci_level": 0.95, "n": 300}])
    r = compare_official(sc, bundled_official(), province="Hai Phong", years=[2023])
    assert r["official_value"].tolist() == [91.87]  # 91.81 is kept for the record only
    assert "CONFLICT: en.doanhnghiephoinhap.vn prints 91.81" in r["official_note"].iloc[0]
    # the rank is among the other used values (Hải Phòng 91.81 is not an "other province")
    others = bundled_official("PAR")
    others = others[(others["year"] == 2023) & (others["level"] == "province") & others["use"]
                    & (others["province_std"] != "Hải Phòng")]["value"]
    assert r["rank_among"].iloc[0] == len(others) + 1 == 8
    assert r["rank_if_official"].iloc[0] == 1 + int((others > 90.0).sum()) == 5


def test_group_from_the_published_group_sizes_of_a_complete_table():
    names = [n for n in provinces()["province"] if n != "Lai Châu"]
    vals = [50.0 - 0.1 * i for i in range(62)]
    off = _official([("PAPI", 2020, n, "total", f"{v:.4f}", "", "u")
                     for n, v in zip(names, vals, strict=True)]
                    + [("PAPI", 2020, "Lai Châu", "total", "40.0", "", "u")])
    est = (vals[14] + vals[15]) / 2  # 15 others above: rank 16 of 63
    sc = _scores([{"code": "total", "estimate": est, "se": 0.01, "ci_low": est - 0.02,
                   "ci_high": est + 0.02}])
    row = compare_official(sc, off, province="Lai Chau").iloc[0]
    assert row["rank_if_official"] == 16 and row["rank_among"] == 63
    assert "63 of 63 provinces (full table" in row["official_coverage"]
    # 2020 sizes 16/16/15/16: rank 16 is still "Cao" (equal quarters would say "Trung bình cao")
    assert row["group"] == "Cao"
    assert row["group_basis"] == ("rank 16 of 63 with the published group sizes 16/16/15/16 of 2020 "
                                  "(toolkit rule, unverified)")
    quartile = ["Cao", "Trung bình cao", "Trung bình thấp", "Thấp"][math.ceil(4 * 16 / 63) - 1]
    assert quartile == "Trung bình cao"


# --- reading what the other commands write ---------------------------------------------------


def _sipas_table() -> pd.DataFrame:
    rows = [{**r, "group_var": "", "group_value": "", "method": "taylor", "source": "QĐ 1001",
             "verified": False, "label_vi": lab, "label_en": en, "n_eff": 480.5, "deff": 1.04}
            for r, lab, en in zip(SIPAS_ROWS, ("Chỉ số SIPAS", "Chính sách", "Dịch vụ", "=Kinh tế"),
                                  ("SIPAS", "Policies", "Services", "=Economy"), strict=True)]
    unit = {**SIPAS_ROWS[0], "group_var": "donvi", "group_value": "U01", "group_label_vi": "Sở Tài chính",
            "group_label_en": "Department of Finance", "estimate": 88.0, "verified": False,
            "label_vi": "Chỉ số SIPAS", "label_en": "SIPAS", "method": "taylor", "source": "QĐ 1001",
            "n_eff": 90.0, "deff": 1.1}
    return _sipas_scores([*rows, unit])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_read_the_reader_form_that_report_writes(tmp_path, lang):
    table = _sipas_table()
    f = write_csv(table, tmp_path / "bao_cao_sipas.csv", lang=lang)
    back = read_score_file(f, instrument=SIPAS_2023)
    assert back.columns.tolist() == list(SCORE_COLUMNS)
    for c in ("code", "level", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "unit",
              "method", "source", "verified"):
        pd.testing.assert_series_equal(back[c], table[c], obj=c)
    assert back[f"label_{lang}"].tolist() == table[f"label_{lang}"].tolist()  # '=Kinh tế' unquoted
    assert back["group_var"].tolist() == ["", "", "", "", "group"]
    assert back["group_value"].iloc[-1] == ("Sở Tài chính" if lang == "vi" else "Department of Finance")
    assert (back["index"] == "SIPAS").all() and (back["instrument"] == "sipas_2023").all()
    assert (back["ci_level"] == 0.95).all()
    # without the instrument, the index comes from the file name report gives it
    assert (read_score_file(f)["index"] == "SIPAS").all()
    r = compare_official(back, _official([("SIPAS", 2024, "Hai Phong", "total", "90.59", "", "u")]),
                         province="Hải Phòng", instrument=SIPAS_2023)
    assert r["estimate"].tolist() == [85.0] and r["difference"].tolist() == [pytest.approx(85 - 90.59)]


def test_read_the_machine_score_table_and_errors(tmp_path):
    table = _sipas_table()
    f = tmp_path / "scores.csv"
    table.to_csv(f, index=False, encoding="utf-8-sig")
    back = read_score_file(f)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    with pytest.raises(ScoreFileError, match="does not exist"):
        read_score_file(tmp_path / "nope.csv")
    x = tmp_path / "bao_cao.xlsx"
    x.write_bytes(b"PK")
    with pytest.raises(ScoreFileError, match=r"\.xlsx is not a CSV file.*bao_cao_<index>\.csv"):
        read_score_file(x)
    bad = tmp_path / "bao_cao_x.csv"
    shown = pd.read_csv(write_csv(table, bad), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    shown.loc[2, "Ước lượng"] = "tám mươi"
    shown.to_csv(bad, index=False, encoding="utf-8-sig")
    with pytest.raises(ScoreFileError, match="row 4, column Ước lượng: 'tám mươi' is not a number"):
        read_score_file(bad, index="SIPAS")
    with pytest.raises(ScoreFileError, match=r"no index column.*give --instrument"):
        shown.loc[2, "Ước lượng"] = "80,5"  # a decimal comma is read
        shown.to_csv(bad, index=False, encoding="utf-8-sig")
        assert read_score_file(bad, index="SIPAS")["estimate"].iloc[2] == 80.5
        read_score_file(bad)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ScoreFileError, match="neither a score table nor the table"):
        read_score_file(other)


def test_league_table_ranks_review_estimates_with_their_note_unless_told_not_to():
    """NCHS 'review' (df below 8) estimates may be presented with a note: the league ranks them
    (their few df widen their tests) and says why; only 'unreliable' ones are never ranked."""
    rows = [("A", 90.0, 1.5, "ok"), ("B", 60.0, 1.5, "ok"), ("C", 75.0, 1.5, "ok")]
    sc = _league_scores(rows)
    sc.loc[sc["group_value"] == "C", ["flag", "flag_vi", "df"]] = [
        "review", "Cần xem xét thêm: bậc tự do 5 < 8", 5.0]
    lt = league_table(sc, code="SIPAS", group_var="donvi")
    assert lt["unit"].tolist() == ["A", "C", "B"] and lt["ranked"].all()
    assert lt["tier"].tolist() == [1, 2, 3]  # 15 points apart, on 5 df for the pairs with C
    assert lt["note_vi"].tolist() == ["", "Cần xem xét thêm: bậc tự do 5 < 8", ""]
    assert "estimates flagged unreliable not ranked" in lt["method"].iloc[0]
    strict = league_table(sc, code="SIPAS", group_var="donvi", not_ranked=("review", "unreliable"))
    assert strict["ranked"].tolist() == [True, True, False]
    assert strict["note_vi"].iloc[2] == "Không xếp hạng: Cần xem xét thêm: bậc tự do 5 < 8"
