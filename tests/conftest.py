"""Test-wide settings: the suite never writes into the user's home or the repository's data/."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

# Property tests explore new examples on a developer's machine; on CI (CI=true, set by .ci/run)
# they replay the same examples every run, so a red CI always means a change, never luck.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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
