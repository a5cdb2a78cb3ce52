"""Errors of the design stage."""

from __future__ import annotations

from ..errors import CchcSurveyError


class DesignError(CchcSurveyError):
    """The design specification (weights, strata, PSU, FPC columns) is unusable."""


class WeightingError(CchcSurveyError):
    """Post-stratification, raking, calibration or trimming cannot be done as asked."""


class LonelyPSUError(DesignError):
    """A stratum has a single PSU and ``lonely_psu='fail'`` was chosen."""
