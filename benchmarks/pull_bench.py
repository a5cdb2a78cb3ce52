"""Memory of a paged pull from LimeSurvey vs the survey's size (issue: pull memory bounded by one page).

``python benchmarks/pull_bench.py bench [--sizes 10000,100000,1000000] [--page-size 500]
[--export CSV] [--work DIR]``: for each size, a survey of N responses (the first N rows of
``--export``, e.g. the main benchmark's generated LimeSurvey export, or N synthetic rows), served by
the replay server in a process of its own, pulled by a fresh client process into an empty raw store
(``first``), then pulled again by another fresh process, which finds everything stored
(``again``). Prints one line per run and, last, ``summary: pull_peak_mb=<10k>,<100k>,<1M>
again_peak_mb=... ratio_1M_10k=<first pull's peak at the largest size / at the smallest>``.

The pieces, each a process of its own (a parent that once held a big file would pass its memory
high-water mark to every child it starts: Linux carries ``maxrss`` across ``exec``):

``synth N DEST``: a LimeSurvey RPC CSV export of N synthetic responses (BOM, ``;``, every value
quoted, CRLF records, the extra empty line at the end; ~250 bytes a response).

``slice SRC N DEST``: the first N responses of an export.

``serve CSV URLFILE``: the test suite's replay server (``tests/replay_server.py``: the recorded
LimeSurvey 6.2.1 RemoteControl answers) with survey 385924 answered from ``CSV``: ``get_summary``
(recording 117 with the counts of ``CSV``), the ``id`` listing of any id range and the export of any
id range, as LimeSurvey writes them. Writes its URL to ``URLFILE`` and serves until killed.

``pull URL STORE PAGE_SIZE``: a fresh client process that runs
:func:`cchc_survey.limesurvey.pull.pull_responses` into the raw store ``STORE`` and prints one JSON
line (responses, snapshots, requests, work time, peak RSS). The server runs in another process, so
the peak is the client's alone.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

SID = 385924
HEADER = ('"id";"submitdate";"lastpage";"startlanguage";"seed";"token";"startdate";"datestamp";'
          + ";".join(f'"TC[A{i}]"' for i in range(1, 9)) + ';"DONVI";"GOPY"')


def synth(n: int, dest: Path) -> int:
    """``n`` synthetic responses in LimeSurvey's RPC CSV layout, written in blocks."""
    rng = np.random.default_rng(20260601)
    with dest.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
        for lo in range(1, n + 1, 50_000):
            ids = np.arange(lo, min(lo + 50_000, n + 1))
            codes = rng.integers(1, 6, size=(ids.size, 8))
            unit = rng.integers(1, 61, size=ids.size)
            rows = []
            for i, c, u in zip(ids.tolist(), codes.tolist(), unit.tolist(), strict=True):
                answers = ";".join(f'"{v}"' for v in c)
                rows.append(f'"{i}";"2026-03-02 10:{i % 60:02d}:00";"4";"vi";"{i * 7919 % 99991}";"";'
                            f'"2026-03-02 10:00:00";"2026-03-02 10:{i % 60:02d}:00";{answers};'
                            f'"U{u:02d}";"Ý kiến của người dân số {i}: thủ tục nhanh, cán bộ tận tình."')
            fh.write(("\r\n".join(rows) + "\r\n").encode("utf-8"))
        fh.write(b"\r\n")
    return n


def serve(csv_path: Path, url_file: Path) -> None:
    from replay_server import ReplayServer, recorded_result, rpc_body

    blob = csv_path.read_bytes()
    if not blob.endswith(b"\r\n\r\n"):
        raise SystemExit(f"{csv_path} is not a LimeSurvey RPC CSV export (no final empty line)")
    # records end with CRLF; line breaks inside values are bare LF (LimeSurvey's RPC CSV)
    parts = blob[:-4].split(b"\r\n")
    header, records = parts[0], parts[1:]
    del blob, parts
    ids = np.array([int(r[1: r.index(b'"', 1)]) for r in records], dtype=np.int64)

    class BigSurvey(ReplayServer):
        def _answer(self, method: str, params: list[Any]) -> tuple[int, str, bytes]:
            if method == "get_summary" and params[1:] == [SID]:
                counts = recorded_result(self.recordings["117_get_summary__all"])
                return 200, self.content_type, rpc_body({
                    **counts, "full_responses": int(ids.size), "completed_responses": int(ids.size),
                    "incomplete_responses": 0})
            if method == "export_responses" and len(params) > 1 and params[1] == SID:
                p = list(params) + [None] * (11 - len(params))
                lo, hi, fields = p[7], p[8], p[9]
                a = int(np.searchsorted(ids, lo if lo is not None else ids[0], "left"))
                b = int(np.searchsorted(ids, hi if hi is not None else ids[-1], "right"))
                if b <= a:
                    data = b"\r\n"
                elif fields == ["id"]:
                    data = (b'\xef\xbb\xbf"id"\r\n' + b"".join(b'"%d"\r\n' % i for i in ids[a:b].tolist())
                            + b"\r\n")
                else:
                    data = header + b"\r\n" + b"".join(r + b"\r\n" for r in records[a:b]) + b"\r\n"
                return 200, self.content_type, rpc_body(
                    base64.b64encode(data).decode("ascii"), export_encoder=True)
            return super()._answer(method, params)

    srv = BigSurvey()
    srv.start()
    url_file.write_text(srv.url, encoding="utf-8")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


