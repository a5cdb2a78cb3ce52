"""What the package ships besides code: the instruments and small example exports.

* :func:`bundled_instrument` loads one of the four bundled instruments by id;
* :func:`bundled_example` is the path of a small example export in LimeSurvey's CSV format
  (deterministic demo responses), for docstring examples, notebooks and a first try of the
  command line before the analyst's own export is at hand;
* :func:`example_margins` is the path of an example population-margin CSV of the one-stop
  survey (files handled per unit; citizens and organisations), the shape ``report --margins``
  and :func:`cchc_survey.read_margins` read.

Everything is read through :mod:`importlib.resources`, so it works the same from a clone and
from an installed wheel.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CchcSurveyError

if TYPE_CHECKING:
    from .instrument import Instrument

EXAMPLES: dict[str, int] = {"sipas_one_stop": 80, "par_survey": 40}
"""The instruments with an example export, and its number of responses."""
EXAMPLE_MARGINS = ("donvi", "doituong")
"""The one-stop survey's example margins (one CSV each)."""


def _file(folder: str, name: str) -> Path:
    path = Path(str(resources.files("cchc_survey") / folder / name))
    if not path.is_file():
        raise CchcSurveyError(f"the package has no {folder}/{name}. Fix: reinstall cchc_survey.")
    return path


def bundled_instrument(name: str) -> Instrument:
    """One of the bundled instruments by id (``sipas_one_stop``, ``sipas_2023``,
    ``papi_mirror``, ``par_survey``).

    Example:
        >>> inst = bundled_instrument("sipas_one_stop")
        >>> inst.items[7].id, inst.items[7].column
        ('tc_c1', 'TC[C1]')
    """
    from .instrument import load_instrument

    folder = resources.files("cchc_survey") / "questionnaires"
    names = sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))
    if name not in names:
        raise CchcSurveyError(f"no bundled instrument {name!r}. Fix: use one of {names}, or "
                              "load your own file with load_instrument(path).")
    return load_instrument(_file("questionnaires", f"{name}.yaml"))


def bundled_example(name: str = "sipas_one_stop") -> Path:
    """The path of the example export of instrument ``name`` (LimeSurvey CSV, codes, ``;``).

    Example:
        >>> from cchc_survey import read_export
        >>> tidy = read_export(bundled_example("par_survey"), bundled_instrument("par_survey"))
        >>> tidy.n_in, tidy.n_out, len(tidy.rejected)
        (40, 40, 0)
    """
    if name not in EXAMPLES:
        raise CchcSurveyError(f"no example export for {name!r}. Fix: use one of {sorted(EXAMPLES)}.")
    return _file("examples", f"{name}_responses.csv")


def example_margins(variable: str) -> Path:
    """The path of the one-stop survey's example margin CSV for ``variable`` (``donvi``:
    files handled per unit; ``doituong``: citizens and organisations).

    Example:
        >>> from cchc_survey import read_margins
        >>> read_margins(example_margins("doituong")).columns.tolist()
        ['doituong', 'Freq']
    """
    if variable not in EXAMPLE_MARGINS:
        raise CchcSurveyError(f"no example margin for {variable!r}. Fix: use one of "
                              f"{list(EXAMPLE_MARGINS)}.")
    return _file("examples", f"sipas_one_stop_margins_{variable}.csv")
