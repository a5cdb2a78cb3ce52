"""CLI commands ``deploy``, ``pull`` and ``status`` (LimeSurvey RemoteControl), added to the main
app by :func:`register`.

The server and the login come from ``CCHC_LS_URL`` / ``CCHC_LS_USER`` / ``CCHC_LS_PASSWORD`` or
``~/.config/cchc_survey/limesurvey.toml`` (``--config`` for another file); see docs/limesurvey.md.
Every failure goes through :func:`~cchc_survey.cli.common.fail` (standard error, one prefix,
exit 1), and so does a deploy that left participants out or sent no e-mail: its tables are
printed first, then the message says what to do. An option value that is not one of its choices
exits with 2 before any work.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..errors import CchcSurveyError
from ..limesurvey.client import LimeSurvey, load_config
from .common import data_dir as raw_dir
from .common import fail, note, project, write_table

if TYPE_CHECKING:
    from ..limesurvey.deploy import DeployResult

__all__ = ["deploy_cmd", "pull_cmd", "register", "status_cmd"]

FIRST_DATA_ROW = 2
"""Line of a participants list's first participant (line 1 is the header)."""

ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="TOML file with url/user/password (default ~/.config/cchc_survey/limesurvey.toml)")]
TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", help="seconds to wait for an answer (default 120)")]


class Completion(StrEnum):
    """Which responses ``pull`` asks for."""

    all = "all"
    complete = "complete"
    incomplete = "incomplete"


class Document(StrEnum):
    """The export format ``pull`` asks for."""

    csv = "csv"
    json = "json"


def _client(config: Path | None, timeout: float | None = None) -> LimeSurvey:
    """The client; the server address from the project file when the environment has none."""
    env = dict(os.environ)
    proj = project()
    if proj is not None and proj.limesurvey_url and not env.get("CCHC_LS_URL"):
        env["CCHC_LS_URL"] = proj.limesurvey_url
    return LimeSurvey(load_config(config, env=env, read_timeout=timeout))


