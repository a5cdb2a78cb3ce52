"""Sample-size planning: formulas against independent arithmetic, allocation invariants, CLI."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from cchc_survey.cli.official import register
from cchc_survey.sampling import (
    SamplingError,
    allocate,
    cochran_n,
    margin_of_error,
    sample_size,
    sample_size_by_stratum,
    yamane_n,
    z_value,
)


@pytest.mark.parametrize(("N", "e"), [(1000, 0.05), (500, 0.05), (120, 0.1), (10**6, 0.03),
                                      (1, 0.05), (3000, 0.07)])
def test_yamane_matches_the_formula(N, e):
    exact = N / (1 + N * e**2)
    assert yamane_n(N, e) == math.ceil(round(exact, 9))
    assert yamane_n(N, e) >= exact


def test_yamane_known_values():
    # 1000/(1+1000·0.0025) = 285.71 -> 286; 500/2.25 = 222.2 -> 223; 400/2 = 200 exactly.
    assert (yamane_n(1000, 0.05), yamane_n(500, 0.05), yamane_n(400, 0.05)) == (286, 223, 200)


def test_cochran_with_deff_and_fpc():
    z = stats.norm.ppf(0.975)
    n0 = z**2 * 0.25 / 0.05**2
    assert cochran_n(0.05) == math.ceil(n0) == 385
    assert cochran_n(0.05, deff=2.0) == math.ceil(2 * n0) == 769
    n1 = 1.5 * n0
    assert cochran_n(0.05, deff=1.5, N=2000) == math.ceil(n1 / (1 + (n1 - 1) / 2000))
    z90 = stats.norm.ppf(0.95)
    assert cochran_n(0.03, p=0.8, conf=0.90) == math.ceil(z90**2 * 0.16 / 0.0009)
    assert z_value(0.95) == pytest.approx(1.959963984540054)


def test_sample_size_dispatch():
    assert sample_size(0.05, N=1000, formula="yamane") == 286
    assert sample_size(0.05, N=1000, formula="yamane", deff=1.5) == math.ceil(286 * 1.5)
    assert sample_size(0.05, N=100, formula="yamane", deff=3.0) == 100  # never above N
    assert sample_size(0.05, N=1000) == cochran_n(0.05, N=1000)
    with pytest.raises(SamplingError, match="needs the population size"):
        sample_size(0.05, formula="yamane")
    with pytest.raises(SamplingError, match="unknown formula"):
        sample_size(0.05, N=10, formula="slovin")  # type: ignore[arg-type]


def test_margin_of_error_inverts_the_sample_size():
    z = stats.norm.ppf(0.975)
    assert margin_of_error(385) == pytest.approx(z * math.sqrt(0.25 / 385))
    assert margin_of_error(400, p=0.3, deff=1.8, N=5000) == pytest.approx(
        z * math.sqrt(1.8 * 0.21 / 400 * (5000 - 400) / 4999))
    for e, deff, N in ((0.05, 1.0, None), (0.04, 1.7, 3000), (0.1, 2.5, 400)):
        n = cochran_n(e, deff=deff, N=N)
        assert margin_of_error(n, deff=deff, N=N) <= e
        assert margin_of_error(n - 1, deff=deff, N=N) > e
    assert margin_of_error(50, N=50) == 0.0  # a census has no sampling error


@pytest.mark.parametrize(("call", "pattern"), [
    (lambda: yamane_n(1000, 0), "margin of error"),
    (lambda: yamane_n(1000, 1.5), "margin of error"),
    (lambda: yamane_n(0, 0.05), "population size"),
    (lambda: yamane_n(10.5, 0.05), "population size"),  # type: ignore[arg-type]
    (lambda: cochran_n(0.05, p=1.0), "expected proportion"),
    (lambda: cochran_n(0.05, deff=0), "design effect"),
    (lambda: cochran_n(0.05, conf=95), "confidence level"),
    (lambda: margin_of_error(0), "sample size"),
    (lambda: margin_of_error(200, N=100), "exceeds the population"),
    (lambda: allocate(1001, [500, 500]), "exceeds the population 1000"),
    (lambda: allocate(10, [-1, 5]), "finite and >= 0"),
    (lambda: allocate(10, [5, 5], method="neyman"), "needs the stratum standard deviations"),
    (lambda: allocate(10, [5, 5], S_h=[0, 0], method="neyman"), "undefined"),
    (lambda: allocate(10, [5, 5], S_h=[1], method="neyman"), "1 values for 2 strata"),
    (lambda: allocate(10, [5, 5], method="optimal"), "unknown allocation"),  # type: ignore[arg-type]
    (lambda: allocate(10, []), "no strata"),
])
def test_impossible_inputs_raise(call, pattern):
    with pytest.raises(SamplingError, match=pattern):
        call()


def test_proportional_allocation():
    a = allocate(100, {"A": 500, "B": 300, "C": 200})
    assert a["stratum"].tolist() == ["A", "B", "C"]
    assert a["n_h"].tolist() == [50, 30, 20]
    assert a["n_exact"].tolist() == pytest.approx([50, 30, 20])
    # 10 over thirds: exact 3.33 each -> largest remainders: first in order gets the extra one.
    b = allocate(10, [100, 100, 100])
    assert b["n_h"].tolist() == [4, 3, 3]
    c = allocate(7, {"x": 10, "y": 25, "z": 65})
    exact = [0.7, 1.75, 4.55]
    assert c["n_exact"].tolist() == pytest.approx(exact)
    assert c["n_h"].tolist() == [1, 2, 4]  # floors 0,1,4 (sum 5); remainders .7 and .75 win


def test_neyman_allocation_and_cap():
    a = allocate(100, {"a": 1000, "b": 1000}, S_h=[0.5, 0.1], method="neyman")
    assert a["n_exact"].tolist() == pytest.approx([100 * 500 / 600, 100 * 100 / 600])
    assert a["n_h"].tolist() == [83, 17]
    # The small stratum is capped at its size; the rest goes to the others proportionally.
    c = allocate(60, {"small": 5, "b": 100, "c": 300})
    assert c["n_h"].tolist()[0] <= 5
    assert int(c["n_h"].sum()) == 60
    c2 = allocate(300, {"small": 5, "b": 100, "c": 300}, S_h=[10, 1, 1], method="neyman")
    assert c2["n_h"].tolist()[0] == 5
    assert c2["n_h"].tolist()[1:] == [74, 221]  # 295 split 1:3 -> 73.75, 221.25
    full = allocate(405, {"small": 5, "b": 100, "c": 300})
    assert full["n_h"].tolist() == [5, 100, 300]


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=8),
       frac=st.floats(min_value=0.0, max_value=1.0),
       sds=st.lists(st.floats(min_value=0.01, max_value=5.0), min_size=8, max_size=8))
def test_allocation_invariants(sizes, frac, sds):
    total = int(sum(sizes) * frac)
    for method in ("proportional", "neyman"):
        a = allocate(total, sizes, S_h=sds[: len(sizes)], method=method)
        assert int(a["n_h"].sum()) == total
        assert (a["n_h"] <= pd.Series(sizes)).all()
        assert (a["n_h"] >= 0).all()


def test_sample_size_by_stratum():
    t = sample_size_by_stratum({"Phòng A": 120, "Phòng B": 40}, 0.05)
    assert t["n_h"].tolist() == [yamane_n(120, 0.05), yamane_n(40, 0.05)] == [93, 37]
    z = stats.norm.ppf(0.975)
    assert t["margin"].tolist() == pytest.approx(
        [z * math.sqrt(0.25 / 93 * (120 - 93) / 119), z * math.sqrt(0.25 / 37 * 3 / 39)])


@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()

    @a.command()
    def noop() -> None:
        """Placeholder so the app has several commands."""

    register(a)
    return a


def test_cli_sample_size(app, tmp_path: Path):
    r = CliRunner().invoke(app, ["sample-size", "-e", "0.05", "-N", "1000", "--formula", "yamane"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("n = 286 (formula=yamane")
    r = CliRunner().invoke(app, ["sample-size", "-e", "0.05", "--deff", "2"])
    assert "n = 769" in r.output
    strata = tmp_path / "strata.csv"
    strata.write_text("stratum,N,S\nA,500,0.5\nB,300,0.5\nC,200,0.1\n", encoding="utf-8")
    out = tmp_path / "alloc.csv"
    r = CliRunner().invoke(app, ["sample-size", "-e", "0.05", "--strata", str(strata),
                                 "--total", "100", "--allocation", "neyman", "--out", str(out)])
    assert r.exit_code == 0, r.output
    a = pd.read_csv(out)
    exact = [100 * 250 / 420, 100 * 150 / 420, 100 * 20 / 420]
    assert a["n_exact"].tolist() == pytest.approx(exact)
    # floors 59, 35, 4 (98); the two largest remainders (.76 for C, .71 for B) get one each.
    assert a["n_h"].tolist() == [59, 36, 5]
    r = CliRunner().invoke(app, ["sample-size", "-e", "0.05", "--strata", str(strata)])
    assert r.exit_code == 0
    n0 = stats.norm.ppf(0.975) ** 2 * 0.25 / 0.0025
    want = [math.ceil(n0 / (1 + (n0 - 1) / N)) for N in (500, 300, 200)]
    assert want == [218, 169, 132]
    lines = r.output.splitlines()[1:]
    assert [int(ln.split()[2]) for ln in lines] == want
    r = CliRunner().invoke(app, ["sample-size", "-e", "2"])
    assert r.exit_code == 1
    assert "margin of error e=2.0" in r.output


def test_cli_official_commands(app, tmp_path: Path):
    r = CliRunner().invoke(app, ["official", "check"])
    assert r.exit_code == 0, r.output
    assert "1 inconsistent of 21 checked" in r.output  # 18 D6, BRVT 2019 D1, Bắc Giang 2023, HD 2021
    t = tmp_path / "t.xlsx"
    r = CliRunner().invoke(app, ["official", "template", str(t)])
    assert r.exit_code == 0 and t.exists()
    bad = tmp_path / "o.csv"
    bad.write_text("index,year,province,component,value,source_url\n"
                   "PAPI,2023,Tinh Ha Giang,D6,7.1,u\nPAPI,2023,Narnia,D6,7.2,u\n",
                   encoding="utf-8")
    r = CliRunner().invoke(app, ["official", "load", str(bad)])
    assert r.exit_code == 1
    assert "2 rows, 2 in use, 0 conflict(s) between sources, 1 unmatched province name(s)" in r.output
    assert "Narnia" in r.output
    scores = tmp_path / "scores.csv"
    pd.DataFrame([{"index": "PAPI", "code": "total", "estimate": 44.0, "se": 0.5,
                   "ci_low": 43.02, "ci_high": 44.98, "ci_level": 0.95, "n": 300,
                   "group_var": "", "group_value": ""}]).to_csv(scores, index=False)
    out = tmp_path / "cmp.csv"
    r = CliRunner().invoke(app, ["official", "compare", str(scores), "--province", "Thai Nguyen",
                                 "--index", "PAPI", "--out", str(out)])
    assert r.exit_code == 0, r.output
    c = pd.read_csv(out)
    row = c[c["year"] == 2023].iloc[0]
    assert row["difference"] == pytest.approx(44.0 - 45.7875)  # Thái Nguyên 2023, bacgiang.gov.vn
    assert row["rank_if_official"] == 7
