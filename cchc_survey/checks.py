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

from collections.abc import Callable
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


_Piece = tuple[str, np.ndarray, str, "pd.Series | str"]
"""One rule's flags before the table is built: rule, rows (positions), column, value text(s)."""


def _repeat_text(labels: list[str], sizes: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """``labels[k]`` repeated ``sizes[k]`` times, typed as pandas types a column of these texts.

    The few labels are typed once, then expanded by position (no text made per row).
    """
    small = pd.Series(np.array(labels, dtype=object)).array
    return small.take(np.repeat(np.arange(len(labels)), sizes))


def _flag_table(pieces: list[_Piece], ids: pd.Series) -> pd.DataFrame:
    """The flags table, built once from every rule's pieces (columns of :data:`FLAG_COLUMNS`).

    Each piece's ``response_id`` and ``value`` are a column of their own first, so the column
    types come out as when each rule's rows were a table of their own and the tables were
    stacked (e.g. ``value`` stays text with a missing last page among the texts).
    """
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FLAG_COLUMNS})
    sizes = np.array([rows.size for _, rows, _, _ in pieces])
    rules = [rule for rule, _, _, _ in pieces]
    rows = np.concatenate([r for _, r, _, _ in pieces])
    ids_np = ids.to_numpy()
    if ids.hasnans or ids_np.dtype == object:
        # the text or missing-id case: each piece's ids converted on its own, as rows of a table
        resp_values: np.ndarray | pd.Series = pd.concat(
            [pd.Series(ids.iloc[r].to_numpy()) for _, r, _, _ in pieces], ignore_index=True)
    else:
        resp_values = ids_np[rows]
    values = pd.concat([v if isinstance(v, pd.Series) else pd.Series([v] * r.size)
                        for _, r, _, v in pieces], ignore_index=True)
    return pd.DataFrame({
        "rule": _repeat_text(rules, sizes),
        "row": rows,
        "response_id": resp_values,
        "column": _repeat_text([c for _, _, c, _ in pieces], sizes),
        "value": values,
        "severity": _repeat_text([SEVERITY[r] for r in rules], sizes),
    })


def _text(values: pd.Series) -> pd.Series:
    """``values.astype(str)`` as one rule's ``value`` column (missing stays missing).

    Typed as pandas types these texts in a table of their own (text; a column with nothing but
    missing values is a column of objects).
    """
    text = values.astype(str)
    if text.dtype == object or not text.notna().any():
        return pd.Series(text.to_numpy())
    return text.reset_index(drop=True)


