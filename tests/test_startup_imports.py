"""Heavy libraries a module does not need at import time stay unimported (start-up cost)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def modules_after(statement: str, names: list[str]) -> dict[str, bool]:
    code = (f"import sys\n{statement}\n"
            f"print(','.join(str(n in sys.modules) for n in {names!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    return dict(zip(names, (v == "True" for v in out.split(",")), strict=True))


def test_reliability_needs_neither_scipy_stats_nor_optimize() -> None:
    got = modules_after("import cchc_survey.reliability",
                        ["scipy.special", "scipy.stats", "scipy.optimize"])
    assert got == {"scipy.special": True, "scipy.stats": False, "scipy.optimize": False}


def test_the_chain_imports_no_report_library() -> None:
    """pipeline computes; the report objects are built in cchc_survey.assemble."""
    got = modules_after("import cchc_survey.pipeline",
                        ["cchc_survey.report", "openpyxl", "plotly", "docx"])
    assert got == {"cchc_survey.report": False, "openpyxl": False, "plotly": False, "docx": False}


@pytest.mark.parametrize("statement", ["import cchc_survey.report",
                                       "from cchc_survey.report import write_all",
                                       "import cchc_survey.assemble"])
def test_report_imports_python_docx_only_for_the_word_report(statement: str) -> None:
    assert modules_after(statement, ["docx", "openpyxl"]) == {"docx": False, "openpyxl": True}
    used = modules_after(statement + "\nfrom cchc_survey.report import write_docx",
                         ["docx", "cchc_survey.report.docx"])
    assert used == {"docx": True, "cchc_survey.report.docx": True}


def test_the_estimators_need_neither_scipy_stats_nor_optimize() -> None:
    """t, normal, F and beta quantiles come from scipy.special (the same numbers, see the
    oracle tests), so the pipeline's start-up does not pay ~0.45 s for scipy.stats."""
    got = modules_after("import cchc_survey.estimate\nimport cchc_survey.indices.score",
                        ["scipy.special", "scipy.stats", "scipy.optimize"])
    assert got == {"scipy.special": True, "scipy.stats": False, "scipy.optimize": False}


def test_import_cchc_survey_imports_no_stage() -> None:
    """The public API is lazy: ``import cchc_survey`` costs no library, a name its own stage."""
    heavy = ["pandas", "numpy", "pydantic", "yaml", "scipy", "cchc_survey.pipeline"]
    assert modules_after("import cchc_survey", heavy) == dict.fromkeys(heavy, False)
    got = modules_after("from cchc_survey import load_instrument", heavy)
    assert got["pydantic"] and not got["scipy"] and not got["cchc_survey.pipeline"]


def test_every_public_name_resolves() -> None:
    import cchc_survey

    for name in cchc_survey._EXPORTS:
        assert getattr(cchc_survey, name) is not None, name
    assert set(cchc_survey._EXPORTS) <= set(dir(cchc_survey))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cchc_survey.nope
