"""The one public switch between a stage's readable definition and its speed kernels.

Every function with a fast path takes ``engine="auto" | "reference"``:

* ``"auto"`` (default): the fast path where it applies (block passes, distinct values, cell
  space), the definition elsewhere;
* ``"reference"``: the readable definition only, the code a reviewer checks against the formula
  in the docstring. It gives the same numbers (to rounding; the tests run both on the same
  fixtures and compare them with saved golden outputs) and is slower.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from .errors import CchcSurveyError

Engine: TypeAlias = Literal["auto", "reference"]
ENGINES: tuple[str, ...] = ("auto", "reference")


class EngineError(CchcSurveyError):
    """An ``engine=`` value that is not one of :data:`ENGINES`."""


def check_engine(engine: str) -> None:
    """Raise :class:`EngineError` unless ``engine`` is ``"auto"`` or ``"reference"``."""
    if engine not in ENGINES:
        raise EngineError(f"engine={engine!r} is not one of {ENGINES}. Fix: pass engine='auto' "
                          "(fast) or engine='reference' (the plain definition).")
