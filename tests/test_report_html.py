"""The HTML report in a real headless Chromium (Debian's ``chromium``), driven over the DevTools
protocol: no console error, no network request, every chart rendered, Vietnamese text present,
free text escaped. Screenshots go to tests/_artifacts/ (git-ignored) for a human to look at."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
import unicodedata
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import websocket

from cchc_survey.report.charts import gap_chart, index_charts
from cchc_survey.report.example import example_inputs
from cchc_survey.report.html import build_html, write_html

FIXTURE = Path(__file__).parent / "fixtures" / "limesurvey" / "generated_responses.json"
ARTIFACTS = Path(__file__).parent / "_artifacts"
XSS = ['<script>window.__xss = 1</script>Xin chào', '<img src=x onerror="window.__xss = 2">',
       '"><svg onload="window.__xss = 3">']


def fixture_free_texts() -> pd.Series:
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    s = pd.Series([r.get("385924X4X12", "") for r in rows], dtype=object)
    return s[s != ""].reset_index(drop=True)


class Chromium:
    """A headless Chromium and one page, over the DevTools protocol (websocket-client)."""

    def __init__(self, workdir: Path) -> None:
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe is None:
            raise RuntimeError("chromium is not installed: `apt-get install -y chromium` "
                               "(.ci/run does it)")
        profile = workdir / "profile"
        profile.mkdir()
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--hide-scrollbars",
             "--force-device-scale-factor=1", "--window-size=1280,900",
             f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--remote-allow-origins=*", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(x for x in targets if x["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True, enable_multithread=False)
        self.ws.settimeout(60)
        self._id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_event(self, method: str) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        while True:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == method:
                return

    def open(self, path: Path) -> None:
        self.events.clear()
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def eval(self, expr: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page script failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                  for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:500])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", ""))
        return out

    def requests(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, *, full_page: bool) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"],
                                "height": size["height"], "scale": 1})
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    b = Chromium(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


RENDER_CHECK = """(() => {
  const figs = [...document.querySelectorAll('figure.chart')];
  return {
    charts: figs.length,
    rendered: figs.filter(f => f.querySelector('.plotly-graph-div .main-svg')).length,
    titles: figs.map(f => (f.querySelector('.gtitle') || {}).textContent || ''),
    text: document.body.innerText,
    xss: window.__xss === undefined ? null : window.__xss,
    scripts: document.scripts.length,
    external: [...document.querySelectorAll('[src],[href]')]
        .map(e => e.getAttribute('src') || e.getAttribute('href'))
        .filter(u => /^(https?:)?\\/\\//i.test(u)),
  };
})()"""


def test_html_report_renders_offline_in_chromium(browser: Chromium, tmp_path: Path) -> None:
    texts = pd.concat([fixture_free_texts(), pd.Series(XSS)], ignore_index=True)
    inputs = example_inputs(texts)
    path = write_html(inputs, tmp_path / "bao_cao.html")
    browser.open(path)
    state = browser.eval(RENDER_CHECK)
    assert browser.errors() == []
    # nothing fetched but the file itself: plotly.js is embedded, no font or image from anywhere
    reqs = browser.requests()
    assert reqs[0] == path.resolve().as_uri()
    assert [u for u in reqs[1:] if not u.startswith(("data:", "blob:"))] == []
    assert any(u.startswith("data:image/png") for u in reqs)  # the heatmap's own bitmap
    assert state["external"] == []
    # every chart rendered; 6 SIPAS + 2 PAPI + the gap chart
    assert state["charts"] == 9 and state["rendered"] == 9
    assert state["titles"][0] == "SIPAS — Yếu tố"
    assert "Kết quả khảo sát so với kết quả chính thức" in state["titles"]
    text = state["text"]
    for phrase in ("Khảo sát mức độ hài lòng của người dân", "Sở Nội vụ tỉnh Quảng Ninh",
                   "Tiếp cận dịch vụ hành chính công", "So sánh với kết quả chính thức",
                   "Chất lượng dữ liệu", "Gia quyền", "Ý kiến góp ý của người trả lời",
                   "Phương pháp chưa được đối chiếu với văn bản chính thức",
                   "=)) rất tốt, cảm ơn các anh chị", "Cảm ơn Sở Ngoại vụ 👍",
                   "https://plo.vn/thoi-su/bo-cong-an-khao-sat-su-hai-long-cua-nguoi-dan"):
        assert phrase in text, phrase
    assert "cảnh báo\t2" in text and "lỗi\t1" in text  # checks summary, severities in Vietnamese
    # free text is shown as text, never run
    assert state["xss"] is None
    assert "<script>window.__xss = 1</script>Xin chào" in text
    assert '<img src=x onerror="window.__xss = 2">' in text
    assert state["scripts"] == 1 + 9  # plotly.js + one newPlot per chart
    browser.screenshot(ARTIFACTS / "report_top.png", full_page=False)
    browser.screenshot(ARTIFACTS / "report_full.png", full_page=True)
    assert (ARTIFACTS / "report_full.png").stat().st_size > 50_000


def test_html_file_is_self_contained_and_escaped() -> None:
    inputs = example_inputs(pd.Series([*XSS, "=)) rất tốt"]))
    doc = build_html(inputs)
    assert unicodedata.is_normalized("NFC", doc)
    assert doc.startswith("<!DOCTYPE html>") and '<html lang="vi">' in doc
    assert "Content-Security-Policy" in doc and "default-src 'none'" in doc
    # outside the embedded scripts there is no address in any src/href attribute
    no_scripts = re.sub(r"<script\b.*?</script>", "", doc, flags=re.S)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", no_scripts, re.I)
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;Xin chào" in no_scripts
    assert "<script>window" not in doc and "onerror=\"window" not in no_scripts
    # the provenance address is plain text, not a link
    assert '<code class="url">https://plo.vn/' in doc
    assert "<a " not in no_scripts.replace('<a href="#', "")


def test_english_report(tmp_path: Path, browser: Chromium) -> None:
    path = write_html(example_inputs(), tmp_path / "report_en.html", lang="en")
    browser.open(path)
    state = browser.eval(RENDER_CHECK)
    assert browser.errors() == []
    assert state["rendered"] == state["charts"] == 9
    assert "Comparison with the official results" in state["text"]
    assert "Method not yet checked against the official text" in state["text"]
    assert state["titles"][0] == "SIPAS — Element"


def test_each_chart_renders_alone_with_vietnamese_text(browser: Chromium,
                                                       tmp_path: Path) -> None:
    inputs = example_inputs()
    figs = index_charts("SIPAS", inputs.scores["SIPAS"], inputs)
    assert inputs.comparison is not None
    figs.append(("gap", gap_chart(inputs.comparison)))
    names = ["bar_elements", "radar", "bar_criteria", "heatmap", "trend", "likert", "gap"]
    assert len(figs) == len(names)
    for name, (_, fig) in zip(names, figs, strict=True):
        page = tmp_path / f"{name}.html"
        fig.write_html(page, include_plotlyjs=True, full_html=True,
                       config={"displaylogo": False})
        browser.open(page)
        state = browser.eval("""(() => ({
            svg: document.querySelectorAll('.main-svg').length,
            title: (document.querySelector('.gtitle') || {}).textContent || '',
            text: [...document.querySelectorAll('svg text')].map(e => e.textContent).join('|'),
        }))()""")
        assert browser.errors() == [], name
        assert state["svg"] >= 1, name
        assert state["title"] == fig.layout.title.text, name
        assert unicodedata.is_normalized("NFC", state["text"])
        assert "⚠ Phương pháp chưa được đối chiếu" in state["text"], name
        browser.screenshot(ARTIFACTS / f"chart_{name}.png", full_page=True)
