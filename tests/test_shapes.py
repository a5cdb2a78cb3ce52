"""Every table shape is declared once (cchc_survey.shapes) and the stages make exactly it."""

from __future__ import annotations

import pandas as pd
import pytest

from cchc_survey import bundled_example, bundled_instrument, read_export
from cchc_survey.errors import Problem
from cchc_survey.shapes import (
    CHECK_SUMMARY,
    COMPARISON,
    EXCLUSIONS,
    FAILURES,
    FLAGS,
    SCORE,
    WEIGHTING_REPORT,
    ShapeError,
    failure_table,
    problems_table,
)


@pytest.fixture(scope="module")
def analysis():
    from cchc_survey import analyse, example_margins, read_margins

    inst = bundled_instrument("sipas_one_stop")
    tidy = read_export(bundled_example("sipas_one_stop"), inst)
    return tidy, analyse(tidy.frame, inst, margins=[read_margins(example_margins("doituong"))])


def _dtypes(df: pd.DataFrame) -> list[str]:
    return [str(t) for t in df.dtypes]


def test_the_stages_make_their_declared_shapes(analysis) -> None:
    tidy, an = analysis
    for shape, table in ((FLAGS, an.cleaned.flags), (EXCLUSIONS, an.cleaned.excluded),
                         (CHECK_SUMMARY, an.cleaned.summary), (SCORE, an.scores),
                         (WEIGHTING_REPORT, an.weighting), (FAILURES, tidy.failures)):
        shape.check(table)
        declared = shape.dtypes()
        for col, got in zip(table.columns, _dtypes(table), strict=True):
            want = declared[col]
            if want is not None:
                assert got == want, (shape.name, col, got, want)


def test_the_comparison_has_its_declared_shape() -> None:
    from cchc_survey import analyse, bundled_official, compare_official

    inst = bundled_instrument("par_survey")
    an = analyse(read_export(bundled_example("par_survey"), inst).frame, inst)
    cmp = compare_official(an.default_scores, bundled_official(), province="Hà Nội", index="PAR",
                           years=[2023], code_map={"PAR": "total"})
    assert len(cmp) >= 1
    COMPARISON.check(cmp)


def test_one_constructor_for_every_failure_table() -> None:
    empty = failure_table(FLAGS)
    assert empty.columns.tolist() == FLAGS.names and len(empty) == 0
    t = failure_table(FAILURES, [{"column": "Q1", "check": "code", "value": "7", "row": 3,
                                  "severity": "error", "message": "not a code"}])
    assert t.iloc[0].to_dict() == {"column": "Q1", "check": "code", "value": "7", "row": 3,
                                   "severity": "error", "message": "not a code"}
    p = problems_table([Problem("x.yaml", "scales.sat5", "code 6 twice", "give each its own",
                                line=12), Problem("x.yaml", "id", "bad id")])
    assert p["line"].tolist() == [12, pd.NA] and str(p["line"].dtype) == "Int64"
    assert p["fix"].tolist() == ["give each its own", ""]
    with pytest.raises(ShapeError, match="unknown column"):
        failure_table(FLAGS, {"rules": ["x"]})
    with pytest.raises(ShapeError, match="different lengths"):
        failure_table(FLAGS, {"rule": ["a", "b"], "row": [1]})
    with pytest.raises(ShapeError, match="not the check flags shape"):
        FLAGS.check(empty.drop(columns="value"))
