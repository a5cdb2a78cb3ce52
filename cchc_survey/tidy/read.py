"""The import's entry points: read an export against an instrument or a ``.lss``; label a frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputFileError, Problem, advice
from ..instrument.model import Instrument
from ..instrument.structure import codebook_from_instrument
from ..limesurvey.exports import read_raw
from ..limesurvey.exports.base import RawExport
from ..limesurvey.lss.read import read_lss
from ..structure import Codebook, Layout, with_ids
from ..structure.limesurvey import ls_text
from .dates import Engine
from .frame import OnError, TidyResult, tidy_raw


def resolve_codebook(instrument: Instrument | None = None, *, lss: str | Path | None = None,
                     codebook: Codebook | None = None) -> Codebook:
    """The survey's structure from an instrument, a codebook, or a ``.lss`` file.

    With an instrument *and* a ``.lss`` (or codebook), the instrument gives items and types and
    the ``.lss`` adds the database ids, so SGQA names (VV version 1, the field map) are known.
    """
    if instrument is not None:
        cb = codebook_from_instrument(instrument)
        if lss is not None or codebook is not None:
            cb = with_ids(cb, codebook if codebook is not None else read_lss(_path(lss)))
        return cb
    if codebook is not None:
        return codebook
    if lss is not None:
        return read_lss(_path(lss))
    raise InputFileError([Problem("(arguments)", "instrument", "neither an instrument nor a "
                                  ".lss/codebook was given",
                                  advice(python="pass instrument=load_instrument(...) or "
                                         "lss='survey.lss'",
                                         cli="give --instrument x.yaml or --lss survey.lss"))],
                         summary="nothing to map the export's columns to")


def _path(p: str | Path | None) -> str | Path:
    if p is None:  # pragma: no cover - callers check
        raise ValueError("no .lss path")
    return p


def resolve_layout(instrument: Instrument | None = None, *, lss: str | Path | None = None,
                   codebook: Codebook | None = None) -> Layout:
    """The tidy columns (:meth:`~cchc_survey.structure.Codebook.layout`) of
    :func:`resolve_codebook`."""
    return resolve_codebook(instrument, lss=lss, codebook=codebook).layout()


def read_export(path: str | Path | RawExport, instrument: Instrument | Codebook | None = None,
                *, lss: str | Path | None = None, codebook: Codebook | None = None,
                encoding: str | None = None, format: str | None = None,
                language: str | None = None, on_error: OnError = "raise",
                secret_key: bytes | None = None, convert_yn: tuple[str, str] | None = None,
                engine: Engine = "auto") -> TidyResult:
    """Read any LimeSurvey response export into the tidy frame.

    Args:
        path: the export (CSV, JSON, xlsx, SPSS ``.sps``/``.dat``/``.sav``, R ``.R``/data CSV,
            Stata XML, VV; for the SPSS and R pairs either file of the pair), or a
            :class:`~cchc_survey.limesurvey.exports.RawExport` another reader made (its columns
            named like LimeSurvey's code headings, its values LimeSurvey's codes).
        instrument: the instrument the survey was built from (or its codebook).
        lss: the survey's ``.lss``: alone for a survey not built from our instruments, or with
            the instrument to add SGQA names.
        codebook: an already-read codebook instead of ``lss``.
        encoding: the text encoding when the file does not say and is not UTF-8 (``cp1258``).
        format: force the format (see :func:`cchc_survey.limesurvey.exports.read_raw`).
        language: the language of a ``long``/``full`` export when not the base language.
        on_error: ``raise`` (default) or ``warn`` on failures of severity ``error``.
        secret_key: pseudonymisation key (default: the local secret file).
        convert_yn: the (Y, N) values chosen with LimeSurvey's "convert Y/N" export option.
        engine: ``auto`` (default: the speed kernels) or ``reference`` (the readable
            definition alone, :mod:`cchc_survey.tidy.values`); both give the same result.

    Example:
        >>> from cchc_survey import load_instrument
        >>> inst = load_instrument("questionnaires/sipas_one_stop.yaml")   # doctest: +SKIP
        >>> res = read_export("responses.csv", instrument=inst)             # doctest: +SKIP
        >>> res.frame[["response_id", "complete", "tc_c1"]].head()          # doctest: +SKIP
    """
    if isinstance(instrument, Codebook):
        instrument, codebook = None, instrument
    layout = resolve_layout(instrument, lss=lss, codebook=codebook)
    given = isinstance(path, RawExport)
    raw = path if isinstance(path, RawExport) else read_raw(path, encoding=encoding,
                                                              format=format)
    if language:
        raw.language = language
    return tidy_raw(raw, layout, on_error=on_error, secret_key=secret_key,
                    convert_yn=convert_yn, engine=engine, release=not given)


def label_frame(tidy: TidyResult, lang: str = "vi") -> pd.DataFrame:
    """The tidy frame with answer codes replaced by their labels in ``lang``.

    Choice items become ordered/unordered ``Categorical`` of labels (scale order); ``-oth-``
    becomes "Khác"/"Other"; multiple-choice boxes become LimeSurvey's Yes/No labels.
    """
    f = tidy.frame.copy()
    for col in tidy.layout.columns:
        if col.kind != "answer" or col.item_id not in f:
            continue
        values = f[col.item_id]
        if col.value == "checkbox":
            f[col.item_id] = values.map({True: ls_text("Yes", lang),
                                         False: ls_text("No", lang)}).astype("string")
            continue
        if col.value != "code" or not col.answers:
            continue
        labels = {a.code: a.label(lang) for a in col.answers}
        order = [labels[a.code] for a in col.answers if not a.missing]
        text = values.astype("string")
        f[col.item_id] = pd.Categorical(text.map(labels), categories=list(dict.fromkeys(order)),
                                        ordered=col.integer_codes)
    return f
