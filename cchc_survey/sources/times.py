"""Dates and times as the sources write them, read into the local time LimeSurvey would store.

Accepted shapes (parsed on the distinct values, vectorised):

* ISO: ``2026-03-05 09:41:07``, ``2026-03-05T09:41:07.345+07:00``, ``...Z``, ``2026-03-05``
  (a workbook's date cell is read as ISO text); KoboToolbox's ``start``/``end`` carry the
  device's offset, its ``_submission_time`` is UTC without one;
* Google Forms' CSV download: ``2026/03/05 9:41:07 AM GMT+7`` (English) and
  ``2026/03/05 9:41:07 SA GMT+7`` (Vietnamese: ``SA`` sáng = AM, ``CH`` chiều = PM);
* a Google Sheet downloaded as CSV, or a sheet typed by hand: the sheet's display format,
  ``3/5/2026 9:41:07`` in an English (US) locale (month first), ``05/03/2026 09:41:07`` in the
  Vietnamese one (day first); which of the two is the map's ``date_order``, guessed from the
  values when one of them has a day past 12 (:func:`guess_date_order`).

A time with an offset is converted to the map's ``timezone`` (default ``+07:00``, Việt Nam, no
daylight saving); a time without one is taken as already local (or as UTC with ``utc: true``).
Fractions of a second are dropped (LimeSurvey stores whole seconds).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

import numpy as np
import pandas as pd

_TIME = (r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
         r"\s*(?P<ampm>AM|PM|SA|CH|am|pm|sa|ch|a\.m\.|p\.m\.)?"
         r"\s*(?P<tz>Z|UTC|GMT(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})?")
_YEAR_FIRST = re.compile(r"^\s*(?P<a>\d{4})[-/.](?P<b>\d{1,2})[-/.](?P<c>\d{1,2})" + _TIME + r"\s*$")
_YEAR_LAST = re.compile(r"^\s*(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<c>\d{4})" + _TIME + r"\s*$")
_OFFSET = re.compile(r"^(?:GMT|UTC)?(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?$")

DateOrder = Literal["ymd", "dmy", "mdy"]


def parse_offset(tz: str) -> dt.tzinfo:
    """``+07:00`` / ``GMT+7`` / ``UTC`` / an IANA name -> a tzinfo.

    Raises:
        ValueError: not a time zone.
    """
    t = tz.strip()
    if t in ("Z", "UTC", "GMT"):
        return dt.UTC
    m = _OFFSET.match(t)
    if m:
        minutes = int(m.group("h")) * 60 + int(m.group("m") or 0)
        return dt.timezone(dt.timedelta(minutes=-minutes if m.group("sign") == "-" else minutes))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(t)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None


def _offset_minutes(tz: pd.Series) -> pd.Series:
    """Offsets written with the values (``GMT+7``, ``+07:00``, ``Z``) in minutes; NA for none."""
    t = tz.fillna("")
    m = t.str.extract(r"^(?:GMT|UTC)?(?P<sign>[+-])(?P<h>\d{1,2}):?(?P<m>\d{2})?$")
    mins = (pd.to_numeric(m["h"], errors="coerce") * 60
            + pd.to_numeric(m["m"], errors="coerce").fillna(0))
    mins = mins.where(m["sign"] != "-", -mins)
    zero = t.isin(["Z", "UTC", "GMT"])
    return mins.mask(zero, 0.0).where(zero | m["sign"].notna())


def guess_date_order(values: pd.Series) -> DateOrder | None:
    """``ymd`` when dates start with the year; ``dmy``/``mdy`` when a first/second number past
    12 shows it; ``None`` when the values cannot tell (every day is 12 or less)."""
    s = pd.Series(values, dtype="string").dropna().str.strip()
    s = s[s != ""].drop_duplicates()
    if not len(s):
        return None
    if s.str.match(_YEAR_FIRST.pattern).all():
        return "ymd"
    parts = s.str.extract(_YEAR_LAST.pattern)
    a = pd.to_numeric(parts["a"], errors="coerce")
    b = pd.to_numeric(parts["b"], errors="coerce")
    if (a > 12).any():
        return "dmy"
    if (b > 12).any():
        return "mdy"
    return None


def parse_times(values: pd.Series, *, date_order: DateOrder | None = None,
                timezone: str = "+07:00", utc: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates/times (see the module docstring).

    Returns:
        ``(local naive datetime64[ns], mask of non-empty values that are no date)``.
    """
    s = pd.Series(values, dtype="string").str.strip()
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    u = pd.Series(uniq, dtype="string")
    first = u.str.extract(_YEAR_FIRST.pattern)
    last = u.str.extract(_YEAR_LAST.pattern)
    use_last = first["a"].isna() & last["a"].notna()
    mask = np.broadcast_to((~use_last).to_numpy()[:, None], first.shape)
    parts = first.where(mask, last)
    num = {k: pd.Series(pd.to_numeric(parts[k], errors="coerce")
                        .to_numpy(dtype=float, na_value=np.nan))
           for k in ("a", "b", "c", "H", "M", "S")}
    order = date_order or "dmy"
    if order == "mdy":
        month_l, day_l = num["a"], num["b"]
    else:
        day_l, month_l = num["a"], num["b"]
    year = num["a"].where(~use_last, num["c"])
    month = num["b"].where(~use_last, month_l)
    day = num["c"].where(~use_last, day_l)
    hour = num["H"].fillna(0)
    ampm = parts["ampm"].astype("string").str.lower().str.replace(".", "", regex=False)
    pm = ampm.isin(["pm", "ch"]).fillna(False).to_numpy(dtype=bool)
    am = ampm.isin(["am", "sa"]).fillna(False).to_numpy(dtype=bool)
    bad_hour = (am | pm) & ((hour > 12) | (hour < 1)).to_numpy(dtype=bool)
    hour = hour.where(~(am & (hour == 12)), 0)
    hour = hour.where(~(pm & (hour < 12)), hour + 12)
    stamp = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                                         "minute": num["M"].fillna(0),
                                         "second": num["S"].fillna(0)}), errors="coerce")
    stamp = stamp.mask(bad_hour)
    offset = _offset_minutes(parts["tz"].astype("string"))
    if utc:
        offset = offset.fillna(0.0)
    has_offset = offset.notna().to_numpy(dtype=bool)
    if has_offset.any():
        target = parse_offset(timezone)
        aware = (stamp - pd.to_timedelta(offset.fillna(0), unit="m")).dt.tz_localize("UTC")
        local = aware.dt.tz_convert(target).dt.tz_localize(None)
        stamp = stamp.where(~has_offset, local)
    stamp = stamp.astype("datetime64[ns]")
    out = pd.Series(np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]"), index=s.index)
    hit = codes >= 0
    out[hit] = stamp.to_numpy()[codes[hit]]
    empty = s.isna() | (s == "")
    bad = (~empty & out.isna()).astype(bool)
    return out, bad


def iso_text(stamps: pd.Series) -> pd.Series:
    """Datetimes as LimeSurvey writes them (``YYYY-MM-DD HH:MM:SS``); NaT -> ``""``."""
    return stamps.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(stamps.notna(), "")
