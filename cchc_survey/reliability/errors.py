"""Errors and warnings of the reliability stage."""

from __future__ import annotations

from ..errors import CchcSurveyError


class ReliabilityError(CchcSurveyError):
    """A scale cannot be analysed (too few items, no data)."""


class ReliabilityWarning(UserWarning):
    """Something in a scale needs the analyst's attention (reverse-keyed item, no variance)."""
