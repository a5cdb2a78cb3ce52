"""What every command shares: the consoles, the one error path, the one table writer, the project.

One convention for every command of ``cchc-survey``:

* results go to standard output, errors and notes to standard error;
* an error is printed once, with one prefix (``Lỗi:`` / ``Error:``), and ends the command with
  exit code :data:`EXIT_INPUT` (1) when the input (a file, an option's value, the server's
  answer) is at fault; a command line that does not parse, or an option whose value is not one
  of its choices, exits with :data:`EXIT_USAGE` (2, Click's own code) before any work;
* messages come from the catalogue (:mod:`.messages`), Vietnamese first, English with
  ``--lang en`` or an English locale, and name options the command-line way;
* every table a command writes goes through :func:`write_table`, which applies the
  formula-injection guard (:func:`cchc_survey.report.tables.safe_frame`) to CSV and Excel alike;
* a command run inside a project (``cchc-survey init``) takes its folders, unit, province and
  LimeSurvey address from the project file (:func:`project`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import CchcSurveyError
from .messages import t

if TYPE_CHECKING:
    import pandas as pd

    from ..project import Project

EXIT_INPUT = 1
"""Exit code of a command stopped by bad input (file, option value, server answer)."""
EXIT_USAGE = 2
"""Exit code of a command line that does not parse (Click's usage-error code)."""

# soft_wrap: a message is printed on one line and left to the terminal to wrap, so a path or a
# number in it is never cut by a newline (a log or a redirected output keeps it whole).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def error_prefix() -> str:
    """The one prefix of every error message, in the current language."""
    return t("error")


def fail(exc: CchcSurveyError | str) -> NoReturn:
    """Print ``exc`` on standard error with the one prefix and stop with :data:`EXIT_INPUT`.

    The message is printed verbatim: brackets in it (a survey title ``... [sipas_one_stop
    v2026.1]``, a column ``TC[A1]``) are text, not console markup.
    """
    err_console.print(f"[red]{error_prefix()}[/red] {escape(str(exc))}", markup=True, highlight=False)
    raise typer.Exit(code=EXIT_INPUT)


def note(text: str) -> None:
    """Print a note (something not done, a caveat) on standard error."""
    err_console.print(f"[yellow]{t('warning')}[/yellow] {escape(text)}", markup=True, highlight=False)


def say(text: str) -> None:
    """Print a result line on standard output (no markup read into it)."""
    console.print(text, markup=False, highlight=False)


def write_table(df: pd.DataFrame, path: Path, *, sheet: str = "table",
                quiet: bool = False) -> Path:
    """Write ``df`` to ``path`` (``.xlsx`` or CSV, UTF-8 with BOM), injection-safe; say where."""
    from ..report.tables import safe_frame

    safe = safe_frame(df)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        safe.to_excel(path, index=False, sheet_name=sheet)
    else:
        safe.to_csv(path, index=False, encoding="utf-8-sig")
    if not quiet:
        say(t("written", path=path))
    return path


_project: list[Project | None] = []


def project() -> Project | None:
    """The project the current folder is in (read once per command), or None."""
    if not _project:
        from ..project import find_project

        try:
            _project.append(find_project())
        except CchcSurveyError as exc:
            fail(exc)
    return _project[0]


def forget_project() -> None:
    """Read the project file again at the next :func:`project` (a new command, a new folder)."""
    _project.clear()


def data_dir(given: Path | None, sub: str = "") -> Path:
    """``given``, else the project's ``data/`` (or ``data/<sub>``), else ``data`` here."""
    if given is not None:
        return given
    proj = project()
    base = proj.data if proj is not None else Path("data")
    return base / sub if sub else base
