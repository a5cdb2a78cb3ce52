"""The Excel writer's shared style records write the very file per-cell styling wrote."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cchc_survey.report import tables as T
from cchc_survey.report import write_excel
from cchc_survey.report.example import example_inputs

FIXTURE = Path(__file__).parent / "fixtures" / "limesurvey" / "generated_responses.json"
GOPY = "385924X4X12"  # the long free-text question (T) of the fixture survey


def previous_write_table(ws: Worksheet, frame: pd.DataFrame, *, title: str, note: str = "",
                         formats: Mapping[str, str | Sequence[str]] | None = None,
                         highlight: Sequence[bool] | None = None,
                         comments: Mapping[str, Sequence[str]] | None = None,
                         start_row: int = T.HEADER_ROW) -> None:
    """``_write_table`` as it was before the shared style records: every cell styled alone."""
    T._put(ws, 1, 1, title).font = Font(bold=True, size=14)
    if note:
        T._put(ws, 2, 1, note).font = Font(italic=True, color="C00000")
    cols = list(frame.columns)
    for j, c in enumerate(cols, start=1):
        cell = T._put(ws, start_row, j, str(c))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = T._HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = T._BORDER
    values = frame.to_numpy(dtype=object)
    formats = formats or {}
    comments = comments or {}
    for i in range(values.shape[0]):
        r = start_row + 1 + i
        for j, c in enumerate(cols):
            cell = T._put(ws, r, j + 1, values[i, j])
            cell.border = T._BORDER
            fmt = formats.get(c)
            if fmt is not None:
                cell.number_format = fmt if isinstance(fmt, str) else fmt[i]
            if c in comments and comments[c][i]:
                cell.comment = Comment(comments[c][i], "cchc_survey")
            if highlight is not None and highlight[i]:
                cell.fill = T._FLAGGED_FILL
    for j, c in enumerate(cols, start=1):
        texts = frame[c].astype(str).str.len() if len(frame) else pd.Series([0])
        width = int(min(60, max(8, len(str(c)) * 0.9, float(texts.max()) + 2)))
        ws.column_dimensions[get_column_letter(j)].width = width
        if width >= 60:
            for r in range(start_row + 1, start_row + 1 + len(frame)):
                ws.cell(row=r, column=j).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=start_row + 1, column=1)
    if cols:
        last = get_column_letter(len(cols))
        ws.auto_filter.ref = f"A{start_row}:{last}{start_row + max(len(frame), 1)}"
    T.print_setup(ws, start_row)


def parts(path: Path) -> dict[str, bytes]:
    """Every part of the workbook but its creation time stamp."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_shared_styles_write_the_same_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               lang: str) -> None:
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    texts = pd.Series([r.get(GOPY, "") for r in rows], dtype=object)
    texts = texts[texts.fillna("") != ""].reset_index(drop=True)
    inputs = example_inputs(texts)  # unverified rows, per-row formats, formula-like answers,
    assert inputs.free_texts is not None  # long texts (wrapped column), every companion sheet
    assert texts.str.startswith("=").any() and texts.str.len().max() >= 60
    new = write_excel(inputs, tmp_path / "new.xlsx", lang=lang)  # type: ignore[arg-type]
    monkeypatch.setattr(T, "_write_table", previous_write_table)
    old = write_excel(inputs, tmp_path / "old.xlsx", lang=lang)  # type: ignore[arg-type]
    got, want = parts(new), parts(old)
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], name
    sheet = want["xl/styles.xml"].decode()
    assert 'quotePrefix="1"' in sheet and "EDEDED" in sheet and 'wrapText="1"' in sheet
