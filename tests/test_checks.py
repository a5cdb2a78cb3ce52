"""Data-quality checks: each rule flags exactly the planted cases; the books always balance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from goldens import assert_golden
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc_survey import QUESTIONNAIRES
from cchc_survey.checks import RULES, SEVERITY, ChecksError, answer_given, clean, run_checks
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.instrument import load_instrument
from cchc_survey.shapes import FLAGS
from cchc_survey.tidy import read_export

INST = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")


def _frame(n: int = 300, seed: int = 7) -> pd.DataFrame:
    """A tidy-shaped frame built straight from the generator's truth (codes as text, "" -> NA)."""
    demo = generate(INST, DemoDesign(n=n, seed=seed))
    e = demo.export
    out = pd.DataFrame({
        "response_id": pd.array(e["id"].astype(int), dtype="Int64"),
        "complete": (e["submitdate"] != "").to_numpy(),
        "lastpage": pd.array(e["lastpage"].astype(int), dtype="Int64"),
        "startdate": pd.to_datetime(e["startdate"]),
        "datestamp": pd.to_datetime(e["datestamp"]),
        "token_hash": pd.array([pd.NA] * n, dtype="string"),
    })
    for it in INST.items:
        col = e[it.column].replace("", pd.NA).astype("string")
        scale = INST.scale_of(it)
        if scale is not None and scale.missing:
            col = col.mask(col.isin([str(c) for c in scale.missing_codes]))
        out[it.id] = col
    return out


@pytest.fixture()
def frame() -> pd.DataFrame:
    return _frame()


def test_clean_generated_data_has_no_errors(frame: pd.DataFrame) -> None:
    flags = run_checks(frame, INST)
    assert set(flags.columns) == {"rule", "row", "response_id", "column", "value", "severity"}
    assert not (flags["severity"] == "error").any(), flags[flags["severity"] == "error"]
    inc = flags[flags["rule"] == "incomplete"]
    assert sorted(inc["response_id"]) == sorted(frame.loc[~frame["complete"], "response_id"])


def test_each_rule_flags_exactly_the_planted_rows(frame: pd.DataFrame) -> None:
    f = frame.copy()
    complete = f.index[f["complete"]]
    r_scale, r_dup, r_line, r_fast, r_nonresp, r_filter = (int(x) for x in complete[:6])
    f.loc[r_scale, "tc_c2"] = "7"
    f.loc[r_dup, "token_hash"] = "abc"
    f.loc[r_line, "token_hash"] = "abc"  # same respondent twice: the second copy is flagged
    cc = [c for c in f.columns if c.startswith("cc_c")]
    f.loc[f.index[f["complete"]][10], cc] = "2"  # a straight-liner
    r_line2 = int(f.index[f["complete"]][10])
    f.loc[r_fast, "datestamp"] = f.loc[r_fast, "startdate"] + pd.Timedelta(seconds=5)
    subst = [it.id for it in INST.items if it.role == "item" and it.kind == "answer"
             and it.type not in {"M", "S", "T"}]
    f.loc[r_nonresp, subst] = pd.NA
    f.loc[r_filter, "cophananh"] = "N"
    f.loc[r_filter, "pa_c1"] = "5"
    flags = run_checks(f, INST)

    def rows(rule: str) -> set[int]:
        return set(flags.loc[flags["rule"] == rule, "row"].astype(int))

    assert rows("out_of_scale") == {r_scale}
    assert flags.loc[flags["rule"] == "out_of_scale", ["column", "value"]].values.tolist() == [["tc_c2", "7"]]
    assert rows("duplicate_respondent") == {max(r_dup, r_line)}
    assert r_line2 in rows("straightlining")
    assert r_fast in rows("speeder")
    assert r_nonresp in rows("item_nonresponse")
    fb = flags[flags["rule"] == "filter_breach"]
    assert set(fb["row"].astype(int)) == {r_filter}
    assert set(fb["column"]) >= {"pa_c1"}


