"""What the rules read: the frame, its instrument, and the facts several rules share (which
respondent was shown which item, which answers were given), each computed once per run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CchcSurveyError
from ..instrument.model import Instrument, Item


class ChecksError(CchcSurveyError):
    """The frame cannot be checked as it stands (a required column is missing)."""


def answer_given(values: pd.Series) -> np.ndarray:
    """True where an answer was given: a ticked box (``True``) of a multiple-choice column, any
    other value that is neither missing nor empty text.

    An unticked box is not an answer: LimeSurvey writes ``""`` both for a box left unticked and
    for a question never shown, so a ``False`` box cannot say that the question was answered.
    """
    if values.dtype == bool or isinstance(values.dtype, pd.BooleanDtype):
        return values.fillna(False).to_numpy(dtype=bool)
    ok = ~values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.astype("string").str.strip()
        ok &= (text != "").fillna(False).to_numpy(dtype=bool)
    return ok


class Context:
    """The frame (0..n-1 index), its instrument, the answer items present, and shared masks."""

    def __init__(self, frame: pd.DataFrame, inst: Instrument) -> None:
        if "response_id" not in frame.columns:
            raise ChecksError("the frame has no 'response_id' column. Fix: read the export with "
                              "cchc_survey.read_export (command line: cchc-survey import).")
        self.frame = frame.reset_index(drop=True)
        self.inst = inst
        self.cfg = inst.spec.checks
        self.n = len(self.frame)
        self.items: list[Item] = [it for it in inst.items
                                  if it.kind == "answer" and it.id in self.frame.columns]
        self._pages = [g.code for g in inst.spec.groups]
        self._reached: dict[int, np.ndarray] = {}
        self._cond: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}
        self._shown: dict[tuple[object, ...], np.ndarray] = {}
        self._complete: np.ndarray | None = None

    def has(self, *columns: str) -> bool:
        return all(c in self.frame.columns for c in columns)

    def complete(self) -> np.ndarray:
        """The ``complete`` column as booleans (every row complete when there is none)."""
        if self._complete is None:
            self._complete = (self.frame["complete"].astype(bool).to_numpy(dtype=bool)
                              if self.has("complete") else np.ones(self.n, dtype=bool))
        return self._complete

    def filter_ok(self, item: Item) -> np.ndarray:
        """True where every filter condition of ``item`` holds (the question was shown)."""
        ok = np.ones(self.n, dtype=bool)
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

    def reached(self, item: Item) -> np.ndarray:
        """True where the respondent reached the item's page (group-by-group surveys)."""
        if not self.has("lastpage"):
            return np.ones(self.n, dtype=bool)
        page = 1 + self._pages.index(item.group)
        if page not in self._reached:
            lp = pd.to_numeric(self.frame["lastpage"], errors="coerce")
            lastpage = lp.to_numpy(dtype=float, na_value=np.nan)
            complete = self.complete() if self.has("complete") else False
            self._reached[page] = (lastpage >= page) | complete
        return self._reached[page]

    def shown(self, item: Item) -> tuple[tuple[object, ...], np.ndarray]:
        """(key, mask): the item's page reached and its filters true; one mask per distinct key."""
        key = (item.group, *((f.question, *map(str, f.in_)) for f in item.filter))
        if key not in self._shown:
            self._shown[key] = self.reached(item) & self.filter_ok(item)
        return key, self._shown[key]

    def seconds(self) -> pd.Series | None:
        """Interview time: LimeSurvey's ``interviewtime`` when exported, else last action minus
        start; None when neither is in the frame."""
        if self.has("interviewtime"):
            return pd.to_numeric(self.frame["interviewtime"], errors="coerce")
        if self.has("startdate", "datestamp"):
            return (pd.to_datetime(self.frame["datestamp"])
                    - pd.to_datetime(self.frame["startdate"])).dt.total_seconds()
        return None
