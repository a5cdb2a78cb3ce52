"""``cchc-survey demo``: the whole chain on generated demo data, the way real data travels.

For every instrument in ``questionnaires/``: generate deterministic responses and write them as a
LimeSurvey CSV export into ``data/raw/demo/<instrument>/`` (as if downloaded from the server), read
the file back through the export reader into a tidy frame, check and clean it, weight it (design
weights, raked to population margins for the one-stop survey), score it the way the instrument's
methodology declares (every variant, overall, by unit and by month), check reliability, compare
with the bundled official results, build trend and league tables, and write the tables, charts and
reports under ``data/processed/demo/``.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from . import QUESTIONNAIRES
from .assemble import report_inputs
from .cli.common import write_table
from .compare import change_between_waves, compare_official, for_report, league_table
from .dossiers.demo import run_dossier_demo
from .errors import CchcSurveyError
from .generate import DemoDesign, generate, population_margins, write_limesurvey_csv
from .indices.score import design_from_tidy, pivot_units_waves, score, unit_wave_table
from .instrument import Instrument, load_all
from .official import bundled_official
from .pipeline import Analysis, analyse
from .report import write_all
from .tidy import read_export

DEMO_SIZES = {"sipas_one_stop": 1800, "sipas_2023": 1200, "papi_mirror": 1200, "par_survey": 600}
ORGANISATION = "Sở Nội vụ tỉnh Minh Họa"
COMPARE_PROVINCE = "Hà Nội"
"""The demo compares its (made-up) results with this province's published values: one of the few
with PAPI 2023 dimension and sub-dimension scores and a PAR Index 2023 value in the bundled data."""
PARENT = "UBND TỈNH MINH HỌA"


@dataclass
class DemoResult:
    """Where the demo put things, and what it computed."""

    raw: dict[str, Path] = field(default_factory=dict)
    processed: dict[str, Path] = field(default_factory=dict)
    analyses: dict[str, Analysis] = field(default_factory=dict)
    first_table: pd.DataFrame | None = None
    outputs: dict[str, Path] = field(default_factory=dict)


def first_score_table(frame: pd.DataFrame, inst: Instrument) -> pd.DataFrame:
    """Issue-2 table: criteria, elements, overall; unweighted share satisfied with n."""
    complete = frame[frame["complete"]]
    t = score(design_from_tidy(complete, inst, weighted=False), inst)
    return t[["level", "code", "label_vi", "estimate", "n"]]


def _status(con: Console, message: str) -> AbstractContextManager[object]:
    """A spinner in a terminal; a plain line elsewhere (notebooks, logs, tests)."""
    if con.is_terminal and not con.is_jupyter:
        return con.status(message)
    con.print(message)
    return nullcontext()


def _print_table(console: Console, t: pd.DataFrame, title: str) -> None:
    tab = Table(title=title, show_lines=False)
    for col, just in (("Mã", "left"), ("Nội dung", "left"), ("% hài lòng", "right"), ("n", "right")):
        tab.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in t.itertuples(index=False):
        indent = {"criterion": "    ", "element": "  ", "index": ""}.get(str(r.level), "")
        style = "bold" if r.level != "criterion" else ""
        tab.add_row(f"{indent}{r.code}", f"{indent}{r.label_vi}", f"{r.estimate:.1f}", str(r.n),
                    style=style)
    console.print(tab)


def run_demo(root: str | Path = "data", *, console: Console | None = None,
             sizes: dict[str, int] | None = None, reports: bool = True,
             questionnaires: str | Path | None = None) -> DemoResult:
    """Run the demo chain (see the module docstring); return where everything went.

    Args:
        root: the data folder (``raw/demo`` and ``processed/demo`` are written under it).
        sizes: responses per instrument id (default :data:`DEMO_SIZES`).
        reports: also write the Excel, HTML and Word reports and charts.
        questionnaires: the instruments' folder (default: the bundled ones).
    """
    con = console or Console()
    root = Path(root)
    raw_dir, out_dir = root / "raw" / "demo", root / "processed" / "demo"
    res = DemoResult()
    folder = Path(questionnaires) if questionnaires is not None else QUESTIONNAIRES
    insts = load_all(folder)
    if not insts:
        raise CchcSurveyError(f"{folder} holds no instrument (*.yaml). Fix: copy the bundled ones "
                              "back (cchc-survey init makes a project with them).")
    con.print(f"[bold]cchc_survey demo[/bold]: {len(insts)} instruments from {folder}")
    n_by = {**DEMO_SIZES, **(sizes or {})}
    for iid, inst in insts.items():
        with _status(con, f"{iid}: generating, reading back, scoring ..."):
            demo = generate(inst, DemoDesign(n=n_by.get(iid, 1000), months=6))
            csv = write_limesurvey_csv(demo.export, raw_dir / iid / "responses_limesurvey.csv")
            res.raw[iid] = csv
            tidy = read_export(csv, inst)
            margins = population_margins(inst) if iid == "sipas_one_stop" else None
            for m in margins or []:  # as the analyst keeps them, for `report --margins`
                write_table(m, raw_dir / iid / f"margins_{m.columns[0]}.csv", quiet=True)
            an = analyse(tidy.frame, inst, margins=margins)
        res.analyses[iid] = an
        dest = out_dir / iid
        dest.mkdir(parents=True, exist_ok=True)
        tidy.frame.to_parquet(dest / "responses.parquet", index=False)
        write_table(an.scores, dest / "scores.csv", quiet=True)
        write_table(an.cleaned.flags, dest / "checks.csv", quiet=True)
        write_table(an.weighting, dest / "weighting.csv", quiet=True)
        if len(an.reliability):
            write_table(an.reliability, dest / "reliability.csv", quiet=True)
        res.processed[iid] = dest
        why = ", ".join(sorted(set(an.cleaned.excluded["rules"])))
        con.print(f"  {iid}: {tidy.n_in} responses read, {an.cleaned.n_kept} kept, "
                  f"{an.cleaned.n_excluded} excluded ({why}); {len(an.scores)} score rows -> {dest}")
        if iid == "sipas_one_stop":
            first = first_score_table(tidy.frame, inst)
            res.first_table = first
            write_table(first, dest / "first_score_table.csv", quiet=True)
            _print_table(con, first, "SIPAS (Bộ phận Một cửa): tỷ lệ hài lòng, chưa gia quyền")

    if reports:
        res.outputs = write_reports(res, out_dir / "report", con)
    con.print(f"[green]Done.[/green] Raw exports in {raw_dir}, results in {out_dir}")
    return res


def tracking_tables(an: Analysis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Month-to-month change and the league table of units (overall index, default variant)."""
    sc = an.default_scores
    top = an.instrument.methodology.components[0].id
    trend = change_between_waves(sc[sc["code"] == top], wave_var="wave")
    league = league_table(sc, code=top, group_var=an.instrument.design.unit)
    return trend, league


