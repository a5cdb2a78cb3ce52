"""``cchc-survey instrument from-lss``: an instrument from any LimeSurvey survey.

On every survey of the LimeSurvey 6.14 corpus (surveys this package did not write, every
question type) and on the four bundled instruments (instrument -> .lss -> instrument): the
instrument loads, writes a ``.lss``, and its codebook equals the ``.lss`` codebook read with it;
it reads the survey's exports into the same frame as the ``.lss`` does.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cchc_survey import QUESTIONNAIRES
from cchc_survey.cli import app
from cchc_survey.instrument import load_instrument
from cchc_survey.instrument.from_lss import from_codebook, instrument_data
from cchc_survey.instrument.load import parse_instrument
from cchc_survey.instrument.structure import attach_instrument, codebook_from_instrument
from cchc_survey.limesurvey.lss import read_lss, write_lss
from cchc_survey.tidy import read_export

sys.path.insert(0, str(Path(__file__).parent))
from corpus import KEY, SURVEYS, survey

BUNDLED = sorted(QUESTIONNAIRES.glob("*.yaml"))


@pytest.mark.parametrize("name", SURVEYS)
def test_corpus_survey_gives_an_instrument_with_its_codebook(name: str, tmp_path: Path) -> None:
    s = survey(name)
    out = tmp_path / f"{name}.yaml"
    res = CliRunner().invoke(app, ["instrument", "from-lss", str(s.lss), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"written: {out}" in res.output
    inst = load_instrument(out)
    cb = read_lss(s.lss)
    assert codebook_from_instrument(inst) == attach_instrument(cb, inst)
    # the instrument's own .lss holds the same survey
    again = read_lss(write_lss(inst))
    assert attach_instrument(again, inst) == codebook_from_instrument(inst)
    # the instrument's items are the columns of the tidy frame, text displays left out
    assert [it.id for it in inst.items] == cb.layout().item_ids
    text = out.read_text("utf-8")
    assert len(re.findall(r"^ +verified: false$", text, re.M)) == 2 and "TO FILL IN" in text
    assert inst.id == f"lss_{s.sid}" and inst.spec.languages == list(cb.languages)
    # small: every sub-question and answer option on one line
    lines = [ln.strip() for ln in text.splitlines()]
    n_opts = sum(len(sc.options) for sc in inst.spec.scales.values())
    n_subs = sum(len(q.subquestions) + len(q.columns) for _, q in inst.questions())
    assert sum(ln.startswith("- {code: ") for ln in lines) == n_opts + n_subs


@pytest.mark.parametrize("name", SURVEYS)
def test_corpus_instrument_reads_the_exports_as_the_lss_does(name: str) -> None:
    s = survey(name)
    cb = read_lss(s.lss)
    inst = parse_instrument(from_codebook(cb), f"{name}.yaml")
    for export in ("export_responses__csv_code_short.csv", "export_responses__json_full_long.json"):
        path = s.folder / "rpc_export" / export
        by_lss = read_export(path, codebook=cb, secret_key=KEY)
        by_inst = read_export(path, inst, lss=s.lss, secret_key=KEY)
        pd.testing.assert_frame_equal(by_inst.frame, by_lss.frame)
        assert by_inst.lineage["layout_id"] == inst.id and by_inst.lineage["sid"] == str(s.sid)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_bundled_instrument_round_trips_through_its_lss(path: Path) -> None:
    orig = load_instrument(path)
    cb = read_lss(write_lss(orig))
    data, _ = instrument_data(cb, instrument_id=orig.id, version=orig.version)
    text = from_codebook(cb, instrument_id=orig.id, version=orig.version)
    inst = parse_instrument(text)
    assert data["id"] == orig.id
    # shorter than the hand-written file (which adds methodology, mirrors, ids)
    assert len(text.splitlines()) < len(path.read_text("utf-8").splitlines())
    assert codebook_from_instrument(inst) == attach_instrument(cb, inst)
    # what the .lss carries comes back: questions, texts, filters, scales (codes and labels)
    got = {q.code: q for _, q in inst.questions()}
    for g, q in orig.questions():
        new = got[q.code]
        assert (new.type, new.text.vi, new.text.en or new.text.vi) == (
            q.type, q.text.vi, q.text.en or q.text.vi), q.code
        assert (new.mandatory, new.hidden, new.other) == (q.mandatory, q.hidden, q.other)
        assert list(new.filter) == list(q.filter) and new.relevance == "", q.code
        assert [s.code for s in new.subquestions] == [s.code for s in q.subquestions]
        if q.scale and q.type not in ("G", "Y", "M"):
            old_opts = [(str(o.code), o.vi) for o in orig.scales[q.scale].all_options]
            new_opts = [(str(o.code), o.vi) for o in inst.scales[new.scale].options]
            assert new_opts == old_opts, q.code
    for g_old, g_new in zip(orig.spec.groups, inst.spec.groups, strict=True):
        assert list(g_new.filter) == list(g_old.filter)
    # questions sharing answer options share one scale
    used = {(q.scale, tuple(str(o.code) for o in orig.scales[q.scale].all_options))
            for _, q in orig.questions() if q.scale and q.type not in ("G", "Y", "M")}
    labels = {tuple((str(o.code), o.vi, o.en) for o in orig.scales[n].all_options)
              for n, _ in used}
    assert len(inst.spec.scales) == len(labels)


def test_relevance_becomes_filters_or_stays_text() -> None:
    cb = read_lss(write_lss(load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")))
    data, _ = instrument_data(cb)
    qs = {q["code"]: q for g in data["groups"] for q in g["questions"]}
    assert [dict(f) for f in qs["PA"]["filter"]] == [{"question": "COPHANANH", "in": ["Y"]}]
    s = survey("sample_core_369198")
    data, _ = instrument_data(read_lss(s.lss))
    qs = {q["code"]: q for g in data["groups"] for q in g["questions"]}
    assert qs["hidden3"]["relevance"] == "age > 50" and "filter" not in qs["hidden3"]
    assert qs["OnPageRelevance"]["relevance"] == 'showAny=="Y"'
    inst = parse_instrument(from_codebook(read_lss(s.lss)))
    q = next(q for _, q in inst.questions() if q.code == "hidden3")
    assert q.relevance == "age > 50" and q.filter == [] and q.hidden


def test_guessed_design_variables_are_marked() -> None:
    cb = read_lss(write_lss(load_instrument(QUESTIONNAIRES / "sipas_one_stop.yaml")))
    data, notes = instrument_data(cb)
    assert "gioitinh" in data["design"]["profile"] and data["design"]["unit"] == "donvi"
    text = from_codebook(cb)
    assert "# GUESSED from the questions" in text
    assert "#   design.unit: guessed from question DONVI's text" in text
    assert notes["design.profile"] == "guessed from the question types and texts"
    inst = parse_instrument(text)
    assert inst.design.unit == "donvi" and inst.methodology.verified is False


def test_every_type_is_written_and_read_back() -> None:
    """sample_full has all 29 types: each one's question survives YAML -> instrument."""
    cb = read_lss(survey("sample_full_82556").lss)
    inst = parse_instrument(from_codebook(cb))
    types = {q.type for _, q in inst.questions()}
    assert types == {q.type for q in cb.questions} and len(types) == 29
    dual = next(q for _, q in inst.questions() if q.type == "1")
    assert dual.scale and dual.scale2 and dual.scale != dual.scale2
    arr = next(q for _, q in inst.questions() if q.type == ":")
    assert arr.subquestions and arr.columns
    items = {it.id: it for it in inst.items}
    assert items[f"{dual.code.lower()}_{dual.subquestions[0].code.lower()}_1"].scale == dual.scale2


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "x.yaml"
    out.write_text("keep me", encoding="utf-8")
    s = survey("comma_radix_96772")
    res = CliRunner().invoke(app, ["instrument", "from-lss", str(s.lss), "--out", str(out)])
    assert res.exit_code == 1 and "--force" in res.output
    assert out.read_text("utf-8") == "keep me"
