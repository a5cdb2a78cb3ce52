"""CLI commands ``import`` (an export file -> raw snapshot + processed parquet) and ``codebook``
(a ``.lss`` or an instrument -> Excel codebook with Vietnamese and English labels).

Registered on the main app by :func:`register`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from ..errors import CchcSurveyError, InputFileError, Problem
from .common import data_dir as default_data_dir
from .common import fail


def _load_source(path: Path) -> tuple[Any, Any]:
    """(instrument, codebook) from a ``.yaml`` instrument or a ``.lss`` file."""
    if path.suffix.lower() in (".yaml", ".yml"):
        from ..instrument import load_instrument

        return load_instrument(path), None
    from ..codebook import read_lss

    return None, read_lss(path)


def write_codebook_xlsx(codebook: Any, out: Path) -> Path:
    """Write a codebook to Excel: sheet ``codes`` (one row per column x code, labels per
    language) and sheet ``columns`` (every column's names in each convention). Texts that a
    spreadsheet would run as a formula are neutralised."""
    from ..report.tables import safe_frame

    out.parent.mkdir(parents=True, exist_ok=True)
    codes = safe_frame(codebook.to_frame())
    cols = safe_frame(codebook.columns())
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        codes.to_excel(xw, sheet_name="codes", index=False)
        cols.to_excel(xw, sheet_name="columns", index=False)
    return out


def register(app: typer.Typer) -> None:
    """Add the ``import`` and ``codebook`` commands to ``app``."""

    @app.command("import")
    def import_cmd(
        file: Annotated[Path, typer.Argument(help="The LimeSurvey export (CSV, JSON, xlsx, "
                                             ".sps/.dat, .R, Stata XML, VV).")],
        instrument: Annotated[Path | None, typer.Option(
            "--instrument", "-i", help="The instrument YAML the survey was built from.")] = None,
        lss: Annotated[Path | None, typer.Option(
            "--lss", help="The survey's .lss (alone for a survey not built from our "
            "instruments).")] = None,
        survey: Annotated[str | None, typer.Option(
            "--survey", help="Processed folder name (default: the survey id or instrument "
            "id).")] = None,
        encoding: Annotated[str | None, typer.Option(
            "--encoding", help="Text encoding when the file is not UTF-8 and has no BOM, "
            "e.g. cp1258.")] = None,
        data_dir: Annotated[Path | None, typer.Option(
            "--data-dir", help="Folder holding raw/ and processed/ (default: the project's "
            "data/).")] = None,
        warn: Annotated[bool, typer.Option(
            "--warn", help="Keep going on value errors (they are listed) instead of "
            "stopping.")] = False,
        map_file: Annotated[Path | None, typer.Option(
            "--map", help="The column map of a Google Forms, KoboToolbox or other table "
            "(cchc-survey map); a data-entry workbook needs none.")] = None,
    ) -> None:
        """Import an export: keep it as a raw snapshot and merge it into data/processed/."""
        from ..processed import import_export
        from ..sources import import_source, needs_map_reader
        from ..tidy import ExportValidationWarning

        folder = default_data_dir(data_dir)
        try:
            inst = None
            if instrument is not None:
                inst, _ = _load_source(instrument)
            if map_file is not None and inst is None:
                raise InputFileError([Problem("--map", "option", "a column map maps a file onto "
                                              "an instrument, and none was given",
                                              "add --instrument x.yaml.")], "cannot import")
            raw_root, processed_root = folder / "raw", folder / "processed"
            if inst is not None and needs_map_reader(file, map_file):
                with warnings.catch_warnings():  # the failures are printed below
                    warnings.simplefilter("ignore", ExportValidationWarning)
                    rep = import_source(file, inst, map=map_file, survey=survey,
                                        encoding=encoding, on_error="warn" if warn else "raise",
                                        raw_root=raw_root, processed_root=processed_root)
            else:
                rep = import_export(file, inst, lss=lss, survey=survey, encoding=encoding,
                                    raw_root=raw_root, processed_root=processed_root,
                                    on_error="warn" if warn else "raise")
        except CchcSurveyError as exc:
            fail(exc)
        typer.echo(rep.summary())
        if rep.result is not None and not rep.result.failures.empty:
            f = rep.result.failures
            typer.echo(f"{len(f)} failure case(s):")
            typer.echo(f[["column", "check", "value", "row", "severity"]].to_string(index=False))
        if not rep.dedup.empty:
            typer.echo("duplicates with different content:")
            typer.echo(rep.dedup.to_string(index=False))

    @app.command("codebook")
    def codebook_cmd(
        source: Annotated[Path, typer.Argument(help="A .lss file or an instrument YAML.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Excel file to write.")] = Path(
            "codebook.xlsx"),
    ) -> None:
        """Write the codebook (columns, codes, labels in Vietnamese and English) to Excel."""
        try:
            inst, cb = _load_source(source)
            if cb is None:
                from ..codebook import codebook_from_instrument

                cb = codebook_from_instrument(inst)
            path = write_codebook_xlsx(cb, out)
        except CchcSurveyError as exc:
            fail(exc)
        typer.echo(f"codebook written: {path} ({len(cb.column_list)} columns)")
