"""A codebook's tidy columns (kept for the import path of the first release): a codebook read
from a ``.lss`` plays the instrument's role for a survey not built from our instruments, and
its :meth:`~cchc_survey.structure.Codebook.layout` is what the tidy frame is made of."""

from __future__ import annotations

from ...structure import Codebook, Layout, with_ids


def layout_from_codebook(cb: Codebook) -> Layout:
    """The tidy columns of a codebook (:meth:`cchc_survey.structure.Codebook.layout`)."""
    return cb.layout()


def merge_sgqa(inst_cb: Codebook, lss_cb: Codebook) -> Layout:
    """The instrument's columns named with the database ids of the survey's ``.lss`` (SGQA
    names): :func:`cchc_survey.structure.with_ids`."""
    return with_ids(inst_cb, lss_cb).layout()


__all__ = ["layout_from_codebook", "merge_sgqa"]
