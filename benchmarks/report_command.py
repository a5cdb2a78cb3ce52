"""Benchmark what the analyst runs: ``cchc-survey report`` as a whole fresh process.

Usage::

    python benchmarks/report_command.py [--n 1000000] [--repeat 5] [--work DIR] [--keep]
                                        [--profile]

1. Writes, in the work folder, the benchmark's instrument (``sipas_one_stop`` with 60 units,
   :func:`stages.bench_instrument`) as a YAML file, N generated responses as LimeSurvey's CSV
   export (:func:`stages.generate_csv`, the same file as ``run.py``'s) and the two population
   margins the per-stage benchmark rakes to (60 units; citizens / organisations) as the CSV files
   ``--margins`` reads.
2. Runs ``cchc-survey report responses.csv --instrument bench.yaml --margins units.csv
   --margins types.csv --out report/`` ``--repeat`` times, each in a fresh process, with every
   default of the command: every aggregation variant scored overall, by unit and by wave, the
   item table, checks, weighting, reliability, Excel, HTML, Word, charts, CSVs. Wall time and peak
   resident memory (``ru_maxrss`` of that process, from ``os.wait4``) are the process's own, start-up
   included.
3. Prints the median wall time and peak memory, the HTML report's size and the size of every
   output, and one JSON line (``{"report_wall_s": ..., ...}``) for ``run.py``.

``--profile`` runs the command once more under cProfile and prints the 25 most expensive calls
(cumulative), to see where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import stages  # noqa: E402

SECRET = b"benchmark-throw-away-pseudonymisation-key"


def instrument_yaml(path: Path) -> Path:
    """The benchmark instrument (60 units) as a YAML file the command line reads."""
    text = (ROOT / "questionnaires" / "sipas_one_stop.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["scales"]["donvi"]["options"] = [
        {"code": f"U{i:02d}", "vi": f"Đơn vị {i:02d}", "en": f"Unit {i:02d}"}
        for i in range(1, stages.N_UNITS + 1)]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def margins(work: Path, inst: Any, csv: Path) -> list[Path]:
    """The per-stage benchmark's two margins, scaled to the export's total design weight."""
    weight = inst.design.weight
    col = inst.item(weight).column
    table = pacsv.read_csv(csv, parse_options=pacsv.ParseOptions(delimiter=";"),
                           convert_options=pacsv.ConvertOptions(include_columns=[col],
                                                                column_types={col: "string"}))
    w = pd.to_numeric(table.column(col).to_pandas(), errors="coerce")
    frame = pd.DataFrame({weight: w})
    out = []
    for i, m in enumerate(stages.population_margins(inst, frame)):
        p = work / f"margin_{i + 1}.csv"
        m.to_csv(p, index=False, encoding="utf-8")
        out.append(p)
    return out


def prepare(work: Path, n: int) -> tuple[list[str], Path]:
    """Write instrument, export and margins (the export is reused when it exists)."""
    work.mkdir(parents=True, exist_ok=True)
    inst_path = instrument_yaml(work / "bench_instrument.yaml")
    inst = stages.bench_instrument()
    csv = work / "responses.csv"
    stamp = work / ".report_command_n"
    if not csv.exists() or not stamp.exists() or stamp.read_text() != str(n):
        t0 = time.perf_counter()
        stages.generate_csv(inst, n, csv)
        stamp.write_text(str(n))
        print(f"generated {n:,} responses in {time.perf_counter() - t0:.1f} s: "
              f"{csv.stat().st_size / 1e6:.0f} MB", flush=True)
    ms = margins(work, inst, csv)
    args = ["report", str(csv), "--instrument", str(inst_path), "--out", str(work / "report")]
    for m in ms:
        args += ["--margins", str(m)]
    return args, work / "report"


def cli() -> list[str]:
    exe = Path(sys.executable).with_name("cchc-survey")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cchc_survey.cli.main"]


def run_once(args: list[str], work: Path, env: dict[str, str]) -> dict[str, float]:
    out, err = work / ".report.out", work / ".report.err"
    with out.open("wb") as o, err.open("wb") as e:
        t0 = time.perf_counter()
        proc = subprocess.Popen([*cli(), *args], stdout=o, stderr=e, env=env, cwd=work)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"cchc-survey report failed (exit {code}):\n"
                           + err.read_text("utf-8")[-3000:] + out.read_text("utf-8")[-2000:])
    return {"wall_s": wall, "rss_mb": usage.ru_maxrss / 1024}


def sizes(out: Path) -> dict[str, float]:
    return {str(p.relative_to(out)): p.stat().st_size / 1e6
            for p in sorted(out.rglob("*")) if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--work", type=Path, default=None, help="work folder (default: temporary)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--profile", action="store_true", help="one more run under cProfile")
    a = ap.parse_args(argv)
    work = a.work or Path(tempfile.mkdtemp(prefix="cchc_report_cmd_"))
    env = dict(os.environ)
    secret = work / "secret"
    work.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    env["CCHC_SURVEY_SECRET_FILE"] = str(secret)
    try:
        args, out = prepare(work, a.n)
        print("command: cchc-survey " + " ".join(
            x.replace(str(work) + os.sep, "") for x in args), flush=True)
        runs = []
        for i in range(a.repeat):
            shutil.rmtree(out, ignore_errors=True)
            runs.append(run_once(args, work, env))
            print(f"  run {i + 1}: {runs[-1]['wall_s']:6.2f} s  {runs[-1]['rss_mb']:7.0f} MB",
                  flush=True)
        files = sizes(out)
        html = sum(v for k, v in files.items() if k.endswith(".html") and "/" not in k)
        res = {"n": a.n, "report_wall_s": statistics.median(r["wall_s"] for r in runs),
               "report_peak_mb": statistics.median(r["rss_mb"] for r in runs),
               "walls": [r["wall_s"] for r in runs], "peaks": [r["rss_mb"] for r in runs],
               "html_mb": html, "outputs_mb": float(np.sum(list(files.values())))}
        print(f"report command at {a.n:,} responses: median {res['report_wall_s']:.2f} s wall, "
              f"{res['report_peak_mb']:.0f} MB peak; HTML {html:.2f} MB; all outputs "
              f"{res['outputs_mb']:.1f} MB in {len(files)} files")
        for k, v in files.items():
            if v >= 0.05:
                print(f"    {k:<48} {v:8.2f} MB")
        if a.profile:
            prof = work / "report.prof"
            shutil.rmtree(out, ignore_errors=True)
            code = ("import sys, cProfile; from cchc_survey.cli.main import app; "
                    f"sys.argv=['cchc-survey', *{args!r}]; "
                    f"cProfile.run('app(standalone_mode=False)', {str(prof)!r})")
            subprocess.run([sys.executable, "-c", code], env=env, cwd=work, check=True,
                           stdout=subprocess.DEVNULL)
            import pstats

            pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(25)
        print(json.dumps(res))
    finally:
        if a.work is None and not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
