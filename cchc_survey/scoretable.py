"""The one output shape: every estimate, at every level, is a row of a *score table*.

Tables, charts, comparisons and reports all read this shape, so a new index or a new level needs
no new reporting code. Build one with :func:`score_table` (it checks columns and types) and stack
several with :func:`concat`.

Columns (in this order):

======================  =====================================================================
index                   the index or instrument the row belongs to (``SIPAS``, ``PAPI``, ...)
instrument              the instrument id (``sipas_one_stop``)
variant                 the aggregation variant (``criteria``), empty for plain estimates
level                   ``item``, ``criterion``, ``element``, ``index``, ``dimension``, ...
code                    the component id or item id (``E1``, ``E1.1``, ``tc_c1``)
label_vi, label_en      its label in Vietnamese and English
group_var               the domain variable (``""`` for the whole sample, ``donvi``, ``wave``)
group_value             the domain's value (``""`` for the whole sample)
group_label_vi/_en      the domain value's label
estimate                the point estimate, on the scale given by ``unit``
se                      its standard error (design-based)
ci_low, ci_high         the confidence interval at ``ci_level``
ci_level                e.g. 0.95
df                      design degrees of freedom used for the interval
n                       unweighted number of respondents with a valid value
n_eff                   effective sample size (n / deff)
deff                    design effect (Kish's V_design / V_srswor unless ``method`` says else)
unit                    ``percent``, ``proportion``, ``points``, ``mean``
method                  how the number was made (``taylor``, ``bootstrap``, ``unweighted``)
source                  the methodology source the row rests on
verified                whether that methodology was checked against the official text
note_vi, note_en        a caveat to print beside the number (e.g. an unverified method)
domain_df               the degrees of freedom the estimate rests on: PSUs - strata among those
                        holding a valid answer in the domain (Korn & Graubard 1999; R's
                        ``degf`` of the domain's subset). ``df`` is the one the interval used
                        (the domain's by default, the design's with ``df="design"``; at least 1)
flag                    reliability by the presentation standard
                        (:mod:`cchc_survey.estimate.flags`, NCHS 2017 by default): ``ok``,
                        ``review`` (show, but degrees of freedom are few), ``unreliable`` (show
                        only with the warning, never rank); ``""`` = not assessed
flag_reason             the rules broken, with their numbers (``n_eff 12.3 < 30; df 4 < 8``)
flag_vi, flag_en        the flag in the reader's words (``Ước lượng kém tin cậy: cỡ mẫu hiệu
                        dụng 12,3 < 30``); ``""`` when the flag is ``ok`` or not assessed
======================  =====================================================================

The last five columns were added after the first release: a table built without them gets
``domain_df`` NaN and empty flags (not assessed), so older tables still load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import CchcSurveyError

COLUMNS: tuple[str, ...] = (
    "index", "instrument", "variant", "level", "code", "label_vi", "label_en",
    "group_var", "group_value", "group_label_vi", "group_label_en",
    "estimate", "se", "ci_low", "ci_high", "ci_level", "df", "n", "n_eff", "deff",
    "unit", "method", "source", "verified", "note_vi", "note_en",
    "domain_df", "flag", "flag_reason", "flag_vi", "flag_en",
)
FLOAT_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "ci_level", "df", "n_eff", "deff",
                 "domain_df")
FLAG_COLUMNS: tuple[str, ...] = ("domain_df", "flag", "flag_reason", "flag_vi", "flag_en")
"""The reliability columns (the report shows ``flag_vi`` beside a flagged estimate)."""
FLAG_VALUES: tuple[str, ...] = ("ok", "review", "unreliable", "")
INT_COLUMNS = ("n",)
BOOL_COLUMNS = ("verified",)
STR_COLUMNS = tuple(c for c in COLUMNS if c not in (*FLOAT_COLUMNS, *INT_COLUMNS, *BOOL_COLUMNS))
UNVERIFIED_NOTE = {
    "vi": "Phương pháp chưa được đối chiếu với văn bản chính thức",
    "en": "Method not yet checked against the official text",
}


class ScoreTableError(CchcSurveyError):
    """A frame that should be a score table is not one."""


def score_table(rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Return ``rows`` as a score table: all columns, in order, with their types.

    Missing text columns become ``""``, missing numbers NaN; an unverified row without a note gets
    the standard caveat. Unknown columns are an error (they would be lost silently otherwise).
    """
    df = pd.DataFrame(rows) if not isinstance(rows, pd.DataFrame) else rows.copy()
    extra = [c for c in df.columns if c not in COLUMNS]
    if extra:
        raise ScoreTableError(f"columns not in the score-table shape: {extra}; "
                              f"allowed: {list(COLUMNS)}")
    n = len(df)
    for c in STR_COLUMNS:
        df[c] = df[c].fillna("").astype(str) if c in df else pd.Series([""] * n, dtype=object)
    for c in FLOAT_COLUMNS:
        df[c] = pd.to_numeric(df[c], errors="raise").astype(float) if c in df else np.nan
    if "n" in df:
        df["n"] = pd.to_numeric(df["n"], errors="raise").astype("Int64")
    else:
        df["n"] = pd.Series([pd.NA] * n, dtype="Int64")
    if "verified" in df:
        df["verified"] = df["verified"].astype(bool)
    else:
        df["verified"] = False
    unv = ~df["verified"] & (df["note_vi"] == "")
    df.loc[unv, "note_vi"] = UNVERIFIED_NOTE["vi"]
    df.loc[unv & (df["note_en"] == ""), "note_en"] = UNVERIFIED_NOTE["en"]
    return df.loc[:, list(COLUMNS)].reset_index(drop=True)


def concat(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack score tables (each is checked)."""
    parts = [score_table(t) for t in tables]
    if not parts:
        return score_table([])
    return score_table(pd.concat(parts, ignore_index=True))


def is_score_table(df: pd.DataFrame) -> bool:
    return tuple(df.columns) == COLUMNS
