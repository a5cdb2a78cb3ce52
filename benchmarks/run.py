"""National-scale benchmark: the whole chain on N synthetic responses, stage by stage, and vs R.

Usage::

    python benchmarks/run.py [--n 1000000] [--repeat 3] [--scaling] [--sizes 10000,100000,...]
                             [--no-r] [--keep DIR]

1. Generates N responses (default 1,000,000) of ``sipas_one_stop`` (60 units = 60 strata, 20 PSUs
   each = 1,200 PSUs, 12 monthly waves) and writes them as LimeSurvey's CSV export.
2. Runs each stage in a fresh process (import CSV -> tidy frame, checks, rake to two margins,
   every SIPAS score with Taylor SEs overall and by unit, reliability per element, Excel + HTML
   report), printing the process wall time, the stage's own work time and the peak resident
   memory (``ru_maxrss`` of the child, from ``os.wait4``).
3. Runs the whole pipeline (CSV -> tables) in one fresh process ``--repeat`` times: the median
   wall time and peak memory are the figures the targets are about (<= 10 s, <= 2 GB at 1M).
4. When ``Rscript`` with the ``survey`` package is on the machine (Debian: ``r-cran-survey``),
   runs three tasks in R and here on the same columns (22 proportions with Taylor SEs; the same
   by 60 units; rake to two margins), prints the ratio R / cchc_survey per task (medians of
   ``--repeat`` fresh processes each, work time only: data loading excluded on both sides) and
   checks that the numbers agree to 1e-9.
5. With ``--scaling``: the pipeline at each size of ``--sizes`` (default 10k, 100k, 1M, and 5M
   when the machine has the memory), to show time and memory grow linearly.

R is a reference here only; nothing in the package needs it.
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STAGES = HERE / "stages.py"
R_SCRIPT = HERE / "r_tasks.R"
PIPELINE_STAGES = ("import", "checks", "rake", "estimate", "reliability", "report")
R_TASKS = ("means", "by_unit", "rake")
TARGET_WALL_S = 10.0
TARGET_PEAK_MB = 2048.0
TARGET_RATIO = 8.0
TOLERANCE = 1e-9


class StageFailed(RuntimeError):
    """A stage process exited with an error (its stderr is in the message)."""


def run_process(cmd: Sequence[str], work: Path, tag: str) -> dict[str, Any]:
    """Run ``cmd`` in a fresh process; wall time and peak RSS (MB) of that process alone."""
    out_p, err_p = work / f".{tag}.out", work / f".{tag}.err"
    with out_p.open("wb") as out, err_p.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = out_p.read_text(encoding="utf-8")
    if proc.returncode != 0:
        raise StageFailed(f"{tag} failed (exit {proc.returncode}):\n"
                          + err_p.read_text(encoding="utf-8")[-4000:])
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    res: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    res["wall_s"] = wall
    res["rss_mb"] = usage.ru_maxrss / 1024  # Linux: KiB
    return res


def py_stage(name: str, work: Path, **args: Any) -> dict[str, Any]:
    return run_process([sys.executable, str(STAGES), name, str(work), json.dumps(args)], work, name)


def r_available() -> tuple[bool, str]:
    """Is ``Rscript`` on the PATH with the ``survey`` package? (and its version)."""
    if shutil.which("Rscript") is None:
        return False, "Rscript is not on the PATH"
    res = subprocess.run(["Rscript", "-e", "cat(as.character(packageVersion('survey')))"],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return False, "R's 'survey' package is not installed"
    return True, res.stdout.strip()


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def fmt_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in header]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths,
                                                                                 strict=True)))
           for r in cells]
    return "\n".join([out[0], line, *out[1:]])


def human(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k" if n >= 1000 else str(n)


# ----------------------------------------------------------------------------------------------


def bench_stages(work: Path, n: int) -> list[dict[str, Any]]:
    gen = py_stage("generate", work, n=n)
    print(f"generated {n:,} responses in {gen['wall_s']:.1f} s: {gen['csv_mb']} MB LimeSurvey CSV "
          f"({gen['columns']} columns) in {work}", flush=True)
    rows = []
    for name in PIPELINE_STAGES:
        r = py_stage(name, work)
        rows.append(r)
        print(f"  stage {name:<12} {r['wall_s']:6.2f} s  (work {r['work_s']:.2f} s)  "
              f"{r['rss_mb']:7.0f} MB", flush=True)
    return rows


def bench_pipeline(work: Path, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        runs.append(py_stage("pipeline", work))
        print(f"  pipeline (one process) {runs[-1]['wall_s']:6.2f} s  {runs[-1]['rss_mb']:7.0f} MB",
              flush=True)
    return {"wall_s": median([r["wall_s"] for r in runs]),
            "work_s": median([r["work_s"] for r in runs]),
            "rss_mb": median([r["rss_mb"] for r in runs]),
            "walls": [r["wall_s"] for r in runs]}


def bench_r(work: Path, repeat: int) -> list[dict[str, Any]]:
    py_stage("rdata", work)
    out = []
    for task in R_TASKS:
        ours = [py_stage("py_" + task, work) for _ in range(repeat)]
        theirs = [run_process(["Rscript", "--vanilla", str(R_SCRIPT), task, str(work)], work,
                              "r_" + task) for _ in range(repeat)]
        cmp = py_stage("compare", work, task=task)
        py_s, r_s = median([r["work_s"] for r in ours]), median([r["work_s"] for r in theirs])
        out.append({"task": task, "r_s": r_s, "py_s": py_s, "ratio": r_s / py_s,
                    "r_rss_mb": median([r["rss_mb"] for r in theirs]),
                    "py_rss_mb": median([r["rss_mb"] for r in ours]),
                    "max_diff": cmp["max_diff"], "what": cmp["what"]})
        print(f"  R task {task:<8} R {r_s:6.2f} s, cchc_survey {py_s:6.2f} s, "
              f"ratio {r_s / py_s:5.1f}x, max |diff| {cmp['max_diff']:.1e}", flush=True)
    return out


def bench_pull(work: Path, sizes: Sequence[int], page_size: int) -> list[dict[str, Any]]:
    """Peak memory of a paged pull (client process) for surveys of several sizes."""
    out = []
    for n in sizes:
        d = work / f"pull{n}"
        d.mkdir(exist_ok=True)
        csv = d / "survey.csv"
        # sliced in a child: this process must stay small, or its memory high-water mark would
        # be counted in the pull client's peak (Linux keeps maxrss across fork + exec)
        sliced = run_process([sys.executable, str(HERE / "pull_bench.py"), "slice",
                              str(work / "responses.csv"), str(n), str(csv)], d, "slice")
        if sliced["rows"] < n:
            print(f"  pull N={human(n)}: skipped (the generated file has {sliced['rows']:,} rows)")
            continue
        url_file = d / "url.txt"
        server = subprocess.Popen([sys.executable, str(HERE / "pull_bench.py"), "serve", str(csv),
                                   str(url_file)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):
                if url_file.exists() and url_file.read_text().strip():
                    break
                time.sleep(0.1)
            res = run_process([sys.executable, str(HERE / "pull_bench.py"), "pull",
                               url_file.read_text().strip(), str(d / "store"), str(page_size)],
                              d, "pull")
        finally:
            server.terminate()
            server.wait(timeout=30)
        res["n"] = n
        out.append(res)
        print(f"  pull N={human(n):>5}: {res['responses']:,} responses in {res['snapshots']} pages "
              f"of {page_size}, {res['wall_s']:.1f} s, peak {res['rss_mb']:.0f} MB", flush=True)
        shutil.rmtree(d, ignore_errors=True)
    return out


def mem_available_mb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def bench_scaling(root: Path, sizes: Sequence[int], repeat: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in sizes:
        if out:  # skip a size whose memory, extrapolated linearly, would not fit
            need = out[-1]["rss_mb"] * n / out[-1]["n"] * 1.3
            if need > 0.8 * mem_available_mb():
                print(f"  N={human(n)}: skipped, needs ~{need:.0f} MB and "
                      f"{mem_available_mb():.0f} MB are available", flush=True)
                continue
        work = root / f"n{n}"
        work.mkdir(parents=True, exist_ok=True)
        py_stage("generate", work, n=n)
        res = bench_pipeline(work, repeat)
        res["n"] = n
        out.append(res)
        print(f"  N={human(n):>5}: {res['wall_s']:6.2f} s, {res['rss_mb']:6.0f} MB", flush=True)
        shutil.rmtree(work, ignore_errors=True)
    return out


# ----------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="responses (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="fresh-process runs of the pipeline and of each R task (median)")
    ap.add_argument("--no-r", action="store_true", help="skip the comparison with R's survey")
    ap.add_argument("--no-stages", action="store_true", help="skip the per-stage table")
    ap.add_argument("--scaling", action="store_true", help="also run the scaling table")
    ap.add_argument("--sizes", default="10000,100000,1000000,5000000",
                    help="comma-separated sizes for --scaling")
    ap.add_argument("--scaling-repeat", type=int, default=1,
                    help="fresh-process pipeline runs per size in the scaling table (median)")
    ap.add_argument("--only-scaling", action="store_true",
                    help="run the scaling table alone (no stages, 1M pipeline or R)")
    ap.add_argument("--pull", action="store_true",
                    help="also measure the paged pull's memory (replay server, --pull-sizes)")
    ap.add_argument("--pull-sizes", default="10000,100000,1000000",
                    help="survey sizes for --pull (the first rows of the generated file)")
    ap.add_argument("--page-size", type=int, default=500, help="page size for --pull")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    ap.add_argument("--keep", type=Path, default=None,
                    help="work in this folder and keep it (default: a temp folder, removed)")
    args = ap.parse_args(argv)

    root = args.keep or Path(tempfile.mkdtemp(prefix="cchc_bench_"))
    root.mkdir(parents=True, exist_ok=True)
    work = root / f"n{args.n}"
    work.mkdir(exist_ok=True)
    cmd = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"cchc_survey benchmark: {cmd.strip()}\n"
          f"{os.cpu_count()} CPUs, {mem_available_mb():.0f} MB available, Python "
          f"{sys.version.split()[0]}", flush=True)
    report: dict[str, Any] = {"n": args.n, "command": cmd.strip()}
    try:
        if not args.only_scaling:
            if args.no_stages:
                py_stage("generate", work, n=args.n)
            else:
                report["stages"] = bench_stages(work, args.n)
            report["pipeline"] = bench_pipeline(work, args.repeat)
            ok_r, why = (False, "--no-r") if args.no_r else r_available()
            if ok_r:
                print(f"R survey {why}: three tasks on the same data", flush=True)
                report["r"] = bench_r(work, args.repeat)
            else:
                print(f"R comparison skipped: {why}. (Debian: apt-get install r-cran-survey)",
                      flush=True)
        if args.pull and not args.only_scaling:
            print("paged pull from the replay server:", flush=True)
            sizes = [int(s) for s in args.pull_sizes.split(",") if s.strip()]
            report["pull"] = bench_pull(work, sizes, args.page_size)
        if args.scaling or args.only_scaling:
            print("scaling:", flush=True)
            sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
            report["scaling"] = bench_scaling(root / "scaling", sizes, args.scaling_repeat)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print(summary(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return 0


def summary(rep: dict[str, Any]) -> str:
    n = rep["n"]
    what = f"on {n:,} responses" if "pipeline" in rep else "scaling"
    parts = [f"== cchc_survey {what} ({rep['command']}) =="]
    if "stages" in rep:
        rows = [[s["stage"], f"{s['wall_s']:.2f}", f"{s['work_s']:.2f}",
                 f"{s['load_s'] + s['save_s']:.2f}", f"{s['rss_mb']:.0f}"] for s in rep["stages"]]
        parts += ["", "Each stage in a fresh process (wall = process incl. start-up and loading the "
                  "previous stage's output):",
                  fmt_table(["stage", "wall s", "work s", "load+save s", "peak MB"], rows)]
    if "pipeline" in rep:
        p = rep["pipeline"]
        ok_t = p["wall_s"] <= TARGET_WALL_S
        ok_m = p["rss_mb"] <= TARGET_PEAK_MB
        parts += ["", f"Whole pipeline, CSV -> tables, one fresh process (median of "
                  f"{len(p['walls'])}): {p['wall_s']:.2f} s wall, {p['rss_mb']:.0f} MB peak",
                  f"  target <= {TARGET_WALL_S:g} s: {'met' if ok_t else 'MISSED'}; "
                  f"target <= {TARGET_PEAK_MB:g} MB: {'met' if ok_m else 'MISSED'}"]
    if "r" in rep:
        rows = [[r["task"], r["what"], f"{r['r_s']:.2f}", f"{r['py_s']:.3f}", f"{r['ratio']:.1f}x",
                 f"{r['max_diff']:.1e}",
                 ("ok" if r["ratio"] >= TARGET_RATIO else "MISSED") + " / "
                 + ("same" if r["max_diff"] <= TOLERANCE else "DIFFER")] for r in rep["r"]]
        parts += ["", "R survey vs cchc_survey on the same data (work time, median):",
                  fmt_table(["task", "what", "R s", "ours s", "R/ours", "max |diff|",
                             f">= {TARGET_RATIO:g}x / 1e-9"], rows)]
    if rep.get("pull"):
        rows = [[human(r["n"]), f"{r['snapshots']}", f"{r['wall_s']:.1f}", f"{r['rss_mb']:.0f}"]
                for r in rep["pull"]]
        parts += ["", "Paged pull from LimeSurvey (replay server in another process; client peak):",
                  fmt_table(["survey N", "pages", "wall s", "client peak MB"], rows)]
    if "scaling" in rep:
        rows = [[human(s["n"]), f"{s['wall_s']:.2f}", f"{s['rss_mb']:.0f}",
                 f"{s['wall_s'] / s['n'] * 1e6:.2f}", f"{s['rss_mb'] / s['n'] * 1e6:.0f}"]
                for s in rep["scaling"]]
        parts += ["", "Scaling (whole pipeline, one fresh process):",
                  fmt_table(["N", "wall s", "peak MB", "s per 1M", "MB per 1M"], rows)]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())
