"""Readers of the files bundled in ``cchc_survey/official/data`` (package data)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pandas as pd
import yaml

from ..errors import InputFileError, Problem


def bundled_csv(name: str) -> pd.DataFrame:
    """A bundled CSV, every cell as text (``""`` for an empty cell)."""
    with resources.files("cchc_survey.official").joinpath("data", name).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def bundled_yaml(name: str) -> dict[str, Any]:
    """A bundled YAML file as a mapping."""
    with resources.files("cchc_survey.official").joinpath("data", name).open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise InputFileError([Problem(name, "whole file", "is not a YAML mapping",
                                      fix="reinstall the package")])
    return data
