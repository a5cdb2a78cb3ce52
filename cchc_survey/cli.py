"""The ``cchc-survey`` command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="cchc_survey: SIPAS / PAPI / PAR Index surveys, from questionnaire to report.",
                  no_args_is_help=True)


@app.command()
def demo() -> None:
    """Run the whole chain on generated demo data and say where each output went."""
    from .demo import run_demo

    run_demo()


if __name__ == "__main__":
    app()
