"""Every shipped instrument, fielded through Google Forms and KoboToolbox: the proposed map reads
each file into the tidy frame of the LimeSurvey export of the same answers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import sources_material as sm

from cchc_survey.sources import propose, read_source
from cchc_survey.tidy import ExportValidationWarning, read_export

NAMES = ["sipas_one_stop", "sipas_2023", "papi_mirror", "par_survey"]


@pytest.mark.parametrize("name", NAMES)
def test_google_forms_and_kobo_of_every_instrument(tmp_path: Path, name: str) -> None:
    inst, export = sm.answers(name, n=30, seed=3)
    ls = read_export(sm.limesurvey_csv(export, tmp_path / "ls.csv"), inst)
    hidden = [it.id for it in inst.items if it.hidden]
    form = sm.kobo_form(inst)
    xlsform = sm.write_xlsform(form, tmp_path / "form.xlsx")
    files = {
        "google_forms": (sm.write_google_csv(sm.google_forms_frame(inst, export),
                                             tmp_path / "gf.csv"), None),
        "kobo": (sm.write_kobo_csv(sm.kobo_frame(inst, export, form), tmp_path / "kobo.csv"),
                 xlsform),
    }
    for kind, (path, xf) in files.items():
        prop = propose(path, inst, xlsform=xf)
        assert prop.unmatched_headings == [], (kind, prop.unmatched_headings)
        assert prop.unmatched_items == (hidden if kind == "google_forms" else []), kind
        assert prop.unmatched_answers.empty, kind
        assert not prop.matches["review"].any(), prop.matches[prop.matches["review"]]
        path.with_name(path.stem + ".map.yaml").write_text(prop.text, "utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExportValidationWarning)
            res = read_source(path, inst, on_error="warn")
        assert res.n_out == len(export) and res.rejected.empty
        a = ls.frame.set_index("submitdate")
        b = res.frame.set_index("submitdate")
        for col in ls.items:
            if kind == "google_forms" and col in hidden:
                assert b[col].isna().all()
                continue
            pd.testing.assert_series_equal(a[col], b[col], obj=f"{kind} {col}")
