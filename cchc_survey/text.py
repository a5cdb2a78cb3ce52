"""Unicode helpers: every text that crosses a boundary is NFC, and names can be matched without
diacritics (``Hà Nội`` = ``Ha Noi`` = ``HA NOI``)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd


def nfc(text: str) -> str:
    """Return ``text`` in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def nfc_deep(value: Any) -> Any:
    """NFC-normalise every string inside nested dicts/lists (keys too)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    return value


def nfc_series(s: pd.Series) -> pd.Series:
    """NFC-normalise the strings of a Series (vectorised; non-strings pass through)."""
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        return s.str.normalize("NFC") if len(s) else s
    return s


def fold(text: str) -> str:
    """Fold a Vietnamese name for matching: no diacritics, đ -> d, lower case, single spaces."""
    t = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Mn")
    return " ".join(t.lower().split())
