"""Small helpers on texts and codes shared by the structure's records and columns."""

from __future__ import annotations

from collections.abc import Mapping


def pick(texts: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else in Vietnamese, else in English, else any."""
    if texts.get(lang):
        return texts[lang]
    for alt in ("vi", "en"):
        if texts.get(alt):
            return texts[alt]
    return next(iter(texts.values()), "")


def code_str(code: int | str | float) -> str:
    """An answer code as text (``5``, ``5.0`` and ``"5"`` are the same code)."""
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)
