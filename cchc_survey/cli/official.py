"""CLI commands ``sample-size`` and ``official`` (registered on the main app by ``register``).

``official``: ``template``, ``load`` (the bundled tables by default: what each index and year
holds, and whether it is a full table), ``check`` (published arithmetic), ``conflicts`` (values
the sources disagree on), ``ranks`` (rank-only facts) and ``compare`` (a score table, as
``cchc-survey report`` writes it, against the official values, with the component mapping the
instrument declares).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from ..errors import CchcSurveyError
from .common import fail, project, write_table


class Formula(StrEnum):
    """Sample-size formulas."""

    yamane = "yamane"
    cochran = "cochran"


class Allocation(StrEnum):
    """Ways to share a total sample among strata."""

    proportional = "proportional"
    neyman = "neyman"


class Era(StrEnum):
    """Which list of provinces the official values are matched against."""

    old = "old"
    new = "new"


class Index(StrEnum):
    """The official indices."""

    PAPI = "PAPI"
    SIPAS = "SIPAS"
    PAR = "PAR"


def _out(df: pd.DataFrame, path: Path | None) -> None:
    if path is None:
        typer.echo(df.to_string(index=False))
    else:
        write_table(df, path)


def sample_size_cmd(
    margin: Annotated[float, typer.Option("--margin", "-e", help="target margin of error, e.g. 0.05")],
    population: Annotated[int | None, typer.Option("--population", "-N",
                                                   help="population size (units served)")] = None,
    formula: Annotated[Formula, typer.Option(help="yamane (n = N/(1+N·e²)) or cochran")] = Formula.cochran,
    deff: Annotated[float, typer.Option(help="design effect (1 = simple random sample)")] = 1.0,
    p: Annotated[float, typer.Option(help="expected proportion (0.5 = most cautious)")] = 0.5,
    conf: Annotated[float, typer.Option(help="confidence level")] = 0.95,
    strata: Annotated[Path | None, typer.Option(
        help="CSV with columns stratum,N[,S]: per-stratum sizes, or an allocation of --total")] = None,
    total: Annotated[int | None, typer.Option(help="total n to allocate across --strata")] = None,
    allocation: Annotated[Allocation, typer.Option(help="proportional or neyman")] = Allocation.proportional,
    out: Annotated[Path | None, typer.Option(help="write the table to .csv or .xlsx")] = None,
) -> None:
    """Sample size for a target margin of error (per unit/stratum, or allocated across strata)."""
    from ..sampling import allocate, margin_of_error, sample_size, sample_size_by_stratum

    try:
        if strata is None:
            n = sample_size(margin, N=population, formula=formula.value,
                            p=p, conf=conf, deff=deff)
            e = margin_of_error(n if population is None else min(n, population), p=p, conf=conf,
                                deff=deff, N=population)
            typer.echo(f"n = {n} (formula={formula.value}, N={population}, e={margin}, deff={deff}, "
                       f"p={p}, conf={conf}); margin reached = {e:.4f}")
            return
        tab = pd.read_csv(strata, dtype={"stratum": str})
        if not {"stratum", "N"} <= set(tab.columns):
            raise typer.BadParameter(f"{strata}: needs columns stratum,N (and S for neyman)")
        Ns = pd.Series(tab["N"].to_numpy(dtype=float), index=tab["stratum"])
        if total is None:
            res = sample_size_by_stratum(Ns, margin, formula=formula.value,
                                         p=p, conf=conf, deff=deff)
        else:
            S = (pd.Series(tab["S"].to_numpy(dtype=float), index=tab["stratum"])
                 if "S" in tab else None)
            res = allocate(total, Ns, S_h=S, method=allocation.value)
        _out(res, out)
    except CchcSurveyError as exc:
        fail(exc)


official_app = typer.Typer(help="Official published results: template, load, checks, compare.",
                           no_args_is_help=True)


@official_app.command("template")
def template_cmd(path: Annotated[Path, typer.Argument(help=".csv or .xlsx to write")]) -> None:
    """Write an empty official-results template (columns documented in the README sheet)."""
    from ..official.loader import TEMPLATE_DOC, official_template

    try:
        official_template(path)
    except CchcSurveyError as exc:
        fail(exc)
    typer.echo(f"written: {path}")
    for k, v in TEMPLATE_DOC.items():
        typer.echo(f"  {k}: {v}")


def _table(path: Path | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The official table at ``path`` (or the bundled one), its unmatched rows and its name."""
    from ..official.loader import bundled_official, load_official

    if path is None:
        return bundled_official(), pd.DataFrame(), "bundled official tables (partial)"
    res = load_official(path, on_unmatched="report")
    return res.table, res.unmatched, str(path)


@official_app.command("load")
def load_cmd(
    path: Annotated[Path | None, typer.Argument(
        help="the analyst's official table (.csv/.xlsx); default: the bundled tables")] = None,
    out: Annotated[Path | None, typer.Option(help="write the tidy table here")] = None,
) -> None:
    """Load an official table; list what each index and year holds (full or partial table);
    list the province names that do not match."""
    from ..official.loader import conflicts, years

    try:
        table, unmatched, name = _table(path)
    except CchcSurveyError as exc:
        fail(exc)
    summary = years(table)
    typer.echo(f"{name}: {len(table)} rows, {int(table['use'].sum())} in use, "
               f"{len(conflicts(table))} conflict(s) between sources, "
               f"{len(unmatched)} unmatched province name(s)")
    shown = summary.assign(full=summary["full"].map({True: "yes", False: "NO"}))
    typer.echo(shown.rename(columns={"n_values": "values", "n_provinces": "provinces",
                                     "full": "full table"}).to_string(index=False))
    if len(unmatched):
        typer.echo(unmatched.to_string(index=False))
    if out is not None:
        write_table(table, out)
    if len(unmatched):
        raise typer.Exit(code=1)


