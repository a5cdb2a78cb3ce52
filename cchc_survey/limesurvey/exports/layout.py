"""The columns a tidy frame is made of (kept for the import path of the first release).

The model of a survey's columns is :mod:`cchc_survey.structure`: a :class:`Layout` is
:meth:`cchc_survey.structure.Codebook.layout`, a :class:`ColumnSpec` is a
:class:`cchc_survey.structure.Column` (every name it has in every export format, and how its
values are coded). LimeSurvey's labels and system fields come from
:mod:`cchc_survey.structure.limesurvey`.
"""

from __future__ import annotations

from typing import Any

from ...instrument.structure import codebook_from_instrument
from ...structure import Column, Layout
from ...structure.limesurvey import (
    GENDER,
    NA_LABEL,
    PERSONAL_FIELDS,
    SYSTEM_FIELDS,
    YES_NO,
    ellipsize,
    ls_text,
)
from ...text import nfc
from ...tidy.frame import META_COLUMNS

ColumnSpec = Column
"""The first release's name of :class:`cchc_survey.structure.Column`."""

OTHER_LABEL = {"vi": ls_text("Other", "vi"), "en": ls_text("Other", "en")}
YES_NO_LABELS = {lg: {f.code: f.labels[lg] for f in YES_NO} for lg in ("vi", "en")}
GENDER_LABELS = {lg: {f.code: f.labels[lg] for f in GENDER} for lg in ("vi", "en")}


def abbreviate(text: str, n: int = 15) -> str:
    """LimeSurvey's abbreviated heading of one text (:func:`~cchc_survey.structure.limesurvey.ellipsize`)."""
    return ellipsize(text, n)


def norm_name(name: str) -> str:
    """Normalise a heading for matching: NFC, single spaces, no surrounding space."""
    return " ".join(nfc(name).split())


def layout_from_instrument(inst: Any) -> Layout:
    """The layout of an instrument (:class:`cchc_survey.instrument.Instrument`)."""
    return codebook_from_instrument(inst).layout()


__all__ = ["GENDER_LABELS", "META_COLUMNS", "NA_LABEL", "OTHER_LABEL", "PERSONAL_FIELDS",
           "SYSTEM_FIELDS", "YES_NO_LABELS", "ColumnSpec", "Layout", "abbreviate",
           "layout_from_instrument", "norm_name"]
