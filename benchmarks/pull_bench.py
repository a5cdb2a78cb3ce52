"""Memory of a paged pull from LimeSurvey vs the survey's size.

``python benchmarks/pull_bench.py slice SRC N DEST``: the first N responses of an export.

``python benchmarks/pull_bench.py serve CSV URLFILE``: the test suite's replay server
(``tests/replay_server.py``: the recorded LimeSurvey 6.2.1 RemoteControl answers) in this process,
with ``export_responses`` of survey 385924 answered from ``CSV`` (a LimeSurvey RPC CSV export,
e.g. the benchmark's generated file): the ``id`` listing, and any id range sliced from it, as
LimeSurvey writes them. Writes its URL to ``URLFILE`` and serves until killed.

``python benchmarks/pull_bench.py pull URL STORE PAGE_SIZE``: a fresh client process that runs
:func:`cchc_survey.limesurvey.pull.pull_responses` into the raw store ``STORE`` and prints one JSON
line (responses, snapshots, work time, peak RSS). The server runs in another process, so the peak
is the client's alone.
"""

from __future__ import annotations

import base64
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

SID = 385924


def serve(csv_path: Path, url_file: Path) -> None:
    from replay_server import ReplayServer, rpc_body

    blob = csv_path.read_bytes()
    if not blob.endswith(b"\r\n\r\n"):
        raise SystemExit(f"{csv_path} is not a LimeSurvey RPC CSV export (no final empty line)")
    # records end with CRLF; line breaks inside values are bare LF (LimeSurvey's RPC CSV)
    parts = blob[:-4].split(b"\r\n")
    header, records = parts[0], parts[1:]
    ids = np.array([int(r[1: r.index(b'"', 1)]) for r in records], dtype=np.int64)
    listing = (b'\xef\xbb\xbf"id"\r\n' + b"".join(b'"%d"\r\n' % i for i in ids) + b"\r\n")

    class BigSurvey(ReplayServer):
        def _answer(self, method: str, params: list[Any]) -> tuple[int, str, bytes]:
            if method == "export_responses" and len(params) > 1 and params[1] == SID:
                p = list(params) + [None] * (11 - len(params))
                lo, hi, fields = p[7], p[8], p[9]
                if fields == ["id"]:
                    data = listing
                else:
                    a = int(np.searchsorted(ids, lo if lo is not None else ids[0], "left"))
                    b = int(np.searchsorted(ids, hi if hi is not None else ids[-1], "right"))
                    data = (header + b"\r\n" + b"".join(r + b"\r\n" for r in records[a:b])
                            + b"\r\n") if b > a else b"\r\n"
                return 200, "text/javascript;charset=UTF-8", rpc_body(
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
    return {"responses": len(res.new_ids), "snapshots": len(res.snapshots), "work_s": work,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def slice_export(src: Path, n: int, dest: Path) -> int:
    """The first ``n`` responses of the RPC CSV export ``src`` as an export of their own.

    Done in a process of its own: a parent that once held the big file would pass its memory
    high-water mark to every child it starts (Linux carries ``maxrss`` across ``exec``).
    """
    parts = src.read_bytes()[:-4].split(b"\r\n")  # records end with CRLF, values hold bare LF
    m = min(n, len(parts) - 1)
    dest.write_bytes(b"\r\n".join(parts[: m + 1]) + b"\r\n\r\n")
    return m


def main(argv: list[str]) -> int:
    if argv[0] == "slice":
        print(json.dumps({"rows": slice_export(Path(argv[1]), int(argv[2]), Path(argv[3]))}))
    elif argv[0] == "serve":
        serve(Path(argv[1]), Path(argv[2]))
    elif argv[0] == "pull":
        print(json.dumps(pull(argv[1], Path(argv[2]), int(argv[3]))), flush=True)
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
