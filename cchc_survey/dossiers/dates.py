"""Dates as a provincial one-stop information system or an Excel sheet writes them, day first.

Accepted (after trimming; case and extra spaces do not matter):

==============================  ===============================================================
``05/03/2026``, ``5/3/2026``    day/month/year; ``-`` or ``.`` also separate; ``05/03/26`` is 2026
``05/03/2026 14:30[:15]``       with a time; ``14h30``, ``14 giờ 30 phút``, ``lúc 14:30`` too
``02:30 CH 05/03/2026``         the time first; ``SA``/``CH`` (sáng/chiều) or ``AM``/``PM``
``ngày 05 tháng 3 năm 2026``    in words, with or without a time before or after
``2026-03-05[ 14:30:00]``       ISO (what a date cell of an Excel sheet reads as), ``T`` allowed
``46086``                       an Excel serial day number (days since 30/12/1899), 1955-2118
==============================  ===============================================================

Vietnamese dates are written day first: ``03/04/2026`` is 3 April, never 4 March, and a "month"
above 12 (``04/13/2026``) is reported as an error rather than read month first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..text import nfc_series

_TIME = (r"(?:lúc\s*)?(?P<H>\d{1,2})\s*(?::|h|giờ)\s*(?P<M>\d{1,2})?\s*(?:phút)?"
         r"\s*(?::\s*(?P<S>\d{1,2})\s*(?:giây)?)?\s*(?P<ap>sa|ch|am|pm)?")
_DMY = r"(?:ngày\s*)?(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4}|\d{2})"
_WORDS = r"ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})"
_ISO = (r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ t](?P<H>\d{1,2}):(?P<M>\d{2})"
        r"(?::(?P<S>\d{2})(?:\.\d+)?)?)?")
_SEP = r"[\s,]+"

PATTERNS: tuple[str, ...] = (
    rf"^{_ISO}$",
    rf"^{_DMY}(?:{_SEP}{_TIME})?$",
    rf"^{_TIME}{_SEP}{_DMY}$",
    rf"^{_WORDS}(?:{_SEP}{_TIME})?$",
    rf"^{_TIME}{_SEP}{_WORDS}$",
    r"^(?P<serial>\d{5}(?:\.\d+)?)$",
)
"""The accepted forms, tried in order (named groups: d, m, y, H, M, S, ap, serial)."""

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_GROUPS = ("d", "m", "y", "H", "M", "S", "ap", "serial")


@dataclass(frozen=True)
class ParsedDates:
    """The result of :func:`parse_dates_vn` for one column.

    Attributes:
        value: the timestamps (``NaT`` where empty or not a date).
        has_time: whether the cell gave a time of day (a due date without one means the whole
            day).
        empty: the cell was empty.
        problem: ``""`` or why the cell is not a date (for the error of that row and column).
    """

    value: pd.Series
    has_time: pd.Series
    empty: pd.Series
    problem: pd.Series

    @property
    def bad(self) -> pd.Series:
        return self.problem != ""


def parse_dates_vn(values: pd.Series) -> ParsedDates:
    """Parse a column of dates written the Vietnamese way (see the module docstring).

    Vectorised: each accepted form is one regular-expression pass over the column, then the
    parts are assembled into timestamps in one call; an impossible date (31/02/2026) or time
    (25:10) is reported, never rolled over.

    Example:
        >>> r = parse_dates_vn(pd.Series(["05/03/2026 14h30", "ngày 5 tháng 3 năm 2026", "31/02/2026"]))
        >>> r.value.dt.strftime("%Y-%m-%d %H:%M").tolist()[:2], r.problem.tolist()[2]
        (['2026-03-05 14:30', '2026-03-05 00:00'], '31/02/2026 is not a date (day 31 of month 2)')
    """
    raw = nfc_series(values.astype(object).where(values.notna(), "").astype(str))
    text = raw.str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    n = len(text)
    empty = (text == "").to_numpy()
    parts = pd.DataFrame({g: pd.Series([np.nan] * n, dtype=object) for g in _GROUPS})
    matched = np.zeros(n, dtype=bool)
    for pat in PATTERNS:
        todo = ~matched & ~empty
        if not todo.any():
            break
        m = text[todo].str.extract(pat)
        hit = m.notna().any(axis=1).to_numpy()
        if not hit.any():
            continue
        rows = np.flatnonzero(todo)[hit]
        for g in m.columns:
            parts.loc[rows, g] = m.loc[m.index[hit], g].to_numpy()
        matched[rows] = True
    num = {g: pd.to_numeric(parts[g], errors="coerce") for g in ("d", "m", "y", "H", "M", "S")}
    year = num["y"].where(num["y"] >= 100, num["y"] + 2000)
    hour = num["H"].fillna(0)
    ap = parts["ap"].fillna("")
    pm = ap.isin(["ch", "pm"]) & (hour < 12)
    am12 = ap.isin(["sa", "am"]) & (hour == 12)
    hour = hour + np.where(pm, 12, 0) - np.where(am12, 12, 0)
    minute, second = num["M"].fillna(0), num["S"].fillna(0)
    serial = pd.to_numeric(parts["serial"], errors="coerce")
    is_serial = serial.notna().to_numpy()
    stamp = pd.to_datetime(pd.DataFrame({"year": year, "month": num["m"], "day": num["d"]}),
                           errors="coerce")
    bad_time = ((hour > 23) | (minute > 59) | (second > 59)).to_numpy()
    stamp = stamp + pd.to_timedelta(hour * 3600 + minute * 60 + second, unit="s")
    serial_ok = is_serial & (serial >= 20000).to_numpy() & (serial <= 80000).to_numpy()
    from_serial = _EXCEL_EPOCH + pd.to_timedelta(serial.where(serial_ok).round(6), unit="D")
    stamp = stamp.where(~is_serial, from_serial)
    problem = np.full(n, "", dtype=object)
    shown = raw.str.strip().to_numpy(dtype=object)
    unknown = ~empty & ~matched
    problem[unknown] = [f"{v!r} is not a date in a known format" for v in shown[unknown]]
    month_over = matched & ~is_serial & (num["m"] > 12).to_numpy()
    problem[month_over] = [f"{v} has month {int(mo)}: dates are read day first (dd/mm/yyyy)"
                           for v, mo in zip(shown[month_over], num["m"][month_over], strict=True)]
    impossible = matched & ~is_serial & ~month_over & stamp.isna().to_numpy() & ~bad_time
    problem[impossible] = [f"{v} is not a date (day {int(d)} of month {int(mo)})"
                           for v, d, mo in zip(shown[impossible], num["d"][impossible],
                                               num["m"][impossible], strict=True)]
    clock = matched & ~is_serial & bad_time & (problem == "")
    problem[clock] = [f"{v} has no such time of day" for v in shown[clock]]
    wild = is_serial & ~serial_ok
    problem[wild] = [f"{v} is outside the Excel day numbers read as dates (20000-80000)"
                     for v in shown[wild]]
    value = stamp.where(problem == "")
    has_time = pd.Series(num["H"].notna().to_numpy() | (is_serial & (serial % 1 != 0).to_numpy()),
                         index=values.index)
    return ParsedDates(value=pd.Series(value.to_numpy(), index=values.index),
                       has_time=has_time, empty=pd.Series(empty, index=values.index),
                       problem=pd.Series(problem, index=values.index, dtype=object))
