"""Errors and warnings of the estimation stage."""

from __future__ import annotations

from ..errors import CchcSurveyError


class EstimationError(CchcSurveyError):
    """An estimate cannot be computed as asked (bad variable, shape, method)."""


class EstimationWarning(UserWarning):
    """A number is undefined and came back as NaN (e.g. the design effect of an item whose valid
    answers are all the same): the estimate stands, the NaN is the honest answer."""
