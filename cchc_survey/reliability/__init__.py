"""The reliability stage: Cronbach's alpha and item statistics (:mod:`.alpha`), omega
(:mod:`.omega`) and the pairwise moments behind them (:mod:`.kernels`, with
``engine="auto" | "reference"``). Numbers equal R's ``psych`` (see the oracle tests).

Every name ``cchc_survey.reliability`` exported as a module is exported here.
"""

from .alpha import (
    AlphaResult,
    Use,
    _alpha1,
    _cov2cor,
    _pairwise_cov,
    _smc,
    alpha,
    bootstrap_alpha_ci,
    feldt_ci,
    item_table,
    reliability_table,
    weighted_alpha,
)
from .errors import ReliabilityError, ReliabilityWarning
from .kernels import _distinct_rows, _Moments, _moments, reference_moments
from .omega import OmegaResult, _minres_fit, _oblimin, _varimax, omega_hierarchical, omega_total

__all__ = [
    "AlphaResult",
    "OmegaResult",
    "ReliabilityError",
    "ReliabilityWarning",
    "Use",
    # the previous module's private helpers, used by tests and notebooks that read the kernels
    "_Moments",
    "_alpha1",
    "_cov2cor",
    "_distinct_rows",
    "_minres_fit",
    "_moments",
    "_oblimin",
    "_pairwise_cov",
    "_smc",
    "_varimax",
    "alpha",
    "bootstrap_alpha_ci",
    "feldt_ci",
    "item_table",
    "omega_hierarchical",
    "omega_total",
    "reference_moments",
    "reliability_table",
    "weighted_alpha",
]
