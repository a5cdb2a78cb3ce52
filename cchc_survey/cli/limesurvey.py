"""CLI commands ``deploy``, ``pull`` and ``status`` (LimeSurvey RemoteControl), added to the main
app by :func:`register`.

The server and the login come from ``CCHC_LS_URL`` / ``CCHC_LS_USER`` / ``CCHC_LS_PASSWORD`` or
``~/.config/cchc_survey/limesurvey.toml`` (``--config`` for another file); see docs/limesurvey.md.
Every failure prints one message that says what to do and exits with code 1 (bad input,
the server's answer); an option value that is not one of its choices exits with 2 before any work.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ..errors import CchcSurveyError
from ..limesurvey.client import LimeSurvey, load_config
from .common import data_dir as raw_dir
from .common import fail, project, write_table

__all__ = ["deploy_cmd", "pull_cmd", "register", "status_cmd"]

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
    table = Table(title=title)
    for c in frame.columns:
        table.add_column(str(c), justify="right" if pd.api.types.is_numeric_dtype(frame[c]) else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*["" if pd.isna(v) else (f"{v:.1%}" if isinstance(v, float) else str(v))
                        for v in row])  # fmt: skip
    return table


def deploy_cmd(
    instrument: Annotated[Path, typer.Argument(help="the instrument YAML (questionnaires/*.yaml)")],
    participants: Annotated[Path | None, typer.Option(
        "--participants", "-p", help="participants list (.csv or .xlsx): firstname, lastname, "
        "email, token, language, unit, attribute_<n>")] = None,
    lss: Annotated[Path | None, typer.Option(
        "--lss", help="use this .lss instead of generating it from the instrument")] = None,
    title: Annotated[str | None, typer.Option(
        "--title", help="survey title (default: the instrument's Vietnamese title); the "
        "version tag [id vX] is appended")] = None,
    survey_id: Annotated[int | None, typer.Option("--survey-id", help="survey id to ask for")] = None,
    activate: Annotated[bool, typer.Option("--activate/--no-activate")] = True,
    invite: Annotated[bool, typer.Option("--invite", help="send the invitations")] = False,
    remind: Annotated[bool, typer.Option("--remind", help="send reminders")] = False,
    allow_duplicate: Annotated[bool, typer.Option(
        "--allow-duplicate", help="import although this version is already on the server")] = False,
    reuse: Annotated[bool, typer.Option(
        "--reuse", help="use the survey of this version that is already on the server")] = False,
    config: ConfigOpt = None,
    timeout: TimeoutOpt = None,
) -> None:
    """Import the instrument into LimeSurvey, activate it, add participants, send invitations."""
    from ..instrument import load_instrument
    from ..limesurvey.deploy import deploy, deploy_title

    try:
        inst = load_instrument(instrument)
        if lss is not None:
            lss_bytes = lss.read_bytes()
            make = lambda: lss_bytes  # noqa: E731
        else:
            from ..limesurvey.lss import write_lss

            make = lambda: write_lss(inst, sid=survey_id)  # noqa: E731
        full_title = deploy_title(title or inst.title.vi, inst.id, inst.version)
        with _client(config, timeout) as ls:
            res = deploy(ls, make, title=full_title, instrument_id=inst.id,
                         instrument_version=inst.version, wished_id=survey_id,
                         participants=participants, activate=activate, invite=invite,
                         remind=remind, allow_duplicate=allow_duplicate, reuse=reuse)  # fmt: skip
    except CchcSurveyError as exc:
        fail(exc)
        return
    typer.echo(f"survey id: {res.survey_id}")
    typer.echo(f"title: {res.title}")
    typer.echo(f"steps: {', '.join(res.steps)}")
    typer.echo(f"participants added: {len(res.participants)}")
    if res.emails_left is not None:
        typer.echo(f"e-mails left to send: {res.emails_left}")


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
    """Fieldwork status: responses, completion and response rates by participant status and unit."""
    from ..limesurvey.status import fieldwork_status

    console = Console()
    try:
        with _client(config, timeout) as ls:
            if survey_id is None:
                surveys = pd.DataFrame(ls.list_surveys(), columns=["sid", "surveyls_title", "active"])
                console.print(_table(surveys, "Surveys"))
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
