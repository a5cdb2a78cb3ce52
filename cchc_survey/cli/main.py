"""The ``cchc-survey`` command line.

Commands (``cchc-survey --help``):

* ``demo``: the whole chain on generated demo data;
* ``instruments``: load and validate every questionnaire, list them;
* ``lss build``: instrument -> LimeSurvey survey structure file (.lss);
* ``report``: an export file + its instrument -> checks, weights, scores, Excel/HTML/Word;
* ``import``, ``codebook``: read any LimeSurvey export into the processed store; codebooks;
* ``deploy``, ``pull``, ``status``: fielding through a LimeSurvey server (RemoteControl 2);
* ``sample-size``, ``official``: sample-size planning; official results and comparison.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .. import QUESTIONNAIRES
from ..errors import CchcSurveyError, InputFileError, Problem
from .common import console, fail

app = typer.Typer(help="cchc_survey: SIPAS / PAPI / PAR Index surveys, from questionnaire to report.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
lss_app = typer.Typer(help="LimeSurvey survey structure files (.lss).", no_args_is_help=True)
app.add_typer(lss_app, name="lss")

if TYPE_CHECKING:
    import pandas as pd


@app.command()
def demo(root: Annotated[Path, typer.Option(help="Folder for data/raw and data/processed.")] = Path("data"),
         no_reports: Annotated[bool, typer.Option("--no-reports", help="Skip Excel/HTML/Word.")] = False,
         ) -> None:
    """Run the whole chain on generated demo data and say where each output went."""
    from ..demo import run_demo

    try:
        run_demo(root, console=console, reports=not no_reports)
    except CchcSurveyError as exc:
        fail(exc)


@app.command()
def instruments(
    folder: Annotated[Path, typer.Argument(help="Folder of *.yaml instruments.")] = QUESTIONNAIRES,
) -> None:
    """Load and validate every instrument in FOLDER; list them."""
    from ..instrument import load_all

    try:
        insts = load_all(folder)
    except CchcSurveyError as exc:
        fail(exc)
        return
    for inst in insts.values():
        m = inst.methodology
        flag = "đã kiểm chứng" if m.verified else "CHƯA kiểm chứng"
        console.print(f"[bold]{inst.id}[/bold] v{inst.version}: {inst.title.vi} — {len(inst.items)} "
                      f"items, {m.index} ({flag})")
        for w in inst.warnings:
            console.print(f"  [yellow]warning[/yellow] {w}")


@lss_app.command("build")
def lss_build(instrument: Annotated[Path, typer.Argument(help="Instrument YAML file.")],
              out: Annotated[Path | None, typer.Option(help="Output .lss (default beside it).")] = None,
              ) -> None:
    """Write the LimeSurvey 6 survey structure (.lss) of an instrument."""
    from ..limesurvey.lss import build_lss

    try:
        path = build_lss(instrument, out)
    except CchcSurveyError as exc:
        fail(exc)
        return
    console.print(f"wrote {path}")


def read_margin_csv(path: Path) -> pd.DataFrame:
    """Read one population-margin CSV for ``report --margins``.

    The file has one column per weighting variable (codes as in the export, read as text) and a
    ``Freq`` column with the population count of each cell. UTF-8 (with or without BOM).

    Raises:
        InputFileError: the file is missing, unreadable, has no ``Freq`` column, or a ``Freq``
            that is not a non-negative number (the first such row is named).

    Example:
        >>> read_margin_csv(Path("margins_donvi.csv"))  # doctest: +SKIP
    """
    import pandas as pd

    fix_shape = ("give one column per weighting variable and a 'Freq' column of population "
                 "counts, e.g. 'donvi,Freq' then 'U01,1250'.")
    if not path.is_file():
        raise InputFileError([Problem(str(path), "--margins", "the file does not exist or is not "
                                      "a file.", "check the path.")], "cannot read margin file")
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError([Problem(str(path), "--margins", f"not a readable UTF-8 CSV ({exc}).",
                                      "save it again as 'CSV UTF-8'; " + fix_shape)],
                             "cannot read margin file") from exc
    if "Freq" not in df.columns or len(df.columns) < 2:
        raise InputFileError([Problem(str(path), "header", f"columns {list(df.columns)} have no "
                                      "'Freq' column or no variable column.", fix_shape)],
                             "cannot read margin file")
    text = df["Freq"].str.strip()
    freq = pd.to_numeric(text, errors="coerce")
    # "1.250" is 1250 people written the Vietnamese way, not 1.25: refuse it rather than guess.
    grouped = text.str.fullmatch(r"\d{1,3}([.,]\d{3})+")
    bad = (freq.isna() | (freq < 0) | grouped).to_numpy()
    if bad.any():
        k = int(bad.argmax())
        raise InputFileError([Problem(str(path), f"row {k + 2}, column Freq",
                                      f"{df['Freq'].iloc[k]!r} is not a non-negative number "
                                      f"({int(bad.sum())} such row(s)).",
                                      "write the population count as a plain number "
                                      "(no thousands separator).", line=k + 2)],
                             "cannot read margin file")
    return df.assign(Freq=freq.astype(float))


@app.command()
def report(export: Annotated[Path, typer.Argument(
               help="A LimeSurvey response export (any format), or a Google Forms, "
                    "KoboToolbox or data-entry file.")],
           instrument: Annotated[Path, typer.Option(help="The instrument YAML of the survey.")],
           out: Annotated[Path, typer.Option(help="Output folder.")] = Path("data/processed/report"),
           margins: Annotated[list[Path] | None, typer.Option(
               help="Population margin CSV (variable columns + Freq); repeat for several.")] = None,
           organisation: Annotated[str, typer.Option(help="Reporting unit.")] = "Sở Nội vụ",
           title: Annotated[str, typer.Option(help="Report title.")] = "",
           lang: Annotated[str, typer.Option(help="vi or en.")] = "vi",
           encoding: Annotated[str | None, typer.Option(
               help="The export's text encoding when it is not UTF-8, e.g. cp1258 "
                    "(a CSV saved by Excel on Vietnamese Windows) or utf-16.")] = None,
           map_file: Annotated[Path | None, typer.Option(
               "--map", help="The column map of a Google Forms, KoboToolbox or other table "
               "(cchc-survey map); a data-entry workbook needs none.")] = None,
           ) -> None:
    """Read EXPORT, check, weight, score and write the Excel, HTML and Word reports and charts."""
    from ..instrument import load_instrument
    from ..pipeline import analyse, report_inputs
    from ..report import write_all
    from ..sources import read_any
    from ..tidy import ExportValidationWarning

    try:
        if lang not in ("vi", "en"):
            raise InputFileError([Problem("--lang", "option", f"unknown language {lang!r}",
                                          "use --lang vi or --lang en.")],
                                 "cannot write the report")
        inst = load_instrument(instrument)
        ms = [read_margin_csv(m) for m in margins] if margins else None
        with console.status("reading the export ..."):
            with warnings.catch_warnings():  # a source's missing columns: in the checks
                warnings.simplefilter("ignore", ExportValidationWarning)
                tidy = read_any(export, inst, map=map_file, encoding=encoding)
        with console.status("checking, weighting, scoring ..."):
            an = analyse(tidy.frame, inst, margins=ms)
        inputs = report_inputs({inst.methodology.index: an}, title=title or inst.title.get(lang),
                               organisation=organisation, lang="en" if lang == "en" else "vi")
        with console.status("writing reports ..."):
            paths = write_all(inputs, out, lang="en" if lang == "en" else "vi")
    except CchcSurveyError as exc:
        fail(exc)
        return
    console.print(f"{tidy.n_in} responses read; {an.cleaned.n_kept} kept, {an.cleaned.n_excluded} excluded")
    for k, p in paths.items():
        if not k.startswith(("chart:", "csv:")):
            console.print(f"  {k}: {p}")


def _register_all() -> None:
    from . import dossiers, imports, limesurvey, official, sources

    for mod in (imports, limesurvey, official, sources, dossiers):
        mod.register(app)


_register_all()

if __name__ == "__main__":
    app()
