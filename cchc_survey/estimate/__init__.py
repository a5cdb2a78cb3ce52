"""The estimation stage: design-based estimates with their uncertainty and reliability.

* :mod:`.taylor` — means, proportions, totals and linear combinations of item means, overall and
  in domains, with Taylor-linearised (calibration-aware) SEs;
* :mod:`.results` — the result objects (:class:`ContrastResult`, :class:`Estimate`);
* :mod:`.intervals` — t intervals and every ``svyciprop`` method (:func:`ciprop`);
* :mod:`.replicates` — the rescaled bootstrap;
* :mod:`.flags` — the reliability flag of every estimate (NCHS presentation standards);
* :mod:`.kernels` — the sums over the rows: the definition and the block kernel
  (``engine="reference" | "auto"``).

Every name ``cchc_survey.estimate`` exported as a module is exported here.
"""

from .errors import EstimationError, EstimationWarning
from .flags import PresentationStandard, load_standard, presentation_flags
from .intervals import (
    CIPROP_METHODS,
    CipropMethod,
    ciprop,
    korn_graubard,
    prop_interval,
    t_interval,
    t_quantile,
)
from .replicates import bootstrap_linear_ratio_combination, bootstrap_multipliers
from .results import DF_RULES, ContrastResult, DfRule, Domains, Estimate
from .taylor import (
    check_design,
    linear_ratio_combination,
    linear_ratio_combinations,
    make_domains,
    mean,
    proportion,
    ratio_means,
    total,
)

_t_quantile = t_quantile  # the old private name

__all__ = [
    "CIPROP_METHODS", "DF_RULES", "CipropMethod", "ContrastResult", "DfRule", "Domains",
    "Estimate", "EstimationError", "EstimationWarning", "PresentationStandard",
    "bootstrap_linear_ratio_combination", "bootstrap_multipliers", "check_design", "ciprop",
    "korn_graubard", "linear_ratio_combination", "linear_ratio_combinations", "load_standard",
    "make_domains", "mean", "presentation_flags", "prop_interval", "proportion", "ratio_means",
    "t_interval", "t_quantile", "total",
]
