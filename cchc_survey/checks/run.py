"""Run the registered rules into one flags table; exclude by recorded decision; keep the books."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..instrument.model import Instrument
from ..shapes import CHECK_SUMMARY, EXCLUSIONS, FLAGS, failure_table
from .context import ChecksError, Context
from .registry import RULES, Flags


def run_checks(frame: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Run every rule of :data:`~.registry.RULES` on ``frame``; return the flags table.

    The table has the :data:`~cchc_survey.shapes.FLAGS` shape (``rule, row, response_id,
    column, value, severity``) with fixed types, whatever the types of the frame's columns.

    Example:
        >>> from cchc_survey import bundled_instrument, read_export, bundled_example
        >>> inst = bundled_instrument("par_survey")
        >>> flags = run_checks(read_export(bundled_example("par_survey"), inst).frame, inst)
        >>> flags.groupby("rule").size().to_dict()
        {'incomplete': 3, 'speeder': 1}
    """
    ctx = Context(frame, inst)
    found: list[tuple[str, Flags]] = [(name, f) for name, r in RULES.items() for f in r.find(ctx)]
    if not found:
        return failure_table(FLAGS, {"rule": [], "row": np.array([], dtype=np.int64),
                                     "response_id": ctx.frame["response_id"].iloc[:0],
                                     "column": [], "value": [], "severity": []})
    sizes = np.array([f.rows.size for _, f in found])
    names = np.array([name for name, _ in found], dtype=object)
    rows = np.concatenate([f.rows for _, f in found]).astype(np.int64)
    values = pd.concat([f.values if f.values is not None else pd.Series([np.nan] * f.rows.size)
                        for _, f in found], ignore_index=True)
    return failure_table(FLAGS, {
        "rule": np.repeat(names, sizes),
        "row": rows,
        "response_id": ctx.frame["response_id"].take(rows),
        "column": np.repeat(np.array([f.column for _, f in found], dtype=object), sizes),
        "value": values,
        "severity": np.repeat(np.array([RULES[n].severity for n in names], dtype=object), sizes),
    })


@dataclass(frozen=True)
class CleanResult:
    """The outcome of :func:`clean`.

    Attributes:
        kept: the questionnaires kept for analysis.
        excluded: one row per excluded questionnaire (:data:`~cchc_survey.shapes.EXCLUSIONS`).
        flags: every flag raised, also on kept questionnaires
            (:data:`~cchc_survey.shapes.FLAGS`).
        summary: per rule: questionnaires flagged, flags, whether the rule excludes,
            questionnaires excluded (:data:`~cchc_survey.shapes.CHECK_SUMMARY`).
        n_in, n_kept, n_excluded: the books (n_in == n_kept + n_excluded).
    """

    kept: pd.DataFrame
    excluded: pd.DataFrame
    flags: pd.DataFrame
    summary: pd.DataFrame
    n_in: int
    n_kept: int
    n_excluded: int

    def by_severity(self) -> dict[str, int]:
        """Questionnaires (phiếu) with at least one flag of each severity: what a report says
        first ("12 phiếu có lỗi"), before the number of flags."""
        fl = self.flags
        return {sev: int(fl.loc[fl["severity"] == sev, "row"].nunique())
                for sev in ("error", "warning", "info")}


def clean(frame: pd.DataFrame, inst: Instrument, flags: pd.DataFrame | None = None,
          exclude: list[str] | None = None) -> CleanResult:
    """Exclude the questionnaires flagged by the excluding rules; keep the books.

    Args:
        frame: the tidy frame.
        inst: the instrument (its ``checks`` block configures the rules and ``exclude``).
        flags: flags from :func:`run_checks` (computed when not given).
        exclude: override the instrument's list of excluding rules (an explicit decision).

    Raises:
        ChecksError: an unknown rule to exclude by, or flags of rows the frame does not have.
    """
    rules = list(inst.spec.checks.exclude if exclude is None else exclude)
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise ChecksError(f"unknown rule(s) {unknown}; rules are {sorted(RULES)}")
    fl = run_checks(frame, inst) if flags is None else flags
    frame = frame.reset_index(drop=True)
    row = fl["row"].to_numpy(dtype=np.int64)
    outside = (row < 0) | (row >= len(frame))
    if outside.any():
        raise ChecksError(f"flags name row(s) {sorted(set(row[outside].tolist()))[:5]} of a frame "
                          f"of {len(frame)} rows. Fix: run the checks on this frame.")
    order = list(RULES)
    rcode = pd.Categorical(fl["rule"], categories=order).codes.astype(np.int64)
    if (rcode < 0).any():
        bad = sorted(set(fl["rule"][rcode < 0]))
        raise ChecksError(f"flags of unknown rule(s) {bad}; rules are {order}")
    n_rules = len(order)
    # one (row, rule) pair per questionnaire and rule, however many flags it has
    pair = np.unique(row * n_rules + rcode)
    prow, prule = pair // n_rules, pair % n_rules
    excl = np.array([r in rules for r in order])
    hit = excl[prule]
    # the excluding rules of each excluded questionnaire as a bit set (bit = rule position),
    # so the joined names and reasons are built once per distinct set, not once per row
    uniq_rows, inv = np.unique(prow[hit], return_inverse=True)
    sets = np.zeros(len(uniq_rows), dtype=np.int64)
    np.bitwise_or.at(sets, inv, np.left_shift(1, prule[hit]))
    ordered = sorted(range(n_rules), key=lambda i: order[i])  # names joined alphabetically
    joined = {int(b): [order[i] for i in ordered if b >> i & 1] for b in np.unique(sets)}
    keep = np.ones(len(frame), dtype=bool)
    keep[uniq_rows] = False
    kept = frame.take(np.flatnonzero(keep)).reset_index(drop=True)
    key = pd.Series(sets)
    excluded = failure_table(EXCLUSIONS, {
        "row": uniq_rows,
        "response_id": frame["response_id"].take(uniq_rows),
        "rules": key.map({b: ",".join(rs) for b, rs in joined.items()}),
        "reason_vi": key.map({b: "; ".join(RULES[r].reason_vi for r in rs)
                              for b, rs in joined.items()}),
    })
    summary = failure_table(CHECK_SUMMARY, {
        "rule": order,
        "severity": [RULES[r].severity for r in order],
        "reason_vi": [RULES[r].reason_vi for r in order],
        "reason_en": [RULES[r].reason_en for r in order],
        "rows_flagged": np.bincount(prule, minlength=n_rules),
        "flags": np.bincount(rcode, minlength=n_rules),
        "excludes": excl,
        "rows_excluded": [int(np.count_nonzero(sets >> i & 1)) for i in range(n_rules)],
    })
    n_in, n_kept, n_exc = len(frame), len(kept), len(excluded)
    if n_in != n_kept + n_exc:  # the books must balance; a bug here must not pass silently
        raise ChecksError(f"row accounting failed: {n_in} in, {n_kept} kept, {n_exc} excluded")
    return CleanResult(kept=kept, excluded=excluded, flags=fl, summary=summary, n_in=n_in,
                       n_kept=n_kept, n_excluded=n_exc)
