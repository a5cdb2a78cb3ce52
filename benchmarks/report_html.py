"""The reports at national scale: time of writing them, the HTML report's size and the time
Chromium takes to render it, at N responses.

Usage::

    python benchmarks/report_html.py [--sizes 10000,100000,200000] [--keep DIR] [--no-browser]

For each size: generate N responses of the benchmark's ``sipas_one_stop`` (60 units, 12 waves;
:mod:`benchmarks.stages`), read the LimeSurvey CSV, check, rake to two margins and score as
``cchc-survey report`` does (:func:`cchc_survey.pipeline.analyse` and
:func:`~cchc_survey.pipeline.report_inputs`), then time :func:`cchc_survey.report.write_all`
(Word, HTML, Excel, CSVs, charts; wall and CPU time, the CPU time being the fairer figure on a
shared machine) and print the size of each output. The HTML report is then
opened in one headless Chromium three times over the DevTools protocol; the render time is the
median wall time from navigation to a screenshot of the first screen (parse, layout and paint:
what a reader waits for), printed with the page's own load-event time. The report's outputs
should not grow with N, except the flags' CSV.

Prints one line per size, then ``summary: html_mb=<size at the largest N> render_s=<...>``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from stages import bench_instrument, generate_csv, population_margins  # noqa: E402

from cchc_survey.pipeline import analyse, report_inputs  # noqa: E402
from cchc_survey.reliability import ReliabilityWarning  # noqa: E402
from cchc_survey.report import write_all  # noqa: E402
from cchc_survey.tidy import read_export  # noqa: E402


def render(page: Path, work: Path, repeat: int = 3) -> tuple[float, float]:
    """Open ``page`` in one headless Chromium ``repeat`` times (DevTools protocol): the median
    wall time from navigation to a screenshot of the first screen (what the reader waits for),
    and the median of the page's own ``loadEventEnd``."""
    from chromium_cdp import Chromium

    b = Chromium(work)
    try:
        walls, loads = [], []
        for k in range(repeat):
            t0 = time.perf_counter()
            b.open(page)
            b.screenshot(work / f"shot{k}.png", full_page=False)
            walls.append(time.perf_counter() - t0)
            loads.append(b.eval("performance.getEntriesByType('navigation')[0].loadEventEnd")
                         / 1000)
        return statistics.median(walls), statistics.median(loads)
    finally:
        b.close()


def one_size(n: int, work: Path, browser: bool) -> dict[str, float]:
    inst = bench_instrument()
    csv, _ = generate_csv(inst, n, work / "responses.csv")
    frame = read_export(csv, inst).frame
    kept_margins = population_margins(inst, frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReliabilityWarning)
        an = analyse(frame, inst, margins=kept_margins)
    inputs = report_inputs({"SIPAS (Một cửa)": an}, title="Khảo sát hài lòng (đo hiệu năng)",
                           organisation="Sở Nội vụ (benchmark)")
    t0, c0 = time.perf_counter(), time.process_time()
    paths = write_all(inputs, work / "report")
    write_s, write_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    size = {k: p.stat().st_size / 1e6 for k, p in paths.items() if not k.startswith("chart:")}
    out = {"n": float(n), "write_s": write_s, "write_cpu_s": write_cpu_s, "html_mb": size["html"],
           "docx_mb": size["docx"], "xlsx_mb": size["excel"],
           "checks_mb": size.get("checks", 0.0), "flags": float(len(an.cleaned.flags))}
    if browser:
        out["render_s"], out["load_s"] = render(paths["html"], work)
    csv.unlink()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,200000")
    ap.add_argument("--keep", type=Path, default=None, help="keep the outputs in this folder")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args(argv)
    use_browser = not args.no_browser and bool(shutil.which("chromium")
                                                  or shutil.which("chromium-browser"))
    if not use_browser and not args.no_browser:
        print("no Chromium found: render times are not measured", file=sys.stderr)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        work = (args.keep / str(n)) if args.keep else Path(tempfile.mkdtemp(prefix="cchc_html_"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            r = one_size(n, work, use_browser)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        rows.append(r)
        print(f"n={n:>9,}  write_all {r['write_s']:6.2f} s (cpu {r['write_cpu_s']:5.2f} s)  "
              f"html {r['html_mb']:6.2f} MB  "
              f"docx {r['docx_mb']:5.2f} MB  xlsx {r['xlsx_mb']:5.2f} MB  "
              f"flags csv {r['checks_mb']:6.2f} MB ({int(r['flags']):,} flags)"
              + (f"  render {r['render_s']:5.2f} s (load event {r['load_s']:.2f} s)"
                 if "render_s" in r else ""), flush=True)
    last = rows[-1]
    print(f"summary: n={int(last['n'])} html_mb={last['html_mb']:.2f} "
          f"render_s={last.get('render_s', float('nan')):.2f} write_s={last['write_s']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
