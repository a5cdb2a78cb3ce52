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


DEMO_SIZES = {"sipas_one_stop": 700, "sipas_2023": 300, "papi_mirror": 300, "par_survey": 200}


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory):
    """An analyst's project (``init``) in which the demo ran once for the whole test session:
    the demo tests read its outputs, the notebooks work on its data.

    Returns ``(project, demo result, console text)``.
    """
    from rich.console import Console

    from cchc_survey.demo import run_demo
    from cchc_survey.project import init_project

    project = init_project(tmp_path_factory.mktemp("analyst") / "project", unit="Sở Nội vụ tỉnh Thử",
                           province="Hà Nội", period="6 tháng đầu năm 2026")
    console = Console(record=True, width=120)
    res = run_demo(project.data, console=console, sizes=DEMO_SIZES,
                   questionnaires=project.questionnaires)
    return project, res, console.export_text()
