"""Dossier records of the one-stop information system and the QĐ 766 index computed from them.

- :mod:`.columns`: the fields of a dossier list, the column map (YAML) and the templates;
- :mod:`.dates`: dates written the Vietnamese way (day first, in words, Excel day numbers);
- :mod:`.read`: :func:`read_dossiers`: an export (Excel or CSV) -> kept dossiers + rejected rows;
- :mod:`.qd766`: :func:`qd766_results`: the three satisfaction ratios of QĐ 766/QĐ-TTg, the
  on-time rate and the mean handling time, by unit and by month, quarter, half-year and year;
  the points conversion from the methodology file (``qd766.yaml``, not found: unset);
- :mod:`.tracking`: :func:`survey_vs_dossiers`: a unit's survey satisfaction beside its dossier
  ratings, month by month;
- :mod:`.generate`: a deterministic, realistic dossier list for the demo.
"""

from .columns import FIELDS, ColumnMap, ColumnMapError, load_column_map, write_template
from .dates import parse_dates_vn
from .qd766 import (
    PERIOD_TYPES,
    RESULT_COLUMNS,
    DossierResults,
    MethodologyFileError,
    Qd766Methodology,
    load_methodology,
    qd766_results,
)
from .read import DOSSIER_COLUMNS, DossierList, DossierReadError, read_dossiers
from .tracking import TrackingError, survey_vs_dossiers

__all__ = [
    "DOSSIER_COLUMNS", "FIELDS", "PERIOD_TYPES", "RESULT_COLUMNS", "ColumnMap", "ColumnMapError",
    "DossierList", "DossierReadError", "DossierResults", "MethodologyFileError",
    "Qd766Methodology", "TrackingError", "load_column_map", "load_methodology", "parse_dates_vn",
    "qd766_results", "read_dossiers", "survey_vs_dossiers", "write_template",
]
