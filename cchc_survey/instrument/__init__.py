"""Instruments: questionnaires as data (model, loading, validation, codebook)."""

from .from_lss import instrument_from_lss
from .load import load_all, load_instrument, parse_instrument
from .model import Instrument, Item, Scale

__all__ = ["Instrument", "Item", "Scale", "instrument_from_lss", "load_all", "load_instrument",
           "parse_instrument"]
