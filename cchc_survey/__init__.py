"""cchc_survey: survey toolkit for Vietnam's administrative-reform indices (SIPAS, PAPI, PAR Index).

The instrument file (``questionnaires/*.yaml``) is the single source of truth; everything else
reads it. Start with :func:`cchc_survey.instrument.load_instrument`.
"""

from pathlib import Path

from .errors import CchcSurveyError
from .instrument import Instrument, load_instrument

__version__ = "0.1.0"

REPO_ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRES = REPO_ROOT / "questionnaires"

__all__ = ["QUESTIONNAIRES", "REPO_ROOT", "CchcSurveyError", "Instrument", "load_instrument"]
