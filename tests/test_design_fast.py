"""The raking's cell coding and sweep loop give bit-identical weights to the plain code.

``reference_*`` below is the previous implementation (cells coded through a ``MultiIndex`` of the
per-row texts; every sweep through the post-stratification helper), frozen here as the contract.
The fast path codes each variable once from its distinct values and sweeps on integer codes; on
the R oracle data, on a generated tidy frame and on columns in awkward dtypes it must give the
same codes, cells, weights, calibration steps and report, bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cchc_survey import QUESTIONNAIRES
from cchc_survey.demo import population_margins
from cchc_survey.design import (
    CalibrationStep,
    Margin,
    SurveyDesign,
    WeightingError,
    _as_margins,
    _codes,
    text_codes,
)
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.indices.score import design_from_tidy
from cchc_survey.instrument import load_instrument
from cchc_survey.tidy import read_export

FIX = Path(__file__).parent / "fixtures" / "oracle"
META = json.loads((FIX / "sipas_public_meta.json").read_text(encoding="utf-8"))
INST = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")

# ----------------------------------------------------------------------------------------------
# the reference: the previous implementation


def reference_cell_codes(data: pd.DataFrame,
                         variables: Sequence[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    key = data[list(variables)].astype(str)
    codes, uniq = pd.MultiIndex.from_frame(key).factorize(sort=True)
    cells = [tuple(str(x) for x in (u if isinstance(u, tuple) else (u,))) for u in uniq]
    return codes.astype(np.int64), cells


def reference_rake(des: SurveyDesign, margins: list[pd.DataFrame], maxit: int,
                   epsilon: float) -> tuple[np.ndarray, list[CalibrationStep], int, bool]:
    """The previous sweep loop: weights, the last sweep's steps, iterations, converged."""
    ms: list[Margin] = _as_margins(margins, None)
    w = des.weights.copy()
    eps = epsilon * float(w.sum()) if epsilon < 1 else epsilon
    allvars: list[str] = []
    for m in ms:
        allvars.extend(v for v in m.variables if v not in allvars)
    jcodes, jcells = reference_cell_codes(des.data, allvars)
    coded = [reference_cell_codes(des.data, m.variables) for m in ms]
    old = np.bincount(jcodes, weights=w, minlength=len(jcells))
    it, converged = 0, False
    steps: list[CalibrationStep] = []
    while it < maxit:
        steps = []
        for m, (codes, cells) in zip(ms, coded, strict=True):
            sample = np.bincount(codes, weights=w, minlength=len(cells))
            target = np.array([m.targets[c] for c in cells])
            new = w * (target / sample)[codes]
            steps.append(CalibrationStep(name=m.name, codes=codes, ncell=len(cells), psw=new,
                                         r=1.0 / new,
                                         denom=np.bincount(codes, minlength=len(cells))
                                         .astype(float)))
            w = new
        new_tab = np.bincount(jcodes, weights=w, minlength=len(jcells))
        if float(np.max(np.abs(old - new_tab))) < eps:
            converged = True
            break
        old = new_tab
        it += 1
    return w, steps, it + (1 if converged else 0), converged


def _assert_same_raking(rk: SurveyDesign, des: SurveyDesign, margins: list[pd.DataFrame],
                        maxit: int, epsilon: float) -> None:
    w, steps, iterations, converged = reference_rake(des, margins, maxit, epsilon)
    np.testing.assert_array_equal(rk.weights, w)
    got = rk.calibrations[-1].steps
    assert [s.name for s in got] == [s.name for s in steps]
    for a, b in zip(got, steps, strict=True):
        assert a.ncell == b.ncell
        for field in ("codes", "psw", "r", "denom"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
            assert getattr(a, field).dtype == getattr(b, field).dtype
    assert rk.history[-1].iterations == iterations
    assert rk.history[-1].converged == converged


# ----------------------------------------------------------------------------------------------
# tests


@pytest.fixture(scope="module")
def sipas() -> pd.DataFrame:
    return pd.read_csv(FIX / "sipas_public.csv")


def test_rake_on_the_oracle_data_is_bit_identical(sipas: pd.DataFrame) -> None:
    des = SurveyDesign.from_frame(sipas, weights="w", strata="stratum", cluster="psu")
    margins = [pd.DataFrame(META["margins"]["gender_age"]), pd.DataFrame(META["margins"]["area"])]
    for maxit, eps in ((100, 1e-12), (10, 1.0), (3, 1e-14)):
        rk = des.rake(margins, maxit=maxit, epsilon=eps, strict=False)
        _assert_same_raking(rk, des, margins, maxit, eps)
    rk = des.rake(margins, maxit=100, epsilon=1e-12)
    rep = rk.history[-1].margins
    _, cells = reference_cell_codes(sipas, ["gender", "age_group"])
    assert rep["cell"].tolist()[: len(cells)] == ["|".join(c) for c in cells]
    np.testing.assert_allclose(rep["achieved"], rep["target"], rtol=1e-10)


def test_rake_on_a_generated_tidy_frame_is_bit_identical(tmp_path: Path) -> None:
    demo = generate(INST, DemoDesign(n=2500, seed=5))
    path = write_limesurvey_csv(demo.export, tmp_path / "r.csv")
    frame = read_export(path, instrument=INST, secret_key=b"k" * 32).frame
    des = design_from_tidy(frame[frame["complete"]], INST)
    margins = population_margins(INST)
    rk = des.rake(margins, maxit=50, epsilon=1e-9)
    _assert_same_raking(rk, des, margins, 50, 1e-9)
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
    ref_codes, ref_levels = _codes(values.astype(str))
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
        ref_codes, ref_cells = reference_cell_codes(df, variables)
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
    rk = des.rake(margins, maxit=200, epsilon=1e-12)
    _assert_same_raking(rk, des, margins, 200, 1e-12)
    assert rk.history[-1].margins["cell"].tolist()[:2] == ["F|1", "F|2"]


def test_missing_variable_error_names_the_raking(sipas: pd.DataFrame) -> None:
    des = SurveyDesign.from_frame(sipas, weights="w")
    with pytest.raises(WeightingError, match="rake: variable 'region' is not in the data"):
        des.rake([pd.DataFrame({"region": ["a"], "Freq": [1.0]})])
