"""CLI commands ``dossiers``: the dossier list of the one-stop information system and QĐ 766.

* ``template PATH``: an empty dossier list (``.xlsx`` with a README sheet, ``.csv``) or the
  column map to edit (``.yaml``);
* ``methodology PATH``: a copy of the QĐ 766 methodology file (points conversion to set);
* ``read LIST``: read an export, print what was kept and rejected and why;
* ``ratios LIST``: the QĐ 766 satisfaction ratios, the on-time rate and the mean handling time
  by unit and by month, quarter, half-year and year.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import CchcSurveyError
from .common import fail, write_table

if TYPE_CHECKING:
    from ..dossiers import DossierList

dossiers_app = typer.Typer(help="Dossier lists of the one-stop information system and the "
                                "QĐ 766 satisfaction ratios.", no_args_is_help=True)


class DuplicatesPolicy(StrEnum):
    """What to do with one dossier code on rows that disagree."""

    reject = "reject"
    keep_last = "keep-last"


class Period(StrEnum):
    """The periods of the results."""

    month = "month"
    quarter = "quarter"
    half = "half"
    year = "year"


ColumnsOpt = Annotated[Path | None, typer.Option(
    "--columns", help="the column map (.yaml) of your export; default: the template's headers "
                      "(cchc-survey dossiers template columns.yaml writes one)")]
EncodingOpt = Annotated[str | None, typer.Option(
    help="the CSV's encoding when it is not UTF-8, e.g. cp1258 (Excel 'CSV' on Vietnamese "
         "Windows) or utf-16")]
SheetOpt = Annotated[str | None, typer.Option(
    help="the Excel sheet: its name or its position (0 = the first); default: the column map's")]
DuplicatesOpt = Annotated[DuplicatesPolicy, typer.Option(
    case_sensitive=False, help="one dossier code on rows that differ: reject every such row, or "
                               "keep-last (the last row in the file)")]


def _sheet(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.strip().isdigit() else value


def _read(path: Path, columns: Path | None, encoding: str | None, sheet: str | None,
          duplicates: DuplicatesPolicy) -> DossierList:
    from ..dossiers import read_dossiers

    return read_dossiers(path, columns, encoding=encoding, sheet=_sheet(sheet),
                         duplicates="keep_last" if duplicates is DuplicatesPolicy.keep_last
                         else "reject")


@dossiers_app.command("template")
def template_cmd(path: Annotated[Path, typer.Argument(
        help=".xlsx or .csv (an empty dossier list) or .yaml (the column map)")]) -> None:
    """Write an empty dossier list with the default headers, or the column map to edit."""
    from ..dossiers.columns import template_doc, write_template

    try:
        write_template(path)
    except CchcSurveyError as exc:
        fail(exc)
    typer.echo(f"written: {path}")
    for r in template_doc().itertuples(index=False):
        req = " (required)" if r.required else ""
        typer.echo(f"  {r.field}: '{r.header}'{req}: {r.meaning_en}; {r.format}")


@dossiers_app.command("methodology")
def methodology_cmd(path: Annotated[Path, typer.Argument(help="the .yaml to write")]) -> None:
    """Write a copy of the QĐ 766 methodology file (ratios, periods, points) to edit."""
    from ..dossiers.qd766 import write_methodology

    write_methodology(path)
    typer.echo(f"written: {path}")
    typer.echo("  The conversion of the ratios to points was not found in QĐ 766/QĐ-TTg's "
               "summaries: every points.method is null; set it when you have the rule, keep "
               "verified: false until it is checked.")


@dossiers_app.command("read")
def read_cmd(
    path: Annotated[Path, typer.Argument(help="the dossier list (.xlsx or .csv)")],
    columns: ColumnsOpt = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    duplicates: DuplicatesOpt = DuplicatesPolicy.reject,
    out: Annotated[Path | None, typer.Option(help="write the kept dossiers (.csv/.xlsx)")] = None,
    rejected: Annotated[Path | None, typer.Option(
        help="write the rejected rows with their reasons (.csv/.xlsx)")] = None,
) -> None:
    """Read a dossier list: rows kept, rows rejected and why (every row accounted for)."""
    try:
        res = _read(path, columns, encoding, sheet, duplicates)
    except CchcSurveyError as exc:
        fail(exc)
    for line in res.report_lines():
        typer.echo(line)
    if out is not None:
        write_table(res.frame, out)
    if rejected is not None:
        write_table(res.rejected, rejected)


@dossiers_app.command("ratios")
def ratios_cmd(
    path: Annotated[Path, typer.Argument(help="the dossier list (.xlsx or .csv)")],
    columns: ColumnsOpt = None,
    methodology: Annotated[Path | None, typer.Option(
        help="the QĐ 766 methodology file; default: the bundled one (no points conversion)")
    ] = None,
    period: Annotated[list[Period] | None, typer.Option(
        case_sensitive=False, help="period type (repeat); default: all four")] = None,
    encoding: EncodingOpt = None,
    sheet: SheetOpt = None,
    duplicates: DuplicatesOpt = DuplicatesPolicy.reject,
    out: Annotated[Path | None, typer.Option(help="write the results (.csv/.xlsx)")] = None,
) -> None:
    """QĐ 766 satisfaction ratios, on-time rate and mean handling time by unit and period."""
    from ..dossiers import qd766_results

    try:
        res = _read(path, columns, encoding, sheet, duplicates)
        results = qd766_results(res, methodology, periods=tuple(p.value for p in period)
                                if period else ("month", "quarter", "half", "year"))
    except CchcSurveyError as exc:
        fail(exc)
    for line in res.report_lines():
        typer.echo(line)
    for name, why in results.not_computed.items():
        typer.echo(f"  not computed: {name}: {why}")
    t = results.table
    if out is not None:
        write_table(t, out)
        return
    shown = t[t["unit"] == ""][["period_type", "period", "measure", "numerator", "denominator",
                                "value", "points", "partial_period"]]
    typer.echo("All units:")
    typer.echo(shown.to_string(index=False))


def register(app: typer.Typer) -> None:
    """Add ``dossiers`` to the main ``cchc-survey`` app."""
    app.add_typer(dossiers_app, name="dossiers")