def _table(frame: pd.DataFrame, title: str) -> Table:
    """A console table whose cells are plain text: a title such as ``Khảo sát ...
    [sipas_one_stop v2026.1]`` is shown as it is, never read as console markup."""
    table = Table(title=Text(title))
    for c in frame.columns:
        table.add_column(Text(str(c)),
                         justify="right" if pd.api.types.is_numeric_dtype(frame[c]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[Text("" if pd.isna(v) else (f"{v:.1%}" if isinstance(v, float) else str(v)))
                        for v in row])  # fmt: skip
    return table


def _print_surveys(surveys: pd.DataFrame, console: Console) -> None:
    """One line per survey, the title last and whole (a table would cut or fold a long title,
    and the end of a title is where ``[... vX]`` tags are)."""
    console.print("survey id  active  title", markup=False, highlight=False)
    for sid, active, title in surveys.itertuples(index=False):
        console.print(f"{sid!s:>9}  {active!s:<6}  {title}", markup=False, highlight=False,
                      soft_wrap=True)


def _deploy_report(res: DeployResult, out: Path | None, console: Console) -> list[str]:
    """Print what deploy did, participant by participant; the problems to fail with."""
    problems: list[str] = []
    frames = []
    po = res.participant_outcomes
    if po is not None:
        table = po.table(first_row=FIRST_DATA_ROW)
        frames.append(table.assign(table="participants"))
        console.print(f"participants: {len(po.added)} added, {len(po.rejected)} rejected "
                      f"(of {len(po.outcomes)} rows)", markup=False, highlight=False)
        if po.rejected:
            console.print(_table(table[table["status"] == "rejected"],
                                 "Participants LimeSurvey did not add (row = line in the list)"))
            rows = ", ".join(str(o.row + FIRST_DATA_ROW) for o in po.rejected)
            which = "row" if len(po.rejected) == 1 else "rows"
            problems.append(
                f"{len(po.rejected)} of {len(po.outcomes)} participants were not added ({which} "
                f"{rows} of the list; reasons above); the others were. Correct those rows and "
                "add only them: deploy again with --reuse --participants <a list of those rows>.")
    for name, mail in (("invitations", res.invitations), ("reminders", res.reminders)):
        if mail is None:
            continue
        table = mail.table()
        frames.append(table.assign(table=name))
        console.print(mail.summary(), markup=False, highlight=False)
        if mail.failed:
            console.print(_table(table[table["status"] == "failed"],
                                 f"{name.capitalize()} LimeSurvey did not send"))
    if res.nothing_sent:
        reasons = sorted({o.reason for m in (res.invitations, res.reminders) if m
                          for o in m.failed if o.reason})
        notes = [m.note for m in (res.invitations, res.reminders) if m and m.note]
        why = "; ".join(reasons + notes) or "LimeSurvey gave no reason"
        problems.append(
            f"No e-mail was sent ({why}). If the reason is the mail function, LimeSurvey cannot "
            "send e-mail: set up the e-mail settings (Configuration > Global settings > Email "
            f"settings), then send them with `cchc-survey deploy ... --reuse --invite`.")
    if out is not None and frames:
        cols = ["table", "row", "tid", "status", "reason"]
        write_table(pd.concat(frames, ignore_index=True).reindex(columns=cols), out)
    return problems


def deploy_cmd(
    instrument: Annotated[Path, typer.Argument(help="the instrument YAML (questionnaires/*.yaml)")],
    participants: Annotated[Path | None, typer.Option(
        "--participants", "-p", help="participants list (.csv or .xlsx): firstname, lastname, "
        "email, token, language, unit, attribute_<n>")] = None,
    lss: Annotated[Path | None, typer.Option(
        "--lss", help="use this .lss instead of generating it from the instrument")] = None,
    title: Annotated[str | None, typer.Option(
        "--title", help="one title for every language of the survey (default: the "
        "instrument's title in each language)")] = None,
    survey_id: Annotated[int | None, typer.Option("--survey-id", help="survey id to ask for")] = None,
    activate: Annotated[bool, typer.Option("--activate/--no-activate")] = True,
    invite: Annotated[bool, typer.Option("--invite", help="send the invitations")] = False,
    remind: Annotated[bool, typer.Option("--remind", help="send reminders")] = False,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="import although this version is already on the server")] = False,
    reuse: Annotated[bool, typer.Option(
        "--reuse", help="use the survey of this version that is already on the server")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="also write every participant's and e-mail's outcome to .xlsx or .csv")] = None,
    config: ConfigOpt = None,
    timeout: TimeoutOpt = None,
) -> None:
    """Import the instrument into LimeSurvey, activate it, add participants, send invitations.

    Respondents read the instrument's own title; the instrument and version are recorded as the
    survey alias. A survey that promises anonymity is deployed anonymised, or not at all.
    """
    from ..instrument import load_instrument
    from ..limesurvey.deploy import deploy
    from ..limesurvey.lss.settings import instrument_anonymity

    console = Console(soft_wrap=True)
    try:
        inst = load_instrument(instrument)
        if lss is not None:
            lss_bytes = lss.read_bytes()
            make = lambda: lss_bytes  # noqa: E731
        else:
            from ..limesurvey.lss import write_lss

            make = lambda: write_lss(inst, sid=survey_id)  # noqa: E731
        with _client(config, timeout) as ls:
            res = deploy(ls, make, title=title, instrument_id=inst.id,
                         instrument_version=inst.version, anonymity=instrument_anonymity(inst),
                         wished_id=survey_id, participants=participants, activate=activate,
                         invite=invite, remind=remind, allow_duplicate=allow_duplicate,
                         reuse=reuse)  # fmt: skip
    except CchcSurveyError as exc:
        fail(exc)
        return
    say = lambda text: console.print(text, markup=False, highlight=False)  # noqa: E731
    say(f"survey id: {res.survey_id}" + ("" if res.imported else " (already on the server)"))
    say(f"title respondents read: {res.title or inst.title.vi}")
    say(f"identity (survey alias): {res.identity or '(none)'}")
    if res.anonymized is not None:
        say(f"anonymised: {'yes' if res.anonymized else 'no'}")
    say(f"steps: {', '.join(res.steps)}")
    for w in res.warnings:
        note(str(w))
    problems = _deploy_report(res, out, console)
    if problems:
        fail(" ".join(problems))


