"""HTML table cells: the per-column fast paths print what formatting every cell alone printed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cchc_survey.report import html as H
from cchc_survey.report.example import example_inputs


def one_by_one(col: pd.Series, digits: int) -> list[str]:
    return [H._esc(H._fmt(v, digits)) for v in col.astype(object)]


COLUMNS: dict[str, pd.Series] = {
    "float": pd.Series([84.94999, np.nan, -0.0001, 1e6, np.inf, 0.125]),
    "Float64": pd.Series([0.5, None, 2.25, -1.0, 3.0, 7.125], dtype="Float64"),
    "int": pd.Series([1, 2, 3, 1, 2, 1]),
    "Int64": pd.Series([1, None, 3, 1, None, 1], dtype="Int64"),
    "bool": pd.Series([True, False, True, True, False, False]),
    "mixed": pd.Series([1, 1.0, True, None, "<b>Sở & \"Nội vụ\"</b>", np.nan], dtype=object),
    "unhashable": pd.Series([[1, 2], "a", [1, 2], {"k": "<v>"}, "a", None], dtype=object),
    "string": pd.Series(["Tốt", None, "=1+1", "Tốt", "<i>", ""], dtype="string"),
}


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_column_cells_equal_cell_by_cell_formatting(name: str, digits: int) -> None:
    col = COLUMNS[name]
    assert H._column_cells(col, digits) == one_by_one(col, digits)


def test_example_report_tables_unchanged() -> None:
    inputs = example_inputs()
    for table in inputs.scores.values():
        for c in table.columns:
            assert H._column_cells(table[c], 1) == one_by_one(table[c], 1), c
    assert H._column_cells(pd.Series([84.94999]), 1) == ["84.9"]
