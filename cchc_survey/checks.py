"""Data-quality checks on a tidy response frame: flags as a tidy table, exclusions as decisions.

Every rule yields rows of one flags table (``rule, row, response_id, column, value, severity``),
where ``row`` is the 0-based position of the response in the frame. Nothing is dropped by a
check. :func:`clean` then excludes the rows flagged by the rules the instrument lists in
``checks.exclude`` (an explicit, recorded decision) and keeps the books: rows in = rows kept +
rows excluded, always.

Rules (configured in the instrument's ``checks:`` block):

``out_of_scale``          an answer code that is not a code of the item's scale (error)
``duplicate_respondent``  a second response with the same pseudonymised token or response id (error)
``incomplete``            the respondent did not submit the last page (warning)
``straightlining``        every answered row of an array question has the same code, with at least
                          ``straightline_min_items`` rows answered (warning)
``speeder``               interview time (LimeSurvey's ``interviewtime`` when exported, otherwise
                          last action minus start) below ``speeder_seconds`` or below
                          ``speeder_fraction_of_median`` x the median of complete responses (warning)
``item_nonresponse``      the share of shown substantive items left empty exceeds
                          ``item_nonresponse_max`` (warning)
``filter_breach``         an item answered although its filter condition is false, e.g. feedback
                          questions answered by someone who gave no feedback (error)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import CchcSurveyError
from .instrument.model import Instrument, Item

FLAG_COLUMNS = ["rule", "row", "response_id", "column", "value", "severity"]
SEVERITY = {
    "out_of_scale": "error", "duplicate_respondent": "error", "incomplete": "warning",
    "straightlining": "warning", "speeder": "warning", "item_nonresponse": "warning",
    "filter_breach": "error",
}
REASON_VI = {
    "out_of_scale": "Mã trả lời ngoài thang đo",
    "duplicate_respondent": "Phiếu trùng (cùng mã người trả lời hoặc mã phiếu)",
    "incomplete": "Phiếu chưa hoàn thành",
    "straightlining": "Trả lời một mức cho toàn bộ câu hỏi dạng bảng",
    "speeder": "Thời gian trả lời quá ngắn",
    "item_nonresponse": "Bỏ trống quá nhiều câu hỏi",
    "filter_breach": "Trả lời câu hỏi không thuộc đối tượng (vi phạm điều kiện lọc)",
}


class ChecksError(CchcSurveyError):
    """The frame cannot be checked as it stands (a required column is missing)."""


@dataclass(frozen=True)
class CleanResult:
    """The outcome of :func:`clean`.

    Attributes:
        kept: the rows kept for analysis.
        excluded: one row per excluded response: ``row`` (position in the input), ``response_id``,
            ``rules``, ``reason_vi``.
        flags: every flag raised (also for rows that were kept).
        summary: per rule: rows flagged, whether the rule excludes, rows excluded by it.
        n_in, n_kept, n_excluded: the books (n_in == n_kept + n_excluded).
    """

    kept: pd.DataFrame
    excluded: pd.DataFrame
    flags: pd.DataFrame
    summary: pd.DataFrame
    n_in: int
    n_kept: int
    n_excluded: int


def _flags(rule: str, ids: pd.Series, column: str | pd.Series, value: pd.Series | str) -> pd.DataFrame:
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


def _answer_items(inst: Instrument, frame: pd.DataFrame) -> list[Item]:
    return [it for it in inst.items if it.kind == "answer" and it.id in frame.columns]


def _filter_ok(inst: Instrument, frame: pd.DataFrame, item: Item) -> pd.Series:
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


def _reached(inst: Instrument, frame: pd.DataFrame, item: Item) -> pd.Series:
    """True where the respondent reached the item's page (group-by-group surveys)."""
    if "lastpage" not in frame.columns:
        return pd.Series(True, index=frame.index)
    page = 1 + [g.code for g in inst.spec.groups].index(item.group)
    lp = pd.to_numeric(frame["lastpage"], errors="coerce")
    complete = frame["complete"].astype(bool) if "complete" in frame.columns else False
    return ((lp >= page) | complete).fillna(False).astype(bool)


def run_checks(frame: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Run every rule; return the flags table (``rule, row, column, value, severity``)."""
    if "response_id" not in frame.columns:
        raise ChecksError("the frame has no 'response_id' column: read it with cchc_survey.tidy")
    cfg = inst.spec.checks
    frame = frame.reset_index(drop=True)
    ids = frame["response_id"]
    out: list[pd.DataFrame] = []
    items = _answer_items(inst, frame)

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
                out.append(_flags("out_of_scale", ids[bad], it.id, col[bad].astype("string")))
            continue
        vals = col.astype("string")
        bad = vals.notna() & ~vals.isin(valid).fillna(False)
        if bad.any():
            out.append(_flags("out_of_scale", ids[bad], it.id, vals[bad]))

    # duplicate_respondent: same response id, or same (pseudonymised) token
    dup_id = ids.duplicated(keep="first")
    if dup_id.any():
        out.append(_flags("duplicate_respondent", ids[dup_id], "response_id", ids[dup_id]))
    if "token_hash" in frame.columns:
        tok = frame["token_hash"].astype("string")
        dup_tok = tok.notna() & (tok != "") & tok.duplicated(keep="first") & ~dup_id
        if dup_tok.any():
            out.append(_flags("duplicate_respondent", ids[dup_tok], "token_hash", tok[dup_tok]))

    # incomplete
    if "complete" in frame.columns:
        inc = ~frame["complete"].astype(bool)
        if inc.any():
            lp = frame["lastpage"].astype("string") if "lastpage" in frame.columns else ""
            out.append(_flags("incomplete", ids[inc], "lastpage",
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
            out.append(_flags("straightlining", ids[same], qcode,
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
                out.append(_flags("speeder", ids[fast], "interviewtime", secs[fast].round(0)))

    # item non-response among shown substantive items, and filter breaches
    subst = [it for it in items if it.role == "item" and not it.hidden and it.type not in {"M", "S", "T"}]
    if subst:
        shown = np.column_stack([(_reached(inst, frame, it) & _filter_ok(inst, frame, it)).to_numpy()
                                 for it in subst])
        empty = np.column_stack([frame[it.id].isna().to_numpy() for it in subst])
        n_shown = shown.sum(axis=1)
        share = np.divide((empty & shown).sum(axis=1), n_shown, out=np.zeros(len(frame)),
                          where=n_shown > 0)
        high = pd.Series(share > cfg.item_nonresponse_max, index=frame.index)
        if high.any():
            out.append(_flags("item_nonresponse", ids[high], "",
                              pd.Series(np.round(share, 3), index=frame.index)[high]))
    for it in items:
        if not it.filter:
            continue
        breach = frame[it.id].notna() & ~_filter_ok(inst, frame, it)
        if breach.any():
            out.append(_flags("filter_breach", ids[breach], it.id, frame.loc[breach, it.id]))

    if not out:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    return pd.concat(out, ignore_index=True)


def clean(frame: pd.DataFrame, inst: Instrument, flags: pd.DataFrame | None = None,
          exclude: list[str] | None = None) -> CleanResult:
    """Exclude the rows flagged by the excluding rules; keep the books.

    Args:
        frame: the tidy frame.
        inst: the instrument (its ``checks`` block configures the rules and ``exclude``).
        flags: flags from :func:`run_checks` (computed when not given).
        exclude: override the instrument's list of excluding rules (an explicit decision).
    """
    fl = run_checks(frame, inst) if flags is None else flags
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
