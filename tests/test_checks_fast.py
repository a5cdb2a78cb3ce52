"""The vectorised checks give exactly the flags, kept rows and books of the plain per-rule code.

``reference_run_checks`` / ``reference_clean`` below are the previous implementation of
:mod:`cchc_survey.checks` (pandas per rule, the flags table built rule by rule), frozen here as
the contract: on real tidy frames (generator -> LimeSurvey CSV export -> ``read_export``), with
planted faults of every rule and with the answer columns in every dtype a user may hand us, the
fast code returns identical tables (same rows, order, dtypes, texts).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_survey import QUESTIONNAIRES
from cchc_survey.checks import (
    FLAG_COLUMNS,
    REASON_VI,
    SEVERITY,
    ChecksError,
    CleanResult,
    clean,
    run_checks,
)
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.instrument import load_instrument
from cchc_survey.instrument.model import Instrument, Item
from cchc_survey.tidy import read_export

INST = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")
KEY = b"test-secret-key-0123456789abcdef"
RULES = list(SEVERITY)

# ----------------------------------------------------------------------------------------------
# the reference: the previous implementation, unchanged


def _ref_flags(rule: str, ids: pd.Series, column: str | pd.Series, value: pd.Series | str) -> pd.DataFrame:
    """Flags for the rows of ``ids`` (a slice of the response-id column; its index = position)."""
    n = len(ids)
    return pd.DataFrame({
        "rule": [rule] * n,
        "row": ids.index.to_numpy(),
        "response_id": ids.to_numpy(),
        "column": column.to_numpy() if isinstance(column, pd.Series) else [column] * n,
        "value": value.astype(str).to_numpy() if isinstance(value, pd.Series) else [value] * n,
        "severity": [SEVERITY[rule]] * n,
    })


def _ref_answer_items(inst: Instrument, frame: pd.DataFrame) -> list[Item]:
    return [it for it in inst.items if it.kind == "answer" and it.id in frame.columns]


def _ref_filter_ok(inst: Instrument, frame: pd.DataFrame, item: Item) -> pd.Series:
    """True where every filter condition of ``item`` holds (the question was shown)."""
    ok = pd.Series(True, index=frame.index)
    for f in item.filter:
        src = next((it for it in inst.items if it.question_code == f.question and it.kind == "answer"),
                   None)
        if src is None or src.id not in frame.columns:
            raise ChecksError(f"filter of item {item.id} needs column {f.question!r}, which the data lack")
        vals = frame[src.id].astype("string")
        ok &= vals.isin([str(c) for c in f.in_]).fillna(False).astype(bool)
    return ok


def _ref_reached(inst: Instrument, frame: pd.DataFrame, item: Item) -> pd.Series:
    """True where the respondent reached the item's page (group-by-group surveys)."""
    if "lastpage" not in frame.columns:
        return pd.Series(True, index=frame.index)
    page = 1 + [g.code for g in inst.spec.groups].index(item.group)
    lp = pd.to_numeric(frame["lastpage"], errors="coerce")
    complete = frame["complete"].astype(bool) if "complete" in frame.columns else False
    return ((lp >= page) | complete).fillna(False).astype(bool)


