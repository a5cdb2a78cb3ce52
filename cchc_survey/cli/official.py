"""CLI commands ``sample-size`` and ``official`` (registered on the main app by ``register``)."""

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


@official_app.command("load")
def load_cmd(
    path: Annotated[Path, typer.Argument(help="the analyst's official table (.csv/.xlsx)")],
    out: Annotated[Path | None, typer.Option(help="write the tidy table here")] = None,
) -> None:
    """Load an official table, match every province name, list the rows that do not match."""
    from ..official.loader import load_official

    try:
        res = load_official(path, on_unmatched="report")
    except CchcSurveyError as exc:
        fail(exc)
        return
    typer.echo(f"{len(res.table)} rows, {len(res.unmatched)} unmatched province name(s)")
    if len(res.unmatched):
        typer.echo(res.unmatched.to_string(index=False))
    if out is not None:
        _out(res.table, out)
    if len(res.unmatched):
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
        return
    res = check_arithmetic(table)
    _out(res.drop(columns=["source_url"]) if out is None else res, out)
    bad = int((res["status"] == "inconsistent").sum())
    typer.echo(f"{bad} inconsistent of {int(res['status'].isin(['consistent', 'inconsistent']).sum())}"
               " checked")


@official_app.command("compare")
def compare_cmd(
    scores: Annotated[Path, typer.Argument(help="score table (.csv) from the estimate step")],
    province: Annotated[str | None, typer.Option(
        help="province of the survey, any spelling (default: the project's)")] = None,
    index: Annotated[Index | None, typer.Option(help="PAPI, SIPAS or PAR")] = None,
    era: Annotated[Era, typer.Option(help="old (63 provinces) or new (34 units from 2025)")] = Era.old,
    official: Annotated[Path | None, typer.Option(help="official table; default bundled")] = None,
    scale: Annotated[float, typer.Option(help="multiply survey numbers (100: proportion->%)")] = 1.0,
    out: Annotated[Path | None, typer.Option(help="write the comparison here")] = None,
) -> None:
    """Compare survey estimates with the official values of a province."""
    from ..compare import compare_official
    from ..official.loader import bundled_official, load_official

    try:
        off = bundled_official() if official is None else load_official(official).table
        from ..errors import InputFileError, Problem
        from ..scoretable import STR_COLUMNS

        if not scores.is_file():
            raise InputFileError([Problem(str(scores), "SCORES", "the file does not exist",
                                          "give the scores.csv that `cchc-survey report` wrote "
                                          "(reports/<survey>/scores.csv).")],
                                 "cannot read the score table")
        sc = pd.read_csv(scores, dtype={c: str for c in STR_COLUMNS}, keep_default_na=False,
                         na_values={c: [""] for c in ("estimate", "se", "ci_low", "ci_high",
                                                      "ci_level", "df", "n", "n_eff", "deff")})
        proj = project()
        where = province or (proj.province if proj is not None else "")
        if not where:
            raise typer.BadParameter("give --province (or set province in the project file)",
                                     param_hint="--province")
        res = compare_official(sc, off, province=where, index=index.value if index else None,
                               era=era.value, scale=scale)
    except CchcSurveyError as exc:
        fail(exc)
        return
    _out(res, out)


def register(app: typer.Typer) -> None:
    """Add ``sample-size`` and ``official`` to the main ``cchc-survey`` app."""
    app.command("sample-size")(sample_size_cmd)
    app.add_typer(official_app, name="official")
