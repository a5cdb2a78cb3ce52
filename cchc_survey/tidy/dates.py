"""Dates as LimeSurvey's export formats write them."""

from __future__ import annotations

from typing import Literal

import pandas as pd

from .kernels import parse_iso_seconds

Engine = Literal["auto", "reference"]
"""How the import computes: ``reference`` is the readable definition alone; ``auto`` adds the
speed kernels of :mod:`cchc_survey.tidy.kernels`, which give the same result."""

DATE_FORMATS = {
    "iso": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    "dmy": ["%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y"],
}


def parse_dates(s: pd.Series, style: str, engine: Engine = "auto") -> tuple[pd.Series, pd.Series]:
    """Parse a date column. Returns ``(datetime64 values, mask of unparseable non-empty cells)``.

    ``iso``: ``YYYY-MM-DD HH:MM:SS`` (CSV, JSON, xlsx, R, VV); ``dmy``: ``DD-MM-YYYY HH:MM:SS``
    (SPSS ``.dat``) and ``DD/MM/YYYY HH:MM`` (Excel on a Vietnamese Windows); ``stata_ms``:
    milliseconds since 1960-01-01 (Stata ``%tc``). Every style also reads the others' shapes
    (in the order above); a date outside pandas' range (years 1677-2262) is unparsed.
    """
    t = s.astype("string").str.strip()
    empty = t.isna() | (t == "")
    if style == "stata_ms":
        ms = pd.to_numeric(t.mask(empty), errors="coerce")
        out = pd.Timestamp("1960-01-01") + pd.to_timedelta(ms, unit="ms")
        out = pd.Series(out, index=s.index).astype("datetime64[ns]")
        return out, ~empty & out.isna()
    todo = ~empty
    fixed = parse_iso_seconds(t) if engine == "auto" else None
    if fixed is None:
        out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    else:
        values, parsed = fixed
        out = pd.Series(values, index=s.index, copy=False)
        todo = todo & ~parsed
    for fmt in DATE_FORMATS["iso"] + DATE_FORMATS["dmy"]:
        if not todo.any():
            break
        got = pd.to_datetime(t[todo], format=fmt, errors="coerce")
        # a date outside datetime64[ns] (years 1677-2262) is no date LimeSurvey wrote: unparsed
        got = got.where((got >= pd.Timestamp.min) & (got <= pd.Timestamp.max))
        ok = got.notna()
        out.loc[ok[ok].index] = got[ok].astype("datetime64[ns]")
        todo = todo & out.isna()
    return out, todo
