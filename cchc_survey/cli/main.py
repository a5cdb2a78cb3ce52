"""The ``cchc-survey`` command line.

Commands (``cchc-survey --help``):

* ``init``: make an analyst's project folder (questionnaires, data, notebooks, project file);
* ``demo``: the whole chain on generated demo data;
* ``instruments``: load and validate every questionnaire, list them;
* ``lss build``: instrument -> LimeSurvey survey structure file (.lss);
* ``report``: an export file or a processed survey + its instrument -> checks, weights, scores,
  Excel/HTML/Word;
* ``import``, ``codebook``: read any LimeSurvey export into the processed store; codebooks;
* ``deploy``, ``pull``, ``status``: fielding through a LimeSurvey server (RemoteControl 2);
* ``sample-size``, ``official``: sample-size planning; official results and comparison.

The conventions every command follows (errors, exit codes, messages, project) are in
:mod:`.common`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import CchcSurveyError, use_interface
from ..margins import read_margins
from ..margins import read_margins as read_margin_csv  # the name of the first release
from .common import console, data_dir, fail, forget_project, note, project, say, write_table
from .messages import Lang, current_lang, set_lang, t

if TYPE_CHECKING:
    from ..instrument import Instrument

app = typer.Typer(help="cchc_survey: SIPAS / PAPI / PAR Index surveys, from questionnaire to report.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
lss_app = typer.Typer(help="LimeSurvey survey structure files (.lss).", no_args_is_help=True)
app.add_typer(lss_app, name="lss")

__all__ = ["app", "read_margin_csv", "read_margins"]


@app.callback()
def main(ctx: typer.Context, lang: Annotated[Lang | None, typer.Option(
    "--lang", help="Language of messages: vi (default) or en (default: the locale).")] = None,
         ) -> None:
    """cchc_survey: SIPAS / PAPI / PAR Index surveys, from questionnaire to report."""
    use_interface("cli")
    set_lang(lang)
    forget_project()

    def done() -> None:  # the process may go on (a notebook, a test): Python words again
        use_interface("python")
        set_lang(None)
        forget_project()

    ctx.call_on_close(done)


@app.command()
def init(folder: Annotated[Path, typer.Argument(help="The new project folder.")],
         unit: Annotated[str, typer.Option(help="Reporting unit, e.g. 'Sở Nội vụ tỉnh X'.")] = "",
         province: Annotated[str, typer.Option(help="Province, for the official comparison.")] = "",
         period: Annotated[str, typer.Option(help="Report period, e.g. '6 tháng đầu năm 2026'.")] = "",
         parent: Annotated[str, typer.Option(help="Superior body for the Word header.")] = "",
         limesurvey_url: Annotated[str, typer.Option(
             "--limesurvey-url", help="LimeSurvey RemoteControl address (no login).")] = "",
         ) -> None:
    """Make FOLDER an analyst's project: questionnaires to edit, data/, notebooks/, project file."""
    from ..project import PROJECT_FILE, init_project

    try:
        proj = init_project(folder, unit=unit, province=province, period=period, parent=parent,
                            limesurvey_url=limesurvey_url)
    except CchcSurveyError as exc:
        fail(exc)
    n = len(list(proj.questionnaires.glob("*.yaml")))
    say(t("init.done", root=proj.root, n=n, file=PROJECT_FILE))
    say(t("init.next", root=folder, file=PROJECT_FILE))


@app.command()
def demo(root: Annotated[Path | None, typer.Option(
             help="Folder for raw/ and processed/ (default: the project's data/).")] = None,
         no_reports: Annotated[bool, typer.Option("--no-reports", help="Skip Excel/HTML/Word.")] = False,
         ) -> None:
    """Run the whole chain on generated demo data and say where each output went."""
    from ..demo import run_demo

    proj = project()
    try:
        run_demo(data_dir(root), console=console, reports=not no_reports,
                 questionnaires=proj.questionnaires if proj is not None else None)
    except CchcSurveyError as exc:
        fail(exc)


@app.command()
def instruments(
    folder: Annotated[Path | None, typer.Argument(
        help="Folder of *.yaml instruments (default: the project's questionnaires/, else the "
             "bundled ones).")] = None,
) -> None:
    """Load and validate every instrument in FOLDER; list them."""
    from .. import QUESTIONNAIRES
    from ..instrument import load_all

    proj = project()
    if folder is None:
        folder = proj.questionnaires if proj is not None else QUESTIONNAIRES
    try:
        insts = load_all(folder)
        if not insts:
            raise CchcSurveyError(t("instruments.none", folder=folder))
    except CchcSurveyError as exc:
        fail(exc)
    for inst in insts.values():
        m = inst.methodology
        flag = t("instruments.verified") if m.verified else t("instruments.unverified")
        say(t("instruments.line", id=inst.id, version=inst.version, title=inst.title.vi,
              n=len(inst.items), index=m.index, flag=flag))
        for w in inst.warnings:
            note(str(w))


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
    say(t("lss.wrote", path=path))


def _read_instrument(path: Path) -> Instrument:
    from ..instrument import load_instrument

    return load_instrument(path)


def _instrument_from_lss(lss: Path) -> Instrument:
    """The instrument written from a survey's own structure (``instrument from-lss``)."""
    from ..instrument import instrument_from_lss

    return instrument_from_lss(lss)


class _Usage(CchcSurveyError):
    """A combination of options that cannot work, said in command-line words."""


