"""Plotly chart functions: they draw exactly the table's numbers, label in Vietnamese (NFC) or
English, and carry the unverified-method caveat. (Rendering in Chromium: test_report_html.py.)"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from cchc_survey.report.charts import (
    ChartInputError,
    bar_chart,
    gap_chart,
    heatmap,
    index_charts,
    likert_chart,
    radar_chart,
    trend_chart,
)
from cchc_survey.report.example import example_inputs, example_scores

SIPAS = example_scores()["SIPAS"]
PAPI = example_scores()["PAPI"]
CAVEAT = "⚠ Phương pháp chưa được đối chiếu với văn bản chính thức"


def notes(fig: go.Figure) -> str:
    return " ".join(a.text for a in fig.layout.annotations)


def whole(level: str, table: pd.DataFrame = SIPAS) -> pd.DataFrame:
    return table[(table["level"] == level) & (table["group_var"] == "")]


def test_bar_chart_draws_estimates_and_ci_whiskers() -> None:
    fig = bar_chart(SIPAS, level="element")
    rows = whole("element")
    (bar,) = fig.data
    np.testing.assert_allclose(bar.x, rows["estimate"])
    np.testing.assert_allclose(np.asarray(bar.x) + bar.error_x.array, rows["ci_high"])
    np.testing.assert_allclose(np.asarray(bar.x) - bar.error_x.arrayminus, rows["ci_low"])
    assert bar.y[0] == "Tiếp cận dịch vụ hành chính công"
    assert bar.y[2] == "Công chức trực tiếp giải quyết công<br>việc"  # wrapped, not cut
    assert list(bar.text) == [f"{v:.1f}" for v in rows["estimate"]]
    assert fig.layout.xaxis.range == (0.0, 100.0)
    assert fig.layout.xaxis.title.text == "Ước lượng (%)"
    assert CAVEAT in notes(fig) and "QĐ 2640/QĐ-BNV" in notes(fig)
    assert all(unicodedata.is_normalized("NFC", y) for y in bar.y)


def test_bar_chart_by_group_and_verified_points() -> None:
    fig = bar_chart(SIPAS, level="criterion", group_var="donvi")
    assert [tr.name for tr in fig.data] == ["Sở Tài chính", "Sở Nội vụ", "Sở Xây dựng",
                                             "Sở Nông nghiệp và Môi trường", "Sở Tư pháp",
                                             "Sở Y tế"]
    assert all(len(tr.x) == 8 for tr in fig.data)
    papi = bar_chart(PAPI, level="dimension")
    assert notes(papi) == ""  # every PAPI row is verified: no caveat
    assert papi.layout.xaxis.range is None and papi.layout.xaxis.title.text == "Ước lượng (điểm)"


def test_radar_chart_closes_the_outline() -> None:
    fig = radar_chart(SIPAS, level="element")
    (tr,) = fig.data
    est = whole("element")["estimate"].to_numpy()
    np.testing.assert_allclose(tr.r, np.append(est, est[0]))
    assert tr.theta[0] == tr.theta[-1] == "Tiếp cận dịch vụ hành<br>chính công"
    assert fig.layout.polar.radialaxis.range == (0.0, 100.0)
    assert fig.layout.polar.radialaxis.angle == pytest.approx(90 + 180 / 5)
    assert CAVEAT in notes(fig)


def test_heatmap_is_unit_by_criterion() -> None:
    fig = heatmap(SIPAS, level="criterion", unit_var="donvi")
    (hm,) = fig.data
    rows = SIPAS[SIPAS["group_var"] == "donvi"]
    expected = rows.pivot_table(index="group_value", columns="code", values="estimate")
    np.testing.assert_allclose(np.asarray(hm.z), expected.to_numpy())
    assert list(hm.x) == list(expected.columns)
    assert list(hm.y) == ["Sở Tài chính", "Sở Nội vụ", "Sở Xây dựng",
                          "Sở Nông nghiệp và Môi trường", "Sở Tư pháp", "Sở Y tế"]
    assert hm.customdata[0][0] == "Nơi ngồi chờ có đủ chỗ ngồi"
    assert hm.text[0][0] == f"{expected.iloc[0, 0]:.0f}"
    assert fig.layout.xaxis.title.text == "Tiêu chí"


def test_trend_chart_has_a_ci_band_per_component() -> None:
    fig = trend_chart(SIPAS, level="element", wave_var="wave", codes=["E1", "E3"])
    assert len(fig.data) == 6  # (upper, lower-filled, line) x 2
    rows = SIPAS[(SIPAS["group_var"] == "wave") & (SIPAS["code"] == "E1")]
    upper, lower, line = fig.data[:3]
    np.testing.assert_allclose(upper.y, rows["ci_high"])
    np.testing.assert_allclose(lower.y, rows["ci_low"])
    np.testing.assert_allclose(line.y, rows["estimate"])
    assert lower.fill == "tonexty" and not upper.showlegend
    assert list(line.x) == ["Quý 1/2024", "Quý 2/2024", "Quý 3/2024", "Quý 4/2024"]
    assert line.name == "Tiếp cận dịch vụ hành chính công"
    assert fig.layout.xaxis.title.text == "Đợt khảo sát"
    assert fig.layout.legend.traceorder == "normal"


def test_gap_chart_marks_significant_differences() -> None:
    comp = example_inputs().comparison
    assert comp is not None
    unverified = gap_chart(comp)  # the example's survey side is unverified: nothing marked
    assert not any(y.endswith(" *") for y in unverified.data[1].y)
    assert all("(không so sánh được)" in y.replace("<br>", " ") for y in unverified.data[1].y)
    comp = comp.assign(verified=True)
    fig = gap_chart(comp)
    official, survey = fig.data
    np.testing.assert_allclose(official.x, comp["official"])
    np.testing.assert_allclose(survey.x, comp["survey_estimate"])
    np.testing.assert_allclose(np.asarray(survey.x) + survey.error_x.array,
                               comp["survey_ci_high"])
    np.testing.assert_allclose(np.asarray(survey.x) - survey.error_x.arrayminus,
                               comp["survey_ci_low"])
    sig = comp["significant"].to_numpy()
    assert [y.endswith(" *") for y in survey.y] == sig.tolist()
    assert list(survey.marker.symbol) == ["circle" if s else "circle-open" for s in sig]
    assert len(fig.layout.shapes) == len(comp)
    assert official.name == "Kết quả chính thức" and survey.name == "Kết quả khảo sát"
    assert notes(fig) == "* có ý nghĩa thống kê"  # verified: no caveat
    assert "Báo cáo SIPAS 2024" in notes(unverified)
    with pytest.raises(ChartInputError, match="empty"):
        gap_chart(comp.iloc[:0])


def test_likert_bars_diverge_around_the_neutral_answer() -> None:
    fig = likert_chart(SIPAS, answer_var="answer")
    rows = SIPAS[(SIPAS["group_var"] == "answer") & (SIPAS["code"] == "E1.1")]
    share = dict(zip(rows["group_value"], rows["estimate"], strict=True))
    names = [tr.name for tr in fig.data]
    # neutral half left, then 2, 1 left; neutral half right, then 4, 5 right
    assert names == ["Bình thường", "Không hài lòng", "Rất không hài lòng", "Bình thường",
                     "Hài lòng", "Rất hài lòng"]
    x0 = [tr.x[0] for tr in fig.data]
    assert x0 == pytest.approx([-share["3"] / 2, -share["2"], -share["1"], share["3"] / 2,
                                share["4"], share["5"]])
    assert sum(abs(v) for v in x0) == pytest.approx(100.0)
    assert [tr.showlegend for tr in fig.data] == [True, True, True, False, True, True]
    assert fig.layout.barmode == "relative"
    assert fig.data[0].marker.color == fig.data[3].marker.color == "#C8C8C8"
    # an even scale has no neutral: 1, 2 left and 3, 4 right
    four = SIPAS[(SIPAS["group_var"] != "answer") | (SIPAS["group_value"] != "5")]
    fig4 = likert_chart(four, answer_order=["1", "2", "3", "4"])
    assert [tr.name for tr in fig4.data] == ["Không hài lòng", "Rất không hài lòng",
                                             "Bình thường", "Hài lòng"]
    assert fig4.data[2].x[0] > 0 and fig4.data[1].x[0] < 0


def test_english_labels_on_request() -> None:
    fig = bar_chart(SIPAS, level="element", lang="en")
    assert fig.data[0].y[0] == "Access to the public administrative<br>service"
    assert fig.layout.xaxis.title.text == "Estimate (%)"
    assert "Method not yet checked against the official text" in notes(fig)
    lik = likert_chart(SIPAS, lang="en")
    assert lik.data[-1].name == "Very satisfied"


def test_labels_are_escaped_for_plotly_markup() -> None:
    table = PAPI.copy()
    table.loc[0, "label_vi"] = "<a href='https://x.example'>bấm</a>"
    fig = bar_chart(table, level="dimension")
    assert fig.data[0].y[0].startswith("&lt;a href=&#x27;https://x.example&#x27;&gt;bấm")


def test_missing_rows_raise_a_helpful_error() -> None:
    with pytest.raises(ChartInputError, match=r"level='sub_dimension'.*\('element', ''\)"):
        bar_chart(SIPAS, level="sub_dimension")
    with pytest.raises(ChartInputError, match="group_var='huyen'"):
        heatmap(SIPAS, unit_var="huyen")


def test_index_charts_picks_what_the_table_supports() -> None:
    inputs = example_inputs()
    sipas = [cap for cap, _ in index_charts("SIPAS", inputs.scores["SIPAS"], inputs)]
    assert sipas == ["SIPAS: Yếu tố", "SIPAS: Hồ sơ các thành phần", "SIPAS: Tiêu chí",
                     "SIPAS: Kết quả theo đơn vị và tiêu chí",
                     "SIPAS: Xu hướng theo đợt khảo sát", "SIPAS: Phân bố câu trả lời"]
    papi = [cap for cap, _ in index_charts("PAPI", inputs.scores["PAPI"], inputs)]
    assert papi == ["PAPI: Nội dung", "PAPI: Hồ sơ các thành phần"]