def pull_cmd(
    survey_id: Annotated[int, typer.Argument(help="the LimeSurvey survey id")],
    token: Annotated[list[str] | None, typer.Option(
        "--token", help="pull only this participant's responses (repeatable)")] = None,
    completion: Annotated[Completion, typer.Option(help="all, complete or incomplete")] = Completion.all,
    language: Annotated[str, typer.Option(help="export language (sent explicitly)")] = "vi",
    page_size: Annotated[int, typer.Option("--page-size", help="responses per request")] = 500,
    document: Annotated[Document, typer.Option("--format", help="csv or json")] = Document.csv,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="raw snapshot store (default: the project's data/raw)")] = None,
    instrument: Annotated[Path | None, typer.Option(
        "--instrument", "-i", help="the instrument YAML (its id and version go in the manifest)")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    config: ConfigOpt = None,
    timeout: TimeoutOpt = None,
) -> None:
    """Pull the responses that are new since the last pull into data/raw/<survey>/ (immutable)."""
    from ..limesurvey.pull import pull_by_token, pull_responses
    from ..store import RawStore

    try:
        inst_id = inst_version = None
        if instrument is not None:
            from ..instrument import load_instrument

            inst = load_instrument(instrument)
            inst_id, inst_version = inst.id, inst.version
        store = RawStore(raw_dir(data_dir, "raw"))
        with _client(config, timeout) as ls:
            if token:
                res = pull_by_token(ls, survey_id, token, store=store, language=language,
                                    completion=completion.value, document=document.value,
                                    instrument_id=inst_id, instrument_version=inst_version,
                                    progress=progress)  # fmt: skip
            else:
                res = pull_responses(ls, survey_id, store=store, language=language,
                                     completion=completion.value, document=document.value,
                                     page_size=page_size, instrument_id=inst_id,
                                     instrument_version=inst_version, progress=progress)  # fmt: skip
    except CchcSurveyError as exc:
        fail(exc)
        return
    typer.echo(res.message)
    for p in res.snapshots:
        typer.echo(f"written: {p}")


def status_cmd(
    survey_id: Annotated[int | None, typer.Argument(
        help="the survey id (leave out to list the surveys you can see)")] = None,
    unit: Annotated[str | None, typer.Option(
        "--by", help="participant field with the unit, e.g. attribute_1 (the list's 'unit')")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="also write the tables to .xlsx or .csv")] = None,
    config: ConfigOpt = None,
    timeout: TimeoutOpt = None,
) -> None:
    """Fieldwork status: responses, completion and response rates by participant status and unit.

    Without a survey id: the surveys you can see, titles exactly as LimeSurvey stores them.
    """
    from ..limesurvey.status import fieldwork_status

    console = Console(soft_wrap=True)
    try:
        with _client(config, timeout) as ls:
            if survey_id is None:
                surveys = pd.DataFrame(ls.list_surveys(), columns=["sid", "active", "surveyls_title"])
                _print_surveys(surveys, console)
                if out is not None:
                    write_table(surveys.rename(columns={"surveyls_title": "title"}), out)
                return
            st = fieldwork_status(ls, survey_id, unit_attribute=unit)
    except CchcSurveyError as exc:
        fail(exc)
        return
    console.print(_table(st.overview, f"Survey {survey_id}"))
    console.print(_table(st.by_status, "Participants by status"))
    if not st.has_participants_table:
        console.print("This survey has no participants table.")
    if not st.by_unit.empty:
        console.print(_table(st.by_unit, f"By unit ({unit})"))
    if out is not None:
        tables = {"overview": st.overview, "by_status": st.by_status, "by_unit": st.by_unit}
        from ..report.tables import safe_frame

        if out.suffix.lower() == ".xlsx":
            with pd.ExcelWriter(out) as xl:
                for name, frame in tables.items():
                    safe_frame(frame).to_excel(xl, sheet_name=name, index=False)
            typer.echo(f"written: {out}")
        else:
            write_table(pd.concat(tables, names=["table"]).reset_index(level=0), out)


def register(app: typer.Typer) -> None:
    """Add ``deploy``, ``pull`` and ``status`` to ``app``."""
    app.command("deploy")(deploy_cmd)
    app.command("pull")(pull_cmd)
    app.command("status")(status_cmd)
