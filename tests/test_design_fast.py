"""The design stage's two engines give bit-identical codes, weights and reports.

``engine="reference"`` codes cells through a ``MultiIndex`` of every row's text (the
definition); ``engine="auto"`` codes each variable once from its distinct values. On the R
oracle data, on a generated tidy frame and on columns in awkward dtypes they must give the same
codes, cells, weights, calibration steps and report, bit for bit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_survey import QUESTIONNAIRES
from cchc_survey.demo import population_margins
from cchc_survey.design import (
    SurveyDesign,
    WeightingError,
    text_codes,
)
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.indices.score import design_from_tidy
from cchc_survey.instrument import load_instrument
from cchc_survey.tidy import read_export

FIX = Path(__file__).parent / "fixtures" / "oracle"
META = json.loads((FIX / "sipas_public_meta.json").read_text(encoding="utf-8"))
INST = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")

def _assert_same_raking(des: SurveyDesign, margins: list[pd.DataFrame], maxit: int,
                        epsilon: float) -> SurveyDesign:
    """engine='auto' (codes from distinct values) and 'reference' (codes from every row's
    text through a MultiIndex) rake to the same weights, steps and report, bit for bit."""
    rk = des.rake(margins, maxit=maxit, epsilon=epsilon, strict=False)
    ref = des.rake(margins, maxit=maxit, epsilon=epsilon, strict=False, engine="reference")
    np.testing.assert_array_equal(rk.weights, ref.weights)
    got, want = rk.calibrations[-1].steps, ref.calibrations[-1].steps
    assert [s.name for s in got] == [s.name for s in want]
    for a, b in zip(got, want, strict=True):
        assert a.ncell == b.ncell
        for field in ("codes", "psw", "r", "denom"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
            assert getattr(a, field).dtype == getattr(b, field).dtype
    assert rk.history[-1].iterations == ref.history[-1].iterations
    assert rk.history[-1].converged == ref.history[-1].converged
    pd.testing.assert_frame_equal(rk.weighting_report(), ref.weighting_report())
    return rk


# ----------------------------------------------------------------------------------------------
# tests


@pytest.fixture(scope="module")
def sipas() -> pd.DataFrame:
    return pd.read_csv(FIX / "sipas_public.csv")


def test_rake_on_the_oracle_data_is_bit_identical(sipas: pd.DataFrame) -> None:
    des = SurveyDesign.from_frame(sipas, weights="w", strata="stratum", cluster="psu")
    margins = [pd.DataFrame(META["margins"]["gender_age"]), pd.DataFrame(META["margins"]["area"])]
    for maxit, eps in ((100, 1e-12), (10, 1.0), (3, 1e-14)):
        _assert_same_raking(des, margins, maxit, eps)
    rk = des.rake(margins, maxit=100, epsilon=1e-12)
    rep = rk.history[-1].margins
    cells = sorted(set(zip(sipas["gender"].astype(str), sipas["age_group"].astype(str))))
    assert rep["cell"].tolist()[: len(cells)] == ["|".join(c) for c in cells]
    np.testing.assert_allclose(rep["achieved"], rep["target"], rtol=1e-10)


def test_rake_on_a_generated_tidy_frame_is_bit_identical(tmp_path: Path) -> None:
    demo = generate(INST, DemoDesign(n=2500, seed=5))
    path = write_limesurvey_csv(demo.export, tmp_path / "r.csv")
    frame = read_export(path, instrument=INST, secret_key=b"k" * 32).frame
    des = design_from_tidy(frame[frame["complete"]], INST)
    margins = population_margins(INST)
    rk = _assert_same_raking(des, margins, 50, 1e-9)
    assert rk.history[-1].converged and 1 < rk.history[-1].iterations < 50


@pytest.mark.parametrize("values", [
    pd.Series(["b", "a", "c", "a", "b"], dtype="string"),
    pd.Series(["b", "a", "c", "a", "b"], dtype=str),
    pd.Series([3, 1, 2, 1, 3, 10], dtype="Int64"),
    pd.Series([3, 1, 2, 1, 3, 10], dtype="int64"),
    pd.Series([1, 1.0, True, "1", 2, 2.0], dtype=object),   # 1 == 1.0 == True, texts differ
    pd.Series([0.0, -0.0, 1.5, 0.0, -0.0], dtype="float64"),  # -0.0 == 0.0, texts differ
    pd.Series([0.0, -0.0, 1.5, 0.0], dtype="Float64"),
    pd.Series([True, False, True], dtype=bool),
    pd.Series(pd.to_datetime(["2026-01-02", "2026-01-01", "2026-01-02"])),
])
def test_text_codes_equal_the_codes_of_the_row_texts(values: pd.Series) -> None:
    codes, levels = text_codes(values)
    ref_codes, ref_levels = text_codes(values, engine="reference")
    np.testing.assert_array_equal(codes, ref_codes)
    assert list(levels) == list(ref_levels)


def test_crossed_cells_equal_the_multiindex_codes() -> None:
    rng = np.random.default_rng(3)
    n = 500
    df = pd.DataFrame({
        "a": pd.array(rng.choice(["x", "y", "z10", "z2"], n), dtype="string"),
        "b": pd.array(rng.integers(1, 12, n), dtype="Int64"),
        "c": rng.choice([0.0, -0.0, 2.5], n),
        "w": rng.uniform(1, 3, n),
    })
    des = SurveyDesign.from_frame(df, weights="w")
    for variables in (["a"], ["b"], ["a", "b"], ["b", "a"], ["a", "b", "c"], ["c", "b"]):
        codes, cells = des._cell_codes(variables, "test")
        ref_codes, ref_cells = des._cell_codes(variables, "test", engine="reference")
        np.testing.assert_array_equal(codes, ref_codes)
        assert cells == ref_cells


def test_crossed_margins_rake_bit_identical() -> None:
    rng = np.random.default_rng(8)
    n = 3000
    df = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "age": rng.integers(1, 5, n),
                       "reg": rng.choice(["N", "S", "C"], n), "w": rng.uniform(1, 4, n)})
    des = SurveyDesign.from_frame(df, weights="w")
    sa = df.groupby(["sex", "age"]).size().reset_index(name="Freq")
    sa["Freq"] = sa["Freq"] * rng.uniform(0.8, 1.2, len(sa)) * 10
    reg = pd.DataFrame({"reg": ["N", "S", "C"], "Freq": [0.3, 0.5, 0.2]})
    reg["Freq"] *= float(sa["Freq"].sum())
    sa["age"] = sa["age"].astype(str)
    margins = [sa, reg]
    rk = _assert_same_raking(des, margins, 200, 1e-12)
    assert rk.history[-1].margins["cell"].tolist()[:2] == ["F|1", "F|2"]


def test_missing_variable_error_names_the_raking(sipas: pd.DataFrame) -> None:
    des = SurveyDesign.from_frame(sipas, weights="w")
    with pytest.raises(WeightingError, match="rake: variable 'region' is not in the data"):
        des.rake([pd.DataFrame({"region": ["a"], "Freq": [1.0]})])