def official_comparison(res: DemoResult) -> pd.DataFrame:
    """PAPI mirror and PAR survey vs the bundled official 2023 values of COMPARE_PROVINCE."""
    official = bundled_official()
    parts = []
    for iid in ("papi_mirror", "par_survey"):  # each instrument declares its official counterparts
        if iid in res.analyses:
            an = res.analyses[iid]
            parts.append(compare_official(an.default_scores, official, province=COMPARE_PROVINCE,
                                          years=[2023], instrument=an.instrument))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def write_reports(res: DemoResult, out: Path, con: Console) -> dict[str, Path]:
    """Excel, HTML, Word, CSV and chart files for the demo's analyses."""
    names = {"sipas_one_stop": "SIPAS (Một cửa)", "sipas_2023": "SIPAS 2023",
             "papi_mirror": "PAPI", "par_survey": "PAR Index",
             "dvc_dossier_rating": "Đánh giá hồ sơ (Cổng DVC)"}
    order = [k for k in names if k in res.analyses] + [k for k in res.analyses if k not in names]
    one = res.analyses["sipas_one_stop"]
    trend, league = tracking_tables(one)
    out.mkdir(parents=True, exist_ok=True)
    write_table(trend, out / "sipas_trend_by_month.csv", quiet=True)
    write_table(league, out / "sipas_league_table.csv", quiet=True)
    top = one.instrument.methodology.components[0].id
    elements = [c.id for c in one.instrument.methodology.components[0].children]
    grid = unit_wave_table(one.design, one.instrument, codes=[top, *elements])
    write_table(grid, out / "sipas_unit_by_month.csv", quiet=True)
    write_table(pivot_units_waves(grid, top).round(1).reset_index(),
                out / "sipas_unit_by_month_grid.csv", quiet=True)
    dossier_demo = run_dossier_demo(one.instrument, one.default_scores, grid,
                                    res.raw["sipas_one_stop"].parent.parent / "dossiers", out)
    cmp = official_comparison(res)
    write_table(cmp, out / "comparison_official.csv", quiet=True)
    inputs = report_inputs(
        {names.get(k, k): res.analyses[k] for k in order},
        title="Khảo sát mức độ hài lòng của người dân, tổ chức (dữ liệu minh họa)",
        organisation=ORGANISATION, parent_organisation=PARENT, place="Minh Họa",
        period="6 tháng đầu năm 2026", date=dt.date(2026, 7, 15), doc_symbol="BC-SNV",
        comparison=for_report(cmp) if len(cmp) else None)
    with _status(con, "writing Excel, HTML, Word and charts ..."):
        paths = write_all(inputs, out)
    for k, p in paths.items():
        if not k.startswith("chart:") and not k.startswith("csv:"):
            con.print(f"  {k}: {p}")
    con.print(f"  charts: {sum(k.startswith('chart:') for k in paths)} files in {out}")
    con.print(f"  dossiers (QĐ 766): {dossier_demo.dossiers.n_kept} kept of "
              f"{dossier_demo.dossiers.n_rows} rows -> {dossier_demo.paths['dossiers:tracking']}")
    return {**paths, **dossier_demo.paths}
