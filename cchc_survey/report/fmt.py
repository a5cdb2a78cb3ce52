"""One number format per language, for every output (Word, HTML, charts, Excel notes).

Vietnamese writes a decimal comma and a dot between thousands (``1.234,5``); English the
reverse (``1,234.5``). A value that rounds to zero is printed without a sign (never ``-0,0``).
Percentages carry one decimal. A missing number prints as an empty string, or as the reason it
is missing where the caller gives one (``không đủ phiếu``).

Example:
    >>> num(65.94, 1, "vi"), num(65.94, 1, "en"), num(-0.04, 1, "vi")
    ('65,9', '65.9', '0,0')
    >>> count(12345, "vi"), pct(0.6594, "vi"), interval(60.1, 71.75, 1, "vi")
    ('12.345', '65,9%', '60,1–71,8')
"""

from __future__ import annotations

import math
import re
from typing import Any

from .labels import Lang

_SOURCE_FILE = re.compile(
    r"\s*\((?:[^()]*?\b[\w./-]+\.(?:md|yaml|yml|py|csv|json|txt)\b[^()]*)\)"
    r"|\s*\b(?:shared/)?[\w./-]*\w\.(?:md|yaml|yml|py)\b(?:\s*§\s*[\d.]+)?")
"""A reference to a working file (``(shared/domain/papi.md §2.2)``, ``one_stop_draft.md``)."""


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def num(value: Any, digits: int = 1, lang: Lang = "vi", *, signed: bool = False) -> str:
    """``value`` rounded to ``digits`` places in the language's format; ``""`` when missing.

    ``signed=True`` writes a plus sign before a positive value (a change, a difference); a
    value that rounds to zero never carries a sign.
    """
    v = _float(value)
    if v is None:
        return ""
    text = f"{abs(v):,.{digits}f}"
    zero = float(text.replace(",", "")) == 0.0
    sign = "" if zero else ("-" if v < 0 else ("+" if signed else ""))
    if lang == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return sign + text


def count(value: Any, lang: Lang = "vi") -> str:
    """A whole number with the language's thousands separator (``12.345`` / ``12,345``)."""
    return num(value, 0, lang)


def pct(share: Any, lang: Lang = "vi", digits: int = 1) -> str:
    """A share (0..1) as a percentage with one decimal (``65,9%``)."""
    v = _float(share)
    return "" if v is None else num(100 * v, digits, lang) + "%"


def interval(low: Any, high: Any, digits: int = 1, lang: Lang = "vi") -> str:
    """A confidence interval as ``low–high``; ``""`` when either end is missing."""
    lo, hi = num(low, digits, lang), num(high, digits, lang)
    return f"{lo}–{hi}" if lo and hi else ""


def digits_for(unit: str) -> int:
    """Decimals for a score's unit: one for percentages, two for points and means."""
    return 1 if unit in ("percent", "") else 2


def clean_source(text: str) -> str:
    """A methodology source as a reader sees it: references to working files removed.

    >>> clean_source("Thực tiễn địa phương (one_stop_sipas_draft.md); chưa đối chiếu QĐ 2640")
    'Thực tiễn địa phương; chưa đối chiếu QĐ 2640'
    """
    out = _SOURCE_FILE.sub("", text)
    out = re.sub(r"\s+([;,.])", r"\1", out)
    out = re.sub(r"\(\s*\)", "", out)
    return re.sub(r"\s{2,}", " ", out).strip(" ;,")
