"""Instruments: questionnaires as data (model, loading, validation, codebook)."""

from .load import load_all, load_instrument, parse_instrument
from .model import Instrument, Item, Scale

__all__ = ["Instrument", "Item", "Scale", "load_all", "load_instrument", "parse_instrument"]