def _text_by_value(values: np.ndarray, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``_text(convert(pd.Series(values)))`` (int64 or float64 values), text once per distinct value.

    Distinct values are found on the bytes of each number, so ``-0.0`` and ``0.0`` keep their
    own texts.
    """
    key = values.view(np.int64) if values.dtype == np.float64 else values
    codes, uniq = pd.factorize(key)
    distinct = np.asarray(uniq).view(values.dtype)
    return pd.Series(_text(convert(pd.Series(distinct))).array.take(codes))


def _answer_items(inst: Instrument, frame: pd.DataFrame) -> list[Item]:
    return [it for it in inst.items if it.kind == "answer" and it.id in frame.columns]


def _complete(frame: pd.DataFrame) -> np.ndarray:
    """The ``complete`` column as booleans (``astype(bool)``, as the rules read it)."""
    return frame["complete"].astype(bool).to_numpy(dtype=bool)


class _Shown:
    """Which respondents were shown an item, one page / filter condition computed once per run."""

    def __init__(self, inst: Instrument, frame: pd.DataFrame) -> None:
        self.inst, self.frame = inst, frame
        self.pages = [g.code for g in inst.spec.groups]
        self._reached: dict[int, np.ndarray] = {}
        self._cond: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._lastpage: np.ndarray | None = None
        self._shown: dict[tuple[object, ...], np.ndarray] = {}

    def filter_ok(self, item: Item) -> np.ndarray:
        """True where every filter condition of ``item`` holds (the question was shown)."""
        ok = np.ones(len(self.frame), dtype=bool)
        for f in item.filter:
            src = next((it for it in self.inst.items
                        if it.question_code == f.question and it.kind == "answer"), None)
            if src is None or src.id not in self.frame.columns:
                raise ChecksError(f"filter of item {item.id} needs column {f.question!r}, "
                                  "which the data lack")
            key = (src.id, tuple(str(c) for c in f.in_))
            if key not in self._cond:
                vals = self.frame[src.id].astype("string")
                self._cond[key] = vals.isin(list(key[1])).fillna(False).to_numpy(dtype=bool)
            ok &= self._cond[key]
        return ok

    def shown(self, item: Item) -> tuple[tuple[object, ...], np.ndarray]:
        """(key, mask): the item's page reached and its filters true; one mask per distinct key."""
        key = (item.group, *((f.question, *map(str, f.in_)) for f in item.filter))
        if key not in self._shown:
            self._shown[key] = self.reached(item) & self.filter_ok(item)
        return key, self._shown[key]

    def reached(self, item: Item) -> np.ndarray:
        """True where the respondent reached the item's page (group-by-group surveys)."""
        page = 1 + self.pages.index(item.group)
        if "lastpage" not in self.frame.columns:
            return np.ones(len(self.frame), dtype=bool)
        if page not in self._reached:
            if self._lastpage is None:
                lp = pd.to_numeric(self.frame["lastpage"], errors="coerce")
                self._lastpage = lp.to_numpy(dtype=float, na_value=np.nan)
            complete = _complete(self.frame) if "complete" in self.frame.columns else False
            self._reached[page] = (self._lastpage >= page) | complete
        return self._reached[page]


def _row_straight(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the largest answer among ``cols``, whether every answer equals it, how many.

    Text is read as numbers (``pd.to_numeric(errors="coerce")``); missing answers are skipped.
    Integer columns stay integers (exact: each answer is compared with the row's largest);
    a float column makes the comparison float (largest == smallest), as pandas does for a
    mixed frame.
    """
    nums = [frame[c] if pd.api.types.is_numeric_dtype(frame[c].dtype)
            else pd.to_numeric(frame[c], errors="coerce") for c in cols]
    n = len(frame)
    answered = np.zeros(n, dtype=np.int64)
    if all(x.dtype.kind == "i" for x in nums):
        low = np.iinfo(np.int64).min
        vals, oks = [], []
        mx = np.full(n, low, dtype=np.int64)
        for x in nums:
            oks.append(~x.isna().to_numpy())
            vals.append(x.to_numpy(dtype=np.int64, na_value=low))
            np.maximum(mx, vals[-1], out=mx)
            answered += oks[-1]
        differs = np.zeros(n, dtype=bool)
        for v, ok in zip(vals, oks, strict=True):
            differs |= (v != mx) & ok
        return mx, ~differs & (answered > 0), answered
    fmx = np.full(n, np.nan)
    fmn = np.full(n, np.nan)
    for x in nums:
        v = x.to_numpy(dtype=float, na_value=np.nan)
        np.fmax(fmx, v, out=fmx)
        np.fmin(fmn, v, out=fmn)
        answered += ~np.isnan(v)
    return fmx, fmx == fmn, answered


def run_checks(frame: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Run every rule; return the flags table (``rule, row, column, value, severity``).

    Each rule works on whole columns as numpy arrays (no loop over respondents); the text of a
    flagged value is made only for flagged rows.
    """
    if "response_id" not in frame.columns:
        raise ChecksError("the frame has no 'response_id' column: read it with cchc_survey.tidy")
    cfg = inst.spec.checks
    frame = frame.reset_index(drop=True)
    ids = frame["response_id"]
    out: list[_Piece] = []
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
        if col.dtype.kind == "i":
            # integer codes: compare numbers (the text of an integer is in ``valid`` iff the
            # integer is one of its integer codes); only flagged values are turned into text.
            # When every integer between the column's smallest and largest code is valid, no
            # value can be out of scale (the common case: one min and one max per column).
            ints = sorted({int(c) for c in valid if c.lstrip("-").isdigit()})
            na = col.isna().to_numpy()
            v = col.to_numpy(dtype=np.int64, na_value=ints[0] if ints else 0)
            if ints and v.size:
                lo, hi = int(v.min()), int(v.max())
                if hi - lo < len(ints) and set(range(lo, hi + 1)) <= set(ints):
                    continue
            rows = np.flatnonzero(~na & ~np.isin(v, ints))
            if rows.size:
                out.append(("out_of_scale", rows, it.id, _text(col.iloc[rows].astype("string"))))
            continue
        vals = col if col.dtype == pd.StringDtype() else col.astype("string")
        bad = ~vals.isna().to_numpy() & ~vals.isin(valid).fillna(False).to_numpy(dtype=bool)
        rows = np.flatnonzero(bad)
        if rows.size:
            out.append(("out_of_scale", rows, it.id, _text(vals.iloc[rows])))

    # duplicate_respondent: same response id, or same (pseudonymised) token
    dup_id = ids.duplicated(keep="first").to_numpy()
    rows = np.flatnonzero(dup_id)
    if rows.size:
        out.append(("duplicate_respondent", rows, "response_id", _text(ids.iloc[rows])))
    if "token_hash" in frame.columns:
        tok = frame["token_hash"].astype("string")
        dup_tok = (tok.notna() & (tok != "") & tok.duplicated(keep="first")).to_numpy(dtype=bool)
        rows = np.flatnonzero(dup_tok & ~dup_id)
        if rows.size:
            out.append(("duplicate_respondent", rows, "token_hash", _text(tok.iloc[rows])))

    # incomplete
    if "complete" in frame.columns:
        rows = np.flatnonzero(~_complete(frame))
        if rows.size:
            lp = (_text(frame["lastpage"].iloc[rows].astype("string"))
                  if "lastpage" in frame.columns else "")
            out.append(("incomplete", rows, "lastpage", lp))

    # straightlining on arrays
    arrays: dict[str, list[str]] = {}
    for it in items:
        if it.type == "F" and it.role == "item":
            arrays.setdefault(it.question_code, []).append(it.id)
    for qcode, cols in arrays.items():
        if len(cols) < cfg.straightline_min_items:
            continue
        mx, same, answered = _row_straight(frame, cols)
        rows = np.flatnonzero(same & (answered >= cfg.straightline_min_items))
        if rows.size:
            out.append(("straightlining", rows, qcode,
                        _text_by_value(mx[rows], lambda s: s.astype("Int64"))))

    # speeders
    if "interviewtime" in frame.columns:
        secs = pd.to_numeric(frame["interviewtime"], errors="coerce")
    elif {"startdate", "datestamp"} <= set(frame.columns):
        secs = (pd.to_datetime(frame["datestamp"]) - pd.to_datetime(frame["startdate"])).dt.total_seconds()
    else:
        secs = None
    if secs is not None:
        complete = (_complete(frame) if "complete" in frame.columns
                    else np.ones(len(frame), dtype=bool))
        threshold = cfg.speeder_seconds
        if threshold is None and complete.any():
            threshold = cfg.speeder_fraction_of_median * float(secs[complete].median())
        if threshold is not None:
            fast = complete & (secs < threshold).to_numpy(dtype=bool, na_value=False)
            rows = np.flatnonzero(fast)
            if rows.size:
                vals = secs.iloc[rows].round(0)
                out.append(("speeder", rows, "interviewtime",
                            _text_by_value(vals.to_numpy(), lambda s: s)
                            if vals.dtype == np.float64 else _text(vals)))

    # item non-response among shown substantive items, and filter breaches
    shown_by = _Shown(inst, frame)
    subst = [it for it in items if it.role == "item" and not it.hidden and it.type not in {"M", "S", "T"}]
    if subst:
        # items shown under the same page and filters are counted together: per group, the
        # number of its items and, per row, how many of them are empty
        groups: dict[tuple[object, ...], tuple[np.ndarray, list[int], np.ndarray]] = {}
        for it in subst:
            key, shown = shown_by.shown(it)
            if key not in groups:
                groups[key] = (shown, [0], np.zeros(len(frame), dtype=np.int32))
            _, n_items, empty = groups[key]
            n_items[0] += 1
            empty += frame[it.id].isna().to_numpy()
        n_shown = np.zeros(len(frame), dtype=np.int64)
        n_empty = np.zeros(len(frame), dtype=np.int64)
        for shown, n_items, empty in groups.values():
            n_shown += shown * np.int64(n_items[0])
            n_empty += np.where(shown, empty, 0)
        share = np.divide(n_empty, n_shown, out=np.zeros(len(frame)), where=n_shown > 0)
        rows = np.flatnonzero(share > cfg.item_nonresponse_max)
        if rows.size:
            out.append(("item_nonresponse", rows, "", _text(pd.Series(np.round(share[rows], 3)))))
    for it in items:
        if not it.filter:
            continue
        col = frame[it.id]
        rows = np.flatnonzero(~col.isna().to_numpy() & ~shown_by.filter_ok(it))
        if rows.size:
            out.append(("filter_breach", rows, it.id, _text(col.iloc[rows])))

    return _flag_table(out, ids)


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
    frame = frame.reset_index(drop=True)
    # rules as small integer codes (one factorisation of the flags' rule column)
    rcode, rnames = pd.factorize(fl["rule"])
    excludes = np.array([r in rules for r in rnames] + [False])  # [-1]: a missing rule
    hit = np.flatnonzero(excludes[rcode])
    # the excluding rules of each flagged row as a bit set (bit = position in sorted rule names),
    # so the joined names and reasons are built once per distinct set, not once per row
    names = sorted({str(r) for r, e in zip(rnames, excludes, strict=False) if e})
    bits = np.array([1 << names.index(r) if e else 0
                     for r, e in zip(rnames, excludes, strict=False)] + [0], dtype=np.int64)
    bit = bits[rcode[hit]]
    hrows = fl["row"].iloc[hit].to_numpy(dtype=np.int64)
    uniq_rows, inv = np.unique(hrows, return_inverse=True)
    sets = np.zeros(len(uniq_rows), dtype=np.int64)
    np.bitwise_or.at(sets, inv, bit)
    joined = {int(b): [r for i, r in enumerate(names) if b >> i & 1] for b in np.unique(sets)}
    keep = np.ones(len(frame), dtype=bool)  # frame.index is 0..n-1: rows outside it are not rows
    keep[uniq_rows[(uniq_rows >= 0) & (uniq_rows < len(frame))]] = False
    kept = frame.take(np.flatnonzero(keep))
    exc = pd.DataFrame({"row": uniq_rows,
                        "response_id": frame.loc[uniq_rows, "response_id"].to_numpy(),
                        "rules": pd.Series(sets).map({b: ",".join(rs) for b, rs in joined.items()})
                        .to_numpy(dtype=object)})
    exc["reason_vi"] = pd.Series(sets).map(
        {b: "; ".join(REASON_VI[x] for x in rs) for b, rs in joined.items()}).to_numpy(dtype=object)
    # rows flagged per rule: distinct (rule, row) pairs
    first = ~fl.duplicated(["rule", "row"]).to_numpy() & (rcode >= 0)
    flagged = dict(zip(rnames, np.bincount(rcode[first], minlength=len(rnames)).tolist(),
                       strict=True))
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
