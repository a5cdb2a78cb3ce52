"""The package's exception hierarchy.

Every failure a user can meet is a subclass of :class:`CchcSurveyError`, and every message says
where the problem is (file, row, column, question code or YAML path) and what to do about it.
"""

from __future__ import annotations

from dataclasses import dataclass


class CchcSurveyError(Exception):
    """Base class of every error raised by cchc_survey."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes:
        file: the file the problem is in.
        where: where inside the file (YAML path such as ``groups[2].questions[0].scale``,
            a row/column, a question code).
        message: what is wrong.
        fix: what to do about it.
        line: 1-based line in the file when known.
    """

    file: str
    where: str
    message: str
    fix: str = ""
    line: int | None = None

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{loc}: {self.where}: {self.message}"
        if self.fix:
            end = "" if text.rstrip().endswith((".", "!", "?", ":")) else "."
            text += f"{end} Fix: {self.fix}"
        return text


class ProblemsError(CchcSurveyError):
    """An error that carries one or more :class:`Problem` records."""

    def __init__(self, problems: list[Problem], summary: str = "") -> None:
        self.problems = list(problems)
        head = summary or f"{len(self.problems)} problem(s) found"
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{head}:\n{body}" if body else head)


class InstrumentError(ProblemsError):
    """A questionnaire (instrument) file is malformed or inconsistent."""


class InputFileError(ProblemsError):
    """A data file (export, official table, participant list) cannot be read as it stands."""


class MethodologyError(CchcSurveyError):
    """A scoring or aggregation request does not fit what the instrument's methodology declares."""


_INTERFACE: list[str] = ["python"]


def use_interface(kind: str) -> None:
    """Say which interface the user works in (``python`` or ``cli``), so that advice in error
    messages names what that user can type (``--encoding cp1258`` or ``encoding="cp1258"``).
    The command line calls it once at start."""
    _INTERFACE[0] = kind


def advice(*, python: str, cli: str) -> str:
    """The advice of an error message in the words of the interface in use.

    Example:
        >>> advice(python="pass encoding='cp1258'", cli="add --encoding cp1258")
        "pass encoding='cp1258'"
    """
    return cli if _INTERFACE[0] == "cli" else python