def reference_run_checks(frame: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Run every rule; return the flags table (``rule, row, column, value, severity``)."""
    if "response_id" not in frame.columns:
        raise ChecksError("the frame has no 'response_id' column: read it with cchc_survey.tidy")
    cfg = inst.spec.checks
    frame = frame.reset_index(drop=True)
    ids = frame["response_id"]
    out: list[pd.DataFrame] = []
    items = _ref_answer_items(inst, frame)

    # out_of_scale
    for it in items:
        scale = inst.scale_of(it)
        if scale is None or it.type == "M":
            continue
        valid = {str(c) for c in [*scale.codes, *scale.missing_codes]}
        if it.type in {"L", "!"}:
            valid.add("-oth-")
        col = frame[it.id]
        if pd.api.types.is_integer_dtype(col.dtype):
            # integer codes: compare numbers (the text of an integer is in ``valid`` iff the
            # integer is one of its integer codes); only flagged values are turned into text
            ints = [int(c) for c in valid if c.lstrip("-").isdigit()]
            bad = col.notna() & ~col.isin(ints).fillna(False)
            if bad.any():
                out.append(_ref_flags("out_of_scale", ids[bad], it.id, col[bad].astype("string")))
            continue
        vals = col.astype("string")
        bad = vals.notna() & ~vals.isin(valid).fillna(False)
        if bad.any():
            out.append(_ref_flags("out_of_scale", ids[bad], it.id, vals[bad]))

    # duplicate_respondent: same response id, or same (pseudonymised) token
    dup_id = ids.duplicated(keep="first")
    if dup_id.any():
        out.append(_ref_flags("duplicate_respondent", ids[dup_id], "response_id", ids[dup_id]))
    if "token_hash" in frame.columns:
        tok = frame["token_hash"].astype("string")
        dup_tok = tok.notna() & (tok != "") & tok.duplicated(keep="first") & ~dup_id
        if dup_tok.any():
            out.append(_ref_flags("duplicate_respondent", ids[dup_tok], "token_hash", tok[dup_tok]))

    # incomplete
    if "complete" in frame.columns:
        inc = ~frame["complete"].astype(bool)
        if inc.any():
            lp = frame["lastpage"].astype("string") if "lastpage" in frame.columns else ""
            out.append(_ref_flags("incomplete", ids[inc], "lastpage",
                              lp[inc] if isinstance(lp, pd.Series) else ""))

    # straightlining on arrays
    arrays: dict[str, list[str]] = {}
    for it in items:
        if it.type == "F" and it.role == "item":
            arrays.setdefault(it.question_code, []).append(it.id)
    for qcode, cols in arrays.items():
        if len(cols) < cfg.straightline_min_items:
            continue
        sub = frame[cols].apply(pd.to_numeric, errors="coerce")
        answered = sub.notna().sum(axis=1)
        same = (sub.max(axis=1) == sub.min(axis=1)) & (answered >= cfg.straightline_min_items)
        if same.any():
            out.append(_ref_flags("straightlining", ids[same], qcode,
                              sub.loc[same].max(axis=1).astype("Int64")))

    # speeders
    if "interviewtime" in frame.columns:
        secs = pd.to_numeric(frame["interviewtime"], errors="coerce")
    elif {"startdate", "datestamp"} <= set(frame.columns):
        secs = (pd.to_datetime(frame["datestamp"]) - pd.to_datetime(frame["startdate"])).dt.total_seconds()
    else:
        secs = None
    if secs is not None:
        complete = frame["complete"].astype(bool) if "complete" in frame.columns else pd.Series(
            True, index=frame.index)
        threshold = cfg.speeder_seconds
        if threshold is None and complete.any():
            threshold = cfg.speeder_fraction_of_median * float(secs[complete].median())
        if threshold is not None:
            fast = complete & (secs < threshold)
            if fast.any():
                out.append(_ref_flags("speeder", ids[fast], "interviewtime", secs[fast].round(0)))

    # item non-response among shown substantive items, and filter breaches
    subst = [it for it in items if it.role == "item" and not it.hidden and it.type not in {"M", "S", "T"}]
    if subst:
        shown = np.column_stack([(_ref_reached(inst, frame, it) & _ref_filter_ok(inst, frame, it)).to_numpy()
                                 for it in subst])
        empty = np.column_stack([frame[it.id].isna().to_numpy() for it in subst])
        n_shown = shown.sum(axis=1)
        share = np.divide((empty & shown).sum(axis=1), n_shown, out=np.zeros(len(frame)),
                          where=n_shown > 0)
        high = pd.Series(share > cfg.item_nonresponse_max, index=frame.index)
        if high.any():
            out.append(_ref_flags("item_nonresponse", ids[high], "",
                              pd.Series(np.round(share, 3), index=frame.index)[high]))
    for it in items:
        if not it.filter:
            continue
        breach = frame[it.id].notna() & ~_ref_filter_ok(inst, frame, it)
        if breach.any():
            out.append(_ref_flags("filter_breach", ids[breach], it.id, frame.loc[breach, it.id]))

    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    return pd.concat(out, ignore_index=True)


def reference_clean(frame: pd.DataFrame, inst: Instrument, flags: pd.DataFrame | None = None,
          exclude: list[str] | None = None) -> CleanResult:
    """Exclude the rows flagged by the excluding rules; keep the books.

    Args:
        frame: the tidy frame.
        inst: the instrument (its ``checks`` block configures the rules and ``exclude``).
        flags: flags from :func:`run_checks` (computed when not given).
        exclude: override the instrument's list of excluding rules (an explicit decision).
    """
    fl = reference_run_checks(frame, inst) if flags is None else flags
    rules = list(inst.spec.checks.exclude if exclude is None else exclude)
    unknown = [r for r in rules if r not in SEVERITY]
    if unknown:
        raise ChecksError(f"unknown rule(s) {unknown}; rules are {sorted(SEVERITY)}")
    hit = fl[fl["rule"].isin(rules)]
    frame = frame.reset_index(drop=True)
    # the excluding rules of each flagged row as a bit set (bit = position in sorted rule names),
    # so the joined names and reasons are built once per distinct set, not once per row
    names = sorted(set(hit["rule"]))
    bit = hit["rule"].map({r: 1 << i for i, r in enumerate(names)}).to_numpy(dtype=np.int64)
    hrows = hit["row"].to_numpy(dtype=np.int64)
    uniq_rows, inv = np.unique(hrows, return_inverse=True)
    sets = np.zeros(len(uniq_rows), dtype=np.int64)
    np.bitwise_or.at(sets, inv, bit)
    joined = {int(b): [r for i, r in enumerate(names) if b >> i & 1] for b in np.unique(sets)}
    mask = pd.Series(frame.index.isin(uniq_rows), index=frame.index)
    kept = frame.loc[~mask]
    exc = pd.DataFrame({"row": uniq_rows,
                        "response_id": frame.loc[uniq_rows, "response_id"].to_numpy(),
                        "rules": pd.Series(sets).map({b: ",".join(rs) for b, rs in joined.items()})
                        .to_numpy(dtype=object)})
    exc["reason_vi"] = pd.Series(sets).map(
        {b: "; ".join(REASON_VI[x] for x in rs) for b, rs in joined.items()}).to_numpy(dtype=object)
    flagged = fl.drop_duplicates(["rule", "row"])["rule"].value_counts()
    summary = pd.DataFrame({
        "rule": list(SEVERITY),
        "severity": [SEVERITY[r] for r in SEVERITY],
        "reason_vi": [REASON_VI[r] for r in SEVERITY],
        "rows_flagged": [int(flagged.get(r, 0)) for r in SEVERITY],
        "excludes": [r in rules for r in SEVERITY],
        "rows_excluded": [int(np.count_nonzero(sets >> names.index(r) & 1)) if r in names else 0
                          for r in SEVERITY],
    })
    n_in, n_kept, n_exc = len(frame), len(kept), len(exc)
    if n_in != n_kept + n_exc:  # the books must balance; a bug here must not pass silently
        raise ChecksError(f"row accounting failed: {n_in} in, {n_kept} kept, {n_exc} excluded")
    return CleanResult(kept=kept.reset_index(drop=True), excluded=exc.reset_index(drop=True),
                       flags=fl, summary=summary, n_in=n_in, n_kept=n_kept, n_excluded=n_exc)


# ----------------------------------------------------------------------------------------------
# frames


@pytest.fixture(scope="module")
def tidy(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """A real tidy frame (Int64 codes, string lists, datetimes) with a planted case of each rule."""
    demo = generate(INST, DemoDesign(n=1200, seed=11))
    path = write_limesurvey_csv(demo.export, Path(tmp_path_factory.mktemp("fast")) / "r.csv")
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
    elif name == "numpy_int":
        for c in ints:
            f[c] = f[c].fillna(6).astype("int64")
    elif name == "str":
        for c in [*texts, "token_hash"]:
            f[c] = f[c].astype(str)
    elif name == "text_ids":
        f["response_id"] = f["response_id"].astype("string")
    elif name == "missing_id":  # a response without its id (and one more, the same)
        f.loc[[5, len(f) - 1], "response_id"] = pd.NA
    elif name == "index":  # a frame with its own (non-default) index
        f.index = pd.Index(np.arange(len(f)) * 3 + 100)
    return f


def _assert_same(res: CleanResult, ref: CleanResult) -> None:
    for part in ("kept", "excluded", "flags", "summary"):
        pd.testing.assert_frame_equal(getattr(res, part), getattr(ref, part), check_exact=True)
    assert (res.n_in, res.n_kept, res.n_excluded) == (ref.n_in, ref.n_kept, ref.n_excluded)


# ----------------------------------------------------------------------------------------------
# tests


def test_planted_cases_are_flagged_with_their_texts(tidy: pd.DataFrame) -> None:
    fl = run_checks(tidy, INST)
    assert list(fl.columns) == ["rule", "row", "response_id", "column", "value", "severity"]
    assert [str(t) for t in fl.dtypes] == ["str", "int64", "int64", "str", "str", "str"]
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
    assert speed[done[4]] == "-0.0" and speed[done[5]] == "5.0"
    line = fl[(fl["rule"] == "straightlining") & (fl["column"] == "CC")].set_index("row")["value"]
    assert line[done[8]] == "2" and line[done[9]] == "3"
    fb = fl[fl["rule"] == "filter_breach"]
    assert fb[["row", "column", "value"]].values.tolist() == [[done[7], "pa_c1", "5"]]
    assert done[6] in set(fl.loc[fl["rule"] == "item_nonresponse", "row"])
    inc = fl[fl["rule"] == "incomplete"]
    assert inc["row"].tolist() == np.flatnonzero(~tidy["complete"].to_numpy()).tolist()
    assert inc["value"].isna().sum() == 1
    assert (fl["severity"] == fl["rule"].map(SEVERITY)).all()


@pytest.mark.parametrize("variant", ["tidy", "text", "object", "float", "numpy_int", "str",
                                     "text_ids", "missing_id", "index"])
def test_same_as_reference_in_every_dtype(tidy: pd.DataFrame, variant: str) -> None:
    f = _variant(tidy, variant)
    _assert_same(clean(f, INST), reference_clean(f, INST))


@pytest.mark.parametrize("exclude", [[], RULES, ["speeder", "straightlining"],
                                     ["filter_breach", "out_of_scale", "item_nonresponse"]])
def test_same_as_reference_for_every_exclusion(tidy: pd.DataFrame, exclude: list[str]) -> None:
    res, ref = clean(tidy, INST, exclude=exclude), reference_clean(tidy, INST, exclude=exclude)
    _assert_same(res, ref)
    assert res.n_in == res.n_kept + res.n_excluded == len(tidy)
    reasons = {"; ".join(REASON_VI[r] for r in rs.split(",")) for rs in res.excluded["rules"]}
    assert set(res.excluded["reason_vi"]) == reasons


def test_given_flags_with_repeats_are_counted_once_per_row(tidy: pd.DataFrame) -> None:
    fl = run_checks(tidy, INST)
    again = pd.concat([fl, fl[fl["rule"] == "speeder"].head(3)], ignore_index=True)
    res = clean(tidy, INST, flags=again, exclude=["speeder", "incomplete"])
    _assert_same(res, reference_clean(tidy, INST, flags=again, exclude=["speeder", "incomplete"]))
    summ = res.summary.set_index("rule")
    assert summ.loc["speeder", "rows_flagged"] == (fl["rule"] == "speeder").sum()


def test_no_flags_gives_the_empty_table() -> None:
    demo = generate(INST, DemoDesign(n=40, seed=3, p_incomplete=0.0))
    f = pd.DataFrame({"response_id": pd.array(demo.export["id"].to_numpy(dtype=np.int64), dtype="Int64")})
    fl, ref = run_checks(f, INST), reference_run_checks(f, INST)
    pd.testing.assert_frame_equal(fl, ref)
    assert fl.empty and list(fl.columns) == list(ref.columns)


def test_filter_on_a_missing_column_is_the_same_error(tidy: pd.DataFrame) -> None:
    f = tidy.drop(columns="cophananh")
    with pytest.raises(ChecksError, match="COPHANANH"):
        run_checks(f, INST)
    with pytest.raises(ChecksError, match="COPHANANH"):
        reference_run_checks(f, INST)


def test_given_flags_outside_the_frame_fail_the_same_way(tidy: pd.DataFrame) -> None:
    fl = run_checks(tidy, INST)
    bad = pd.concat([fl, fl[fl["rule"] == "incomplete"].head(1).assign(row=len(tidy) + 5)],
                    ignore_index=True)
    for fn in (clean, reference_clean):
        with pytest.raises(KeyError, match=f"{len(tidy) + 5}.* not in index"):
            fn(tidy, INST, flags=bad)
