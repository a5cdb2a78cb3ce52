"""The analyst's notebooks, as ``cchc-survey init`` copies them into a project, run top to bottom
on that project's data (the demo's, run once per session) and write nothing over the outputs of
the demo or the command line (outputs are stripped in git)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

PACKAGED = sorted((Path(__file__).parent.parent / "cchc_survey" / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in PACKAGED]


def test_there_are_four_notebooks_with_stripped_outputs() -> None:
    assert [p.name[:2] for p in PACKAGED] == ["01", "02", "03", "04"]
    for p in PACKAGED:
        nb = json.loads(p.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, p.name


def test_notebooks_import_only_the_public_api() -> None:
    """``from cchc_survey import ...`` only: no stage module, no demo helper."""
    for p in PACKAGED:
        code = "\n".join("".join(c["source"]) for c in json.loads(p.read_text("utf-8"))["cells"]
                         if c["cell_type"] == "code")
        lines = [ln.strip() for ln in code.splitlines() if "cchc_survey" in ln and "import" in ln]
        assert lines and all(ln.startswith("from cchc_survey import ") for ln in lines), (p.name, lines)
        for helper in ("run_demo", "write_reports", "population_margins", "tracking_tables",
                       "generate(", "write_limesurvey_csv"):
            assert helper not in code, (p.name, helper)


def _digests(folder: Path) -> dict[str, str]:
    return {str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(folder.rglob("*")) if f.is_file()}


@pytest.fixture(scope="module")
def demo_outputs(demo_project) -> dict[str, str]:
    project, _, _ = demo_project
    return _digests(project.processed / "demo")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_a_project(name: str, demo_project, demo_outputs,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project, _, _ = demo_project
    path = project.notebooks / name
    assert path.read_bytes() == (PACKAGED[NAMES.index(name)]).read_bytes()  # init copied it
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=dict(os.environ))
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = json.dumps([o.get("data", {}).get("text/plain", o.get("text", "")) for o in outputs],
                      ensure_ascii=False)
    assert str(project.root) in text  # it worked on this project
    assert "Sở" in text or "hài lòng" in text or "Tiếp cận" in text  # Vietnamese reached the output
    assert _digests(project.processed / "demo") == demo_outputs  # nothing of the demo overwritten
    if name.startswith("04"):
        report = project.reports / "sipas_one_stop_notebook"
        assert (report / "bao_cao.xlsx").is_file() and (report / "bao_cao.docx").is_file()
