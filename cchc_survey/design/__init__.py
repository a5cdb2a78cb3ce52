"""The survey design stage: the design object (:mod:`.model`), weighting (:mod:`.weighting`),
calibration records and margins (:mod:`.calibration`), weight diagnostics (:mod:`.diagnostics`)
and the speed kernels (:mod:`.kernels`).

Every name that ``cchc_survey.design`` exported as a module is exported here.
"""

from .calibration import (
    Calibration,
    CalibrationStep,
    Margin,
    WeightingStep,
    _as_margins,
    margin_from_frame,
    weight_summary,
)
from .errors import DesignError, LonelyPSUError, WeightingError
from .kernels import (
    _codes,
    _cross_codes,
    apply_cell_means,
    calibration_schedule,
    cell_projection_means,
    domain_psu_totals,
    domain_stage_totals,
    group_sum,
    project_cell_sums,
    text_codes,
)
from .model import LonelyPSU, Stage, SurveyDesign

__all__ = [
    "Calibration", "CalibrationStep", "DesignError", "LonelyPSU", "LonelyPSUError", "Margin",
    "Stage", "SurveyDesign", "WeightingError", "WeightingStep", "_as_margins", "_codes",
    "_cross_codes", "apply_cell_means", "calibration_schedule", "cell_projection_means",
    "domain_psu_totals", "domain_stage_totals", "group_sum", "margin_from_frame",
    "project_cell_sums", "text_codes", "weight_summary",
]
