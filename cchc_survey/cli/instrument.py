"""CLI command group ``instrument``: ``instrument from-lss SURVEY.lss --out x.yaml`` writes an
instrument from any LimeSurvey survey structure (:mod:`cchc_survey.instrument.from_lss`).

Registered on the main app by :func:`register`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import CchcSurveyError
from .common import console, fail


def register(app: typer.Typer) -> None:
    """Add the ``instrument`` command group to ``app``."""
    group = typer.Typer(help="Instruments (questionnaire YAML files).", no_args_is_help=True)
    app.add_typer(group, name="instrument")

    @group.command("from-lss")
    def from_lss(
        lss: Annotated[Path, typer.Argument(help="The LimeSurvey survey structure file (.lss).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="The instrument YAML to write.")],
        instrument_id: Annotated[str, typer.Option(
            "--id", help="The instrument id (default: lss_<survey id>).")] = "",
        force: Annotated[bool, typer.Option(
            "--force", help="Overwrite OUT when it exists.")] = False,
    ) -> None:
        """Write an instrument from any LimeSurvey survey: groups, questions, scales, filters;
        methodology and mirrors are left for you to fill in (marked in the file)."""
        from ..instrument.from_lss import from_codebook
        from ..instrument.load import parse_instrument
        from ..limesurvey.lss import read_lss

        if out.exists() and not force:
            fail(f"{out} exists. Fix: give another --out, or --force to overwrite it.")
        try:
            cb = read_lss(lss)
            text = from_codebook(cb, instrument_id=instrument_id, source=lss.name)
            inst = parse_instrument(text, str(out))
        except CchcSurveyError as exc:
            fail(exc)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
        console.print(f"written: {out} ({len(inst.spec.groups)} groups, "
                      f"{sum(len(g.questions) for g in inst.spec.groups)} questions, "
                      f"{len(inst.items)} items, {len(inst.spec.scales)} scales, "
                      f"{len(text.splitlines())} lines). Fill in the methodology and mirrors "
                      "where the file says TO FILL IN.", markup=False, highlight=False)
