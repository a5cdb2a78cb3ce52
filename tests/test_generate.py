"""The demo generator: deterministic, LimeSurvey's byte format, and realistic survey structure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from cchc_survey import QUESTIONNAIRES
from cchc_survey.generate import DemoDesign, generate, write_limesurvey_csv
from cchc_survey.instrument import load_all, load_instrument

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
INST = load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")


@pytest.fixture(scope="module")
def demo():
    return generate(INST, DemoDesign(n=1500, seed=3))


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_limesurvey_csv(generate(INST, DemoDesign(n=200, seed=5)).export, tmp_path / "a.csv")
    b = write_limesurvey_csv(generate(INST, DemoDesign(n=200, seed=5)).export, tmp_path / "b.csv")
    c = write_limesurvey_csv(generate(INST, DemoDesign(n=200, seed=6)).export, tmp_path / "c.csv")
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_bytes_follow_limesurvey_rpc_csv(tmp_path: Path, demo) -> None:
    ours = write_limesurvey_csv(demo.export, tmp_path / "x.csv").read_bytes()
    real = (FIX / "exports" / "rpc" / "export_responses__csv_code_short.csv").read_bytes()
    for data in (ours, real):
        assert data.startswith(b"\xef\xbb\xbf\"id\";\"submitdate\";\"lastpage\";\"startlanguage\";\"seed\"")
        assert data.endswith(b"\r\n\r\n")
        lines = data[3:].split(b"\r\n")[:-2]
        assert all(ln.startswith(b'"') and ln.endswith(b'"') for ln in lines)
    header = ours[3:].split(b"\r\n")[0].decode()
    assert '"TC[C1]"' in header and '"NGHENGHIEP[other]"' in header and '"MONGDOI[M3]"' in header
    # a multi-line free text stays one quoted field with a bare \n inside
    assert b"\n" in ours.replace(b"\r\n", b"")
    back = pd.read_csv(tmp_path / "x.csv", sep=";", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig")
    assert back.shape == demo.export.shape
    assert (back["YKIEN"] == demo.export["YKIEN"].str.replace("\r\n", "\n")).all()


def test_structure_is_realistic(demo) -> None:
    e = demo.export
    n = len(e)
    incomplete = e["submitdate"] == ""
    assert 0.02 < incomplete.mean() < 0.12
    # pages after lastpage are empty
    last_group_cols = [c for c in e.columns if c.startswith(("GIOITINH", "TUOI", "HOCVAN"))]
    assert (e.loc[incomplete, last_group_cols] == "").all().all()
    # the filter holds: feedback items only for those who gave feedback
    pa = [c for c in e.columns if c.startswith("PA[")] + ["PACHUNG"]
    assert (e.loc[e["COPHANANH"] != "Y", pa] == "").all().all()
    assert (e.loc[e["COPHANANH"] == "Y", "PA[C1]"] != "").mean() > 0.8
    # don't know codes and item non-response are present
    tc = e["TC[C1]"]
    assert (tc == "6").sum() > 0 and (tc[~incomplete] == "").sum() > 0
    # design: strata = units, PSUs nested, positive weights
    assert (e["TANG"].str[1:] == e["DONVI"].str[1:]).all()
    assert all(c.startswith(t + "-") for c, t in zip(e["CUM"], e["TANG"], strict=True))
    w = e["TRONGSO"].astype(float)
    assert (w > 0).all()
    assert e["CUM"].nunique() == 6 * 6
    # a free text starting with '=' (formula injection case) is among the answers
    assert e["YKIEN"].str.startswith("=").any()
    assert n == 1500


def test_cronbach_alpha_of_elements_is_realistic(demo) -> None:
    e = demo.export
    for q in ("TC", "TT", "CC", "KQ"):
        cols = [c for c in e.columns if c.startswith(q + "[")]
        X = e[cols].replace({"": np.nan, "6": np.nan}).astype(float)
        a, _ = pg.cronbach_alpha(X)
        assert 0.8 <= a <= 0.95, (q, a)


def test_every_instrument_generates_with_filters_respected() -> None:
    for inst in load_all(QUESTIONNAIRES).values():
        d = generate(inst, DemoDesign(n=300, seed=1))
        e = d.export
        for it in inst.items:
            for f in it.filter:
                src = next(x for x in inst.items if x.question_code == f.question and x.kind == "answer")
                bad = ~e[src.column].isin([str(c) for c in f.in_]) & (e[it.column] != "")
                assert not bad.any(), (inst.id, it.id)
        # every scored choice item has answers spread over more than one code
        for it in inst.items:
            if it.mirrors and it.type in {"L", "F", "Y"}:
                assert e[it.column].replace("", np.nan).nunique() > 1, (inst.id, it.id)


def test_the_shipped_examples_are_what_the_generator_writes(tmp_path) -> None:
    """cchc_survey/examples/ holds the generator's deterministic output; `make goldens`
    writes it again when an instrument or the generator changes on purpose."""
    import os
    from pathlib import Path

    from cchc_survey.generate import write_examples

    shipped = Path(__file__).parent.parent / "cchc_survey" / "examples"
    made = write_examples(shipped if os.environ.get("CCHC_UPDATE_GOLDENS") == "1" else tmp_path)
    assert sorted(p.name for p in made) == sorted(p.name for p in shipped.iterdir())
    for p in made:
        assert p.read_bytes() == (shipped / p.name).read_bytes(), p.name
