"""The survey respondents see, checked in the .lss settings that decide it: the title without the
instrument's tag, LimeSurvey's own "no answer" option off where the instrument has its own "don't
know", anonymity where the instrument promises it (or a refusal when it contradicts itself)."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml import ElementTree as ET

from cchc_survey.instrument import load_instrument
from cchc_survey.instrument.model import Instrument
from cchc_survey.limesurvey.lss import LssWriteError, read_lss, write_lss
from cchc_survey.limesurvey.lss.settings import anonymity, find_promise, instrument_anonymity

QDIR = Path(__file__).parent.parent / "questionnaires"
INSTRUMENTS = ["sipas_one_stop", "sipas_2023", "papi_mirror", "par_survey"]


def rows(lss: bytes, section: str) -> list[dict[str, str]]:
    """The rows of one section of a .lss, as LimeSurvey's importer reads them."""
    root = ET.fromstring(lss)
    return [{c.tag: (c.text or "") for c in row} for row in root.find(section).find("rows")]


def variant(inst: Instrument, **update: object) -> Instrument:
    return Instrument(inst.spec.model_copy(update=update), inst.path)


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_shipped_instruments_as_respondents_see_them(name: str) -> None:
    inst = load_instrument(QDIR / f"{name}.yaml")
    lss = write_lss(inst)
    survey = rows(lss, "surveys")[0]
    # every shipped instrument promises "phiếu không ghi tên" and has its own "don't know"
    assert (survey["anonymized"], survey["shownoanswer"]) == ("Y", "N")
    titles = {r["surveyls_language"]: r["surveyls_title"] for r in rows(lss, "surveys_languagesettings")}
    assert titles == {"vi": inst.title.vi, "en": inst.title.en}
    assert "[" not in titles["vi"] and inst.id not in titles["vi"] and inst.version not in lss.decode()
    assert all(r.get("surveyls_alias", "") == "" for r in rows(lss, "surveys_languagesettings"))
    # the committed file holds the same settings
    committed = (QDIR / f"{name}.lss").read_bytes()
    assert rows(committed, "surveys")[0]["anonymized"] == "Y"
    assert rows(committed, "surveys")[0]["shownoanswer"] == "N"


def test_the_promise_is_found_where_respondents_read_it() -> None:
    inst = load_instrument(QDIR / "sipas_one_stop.yaml")
    a = instrument_anonymity(inst)
    assert (a.required, a.declared, a.promise, a.where) == (
        True, None, "phiếu không ghi tên", "description (vi)")
    assert a.reason() == "the description (vi) promises it ('phiếu không ghi tên')"
    assert find_promise([("Phiếu này không ẩn danh.", "x"), ("The form is not anonymous", "y")]) == ("", "")
    assert find_promise([("Answers are anonymous.", "description (en)")]) == (
        "Answers are anonymous", "description (en)")
    assert anonymity([("Cảm ơn", "title (vi)")]) == anonymity([])  # no promise, not required
    assert anonymity([], declared=True).required and not anonymity([], declared=False).required


def test_no_promise_and_no_dont_know_keep_limesurvey_defaults() -> None:
    inst = load_instrument(QDIR / "sipas_one_stop.yaml")
    desc = inst.spec.description.model_copy(update={"vi": "Xin cảm ơn Ông/Bà.", "en": "Thank you."})
    scales = {k: v.model_copy(update={"missing": []}) for k, v in inst.spec.scales.items()}
    plain = variant(inst, description=desc, scales=scales)
    survey = rows(write_lss(plain), "surveys")[0]
    assert (survey["anonymized"], survey["shownoanswer"]) == ("N", "Y")
    # declared anonymous without any text saying so: still anonymised
    survey = rows(write_lss(variant(plain, anonymous=True)), "surveys")[0]
    assert survey["anonymized"] == "Y"


def test_contradiction_is_refused() -> None:
    inst = load_instrument(QDIR / "sipas_one_stop.yaml")
    with pytest.raises(LssWriteError) as info:
        write_lss(variant(inst, anonymous=False))
    text = str(info.value)
    assert "anonymous: false, but the description (vi) promises respondents anonymity" in text
    assert "'phiếu không ghi tên'" in text and "set anonymous: true" in text


def test_settings_survive_the_round_trip() -> None:
    """The .lss read back gives the same questionnaire: the settings change nothing else."""
    inst = load_instrument(QDIR / "sipas_one_stop.yaml")
    cb = read_lss(write_lss(inst))
    assert cb.title == {"vi": inst.title.vi, "en": inst.title.en}
    assert len(cb.questions) == sum(1 for _ in inst.questions())
