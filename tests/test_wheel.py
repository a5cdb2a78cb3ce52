"""Installed like a real package: the wheel is built, installed into a fresh virtual environment
(not editable, outside the clone), and the analyst's first commands work from an empty folder:
``cchc-survey init p && cd p && cchc-survey demo``, then ``import`` and ``report`` there.

The fresh environment gets the wheel only (``--no-deps --no-index``); the libraries it needs are
read from the test environment's site-packages (one ``.pth`` line), so the test runs without a
network. That the wheel declares those libraries is checked apart: every third-party module the
package imports is in its ``Requires-Dist``, and nothing else is there.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cchc_survey"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # built from a copy of what a source distribution holds, so no build/ lands in the clone
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "cchc_survey",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                    "--no-build-isolation", "--quiet", "--wheel-dir", str(out)],
                   check=True, capture_output=True, text=True)
    (whl,) = out.glob("cchc_survey-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel)], check=True, capture_output=True,
                   text=True)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    # the libraries cchc_survey needs, from this environment (a plain path line: the editable
    # install's own .pth files there are not run, so the clone cannot shadow the wheel)
    (site / "_test_libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


def test_the_wheel_ships_instruments_notebooks_and_examples(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for iid in ("sipas_one_stop", "sipas_2023", "papi_mirror", "par_survey"):
        assert f"cchc_survey/questionnaires/{iid}.yaml" in names
        assert f"cchc_survey/questionnaires/{iid}.lss" in names
    assert {f"cchc_survey/notebooks/{n}" for n in (
        "01_instruments_and_fielding.ipynb", "02_import_and_clean.ipynb",
        "03_weight_and_score.ipynb", "04_compare_and_report.ipynb")} <= names
    assert "cchc_survey/examples/par_survey_responses.csv" in names
    assert "cchc_survey/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "data/"))]


def test_init_then_demo_from_the_wheel_in_an_empty_folder(venv: Path, tmp_path: Path) -> None:
    where = _run(venv, tmp_path, "python", "-c", "import cchc_survey; print(cchc_survey.__file__)")
    assert where.stdout.strip().startswith(str(venv)), where  # the wheel, not the clone
    r = _run(venv, tmp_path, "cchc-survey", "init", "p", "--unit", "Sở Nội vụ tỉnh Thử",
             "--province", "Hà Nội")
    assert r.returncode == 0, r.stderr
    assert "questionnaires/ (5 bảng hỏi)" in r.stdout
    p = tmp_path / "p"
    assert sorted(x.name for x in (p / "questionnaires").glob("*.yaml")) == [
        "dvc_dossier_rating.yaml", "papi_mirror.yaml", "par_survey.yaml", "sipas_2023.yaml",
        "sipas_one_stop.yaml"]
    r = _run(venv, p, "cchc-survey", "demo")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "5 instruments from" in r.stdout and "Traceback" not in r.stderr
    for iid in ("sipas_one_stop", "sipas_2023", "papi_mirror", "par_survey"):
        assert (p / "data" / "processed" / "demo" / iid / "scores.csv").is_file()
    for f in ("bao_cao.xlsx", "bao_cao.html", "bao_cao.docx"):
        assert (p / "data" / "processed" / "demo" / "report" / f).stat().st_size > 10_000
    # the analyst's own chain in the project: import an export, then report the processed survey
    export = p / "data" / "raw" / "demo" / "par_survey" / "responses_limesurvey.csv"
    r = _run(venv, p, "cchc-survey", "import", str(export), "--instrument",
             "questionnaires/par_survey.yaml")
    assert r.returncode == 0, r.stderr
    r = _run(venv, p, "cchc-survey", "report", "par_survey")
    assert r.returncode == 0, r.stderr
    assert "600 phiếu đọc được" in r.stdout
    for f in ("bao_cao.xlsx", "bao_cao.html", "bao_cao.docx"):
        assert (p / "reports" / "par_survey" / f).is_file()
    import openpyxl

    wb = openpyxl.load_workbook(p / "reports" / "par_survey" / "bao_cao.xlsx")
    cells = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)
    assert "Sở Nội vụ tỉnh Thử" in cells  # the project's unit, with no --organisation given


def _third_party_imports() -> set[str]:
    """Top-level modules imported anywhere in the package, minus the standard library."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "cchc_survey"}


def test_the_wheel_declares_what_the_code_imports_and_nothing_else(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        meta = Parser().parsestr(z.read("cchc_survey-0.1.0.dist-info/METADATA").decode())
    reqs = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    runtime = {r.name.lower().replace("_", "-") for r in reqs if r.marker is None}
    dists = metadata.packages_distributions()
    imported = {d.lower().replace("_", "-") for m in _third_party_imports() for d in dists.get(m, [m])}
    optional = {"pyreadstat"}  # the "spss" extra, imported only when an SPSS file is read
    assert imported - optional <= runtime, imported - optional - runtime
    assert runtime <= imported, f"declared but never imported: {runtime - imported}"
    assert "pingouin" not in runtime
