"""Read the score tables other commands write, for the comparison with official results.

``cchc-survey report`` writes each index's scores in the reader's form (``bao_cao_<index>.csv``:
Vietnamese or English headers, levels, units and "verified" in words); the demo and the Python
API write the machine score table (:mod:`cchc_survey.scoretable`). :func:`read_score_file` reads
both back into a score table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem
from ..scoretable import COLUMNS as SCORE_COLUMNS
from ..scoretable import FLOAT_COLUMNS, STR_COLUMNS, score_table

if TYPE_CHECKING:
    from ..instrument.model import Instrument


class ScoreFileError(InputFileError):
    """A score file given to the comparison cannot be read as a score table."""


_KNOWN_INDICES = ("SIPAS", "PAPI", "PAR", "OTHER")


def _reader_headers(lang: str) -> dict[str, str]:
    """Displayed header -> score-table column, for the reader form of ``lang``."""
    from ..report.labels import t
    from ..report.tables import SCORE_DISPLAY

    label = "label_en" if lang == "en" else "label_vi"
    note = "note_en" if lang == "en" else "note_vi"
    target = {"label": label, "group": "group_label", "note": note}
    return {t(c, lang): target.get(c, c) for c in SCORE_DISPLAY}  # type: ignore[arg-type]


_UNITS = ("percent", "proportion", "points", "mean")
_METHODS = ("taylor", "bootstrap", "unweighted")
_LEVELS = ("index", "element", "criterion", "item", "total", "dimension", "subdimension",
           "indicator", "field", "policy", "policy_index", "service_index")


def _reverse(prefix: str, codes: tuple[str, ...] | list[str], lang: str) -> dict[str, str]:
    """Displayed text -> code of the fixed texts ``<prefix><code>`` (levels, units); the first
    code wins when two codes are shown alike."""
    from ..report.labels import t_opt

    out: dict[str, str] = {}
    for code in codes:
        out.setdefault(t_opt(f"{prefix}{code}", lang, code), code)  # type: ignore[arg-type]
    return out


def _numbers(s: pd.Series, file: str, column: str, first_row: int) -> tuple[pd.Series, list[Problem]]:
    text = s.fillna("").astype(str).str.strip()
    # a decimal comma (a CSV re-saved by Excel in a Vietnamese locale) when there is no dot
    text = text.where(text.str.contains(".", regex=False), text.str.replace(",", ".", regex=False))
    num = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (text != "") & num.isna()
    problems = [Problem(file, f"row {first_row + i}, column {column}",
                        f"{s.iloc[i]!r} is not a number", fix="write a plain number such as 83.5")
                for i in np.flatnonzero(bad.to_numpy())[:20]]
    return num.astype(float), problems


def _unquote(s: pd.Series) -> pd.Series:
    """Undo the formula-injection guard of the writers (a leading apostrophe before =+-@)."""
    return s.str.replace(r"^'(?=[\t\r\n]|\s*[=+\-@＝＋－＠])", "", regex=True)


def read_score_file(path: str | Path, *, instrument: Instrument | None = None,
                    index: str | None = None) -> pd.DataFrame:
    """Read a score table written by another command, for :func:`compare_official`.

    Two shapes are read:

    * the machine score table (the columns of :mod:`cchc_survey.scoretable`, as the demo writes
      ``scores.csv``);
    * the reader form that ``cchc-survey report`` writes (``bao_cao_<index>.csv``: headers in
      Vietnamese or English; levels, units, methods and "verified" in words; the group as its
      label). Words are turned back into codes through the report's own wording
      (:mod:`cchc_survey.report.labels`), so a change of wording there is followed here. It
      has no index, instrument or confidence-level column: the index comes from ``instrument``,
      else ``index``, else the file name ``..._<index>.csv``; the level is 0.95, the level of
      every interval ``report`` writes. Rows of a unit or a wave keep their label as
      ``group_value`` (the variable's name is not in the file); the whole sample is
      ``group_var == ""``.

    Raises:
        ScoreFileError: the file is missing, is not a CSV, has neither shape, or has a value that
            is not a number (the row and column are named).
    """
    p = Path(path)
    fix_shape = ("give the CSV that `cchc-survey report` writes in its output folder "
                 "(bao_cao_<index>.csv) or a score table with the columns of cchc_survey.scoretable")
    if not p.is_file():
        raise ScoreFileError([Problem(str(p), "file", "does not exist", fix="check the path")],
                             summary="cannot read the score table")
    if p.suffix.lower() != ".csv":
        raise ScoreFileError([Problem(str(p), "file name", f"{p.suffix or 'no extension'} is not a "
                                      "CSV file", fix=fix_shape)],
                             summary="cannot read the score table")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScoreFileError([Problem(str(p), "whole file", f"not a readable UTF-8 CSV ({exc})",
                                      fix=fix_shape)], summary="cannot read the score table") from exc
    cols = [str(c).strip() for c in raw.columns]
    raw.columns = cols
    problems: list[Problem] = []
    if {"code", "estimate"} <= set(cols):
        extra = [c for c in cols if c not in SCORE_COLUMNS]
        if extra:
            raise ScoreFileError([Problem(str(p), "header", f"columns {extra} are not score-table "
                                          "columns", fix=fix_shape)],
                                 summary="cannot read the score table")
        df = raw.copy()
        for c in (*FLOAT_COLUMNS, "n"):
            if c in df:
                df[c], pr = _numbers(df[c], str(p), c, 2)
                problems += pr
        if "verified" in df:
            df["verified"] = df["verified"].str.strip().str.lower().isin(["true", "1", "yes"])
    else:
        found = {lg: {_reader_headers(lg)[h] for h in cols if h in _reader_headers(lg)}
                 for lg in ("vi", "en")}
        lang = next((lg for lg, got in found.items() if {"code", "estimate"} <= got), None)
        if lang is None:
            raise ScoreFileError([Problem(str(p), "header", f"columns {cols[:8]} are neither a score "
                                          "table nor the table `cchc-survey report` writes",
                                          fix=fix_shape)], summary="cannot read the score table")
        heads = _reader_headers(lang)
        df = raw.rename(columns={h: heads[h] for h in cols if h in heads})
        df = df[[c for c in df.columns if c in set(heads.values())]]
        for c in ("estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff"):
            if c in df:
                shown = next(h for h, v in heads.items() if v == c)
                df[c], pr = _numbers(df[c], str(p), shown, 2)
                problems += pr
        from ..report.labels import t

        whole = df["group_label"] == t("whole_sample", lang)  # type: ignore[arg-type]
        df["group_var"] = np.where(whole, "", "group")
        df["group_value"] = np.where(whole, "", df["group_label"])
        df[f"group_label_{lang}"] = np.where(whole, "", df["group_label"])
        df = df.drop(columns=["group_label"])
        levels = ([c.level for c in instrument.components.values()] + ["item"]
                  if instrument is not None else list(_LEVELS))
        if "level" in df:
            back = _reverse("level_", list(dict.fromkeys(levels)), lang)
            df["level"] = df["level"].map(lambda v: back.get(v, v))
        for col, prefix, codes in (("unit", "unit_", _UNITS), ("method", "method_", _METHODS)):
            if col in df:
                back = _reverse(prefix, codes, lang)
                df[col] = df[col].map(lambda v, back=back: back.get(v, v))
        if "verified" in df:
            df["verified"] = df["verified"] == t("yes", lang)  # type: ignore[arg-type]
        df["ci_level"] = 0.95
        idx = (instrument.methodology.index if instrument is not None else index)
        if idx is None:
            tail = p.stem.rsplit("_", 1)[-1].upper()
            idx = tail if tail in _KNOWN_INDICES else None
        if idx is None:
            raise ScoreFileError([Problem(str(p), "header", "the table has no index column and the "
                                          "file name does not say which index it is",
                                          fix="give --instrument (or --index)")],
                                 summary="cannot read the score table")
        df["index"] = idx
        if instrument is not None:
            df["instrument"] = instrument.id
    if problems:
        raise ScoreFileError(problems, summary=f"{p}: {len(problems)} value(s) are not numbers")
    for c in STR_COLUMNS:
        if c in df:
            df[c] = _unquote(df[c].fillna("").astype(str))
    return score_table(df)