@official_app.command("check")
def check_cmd(
    path: Annotated[Path | None, typer.Argument(help="official table; default: bundled")] = None,
    out: Annotated[Path | None, typer.Option(help="write the check table here")] = None,
) -> None:
    """Check published arithmetic (PAPI dimension = sum of sub-dimensions, total = sum of dims)."""
    from ..official.checks import check_arithmetic
    from ..official.loader import bundled_official, load_official

    try:
        table = bundled_official() if path is None else load_official(path).table
    except CchcSurveyError as exc:
        fail(exc)
    res = check_arithmetic(table)
    _out(res.drop(columns=["source_url"]) if out is None else res, out)
    bad = int((res["status"] == "inconsistent").sum())
    typer.echo(f"{bad} inconsistent of {int(res['status'].isin(['consistent', 'inconsistent']).sum())}"
               " checked")


@official_app.command("conflicts")
def conflicts_cmd(
    path: Annotated[Path | None, typer.Argument(help="official table; default: bundled")] = None,
    out: Annotated[Path | None, typer.Option(help="write the conflicts here")] = None,
) -> None:
    """Values the sources disagree on: both values, both sources, which one is used and why."""
    from ..official.loader import conflicts

    try:
        table, _, _ = _table(path)
    except CchcSurveyError as exc:
        fail(exc)
    res = conflicts(table)
    if out is not None:
        write_table(res, out)
        return
    for r in res.to_dict("records"):
        typer.echo(f"{r['index']} {r['year']} {r['province'] or r['level']} {r['component']} "
                   f"({r['statistic']}): uses {r['value_used']:g}"
                   + (f", not {r['value_not_used']}" if r["value_not_used"] else "")
                   + f"\n    {r['conflict']}")
    typer.echo(f"{len(res)} conflict(s)")


@official_app.command("ranks")
def ranks_cmd(
    index: Annotated[Index | None, typer.Option(case_sensitive=False,
                                                    help="only this index")] = None,
    out: Annotated[Path | None, typer.Option(help="write the rank table here")] = None,
) -> None:
    """Rank-only facts: ranks or groups published without the value."""
    from ..official.loader import official_ranks

    res = official_ranks(index.value if index is not None else None)
    _out(res.drop(columns=["source_url"]) if out is None else res, out)


@official_app.command("compare")
def compare_cmd(
    scores: Annotated[Path, typer.Argument(
        help="score table: the bao_cao_<index>.csv that `cchc-survey report` writes, or a "
             "score table CSV (scores.csv)")],
    province: Annotated[str | None, typer.Option(
        help="province of the survey, any spelling (default: the project's)")] = None,
    instrument: Annotated[Path | None, typer.Option(
        help="the survey's instrument (.yaml): its components declare their official "
             "counterparts (needed for SIPAS and PAR, whose codes differ from the official ones)")
    ] = None,
    index: Annotated[Index | None, typer.Option(
        case_sensitive=False, help="the index (default: the instrument's)")] = None,
    era: Annotated[Era, typer.Option(
        case_sensitive=False, help="old (63 provinces) or new (34 units from 2025)")] = Era.old,
    year: Annotated[list[int] | None, typer.Option(
        help="official year(s) to compare with (repeat); default all")] = None,
    official: Annotated[Path | None, typer.Option(help="official table; default bundled")] = None,
    scale: Annotated[float, typer.Option(help="multiply survey numbers (100: proportion->%)")] = 1.0,
    out: Annotated[Path | None, typer.Option(help="write the comparison here")] = None,
) -> None:
    """Compare survey estimates with the official values of a province.

    A merged unit (--era new) is compared with the unweighted mean of its old provinces' values
    before 2025, and each old province's value is shown; a weighted mean (by population or
    respondents) is made in Python: compare_official(..., aggregate="weighted", weights=...).
    """
    from ..compare import compare_official
    from ..compare.score_files import read_score_file
    from ..instrument import load_instrument

    try:
        if not scores.is_file():
            from ..errors import InputFileError, Problem

            raise InputFileError([Problem(str(scores), "SCORES", "the file does not exist",
                                          "give the scores.csv (or bao_cao_<index>.csv) that "
                                          "`cchc-survey report` wrote.")],
                                 "cannot read the score table")
        proj = project()
        where = province or (proj.province if proj is not None else "")
        if not where:
            raise typer.BadParameter("give --province (or set province in the project file)",
                                     param_hint="--province")
        inst = load_instrument(instrument) if instrument is not None else None
        off = _table(official)[0]
        sc = read_score_file(scores, instrument=inst,
                             index=index.value if index is not None else None)
        res = compare_official(sc, off, province=where,
                               index=index.value if index is not None else None,
                               era=era.value,
                               years=year or None, scale=scale, instrument=inst)
    except CchcSurveyError as exc:
        fail(exc)
    if out is not None:
        write_table(res, out)
        return
    cols = ["index", "component", "year", "role", "official_province", "estimate", "ci_low",
            "ci_high", "official_value", "difference", "significant", "rank_if_official",
            "rank_among", "group"]
    typer.echo(res[cols].to_string(index=False))
    for note in dict.fromkeys(res["official_coverage"]):
        typer.echo(f"  {note}")
    for note in dict.fromkeys(n for n in res["counterpart_note"] if n):
        typer.echo(f"  note: {note}")


def register(app: typer.Typer) -> None:
    """Add ``sample-size`` and ``official`` to the main ``cchc-survey`` app."""
    app.command("sample-size")(sample_size_cmd)
    app.add_typer(official_app, name="official")