def test_duplicate_response_ids_keep_the_first_copy(frame: pd.DataFrame) -> None:
    f = pd.concat([frame, frame.iloc[[3, 4]]], ignore_index=True)
    res = clean(f, INST)
    dup = res.flags[res.flags["rule"] == "duplicate_respondent"]
    assert sorted(dup["row"].astype(int)) == [len(frame), len(frame) + 1]
    assert res.n_in == res.n_kept + res.n_excluded
    assert set(res.excluded["row"]) >= {len(frame), len(frame) + 1}


def test_clean_excludes_only_declared_rules_and_records_reasons(frame: pd.DataFrame) -> None:
    res = clean(frame, INST)
    assert INST.spec.checks.exclude == ["duplicate_respondent", "incomplete"]
    n_incomplete = int((~frame["complete"]).sum())
    assert res.n_excluded == n_incomplete
    assert res.n_in == len(frame) == res.n_kept + res.n_excluded
    assert (res.excluded["reason_vi"] == "Phiếu chưa hoàn thành").all()
    summ = res.summary.set_index("rule")
    assert summ.loc["incomplete", "rows_excluded"] == n_incomplete
    assert not summ.loc["speeder", "excludes"]
    # an explicit decision to exclude speeders too
    res2 = clean(frame, INST, exclude=["incomplete", "speeder"])
    assert res2.n_excluded == n_incomplete + int(summ.loc["speeder", "rows_flagged"])


def test_unknown_rule_is_an_error(frame: pd.DataFrame) -> None:
    with pytest.raises(ChecksError, match="unknown rule"):
        clean(frame, INST, exclude=["bogus"])


def test_missing_response_id_is_a_clear_error(frame: pd.DataFrame) -> None:
    with pytest.raises(ChecksError, match="response_id"):
        run_checks(frame.drop(columns="response_id"), INST)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(5, 80),
       rules=st.lists(st.sampled_from(["incomplete", "speeder", "straightlining", "item_nonresponse",
                                       "filter_breach", "duplicate_respondent", "out_of_scale"]),
                      unique=True))
