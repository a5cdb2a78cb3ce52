"""The registry of data-quality rules: each rule is one small function with its name, severity
and its reason in Vietnamese and English.

A rule is declared once, with :func:`rule`::

    @rule("incomplete", "warning", vi="Phiếu chưa hoàn thành", en="Questionnaire not submitted")
    def incomplete(ctx: Context) -> Iterator[Flags]:
        ...

and everything else reads the registry: the flags table's ``severity``, the reasons printed in
the exclusions and in the reports, the list of rules an instrument may exclude by. The order of
declaration is the order of the flags table and of the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .context import Context

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Flags:
    """What one rule found in one column: the rows (0-based positions in the frame), the column
    named in the flags table, and the text of each flagged value (None: no value to show)."""

    rows: np.ndarray
    column: str
    values: pd.Series | None = None


RuleFunction = Callable[["Context"], Iterator[Flags]]


@dataclass(frozen=True)
class Rule:
    """One data-quality rule.

    Attributes:
        name: the rule's name as the instrument's ``checks.exclude`` and the flags table use it.
        severity: ``error`` (the answer cannot be right), ``warning`` (worth a look), ``info``.
        reason_vi, reason_en: why a questionnaire is flagged, for readers of reports.
        find: the function that finds the flagged rows.
    """

    name: str
    severity: Severity
    reason_vi: str
    reason_en: str
    find: RuleFunction

    def reason(self, lang: str = "vi") -> str:
        return self.reason_en if lang == "en" else self.reason_vi


RULES: dict[str, Rule] = {}
"""Every rule, by name, in the order of declaration."""


def rule(name: str, severity: Severity, *, vi: str, en: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as the rule ``name``."""

    def register(find: RuleFunction) -> RuleFunction:
        if name in RULES:
            raise ValueError(f"check rule {name!r} is declared twice")
        RULES[name] = Rule(name, severity, vi, en, find)
        return find

    return register
