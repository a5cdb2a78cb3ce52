"""Google Forms: the CSV download of the responses and the linked Google Sheet saved as xlsx.

What Google writes, and how each part is read:

* the first column is the submission time, headed ``Dấu thời gian`` (Vietnamese interface) or
  ``Timestamp`` (English). The CSV download writes it ``2026/03/05 9:41:07 SA GMT+7`` (``SA``/
  ``CH`` are the Vietnamese AM/PM, ``AM``/``PM`` the English); the sheet shows it in its locale's
  format (``05/03/2026 9:41:07`` Vietnamese, ``3/5/2026 9:41:07`` English US) and an xlsx keeps
  it as a date cell. It becomes ``submitdate`` (see :mod:`cchc_survey.sources.times`);
* an optional e-mail column (``Địa chỉ email`` / ``Email address`` / ``Email Address``) when the
  form collects addresses: personal data, kept only as the keyed pseudonym ``token_hash``, as
  LimeSurvey tokens are (:mod:`cchc_survey.pseudonym`), so a person answering twice is found;
* one column per question, headed by the question's title; a multiple-choice grid writes one
  column per row, ``Question [Row]``;
* answers are the option labels as the form owner typed them; checkboxes join the ticked labels
  with ``", "`` (a label may itself hold ``", "``: split with
  :func:`cchc_survey.sources.matcher.split_choices`); an "Other" answer is the respondent's own
  text in place of a label;
* a quiz adds ``Điểm``/``Score``: ignored.

There is no response id. It is derived from the submission time: ``YYYYMMDDhhmmss`` followed by
two digits that number the responses submitted in the same second (``00``, ``01``, in file
order): 2026-03-05 09:41:07 -> ``2026030509410700``. A second download of the same form gives
the same rows the same ids, so importing it adds only the new rows; a row whose answers were
changed in the sheet between two downloads keeps its id and is reported as changed (see
:func:`cchc_survey.processed.merge_frames`). A response the respondent edited in the form gets
a new submission time, hence a new id: both versions are kept, as two responses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..text import fold

TIMESTAMP_HEADINGS = ("Dấu thời gian", "Timestamp", "Thời gian", "Marca temporal", "Horodateur")
EMAIL_HEADINGS = ("Địa chỉ email", "Email address", "Email Address", "Địa chỉ Email")
IGNORED_HEADINGS = ("Điểm", "Score", "Tổng điểm", "Total score")


def _folded(names: tuple[str, ...]) -> set[str]:
    return {fold(n) for n in names}


def is_timestamp_heading(heading: str) -> bool:
    return fold(heading) in _folded(TIMESTAMP_HEADINGS)


def is_email_heading(heading: str) -> bool:
    return fold(heading) in _folded(EMAIL_HEADINGS)


def is_ignored_heading(heading: str) -> bool:
    return fold(heading) in _folded(IGNORED_HEADINGS)


def looks_like_google_forms(headings: list[str]) -> bool:
    """A Google Forms download or sheet: its first heading is the submission time."""
    return bool(headings) and is_timestamp_heading(headings[0])


def default_date_order(heading: str) -> str:
    """The sheet's date order when the values cannot tell: day first under a Vietnamese
    heading, month first under an English one (US locale, Google's default)."""
    return "mdy" if fold(heading) == "timestamp" else "dmy"


def derive_ids(stamps: pd.Series, lines: np.ndarray) -> pd.Series:
    """Response ids from submission times (see the module docstring); NaT gives ``""``.

    ``YYYYMMDDhhmmss * 100 + k``: at most 16 digits, below 2**53, so the id is exact in any
    number type; ``k`` counts earlier rows of the file with the same second.
    """
    t = pd.Series(stamps).reset_index(drop=True)
    ok = t.notna()
    digits = t.dt.strftime("%Y%m%d%H%M%S")
    k = t.groupby(t.where(ok), sort=False).cumcount()
    out = pd.Series([""] * len(t), dtype=object)
    if ok.any():
        ids = digits[ok].astype("int64") * 100 + k[ok].astype("int64")
        out[ok] = ids.astype(str).to_numpy()
    return out