def test_rows_are_conserved(seed: int, n: int, rules: list[str]) -> None:
    f = _frame(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    if n > 4:  # plant duplicates
        f = pd.concat([f, f.iloc[rng.integers(0, n, 3)]], ignore_index=True)
    res = clean(f, INST, exclude=rules)
    assert res.n_in == len(f) == res.n_kept + res.n_excluded
    assert len(res.kept) == res.n_kept
    assert res.excluded["row"].is_unique


# ----------------------------------------------------------------------------------------------
# goldens: the flags, exclusions and books of a real tidy frame with a planted case of each rule
# (generator -> LimeSurvey CSV export -> read_export), saved from a trusted run


KEY = b"test-secret-key-0123456789abcdef"
EXCLUSIONS = {"none": [], "all": None, "speed_line": ["speeder", "straightlining"],
              "errors": ["filter_breach", "out_of_scale", "item_nonresponse"]}


@pytest.fixture(scope="module")
def tidy(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    demo = generate(INST, DemoDesign(n=1200, seed=11))
    path = write_limesurvey_csv(demo.export, tmp_path_factory.mktemp("checks") / "r.csv")
    return _plant(read_export(path, instrument=INST, secret_key=KEY).frame)


def _plant(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.copy()
    done = f.index[f["complete"]]
    r = [int(x) for x in done[:12]]
    f.loc[r[0], "tc_c2"] = 7                      # out of scale, beyond the codes
    f.loc[r[1], "tcchung"] = 0                    # out of scale, below the codes
    f.loc[[r[2], r[3]], "token_hash"] = "abc"     # the same respondent twice
    start = f["startdate"].to_numpy()
    f.loc[r[4], "datestamp"] = pd.Timestamp(start[r[4]]) - pd.Timedelta(milliseconds=300)
    f.loc[r[5], "datestamp"] = pd.Timestamp(start[r[5]]) + pd.Timedelta(seconds=5)
    subst = [it.id for it in INST.items if it.role == "item" and it.kind == "answer"
             and it.type not in {"M", "S", "T"}]
    f.loc[r[6], subst] = pd.NA                    # item non-response
    f.loc[r[7], "cophananh"] = "N"                # feedback answered without giving feedback
    f.loc[r[7], "pa_c1"] = 5
    cc = [c for c in f.columns if c.startswith("cc_c")]
    f.loc[r[8], cc] = 2                           # a straight-liner
    f.loc[r[9], cc[:4]] = 3                       # straight on the answered four, two left empty
    f.loc[r[9], cc[4:]] = pd.NA
    notdone = f.index[~f["complete"]]
    f.loc[notdone[0], "lastpage"] = pd.NA         # an incomplete response without its last page
    return pd.concat([f, f.iloc[[3, 4]]], ignore_index=True)  # two repeated response ids


@pytest.mark.parametrize("name", list(EXCLUSIONS))
def test_flags_exclusions_and_books_equal_the_goldens(tidy: pd.DataFrame, name: str) -> None:
    res = clean(tidy, INST, exclude=EXCLUSIONS[name] if name != "all" else list(SEVERITY))
    assert_golden(res.flags, "checks/one_stop_flags")
    assert_golden(res.excluded, f"checks/one_stop_excluded_{name}")
    assert_golden(res.summary, f"checks/one_stop_summary_{name}")
    assert res.n_in == res.n_kept + res.n_excluded == len(tidy)
    kept_rows = np.setdiff1d(np.arange(len(tidy)), res.excluded["row"].to_numpy())
    pd.testing.assert_frame_equal(res.kept, tidy.iloc[kept_rows].reset_index(drop=True))


def _answer_cols(frame: pd.DataFrame, kind: str) -> list[str]:
    ids = [it.id for it in INST.items if it.kind == "answer" and it.id in frame.columns]
    return [c for c in ids if (str(frame[c].dtype) == "Int64") == (kind == "int")]


def _variant(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The tidy frame with its answer columns in another dtype (what a user may pass)."""
    f = frame.copy()
    ints, texts = _answer_cols(f, "int"), _answer_cols(f, "text")
    if name == "text":
        for c in ints:
            f[c] = f[c].astype("string")
    elif name == "object":
        for c in ints + texts:
            f[c] = f[c].astype(object)
    elif name == "float":
        for c in ints:
            f[c] = f[c].astype("float64")
        f["lastpage"] = f["lastpage"].astype("float64")
    elif name == "str":
        for c in [*texts, "token_hash"]:
            f[c] = f[c].astype(str).replace("<NA>", np.nan)
    elif name == "index":  # a frame with its own (non-default) index
        f.index = pd.Index(np.arange(len(f)) * 3 + 100)
    return f


@pytest.mark.parametrize("variant", ["text", "object", "float", "str", "index"])
def test_the_same_tables_whatever_the_column_types(tidy: pd.DataFrame, variant: str) -> None:
    """The tables have fixed types: answer columns as text, objects, floats or another index
    give exactly the flags, exclusions and summary of the tidy frame."""
    ref = clean(tidy, INST, exclude=list(SEVERITY))
    res = clean(_variant(tidy, variant), INST, exclude=list(SEVERITY))
    for part in ("excluded", "flags", "summary"):
        pd.testing.assert_frame_equal(getattr(res, part), getattr(ref, part), check_exact=True)
    assert (res.n_in, res.n_kept, res.n_excluded) == (ref.n_in, ref.n_kept, ref.n_excluded)


def test_response_ids_keep_their_type(tidy: pd.DataFrame) -> None:
    f = tidy.assign(response_id=tidy["response_id"].astype("string"))
    res = clean(f, INST)
    assert res.flags["response_id"].dtype == "string"
    assert res.excluded["response_id"].dtype == "string"
    ref = clean(tidy, INST)
    assert res.flags["response_id"].tolist() == [str(i) for i in ref.flags["response_id"]]
    f.loc[[5, len(f) - 1], "response_id"] = pd.NA  # a questionnaire without its id: flagged
    dup = run_checks(f, INST).query("rule == 'duplicate_respondent' and column == 'response_id'")
    assert len(f) - 1 in set(dup["row"]) and dup["value"].isna().sum() == 1


def test_planted_cases_are_flagged_with_their_texts(tidy: pd.DataFrame) -> None:
    fl = run_checks(tidy, INST)
    assert [str(t) for t in fl.dtypes] == ["str", "int64", "Int64", "str", "str", "str"]
    done = [int(x) for x in tidy.index[tidy["complete"]][:12]]
    oos = fl[fl["rule"] == "out_of_scale"]
    assert oos[["row", "column", "value"]].values.tolist() == [[done[0], "tc_c2", "7"],
                                                               [done[1], "tcchung", "0"]]
    dup = fl[fl["rule"] == "duplicate_respondent"]
    n = len(tidy) - 2
    assert dup[["row", "column"]].values.tolist() == [[n, "response_id"], [n + 1, "response_id"],
                                                      [done[3], "token_hash"]]
    assert dup["value"].tolist() == [str(tidy.loc[3, "response_id"]),
                                     str(tidy.loc[4, "response_id"]), "abc"]
    speed = fl[fl["rule"] == "speeder"].set_index("row")["value"]
    assert speed[done[4]] == "0" and speed[done[5]] == "5"  # seconds, whole
    line = fl[(fl["rule"] == "straightlining") & (fl["column"] == "CC")].set_index("row")["value"]
    assert line[done[8]] == "2" and line[done[9]] == "3"
    fb = fl[fl["rule"] == "filter_breach"]
    assert fb[["row", "column", "value"]].values.tolist() == [[done[7], "pa_c1", "5"]]
    assert done[6] in set(fl.loc[fl["rule"] == "item_nonresponse", "row"])
    inc = fl[fl["rule"] == "incomplete"]
    assert inc["row"].tolist() == np.flatnonzero(~tidy["complete"].to_numpy()).tolist()
    assert inc["value"].isna().sum() == 1
    assert (fl["severity"] == fl["rule"].map(SEVERITY)).all()


def test_given_flags_with_repeats_count_questionnaires_once(tidy: pd.DataFrame) -> None:
    fl = run_checks(tidy, INST)
    again = pd.concat([fl, fl[fl["rule"] == "speeder"].head(3)], ignore_index=True)
    res = clean(tidy, INST, flags=again, exclude=["speeder", "incomplete"])
    ref = clean(tidy, INST, exclude=["speeder", "incomplete"])
    pd.testing.assert_frame_equal(res.excluded, ref.excluded)
    summ, rsum = res.summary.set_index("rule"), ref.summary.set_index("rule")
    assert summ.loc["speeder", "rows_flagged"] == (fl["rule"] == "speeder").sum()
    assert summ.loc["speeder", "flags"] == rsum.loc["speeder", "flags"] + 3
    # straight-lining on two arrays of one questionnaire: two flags, one questionnaire
    line = fl[fl["rule"] == "straightlining"]
    assert rsum.loc["straightlining", "flags"] == len(line)
    assert rsum.loc["straightlining", "rows_flagged"] == line["row"].nunique() < len(line)


def test_by_severity_counts_questionnaires_not_flags(tidy: pd.DataFrame) -> None:
    res = clean(tidy, INST)
    fl = res.flags
    assert res.by_severity() == {
        "error": fl.loc[fl["severity"] == "error", "row"].nunique(),
        "warning": fl.loc[fl["severity"] == "warning", "row"].nunique(), "info": 0}
    assert res.by_severity()["warning"] < int((fl["severity"] == "warning").sum())


def test_no_flags_gives_the_empty_table_of_the_same_shape() -> None:
    demo = generate(INST, DemoDesign(n=40, seed=3, p_incomplete=0.0))
    f = pd.DataFrame({"response_id": pd.array(demo.export["id"].to_numpy(dtype=np.int64), dtype="Int64")})
    fl = run_checks(f, INST)
    assert fl.empty and fl.columns.tolist() == FLAGS.names
    assert [str(t) for t in fl.dtypes] == ["str", "int64", "Int64", "str", "str", "str"]
    res = clean(f, INST)
    assert res.excluded.empty and [str(t) for t in res.excluded.dtypes] == ["int64", "Int64", "str", "str"]
    assert res.summary["rows_flagged"].sum() == 0 and res.n_kept == 40


def test_flags_outside_the_frame_are_a_clear_error(tidy: pd.DataFrame) -> None:
    fl = run_checks(tidy, INST)
    bad = pd.concat([fl, fl[fl["rule"] == "incomplete"].head(1).assign(row=len(tidy) + 5)],
                    ignore_index=True)
    with pytest.raises(ChecksError, match=rf"row\(s\) \[{len(tidy) + 5}\].*Fix: run the checks"):
        clean(tidy, INST, flags=bad)


def test_every_rule_is_registered_with_vietnamese_and_english_reasons() -> None:
    assert list(RULES) == ["out_of_scale", "duplicate_respondent", "incomplete", "straightlining",
                           "speeder", "item_nonresponse", "filter_breach"]
    for r in RULES.values():
        assert r.severity in {"error", "warning", "info"}
        assert r.reason_vi and r.reason_en and r.reason_vi != r.reason_en
        assert r.find.__doc__, r.name


# ----------------------------------------------------------------------------------------------
# filter breaches only for answers actually given (sipas_2023: a filtered multiple-choice question)

S23 = load_instrument(QUESTIONNAIRES / "sipas_2023.yaml")


@pytest.fixture(scope="module")
def s23(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    demo = generate(S23, DemoDesign(n=400, seed=5))
    path = write_limesurvey_csv(demo.export, tmp_path_factory.mktemp("s23") / "r.csv")
    return read_export(path, instrument=S23, secret_key=KEY).frame


def test_unticked_boxes_of_a_filtered_question_are_no_breach(s23: pd.DataFrame) -> None:
    boxes = [it.id for it in S23.items if it.type == "M" and it.filter]
    assert len(boxes) == 6
    eligible = s23["sansang"].astype("string").isin(["3", "4"]).fillna(False)
    # LimeSurvey's CSV writes "" for an unticked box and for a box never shown; the import
    # reads the boxes of a respondent the filter did not route there as not shown (NA) ...
    assert int(s23.loc[~eligible, boxes].isna().to_numpy().sum()) == int((~eligible).sum()) * 6 > 300
    assert run_checks(s23, S23).query("rule == 'filter_breach'").empty
    # ... and a frame holding False there (another source) is no breach either
    f0 = s23.copy()
    f0.loc[~eligible, boxes] = False
    fl = run_checks(f0, S23)
    assert fl[fl["rule"] == "filter_breach"].empty
    # a box ticked by a respondent who was not asked: one breach, of that box
    f = s23.copy()
    r = int(np.flatnonzero((~eligible & f["complete"]).to_numpy())[0])
    f.loc[r, boxes[2]] = True
    fb = run_checks(f, S23).query("rule == 'filter_breach'")
    assert fb[["row", "column", "value"]].values.tolist() == [[r, boxes[2], "True"]]


def test_empty_text_is_no_answer() -> None:
    s = pd.Series(["5", "", "  ", None, "x"], dtype="string")
    assert answer_given(s).tolist() == [True, False, False, False, True]
    b = pd.Series([True, False, pd.NA], dtype="boolean")
    assert answer_given(b).tolist() == [True, False, False]
    assert answer_given(pd.Series([1.0, np.nan])).tolist() == [True, False]
