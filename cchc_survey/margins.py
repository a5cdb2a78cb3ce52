"""Population margins for weighting, as the analyst keeps them: one CSV per weighting variable.

The shape is R ``survey``'s ``population=``: one column per weighting variable (codes as in the
export, read as text) and a ``Freq`` column with the population count of each cell::

    donvi,Freq
    U01,5230
    U02,2104
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputFileError, Problem

__all__ = ["read_margins"]


def read_margins(path: str | Path) -> pd.DataFrame:
    """Read one population-margin CSV for ``report --margins``.

    The file has one column per weighting variable (codes as in the export, read as text) and a
    ``Freq`` column with the population count of each cell. UTF-8 (with or without BOM).

    Raises:
        InputFileError: the file is missing, unreadable, has no ``Freq`` column, or a ``Freq``
            that is not a non-negative number (the first such row is named).

    Example:
        >>> from cchc_survey.bundled import example_margins
        >>> m = read_margins(example_margins("doituong"))
        >>> m["doituong"].tolist(), m["Freq"].dtype.name
        (['1', '2'], 'float64')
    """
    path = Path(path)
    fix_shape = ("give one column per weighting variable and a 'Freq' column of population "
                 "counts, e.g. 'donvi,Freq' then 'U01,1250'.")
    if not path.is_file():
        raise InputFileError([Problem(str(path), "--margins", "the file does not exist or is not "
                                      "a file.", "check the path.")], "cannot read margin file")
    try:
        df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError([Problem(str(path), "--margins", f"not a readable UTF-8 CSV ({exc}).",
                                      "save it again as 'CSV UTF-8'; " + fix_shape)],
                             "cannot read margin file") from exc
    if "Freq" not in df.columns or len(df.columns) < 2:
        raise InputFileError([Problem(str(path), "header", f"columns {list(df.columns)} have no "
                                      "'Freq' column or no variable column.", fix_shape)],
                             "cannot read margin file")
    text = df["Freq"].str.strip()
    freq = pd.to_numeric(text, errors="coerce")
    # "1.250" is 1250 people written the Vietnamese way, not 1.25: refuse it rather than guess.
    grouped = text.str.fullmatch(r"\d{1,3}([.,]\d{3})+")
    bad = (freq.isna() | (freq < 0) | grouped).to_numpy()
    if bad.any():
        k = int(bad.argmax())
        raise InputFileError([Problem(str(path), f"row {k + 2}, column Freq",
                                      f"{df['Freq'].iloc[k]!r} is not a non-negative number "
                                      f"({int(bad.sum())} such row(s)).",
                                      "write the population count as a plain number "
                                      "(no thousands separator).", line=k + 2)],
                             "cannot read margin file")
    return df.assign(Freq=freq.astype(float))
