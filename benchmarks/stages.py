"""The benchmark's stages; each runs in a fresh process: ``python benchmarks/stages.py STAGE DIR``.

A stage loads the previous stage's output from ``DIR`` (parquet or pickle; not timed), does its
work (timed with ``time.perf_counter``), saves its output (not timed) and prints one JSON line:
``{"stage": ..., "work_s": ..., "load_s": ..., "save_s": ..., "peak_mb": ...}``. The parent
(:mod:`run`) measures the process's wall time and peak resident memory itself (``os.wait4``),
so the figures include the interpreter, imports and the load/save of the intermediate files.

Stages (in order): ``generate`` (synthetic LimeSurvey CSV; not part of the pipeline),
``import`` (CSV -> tidy frame), ``checks`` (flags, exclusions), ``rake`` (design weights raked to
two margins), ``estimate`` (every SIPAS score, Taylor SEs, overall and by unit), ``reliability``
(alpha and friends per element), ``report`` (score tables to Excel and the HTML report), and
``pipeline`` (all of import..report in one process: the figure the target is about).

The R comparison uses ``rdata`` (the design columns and the 22 criterion indicators as raw
float64 files that R reads with ``readBin``) and the ``py_*`` tasks, which do on the same
columns exactly what ``r_tasks.R`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import resource
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from cchc_survey.checks import clean  # noqa: E402
from cchc_survey.design import SurveyDesign  # noqa: E402
from cchc_survey.estimate import linear_ratio_combination  # noqa: E402
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv  # noqa: E402
from cchc_survey.indices.linear import score_codes, score_matrix  # noqa: E402
from cchc_survey.indices.score import design_from_tidy, score  # noqa: E402
from cchc_survey.instrument import Instrument  # noqa: E402
from cchc_survey.instrument.load import parse_instrument  # noqa: E402
from cchc_survey.pipeline import (  # noqa: E402
    provenance,
    reliability_inputs,
    reliability_tables,
    weighting_for_report,
)
from cchc_survey.reliability import ReliabilityWarning  # noqa: E402
from cchc_survey.report import ReportInputs, write_excel, write_html  # noqa: E402
from cchc_survey.tidy import read_export  # noqa: E402

N_UNITS = 60
PSU_PER_STRATUM = 20  # 60 strata x 20 = 1,200 PSUs
WAVES = 12
SEED = 20260101
SECRET = b"benchmark-throw-away-pseudonymisation-key"
"""A throw-away key: the benchmark's synthetic data have no tokens, and the user's key is never read."""
RAKE_EPSILON = 1e-9
RAKE_MAXIT = 50


# ----------------------------------------------------------------------------------------------
# the benchmark instrument and its margins


def bench_instrument() -> Instrument:
    """``sipas_one_stop`` with a unit list of 60 codes U01..U60 (the generator's strata).

    Everything else (items, scales, methodology, LimeSurvey layout) is the shipped instrument.
    """
    text = (ROOT / "questionnaires" / "sipas_one_stop.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["scales"]["donvi"]["options"] = [
        {"code": f"U{i:02d}", "vi": f"Đơn vị {i:02d}", "en": f"Unit {i:02d}"}
        for i in range(1, N_UNITS + 1)]
    return parse_instrument(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                            "benchmark:sipas_one_stop[60 units]")


def population_margins(inst: Instrument, kept: pd.DataFrame) -> list[pd.DataFrame]:
    """Two margins: files handled per unit (60 cells) and the citizen / organisation split.

    Made up, deterministic, and a little away from the weighted sample so raking has work to do.
    """
    unit, rt = inst.design.unit, inst.design.respondent_type
    assert unit is not None and rt is not None
    rng = np.random.default_rng(SEED)
    codes = [str(c) for c in inst.scales[inst.item(unit).scale].codes]
    w_total = float(pd.to_numeric(kept[inst.design.weight], errors="coerce").sum())
    files = rng.uniform(0.5, 1.5, len(codes))
    files = files / files.sum() * w_total
    return [pd.DataFrame({unit: codes, "Freq": files}),
            pd.DataFrame({rt: ["1", "2"], "Freq": [0.8 * w_total, 0.2 * w_total]})]


GENERATE_CHUNK = 1_000_000
"""Above this size the file is generated in chunks (seeds SEED, SEED+1, ...; ids continue), so
the generator's memory stays that of one chunk; up to it, one call of the package's generator."""


def generate_csv(inst: Instrument, n: int, path: Path) -> tuple[Path, int]:
    """N synthetic responses as one LimeSurvey CSV export (see :data:`GENERATE_CHUNK`)."""
    sizes = [min(GENERATE_CHUNK, n - start) for start in range(0, n, GENERATE_CHUNK)]
    ncol = 0
    with path.open("wb") as out:
        offset = 0
        for i, m in enumerate(sizes):
            demo = generate(inst, DemoDesign(n=m, psu_per_stratum=PSU_PER_STRATUM, months=WAVES,
                                             seed=SEED + i))
            export = demo.export
            export["id"] = np.arange(offset + 1, offset + m + 1).astype(str)
            ncol = export.shape[1]
            part = write_limesurvey_csv(export, path.with_suffix(f".part{i}.csv"))
            blob = part.read_bytes()
            part.unlink()
            del demo, export
            body = blob[: -2]  # LimeSurvey's extra empty line closes the whole file only
            if i:
                body = body[body.index(b"\r\n") + 2:]  # the heading line, once
            out.write(body)
            offset += m
        out.write(b"\r\n")
    return path, ncol


# ----------------------------------------------------------------------------------------------
# the pipeline steps (shared by the per-stage processes and the one-process pipeline)


def do_import(work: Path, inst: Instrument) -> pd.DataFrame:
    tidy = read_export(work / "responses.csv", inst, secret_key=SECRET, on_error="warn")
    return tidy.frame


def do_checks(frame: pd.DataFrame, inst: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = clean(frame, inst)
    return res.kept, res.flags


def do_rake(kept: pd.DataFrame, inst: Instrument) -> SurveyDesign:
    design = design_from_tidy(kept, inst)
    return design.rake(population_margins(inst, kept), maxit=RAKE_MAXIT, epsilon=RAKE_EPSILON)


def do_estimate(design: SurveyDesign, inst: Instrument) -> pd.DataFrame:
    return score(design, inst, by=[None, inst.design.unit])


def do_reliability(design: SurveyDesign, inst: Instrument) -> tuple[pd.DataFrame, pd.DataFrame]:
    rel_input = reliability_inputs(inst, design.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReliabilityWarning)
        return reliability_tables(rel_input, weights=design.weights)


def do_report(work: Path, inst: Instrument, scores: pd.DataFrame, flags: pd.DataFrame,
              design_summary: Any) -> list[Path]:
    inputs = ReportInputs(
        title="Khảo sát mức độ hài lòng (dữ liệu tổng hợp cho đo hiệu năng)",
        organisation="Sở Nội vụ (benchmark)", period="12 tháng", date=dt.date(2026, 12, 31),
        scores={"SIPAS (Một cửa)": scores},
        checks=flags[["rule", "row", "column", "value", "severity"]].head(5000),
        weighting=design_summary, provenance=provenance(inst),
        unit_var=inst.design.unit or "donvi", wave_var="wave")
    out = work / "report"
    out.mkdir(exist_ok=True)
    return [write_excel(inputs, out / "scores.xlsx"), write_html(inputs, out / "report.html")]


# ----------------------------------------------------------------------------------------------
# the R comparison: the same columns on both sides


def criterion_items(inst: Instrument) -> list[str]:
    """The items that mirror a criterion (22 for SIPAS one-stop), in questionnaire order."""
    crit = {c.id for c in inst.components.values() if c.level == "criterion"}
    out: list[str] = []
    for it in inst.items:
        if it.kind == "answer" and set(it.mirrors) & crit and it.id not in out:
            out.append(it.id)
    return out


def write_rdata(work: Path, inst: Instrument) -> dict[str, Any]:
    """Design columns, unit, respondent type and the 22 indicators (0/1, NaN = no valid answer).

    Rows are the kept rows of the checks stage, with the design weights (before raking).
    """
    if (work / "kept.parquet").exists():
        kept = pd.read_parquet(work / "kept.parquet")
    else:
        kept, _ = do_checks(do_import(work, inst), inst)
    design = design_from_tidy(kept, inst)
    unit, rt = inst.design.unit, inst.design.respondent_type
    assert unit is not None and rt is not None
    ucodes, ulevels = pd.factorize(kept[unit].astype(str), sort=True)
    items = criterion_items(inst)
    # 0/1 indicators: each item's score divided by the score of a satisfied answer, as the
    # instrument's score function gives it (an indicator scores that value or 0)
    Y = score_matrix(kept, inst, tuple(items))  # (raises when an item has no score function)
    top = []
    for it in map(inst.item, items):
        sf = inst.score_function(it)
        assert sf is not None  # score_matrix checked it
        top.append(max(score_codes(sf, inst, it).values()))
    Y = Y / np.array(top)
    cols: dict[str, np.ndarray] = {
        "stratum": design.strata + 1.0, "psu": design.psu + 1.0, "w": design.weights,
        "unit": ucodes + 1.0,
        "rtype": pd.to_numeric(kept[rt], errors="coerce").to_numpy(dtype=float),
        **{f"y{j + 1}": Y[:, j] for j in range(len(items))}}
    rd = work / "rdata"
    rd.mkdir(exist_ok=True)
    for name, v in cols.items():
        np.ascontiguousarray(v, dtype="<f8").tofile(rd / f"{name}.f64")
    (rd / "columns.txt").write_text("\n".join([str(len(kept)), *cols]) + "\n", encoding="utf-8")
    mu, mr = population_margins(inst, kept)
    pos = {str(v): i + 1 for i, v in enumerate(ulevels)}
    pd.DataFrame({"unit": [pos[str(v)] for v in mu[unit]], "Freq": mu["Freq"]}).to_csv(
        rd / "margin_unit.csv", index=False, float_format="%.17g")
    pd.DataFrame({"rtype": mr[rt].astype(int), "Freq": mr["Freq"]}).to_csv(
        rd / "margin_rtype.csv", index=False, float_format="%.17g")
    return {"rows": len(kept), "items": items}


def read_rdata(work: Path) -> pd.DataFrame:
    rd = work / "rdata"
    meta = (rd / "columns.txt").read_text(encoding="utf-8").split()
    df = pd.DataFrame({c: np.fromfile(rd / f"{c}.f64", dtype="<f8") for c in meta[1:]})
    for c in ("stratum", "psu", "unit", "rtype"):
        df[c] = df[c].astype(np.int64)
    return df


def py_task(task: str, df: pd.DataFrame, work: Path) -> pd.DataFrame:
    """What r_tasks.R does, with cchc_survey (timed by the caller)."""
    ys = [c for c in df.columns if c.startswith("y")]
    design = SurveyDesign.from_frame(df, weights="w", strata="stratum", cluster="psu")
    if task in ("means", "by_unit"):
        res = linear_ratio_combination(design, df[ys], by="unit" if task == "by_unit" else None)
        return pd.DataFrame({"code": np.tile(ys, res.domains.size),
                             "domain": np.repeat(res.domains.labels, len(ys)),
                             "estimate": res.estimate.ravel(), "se": res.se.ravel()})
    if task == "rake":
        rd = work / "rdata"
        margins = [pd.read_csv(rd / "margin_unit.csv"), pd.read_csv(rd / "margin_rtype.csv")]
        raked = design.rake(margins, maxit=RAKE_MAXIT, epsilon=RAKE_EPSILON)
        return pd.DataFrame({"w": raked.weights})
    raise SystemExit(f"unknown task {task!r}")


def compare(work: Path, task: str) -> dict[str, Any]:
    """Largest difference between R's and our numbers (absolute; relative for weights)."""
    r = pd.read_csv(work / f"r_{task}.csv", keep_default_na=False)
    ours = pd.read_parquet(work / f"py_{task}.parquet")
    if task == "rake":
        wr, wp = r["w"].to_numpy(dtype=float), ours["w"].to_numpy(dtype=float)
        return {"max_diff": float(np.max(np.abs(wr - wp) / wp)),
                "what": f"raked weights, {len(wp):,} rows (relative)"}
    r["domain"] = r["domain"].astype(str)
    m = r.merge(ours, on=["code", "domain"], suffixes=("_r", "_py"), how="outer",
                validate="one_to_one")
    if len(m) != len(r) or len(m) != len(ours):
        return {"max_diff": float("inf"), "what": "the tables do not match row for row"}
    diff = max(float(np.max(np.abs(m["estimate_r"] - m["estimate_py"]))),
               float(np.max(np.abs(m["se_r"] - m["se_py"]))))
    n_dom = m["domain"].nunique()
    what = f"{m['code'].nunique()} proportions + SE" + (f" x {n_dom} units" if n_dom > 1 else "")
    return {"max_diff": diff, "what": what}


# ----------------------------------------------------------------------------------------------
# the stage processes


class Clock:
    """Splits a stage's time into load / work / save."""

    def __init__(self) -> None:
        self.t = {"load_s": 0.0, "work_s": 0.0, "save_s": 0.0}

    def run(self, part: str, fn: Callable[..., Any], *args: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(*args)
        self.t[part + "_s"] += time.perf_counter() - t0
        return out


def _save_pickle(obj: Any, path: Path) -> None:
    with path.open("wb") as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _load_pickle(path: Path) -> Any:
    with path.open("rb") as fh:
        return pickle.load(fh)


def stage(name: str, work: Path, args: dict[str, Any]) -> dict[str, Any]:
    c = Clock()
    inst = bench_instrument()
    info: dict[str, Any] = {}
    if name == "generate":
        path, ncol = c.run("work", generate_csv, inst, int(args["n"]), work / "responses.csv")
        info["csv_mb"] = round(path.stat().st_size / 2**20, 1)
        info["columns"] = ncol
    elif name == "import":
        frame = c.run("work", do_import, work, inst)
        c.run("save", frame.to_parquet, work / "tidy.parquet")
        info["rows"] = len(frame)
    elif name == "checks":
        frame = c.run("load", pd.read_parquet, work / "tidy.parquet")
        kept, flags = c.run("work", do_checks, frame, inst)
        c.run("save", kept.to_parquet, work / "kept.parquet")
        c.run("save", flags.to_parquet, work / "flags.parquet")
        info.update(kept=len(kept), flags=len(flags))
    elif name == "rake":
        kept = c.run("load", pd.read_parquet, work / "kept.parquet")
        design = c.run("work", do_rake, kept, inst)
        c.run("save", _save_pickle, design, work / "design.pkl")
        info["iterations"] = design.history[-1].iterations
    elif name == "estimate":
        design = c.run("load", _load_pickle, work / "design.pkl")
        scores = c.run("work", do_estimate, design, inst)
        c.run("save", scores.to_parquet, work / "scores.parquet")
        info["rows"] = len(scores)
    elif name == "reliability":
        design = c.run("load", _load_pickle, work / "design.pkl")
        rel, _items = c.run("work", do_reliability, design, inst)
        info["scales"] = len(rel)
    elif name == "report":
        scores = c.run("load", pd.read_parquet, work / "scores.parquet")
        flags = c.run("load", pd.read_parquet, work / "flags.parquet")
        design = c.run("load", _load_pickle, work / "design.pkl")
        summary = weighting_for_report(design)
        paths = c.run("work", do_report, work, inst, scores, flags, summary)
        info["files"] = [p.name for p in paths]
    elif name == "pipeline":
        frame = c.run("work", do_import, work, inst)
        kept, flags = c.run("work", do_checks, frame, inst)
        del frame
        design = c.run("work", do_rake, kept, inst)
        del kept
        scores = c.run("work", do_estimate, design, inst)
        c.run("work", do_reliability, design, inst)
        c.run("work", do_report, work, inst, scores, flags, weighting_for_report(design))
        c.run("save", scores.to_parquet, work / "pipeline_scores.parquet")
    elif name == "rdata":
        info.update(c.run("work", write_rdata, work, inst))
    elif name.startswith("py_"):
        df = c.run("load", read_rdata, work)
        res = c.run("work", py_task, name[3:], df, work)
        c.run("save", res.to_parquet, work / f"{name}.parquet")
    elif name == "compare":
        info.update(compare(work, str(args["task"])))
    else:
        raise SystemExit(f"unknown stage {name!r}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"stage": name, **{k: round(v, 3) for k, v in c.t.items()},
            "peak_mb": round(peak, 1), **info}


def main(argv: list[str]) -> int:
    name, work = argv[0], Path(argv[1])
    args = json.loads(argv[2]) if len(argv) > 2 else {}
    out = stage(name, work, args)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main(sys.argv[1:]))