def pull(url: str, store: Path, page_size: int) -> dict[str, Any]:
    from replay_server import make_client

    from cchc_survey.limesurvey.pull import pull_responses
    from cchc_survey.store import RawStore

    t0 = time.perf_counter()
    with make_client(url, read_timeout=120.0) as ls:
        res = pull_responses(ls, SID, store=RawStore(store), page_size=page_size, progress=False)
    work = time.perf_counter() - t0
    return {"responses": len(res.new_ids), "snapshots": len(res.snapshots), "listed": res.listed,
            "already_stored": res.already_stored, "work_s": work,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def slice_export(src: Path, n: int, dest: Path) -> int:
    """The first ``n`` responses of the RPC CSV export ``src`` as an export of their own."""
    parts = src.read_bytes()[:-4].split(b"\r\n")  # records end with CRLF, values hold bare LF
    m = min(n, len(parts) - 1)
    dest.write_bytes(b"\r\n".join(parts[: m + 1]) + b"\r\n\r\n")
    return m


def _child(args: list[str], out: Path) -> dict[str, Any]:
    """Run this script with ``args`` as a fresh process; its JSON line, wall time and peak RSS."""
    t0 = time.perf_counter()
    with out.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], stdout=fh,
                                stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    text = out.read_text(encoding="utf-8")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed:\n{text[-3000:]}")
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    res: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    res["wall_s"] = time.perf_counter() - t0
    res["rss_mb"] = usage.ru_maxrss / 1024
    return res


def bench(sizes: list[int], page_size: int, export: Path | None, work: Path) -> list[dict[str, Any]]:
    out = []
    for n in sizes:
        d = work / f"pull{n}"
        d.mkdir(parents=True, exist_ok=True)
        csv = d / "survey.csv"
        made = (_child(["slice", str(export), str(n), str(csv)], d / "slice.out")["rows"] if export
                else _child(["synth", str(n), str(csv)], d / "synth.out")["rows"])
        if made < n:
            print(f"pull N={n:,}: skipped (the export has {made:,} rows)", flush=True)
            continue
        url_file = d / "url.txt"
        server = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "serve", str(csv),
                                   str(url_file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(1200):
                if url_file.exists() and url_file.read_text().strip():
                    break
                time.sleep(0.1)
            url = url_file.read_text().strip()
            first = _child(["pull", url, str(d / "store"), str(page_size)], d / "first.out")
            again = _child(["pull", url, str(d / "store"), str(page_size)], d / "again.out")
        finally:
            server.terminate()
            server.wait(timeout=60)
        row = {"n": n, "first": first, "again": again}
        out.append(row)
        print(f"pull N={n:>9,}: first {first['responses']:,} responses in {first['snapshots']:,} "
              f"pages of {page_size}, {first['wall_s']:.1f} s, peak {first['rss_mb']:.1f} MB; again "
              f"{again['already_stored']:,} stored, nothing new, {again['wall_s']:.1f} s, peak "
              f"{again['rss_mb']:.1f} MB", flush=True)
        shutil.rmtree(d, ignore_errors=True)
    return out


def main(argv: list[str]) -> int:
    if argv and argv[0] == "slice":
        print(json.dumps({"rows": slice_export(Path(argv[1]), int(argv[2]), Path(argv[3]))}))
    elif argv and argv[0] == "synth":
        print(json.dumps({"rows": synth(int(argv[1]), Path(argv[2]))}))
    elif argv and argv[0] == "serve":
        serve(Path(argv[1]), Path(argv[2]))
    elif argv and argv[0] == "pull":
        print(json.dumps(pull(argv[1], Path(argv[2]), int(argv[3]))), flush=True)
    elif argv and argv[0] == "bench":
        ap = argparse.ArgumentParser(prog="pull_bench.py bench")
        ap.add_argument("--sizes", default="10000,100000,1000000")
        ap.add_argument("--page-size", type=int, default=500)
        ap.add_argument("--export", type=Path, default=None)
        ap.add_argument("--work", type=Path, default=None)
        a = ap.parse_args(argv[1:])
        sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
        work = a.work or Path(tempfile.mkdtemp(prefix="pull_bench_"))
        rows = bench(sizes, a.page_size, a.export, work)
        if rows:
            peaks = ",".join(f"{r['first']['rss_mb']:.1f}" for r in rows)
            again = ",".join(f"{r['again']['rss_mb']:.1f}" for r in rows)
            ratio = rows[-1]["first"]["rss_mb"] / rows[0]["first"]["rss_mb"]
            print(f"summary: sizes={a.sizes} pull_peak_mb={peaks} again_peak_mb={again} "
                  f"ratio_{rows[-1]['n']}_{rows[0]['n']}={ratio:.3f}")
        if a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
