"""Relevance equations the package can read: the ones instrument filters write.

An instrument's filter ``{question: Q, in: [1, 2]}`` is written to LimeSurvey as
``((Q.NAOK == "1" or Q.NAOK == "2"))`` (several joined with `` and ``), the form LimeSurvey's own
condition editor writes. :func:`conditions` reads exactly that form back; any other Expression
Manager equation (``age > 50``, ``!is_empty(num)``) is not evaluated here and stays text.
"""

from __future__ import annotations

import re

Condition = tuple[str, tuple[str, ...]]
"""``(question code, codes)``: the question's answer is one of the codes."""

_PART = re.compile(r'^\(\((?P<ors>[A-Za-z][A-Za-z0-9]*\.NAOK == "[^"]*"'
                   r'(?: or [A-Za-z][A-Za-z0-9]*\.NAOK == "[^"]*")*)\)\)$')
_EQ = re.compile(r'^(?P<q>[A-Za-z][A-Za-z0-9]*)\.NAOK == "(?P<c>[^"]*)"$')


def write(conds: list[Condition]) -> str:
    """The relevance equation of ``conds`` (``"1"``: always shown)."""
    parts = [f"(({' or '.join(f'{q}.NAOK == {chr(34)}{c}{chr(34)}' for c in codes)}))"
             for q, codes in conds]
    return " and ".join(parts) if parts else "1"


def conditions(relevance: str) -> list[Condition] | None:
    """The conditions a relevance equation says, when it is written as :func:`write` writes
    them (``[]`` for ``"1"`` or nothing: always shown); ``None`` for any other equation."""
    text = relevance.strip()
    if text in ("", "1"):
        return []
    out: list[Condition] = []
    for part in text.split(" and "):
        m = _PART.match(part.strip())
        if not m:
            return None
        eqs = [_EQ.match(e) for e in m.group("ors").split(" or ")]
        found = [e for e in eqs if e]
        if len(found) != len(eqs) or len({e.group("q") for e in found}) != 1:
            return None
        out.append((found[0].group("q"), tuple(e.group("c") for e in found)))
    return out if write(out) == text else None
