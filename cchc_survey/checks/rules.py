"""The data-quality rules, one function each (configured in the instrument's ``checks:`` block).

Each rule reads whole columns as numpy arrays (no loop over respondents) and yields
:class:`~.registry.Flags`: the flagged rows, the column to name, and the text of each flagged
value, made only for flagged rows and once per distinct value.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .context import Context, answer_given
from .registry import Flags, rule


def text_of(values: pd.Series) -> pd.Series:
    """The text of each value (``str(value)``; a whole number as an integer, ``5`` not ``5.0``;
    missing stays missing), made once per distinct value."""
    v = values.reset_index(drop=True)
    na = v.isna().to_numpy()
    if v.dtype.kind == "f":
        v = v.astype(float)
        whole = v.notna() & (v == np.round(v))
        v = v.mask(whole, v.round(0) + 0.0)  # -0.0 -> 0.0
        codes, uniq = pd.factorize(v)
        distinct = pd.Series(uniq)
        text = distinct.astype(str).to_numpy(dtype=object)
        is_whole = (distinct == np.round(distinct)).to_numpy()
        text[is_whole] = distinct[is_whole].astype(np.int64).astype(str).to_numpy(dtype=object)
    else:
        codes, uniq = pd.factorize(v)
        text = pd.Series(uniq).astype(str).to_numpy(dtype=object)
    texts = np.append(text, np.nan)
    out = texts[np.where(na | (codes < 0), len(texts) - 1, codes)]
    return pd.Series(out, dtype="str")


@rule("out_of_scale", "error", vi="Mã trả lời ngoài thang đo",
      en="Answer code outside the item's scale")
def out_of_scale(ctx: Context) -> Iterator[Flags]:
    """An answer code that is not a code of the item's scale (nor one of its missing codes)."""
    for it in ctx.items:
        scale = ctx.inst.scale_of(it)
        if scale is None or it.type == "M":
            continue
        valid = {str(c) for c in [*scale.codes, *scale.missing_codes]}
        if it.type in {"L", "!"}:
            valid.add("-oth-")
        col = ctx.frame[it.id]
        if col.dtype.kind == "f" and col.isna().all():
            continue
        if col.dtype.kind == "f" and (col.dropna() == np.round(col.dropna())).all():
            col = col.astype("Int64")  # whole numbers held as floats: codes all the same
        if col.dtype.kind == "i":
            # integer codes: compare numbers. When every integer between the column's smallest
            # and largest value is a valid code, no value can be out of scale (the common case).
            ints = sorted({int(c) for c in valid if c.lstrip("-").isdigit()})
            na = col.isna().to_numpy()
            v = col.to_numpy(dtype=np.int64, na_value=ints[0] if ints else 0)
            if ints and v.size:
                lo, hi = int(v.min()), int(v.max())
                if hi - lo < len(ints) and set(range(lo, hi + 1)) <= set(ints):
                    continue
            rows = np.flatnonzero(~na & ~np.isin(v, ints))
        else:
            vals = col if col.dtype == pd.StringDtype() else col.astype("string")
            rows = np.flatnonzero(~vals.isna().to_numpy()
                                  & ~vals.isin(valid).fillna(False).to_numpy(dtype=bool))
        if rows.size:
            yield Flags(rows, it.id, text_of(col.iloc[rows]))


@rule("duplicate_respondent", "error",
      vi="Phiếu trùng (cùng mã người trả lời hoặc mã phiếu)",
      en="Duplicate questionnaire (same respondent token or response id)")
def duplicate_respondent(ctx: Context) -> Iterator[Flags]:
    """A second response with the same response id, or the same pseudonymised token."""
    ids = ctx.frame["response_id"]
    dup_id = ids.duplicated(keep="first").to_numpy()
    rows = np.flatnonzero(dup_id)
    if rows.size:
        yield Flags(rows, "response_id", text_of(ids.iloc[rows]))
    if ctx.has("token_hash"):
        tok = ctx.frame["token_hash"].astype("string")
        dup_tok = (tok.notna() & (tok != "") & tok.duplicated(keep="first")).to_numpy(dtype=bool)
        rows = np.flatnonzero(dup_tok & ~dup_id)
        if rows.size:
            yield Flags(rows, "token_hash", text_of(tok.iloc[rows]))


@rule("incomplete", "warning", vi="Phiếu chưa hoàn thành",
      en="Questionnaire not submitted (last page not reached)")