def _source(source: str) -> tuple[str, Path]:
    """(kind, path) of the report's SOURCE: an ``export`` file or a ``processed`` survey."""
    path = Path(source)
    if path.is_dir() or path.name == "responses.parquet" or path.suffix == ".parquet":
        return "processed", path
    if path.is_file():
        return "export", path
    proj = project()
    known = proj.surveys() if proj is not None else []
    if proj is not None and source in known:
        return "processed", proj.processed / source
    raise _Usage(t("report.no_source", source=source, known=", ".join(known) or "-"))


@app.command()
def report(source: Annotated[str, typer.Argument(
               help="A LimeSurvey response export (any format), a processed survey folder "
                    "(data/processed/<survey>) or its responses.parquet, or the name of a "
                    "survey imported into this project.")],
           instrument: Annotated[Path | None, typer.Option(
               "--instrument", "-i", help="The instrument YAML of the survey.")] = None,
           lss: Annotated[Path | None, typer.Option(
               "--lss", help="The survey's .lss (its structure, to read the export).")] = None,
           out: Annotated[Path | None, typer.Option(
               help="Output folder (default: reports/<survey> of the project).")] = None,
           margins: Annotated[list[Path] | None, typer.Option(
               help="Population margin CSV (variable columns + Freq); repeat for several.")] = None,
           organisation: Annotated[str | None, typer.Option(
               help="Reporting unit (default: the project's unit).")] = None,
           title: Annotated[str, typer.Option(help="Report title.")] = "",
           period: Annotated[str | None, typer.Option(
               help="Report period (default: the project's).")] = None,
           lang: Annotated[Lang | None, typer.Option(
               "--lang", help="Language of the report and messages: vi or en.")] = None,
           encoding: Annotated[str | None, typer.Option(
               help="The export's text encoding when it is not UTF-8, e.g. cp1258 "
                    "(a CSV saved by Excel on Vietnamese Windows) or utf-16.")] = None,
           map_file: Annotated[Path | None, typer.Option(
               "--map", help="The column map of a Google Forms, KoboToolbox or other table "
               "(cchc-survey map); a data-entry workbook needs none.")] = None,
           ) -> None:
    """Read SOURCE, check, weight, score and write the Excel, HTML and Word reports and charts."""
    from ..assemble import report_inputs
    from ..pipeline import analyse
    from ..report import write_all

    if lang is not None:
        set_lang(lang)
    proj = project()
    try:
        kind, path = _source(source)
        if instrument is not None and instrument.suffix.lower() == ".lss":
            note(t("report.lss_as_instrument", path=instrument))
            lss, instrument = lss or instrument, None
        inst = _read_instrument(instrument) if instrument is not None else None
        with console.status(t("report.reading")):
            if kind == "processed":
                from ..processed import read_processed

                ps = read_processed(path)
                if inst is None and proj is not None and ps.instrument_id \
                        and (proj.questionnaires / f"{ps.instrument_id}.yaml").is_file():
                    inst = _read_instrument(proj.questionnaires / f"{ps.instrument_id}.yaml")
                frame, n_in, name = ps.frame, len(ps.frame), ps.survey
                say(t("report.processed", path=ps.path, n=n_in,
                      k=len(ps.lineage.get("snapshots", []))))
            else:
                from ..sources import read_any
                from ..tidy import ExportValidationWarning, read_export

                if inst is None and lss is None:
                    raise _Usage(t("report.need_instrument", source=source))
                with warnings.catch_warnings():  # a source's missing columns: in the checks
                    warnings.simplefilter("ignore", ExportValidationWarning)
                    tidy = (read_any(path, inst, map=map_file, encoding=encoding)
                            if inst is not None else read_export(path, None, lss=lss,
                                                                 encoding=encoding))
                frame, n_in, name = tidy.frame, tidy.n_in, path.stem
            if inst is None:
                if lss is None:
                    raise _Usage(t("report.need_instrument", source=source))
                inst = _instrument_from_lss(lss)
        ms = [read_margins(m) for m in margins] if margins else None
        with console.status(t("report.computing")):
            an = analyse(frame, inst, margins=ms)
        meta: dict[str, Any] = {"period": period} if period else {}
        inputs = report_inputs(an, title=title, organisation=organisation or "", project=proj,
                               lang=current_lang().value, **meta)
        dest = out or ((proj.reports if proj else Path("reports")) / name)
        with console.status(t("report.writing")):
            paths = write_all(inputs, dest, lang=current_lang().value)
            # every score in the score-table shape, for `official compare` and other tools
            paths["scores"] = write_table(an.scores, dest / "scores.csv", quiet=True)
    except CchcSurveyError as exc:
        fail(exc)
    for n in an.notes:
        note(n.text(current_lang().value))
    sev = an.cleaned.by_severity()
    say(t("report.books", n_in=n_in, kept=an.cleaned.n_kept, excluded=an.cleaned.n_excluded))
    say(t("report.quality", errors=sev["error"], warnings=sev["warning"]))
    for k, p in paths.items():
        if not k.startswith(("chart:", "csv:")):
            say(f"  {k}: {p}")


def _register_all() -> None:
    from . import dossiers, imports, instrument, limesurvey, official, sources

    for mod in (imports, instrument, limesurvey, official, sources, dossiers):
        mod.register(app)


_register_all()

if __name__ == "__main__":
    app()
