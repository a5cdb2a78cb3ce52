"""Test-wide settings: the suite never writes into the user's home or the repository's data/."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_secret(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Pseudonymisation keys come from a throw-away secret file, not ~/.config."""
    old = os.environ.get("CCHC_SURVEY_SECRET_FILE")
    os.environ["CCHC_SURVEY_SECRET_FILE"] = str(tmp_path_factory.mktemp("secret") / "secret")
    yield
    if old is None:
        os.environ.pop("CCHC_SURVEY_SECRET_FILE", None)
    else:
        os.environ["CCHC_SURVEY_SECRET_FILE"] = old