def incomplete(ctx: Context) -> Iterator[Flags]:
    """The respondent did not submit the last page; the value is the last page seen."""
    if not ctx.has("complete"):
        return
    rows = np.flatnonzero(~ctx.complete())
    if rows.size:
        yield Flags(rows, "lastpage",
                    text_of(ctx.frame["lastpage"].iloc[rows])
                    if ctx.has("lastpage") else pd.Series([""] * rows.size, dtype="str"))


def _row_straight(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the largest answer among ``cols``, whether every answer equals it, how many.

    Text is read as numbers (``pd.to_numeric(errors="coerce")``); missing answers are skipped.
    Integer columns stay integers (exact); otherwise the comparison is of floats.
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


@rule("straightlining", "warning", vi="Trả lời một mức cho toàn bộ câu hỏi dạng bảng",
      en="The same answer to every row of an array question")
def straightlining(ctx: Context) -> Iterator[Flags]:
    """Every answered row of an array question has the same code, with at least
    ``straightline_min_items`` rows answered; the value is that code."""
    arrays: dict[str, list[str]] = {}
    for it in ctx.items:
        if it.type == "F" and it.role == "item":
            arrays.setdefault(it.question_code, []).append(it.id)
    need = ctx.cfg.straightline_min_items
    for qcode, cols in arrays.items():
        if len(cols) < need:
            continue
        mx, same, answered = _row_straight(ctx.frame, cols)
        rows = np.flatnonzero(same & (answered >= need))
        if rows.size:
            yield Flags(rows, qcode, text_of(pd.Series(mx[rows]).astype("Int64")))


@rule("speeder", "warning", vi="Thời gian trả lời quá ngắn", en="Answered too fast")
def speeder(ctx: Context) -> Iterator[Flags]:
    """A complete response whose interview time is below ``speeder_seconds`` or, without it,
    below ``speeder_fraction_of_median`` x the median of complete responses; the value is the
    time in seconds."""
    secs = ctx.seconds()
    if secs is None:
        return
    complete = ctx.complete()
    threshold = ctx.cfg.speeder_seconds
    if threshold is None and complete.any():
        threshold = ctx.cfg.speeder_fraction_of_median * float(secs[complete].median())
    if threshold is None:
        return
    rows = np.flatnonzero(complete & (secs < threshold).to_numpy(dtype=bool, na_value=False))
    if rows.size:
        yield Flags(rows, "interviewtime", text_of(secs.iloc[rows].round(0)))


@rule("item_nonresponse", "warning", vi="Bỏ trống quá nhiều câu hỏi",
      en="Too many questions left empty")
def item_nonresponse(ctx: Context) -> Iterator[Flags]:
    """The share of the substantive items shown to the respondent that were left empty exceeds
    ``item_nonresponse_max``; the value is that share."""
    subst = [it for it in ctx.items
             if it.role == "item" and not it.hidden and it.type not in {"M", "S", "T"}]
    if not subst:
        return
    # items shown under the same page and filters are counted together: per group, the number
    # of its items and, per row, how many of them are empty
    groups: dict[tuple[object, ...], tuple[np.ndarray, list[int], np.ndarray]] = {}
    for it in subst:
        key, shown = ctx.shown(it)
        if key not in groups:
            groups[key] = (shown, [0], np.zeros(ctx.n, dtype=np.int32))
        _, n_items, empty = groups[key]
        n_items[0] += 1
        empty += ctx.frame[it.id].isna().to_numpy()
    n_shown = np.zeros(ctx.n, dtype=np.int64)
    n_empty = np.zeros(ctx.n, dtype=np.int64)
    for shown, n_items, empty in groups.values():
        n_shown += shown * np.int64(n_items[0])
        n_empty += np.where(shown, empty, 0)
    share = np.divide(n_empty, n_shown, out=np.zeros(ctx.n), where=n_shown > 0)
    rows = np.flatnonzero(share > ctx.cfg.item_nonresponse_max)
    if rows.size:
        yield Flags(rows, "", text_of(pd.Series(np.round(share[rows], 3))))


@rule("filter_breach", "error",
      vi="Trả lời câu hỏi không thuộc đối tượng (vi phạm điều kiện lọc)",
      en="Answer to a question the respondent should not have been asked (filter breached)")
def filter_breach(ctx: Context) -> Iterator[Flags]:
    """An answer given (a ticked box, a non-empty value) to an item whose filter condition is
    false, e.g. feedback questions answered by someone who gave no feedback. An unticked box
    or an empty text is no answer, so it is no breach."""
    for it in ctx.items:
        if not it.filter:
            continue
        col = ctx.frame[it.id]
        rows = np.flatnonzero(answer_given(col) & ~ctx.filter_ok(it))
        if rows.size:
            yield Flags(rows, it.id, text_of(col.iloc[rows]))
