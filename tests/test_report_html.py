"""The HTML report in a real headless Chromium (Debian's ``chromium``), driven over the DevTools
protocol: no console error, no network request, no script, every chart shown as an image, the
same sections as the Word report, Vietnamese text present, free text escaped, and a size that does
not grow with the number of responses. Screenshots go to tests/_artifacts/ (git-ignored)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from chromium_cdp import Chromium

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


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    b = Chromium(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


PAGE_STATE = """(() => ({
    images: [...document.images].map(i => [i.naturalWidth, i.complete]),
    text: document.body.innerText,
    h2: [...document.querySelectorAll('h2')].map(h => h.textContent),
    xss: window.__xss === undefined ? null : window.__xss,
    scripts: document.scripts.length,
    external: [...document.querySelectorAll('[src],[href]')]
        .map(e => e.getAttribute('src') || e.getAttribute('href'))
        .filter(u => !u.startsWith('data:image/png;base64,')),
}))()"""


def test_html_report_renders_offline_in_chromium(browser: Chromium, tmp_path: Path) -> None:
    texts = pd.concat([fixture_free_texts(), pd.Series(XSS * 5)], ignore_index=True)
    inputs = example_inputs(texts)
    path = write_html(inputs, tmp_path / "bao_cao.html")
    browser.open(path)
    state = browser.eval(PAGE_STATE)
    assert browser.errors() == []
    # nothing fetched but the file itself and its inline images
    reqs = browser.requests()
    assert reqs[0] == path.resolve().as_uri()
    assert [u for u in reqs[1:] if not u.startswith("data:image/png")] == []
    assert state["external"] == [] and state["scripts"] == 0
    # the Word report's sections, in the same order, and every chart shown
    assert state["h2"] == ["I. MỤC ĐÍCH, YÊU CẦU", "II. CÁCH THỨC KHẢO SÁT", "III. KẾT QUẢ KHẢO SÁT",
                           "IV. SO SÁNH VỚI KẾT QUẢ CHÍNH THỨC", "V. KIẾN NGHỊ, ĐỀ XUẤT", "PHỤ LỤC"]
    assert len(state["images"]) == 5
    assert all(w >= 900 and done for w, done in state["images"])
    text = state["text"]
    for phrase in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Sở Nội vụ tỉnh Quảng Ninh".upper(),
                   "Kết quả chính", "Tiếp cận dịch vụ hành chính công", "không so sánh được",
                   "Ý kiến góp ý của người trả lời", "Phụ lục 2. Chất lượng dữ liệu",
                   "[DỰ THẢO", "Biểu đồ 1. Yếu tố của SIPAS",
                   "https://plo.vn/thoi-su/bo-cong-an-khao-sat-su-hai-long-cua-nguoi-dan"):
        assert phrase in text, phrase
    # decimal comma everywhere: no number written with a decimal point in the text
    assert re.search(r"\b\d+\.\d\b(?!\d)", re.sub(r"https?://\S+", "", text)) is None
    # free text is shown as text, never run (the XSS answers are frequent: they are examples)
    assert state["xss"] is None
    assert "<script>window.__xss = 1</script>Xin chào" in text
    browser.screenshot(ARTIFACTS / "report_top.png", full_page=False)
    browser.screenshot(ARTIFACTS / "report_full.png", full_page=True)
    assert (ARTIFACTS / "report_full.png").stat().st_size > 50_000


def test_html_file_is_self_contained_and_escaped() -> None:
    inputs = example_inputs(pd.Series([*XSS, "=)) rất tốt"] * 3))
    doc = build_html(inputs)
    assert unicodedata.is_normalized("NFC", doc)
    assert doc.startswith("<!DOCTYPE html>") and '<html lang="vi">' in doc
    assert "Content-Security-Policy" in doc and "default-src 'none'" in doc
    assert "<script" not in doc.lower().replace("&lt;script", "")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", doc, re.I)
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;Xin chào" in doc
    assert "onerror=\"window" not in doc and "<a " not in doc


def test_english_report(tmp_path: Path, browser: Chromium) -> None:
    path = write_html(example_inputs(), tmp_path / "report_en.html", lang="en")
    browser.open(path)
    state = browser.eval(PAGE_STATE)
    assert browser.errors() == []
    assert state["h2"][:3] == ["I. PURPOSE", "II. HOW THE SURVEY WAS DONE", "III. RESULTS"]
    for phrase in ("Key findings", "not comparable", "Figure 1.", "SOCIALIST REPUBLIC OF VIET NAM"):
        assert phrase in state["text"], phrase
    for vi in ("Kết quả chính", "Biểu đồ", "không so sánh được", "Khoảng tin cậy"):
        assert vi not in state["text"], vi


def test_html_size_does_not_grow_with_the_responses() -> None:
    """A million-response survey: 400,000 flags and 300,000 comments make no longer a page."""
    small = example_inputs(pd.Series(["Cán bộ nhiệt tình", "Thủ tục nhanh"]))
    rng = np.random.default_rng(1)
    n = 400_000
    checks = pd.DataFrame({"rule": rng.choice(["incomplete", "speeder", "out_of_scale"], n),
                           "row": np.arange(n), "column": "tc_c1", "value": "9",
                           "severity": "warning"})
    words = np.array(["Cán bộ nhiệt tình", "Thủ tục còn rườm rà", "Thời gian chờ lâu",
                      "Không có ý kiến", "", "Cổng dịch vụ công hay lỗi"], dtype=object)
    texts = pd.Series(words[rng.integers(0, len(words), 300_000)]
                      + pd.Series(rng.integers(0, 2000, 300_000)).map(
                          lambda k: f" ({k})" if k < 50 else "").to_numpy(dtype=object))
    big = replace(small, checks=checks, free_texts=texts)
    assert big.free_texts is not None and len(big.free_texts) > 200_000
    a, b = len(build_html(small).encode()), len(build_html(big).encode())
    assert b < 5_000_000
    assert abs(b - a) < 0.05 * a  # the comments' summary differs, the flags add nothing
