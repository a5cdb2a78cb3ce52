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

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import QUESTIONNAIRES
from .errors import CchcSurveyError

app = typer.Typer(help="cchc_survey: SIPAS / PAPI / PAR Index surveys, from questionnaire to report.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
lss_app = typer.Typer(help="LimeSurvey survey structure files (.lss).", no_args_is_help=True)
app.add_typer(lss_app, name="lss")
console = Console()


def _fail(exc: CchcSurveyError) -> None:
    console.print(f"[red]Lỗi / error:[/red] {exc}")
    raise typer.Exit(code=2)


@app.command()
def demo(root: Annotated[Path, typer.Option(help="Folder for data/raw and data/processed.")] = Path("data"),
         no_reports: Annotated[bool, typer.Option("--no-reports", help="Skip Excel/HTML/Word.")] = False,
         ) -> None:
    """Run the whole chain on generated demo data and say where each output went."""
    from .demo import run_demo

    try:
        run_demo(root, console=console, reports=not no_reports)
    except CchcSurveyError as exc:
        _fail(exc)


@app.command()
def instruments(
    folder: Annotated[Path, typer.Argument(help="Folder of *.yaml instruments.")] = QUESTIONNAIRES,
) -> None:
    """Load and validate every instrument in FOLDER; list them."""
    from .instrument import load_all

    try:
        insts = load_all(folder)
    except CchcSurveyError as exc:
        _fail(exc)
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
    from .limesurvey.lss import build_lss

    try:
        path = build_lss(instrument, out)
    except CchcSurveyError as exc:
        _fail(exc)
        return
    console.print(f"wrote {path}")


@app.command()
def report(export: Annotated[Path, typer.Argument(help="A LimeSurvey response export (any format).")],
           instrument: Annotated[Path, typer.Option(help="The instrument YAML of the survey.")],
           out: Annotated[Path, typer.Option(help="Output folder.")] = Path("data/processed/report"),
           margins: Annotated[list[Path] | None, typer.Option(
               help="Population margin CSV (variable columns + Freq); repeat for several.")] = None,
           organisation: Annotated[str, typer.Option(help="Reporting unit.")] = "Sở Nội vụ",
           title: Annotated[str, typer.Option(help="Report title.")] = "",
           lang: Annotated[str, typer.Option(help="vi or en.")] = "vi",
           ) -> None:
    """Read EXPORT, check, weight, score and write the Excel, HTML and Word reports and charts."""
    import pandas as pd

    from .instrument import load_instrument
    from .pipeline import analyse, provenance, weighting_for_report
    from .report import ReportInputs, write_all
    from .tidy import read_export

    try:
        inst = load_instrument(instrument)
        with console.status("reading the export ..."):
            tidy = read_export(export, inst)
        ms = [pd.read_csv(m, dtype=str).assign(Freq=lambda d: d["Freq"].astype(float))
              for m in margins] if margins else None
        with console.status("checking, weighting, scoring ..."):
            an = analyse(tidy.frame, inst, margins=ms)
        inputs = ReportInputs(
            title=title or inst.title.vi, organisation=organisation,
            scores={inst.methodology.index: an.default_scores},
            checks=an.cleaned.flags[["rule", "row", "column", "value", "severity"]],
            weighting=weighting_for_report(an.design), provenance=provenance(inst),
            unit_var=inst.design.unit or "donvi")
        with console.status("writing reports ..."):
            paths = write_all(inputs, out, lang="en" if lang == "en" else "vi")
    except CchcSurveyError as exc:
        _fail(exc)
        return
    console.print(f"{tidy.n_in} responses read; {an.cleaned.n_kept} kept, {an.cleaned.n_excluded} excluded")
    for k, p in paths.items():
        if not k.startswith(("chart:", "csv:")):
            console.print(f"  {k}: {p}")


def _register_all() -> None:
    from . import cli_import, cli_limesurvey, cli_official

    for mod in (cli_import, cli_limesurvey, cli_official):
        mod.register(app)


_register_all()

if __name__ == "__main__":
    app()
