"""CLI commands ``map`` (propose a column map for a Google Forms, KoboToolbox or other table)
and ``entry-sheet`` (write the data-entry workbook for paper forms).

Registered on the main app by :func:`register`. Importing those files is ``import FILE
--instrument x.yaml --map FILE.map.yaml`` (a data-entry workbook needs no map).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import CchcSurveyError, InputFileError, Problem
from .common import console, fail, write_table


def register(app: typer.Typer) -> None:
    """Add the ``map`` and ``entry-sheet`` commands to ``app``."""

    @app.command("map")
    def map_cmd(
        file: Annotated[Path, typer.Argument(help="The Google Forms CSV/xlsx, KoboToolbox "
                                             "CSV/XLSX export or other table.")],
        instrument: Annotated[Path, typer.Option(
            "--instrument", "-i", help="The instrument YAML the answers are for.")],
        out: Annotated[Path | None, typer.Option(
            "--out", "-o", help="Where to write the map (default: FILE.map.yaml beside "
            "FILE).")] = None,
        xlsform: Annotated[Path | None, typer.Option(
            "--xlsform", help="The KoboToolbox form's XLSForm (.xlsx): its labels say what "
            "the XML names mean.")] = None,
        sheet: Annotated[str | None, typer.Option(
            "--sheet", help="The worksheet of an Excel file (default: the first).")] = None,
        encoding: Annotated[str | None, typer.Option(
            "--encoding", help="A CSV's text encoding when it is not UTF-8, e.g. "
            "cp1258.")] = None,
        matches: Annotated[Path | None, typer.Option(
            "--matches", help="Also write the table of matches (.xlsx or .csv).")] = None,
        force: Annotated[bool, typer.Option(
            "--force", help="Overwrite an existing map (it may hold your review).")] = False,
    ) -> None:
        """Propose the column map of FILE: headings -> items, answer labels -> codes, with a
        confidence per line; list what could not be matched. Review it, then import."""
        from ..instrument import load_instrument
        from ..sources import propose
        from ..sources.columnmap import default_map_path

        target = out or default_map_path(file)
        try:
            if target.exists() and not force:
                raise InputFileError([Problem(str(target), "--out", "a map already exists "
                                              "there (it may hold your review)",
                                              "give another --out, or --force to replace "
                                              "it.")], "the map was not written")
            inst = load_instrument(instrument)
            prop = propose(file, inst, xlsform=xlsform, sheet=sheet, encoding=encoding)
        except CchcSurveyError as exc:
            fail(exc)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(prop.text, encoding="utf-8")
        m = prop.matches
        matched = m[m["target"] != ""]
        review = matched[matched["review"]]
        console.print(f"map written: {target}", markup=False, highlight=False)
        console.print(f"{len(m)} headings: {len(matched)} matched ({len(review)} to check), "
                      f"{len(prop.unmatched_headings)} not matched; "
                      f"{len(prop.unmatched_items)} items without a heading; "
                      f"{len(prop.unmatched_answers)} answers matching no code.",
                      markup=False, highlight=False)
        for r in review.to_dict("records"):
            console.print(f"  kiểm tra (check) {r['confidence']:.2f}  {r['heading']!r} -> "
                          f"{r['target']}  ({r['wording']})", markup=False, highlight=False)
        for h in prop.unmatched_headings:
            console.print(f"  không khớp (not matched): {h!r}", markup=False, highlight=False)
        for i in prop.unmatched_items:
            console.print(f"  không có cột (no heading): {i}", markup=False, highlight=False)
        for r in prop.unmatched_answers.to_dict("records"):
            console.print(f"  câu trả lời không khớp (answer matching no code): "
                          f"{r['heading']!r}: {r['value']!r} ({r['rows']} rows, first row "
                          f"{r['first_row']})", markup=False, highlight=False)
        if matches is not None:
            write_table(m, matches, sheet="matches")
        console.print(f"next: review {target.name}, then cchc-survey import {file.name} "
                      f"--instrument {instrument.name} --map {target.name}",
                      markup=False, highlight=False)

    @app.command("entry-sheet")
    def entry_sheet_cmd(
        instrument: Annotated[Path, typer.Argument(help="The instrument YAML.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="The workbook to write.")] = Path(
            "nhap_lieu.xlsx"),
        rows: Annotated[int, typer.Option(
            "--rows", min=1, max=100_000, help="Form rows with drop-down lists.")] = 1000,
    ) -> None:
        """Write the data-entry workbook for paper forms: one row per form, drop-down lists of
        the allowed answers, locked headings, instructions in Vietnamese."""
        from ..instrument import load_instrument
        from ..sources import write_entry_sheet

        try:
            inst = load_instrument(instrument)
            path = write_entry_sheet(inst, out, rows=rows)
        except CchcSurveyError as exc:
            fail(exc)
        console.print(f"written: {path} ({len(inst.items)} items, {rows} form rows); "
                      f"import it with: cchc-survey import {path.name} --instrument "
                      f"{instrument.name}", markup=False, highlight=False)
