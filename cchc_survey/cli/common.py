"""What every command shares: the consoles, the one error path and the one table writer.

One convention for every command of ``cchc-survey``:

* results go to standard output, errors and warnings to standard error;
* an error is printed once, with one prefix, and ends the command with exit code
  :data:`EXIT_INPUT` (1) when the input (a file, an option's value, the server's answer) is at
  fault; a command line that does not parse exits with :data:`EXIT_USAGE` (2, Click's own code);
* every table a command writes goes through :func:`write_table`, which applies the
  formula-injection guard (:func:`cchc_survey.report.tables.safe_frame`) to CSV and Excel alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import CchcSurveyError

if TYPE_CHECKING:
    import pandas as pd

EXIT_INPUT = 1
"""Exit code of a command stopped by bad input (file, option value, server answer)."""
EXIT_USAGE = 2
"""Exit code of a command line that does not parse (Click's usage-error code)."""
ERROR_PREFIX = "Lỗi (error):"
"""The one prefix of every error message."""

# soft_wrap: a message is printed on one line and left to the terminal to wrap, so a path or a
# number in it is never cut by a newline (a log or a redirected output keeps it whole).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail(exc: CchcSurveyError | str) -> NoReturn:
    """Print ``exc`` on standard error with the one prefix and stop with :data:`EXIT_INPUT`.

    The message is printed verbatim: brackets in it (a survey title ``... [sipas_one_stop
    v2026.1]``, a column ``TC[A1]``) are text, not console markup.
    """
    err_console.print(f"[red]{ERROR_PREFIX}[/red] {escape(str(exc))}", markup=True, highlight=False)
    raise typer.Exit(code=EXIT_INPUT)


def write_table(df: pd.DataFrame, path: Path, *, sheet: str = "table") -> Path:
    """Write ``df`` to ``path`` (``.xlsx`` or CSV, UTF-8 with BOM), injection-safe; say where."""
    from ..report.tables import safe_frame

    safe = safe_frame(df)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        safe.to_excel(path, index=False, sheet_name=sheet)
    else:
        safe.to_csv(path, index=False, encoding="utf-8-sig")
    console.print(f"written: {path}", markup=False, highlight=False)
    return path
