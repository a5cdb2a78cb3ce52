"""The structure read from each corpus survey's ``.lss`` names every response column exactly as
the real LimeSurvey 6.14 server does: the field map (``get_fieldmap``) and the headings of every
export format, byte for byte (spaces, tabs and no-break spaces included).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cchc_survey.cli import app
from cchc_survey.limesurvey.exports import read_raw
from cchc_survey.limesurvey.exports.spss import parse_sps
from cchc_survey.limesurvey.lss import read_lss
from cchc_survey.structure import QUESTION_TYPES

sys.path.insert(0, str(Path(__file__).parent))
from corpus import SURVEYS, survey

SYSTEM = {"id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate",
          "datestamp", "ipaddr", "refurl"}


def _header(path: Path, delimiter: str = ";") -> list[str]:
    """The first line of a CSV export, as written (nothing stripped)."""
    text = path.read_text("utf-8-sig")
    return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _answers(names: list[str], n_system: int) -> list[str]:
    return names[n_system:]


@pytest.mark.parametrize("name", SURVEYS)
def test_columns_are_the_field_map(name: str) -> None:
    s = survey(name)
    cb = read_lss(s.lss)
    fm = {k: v for k, v in s.fieldmap.items() if v.get("qid")}
    cols = cb.column_list
    assert [c.sgqa for c in cols] == list(fm)
    for c in cols:
        f = fm[c.sgqa]
        assert (c.question, c.type) == (f["title"], f["type"]), c.sgqa
        assert c.sgqa == f"{cb.sid}X{f['gid']}X{f['qid']}" + c.sgqa.split(f"X{f['qid']}", 1)[1]
    # every LimeSurvey question type is covered by the corpus, and each makes its columns
    assert {c.type for c in cols} <= set(QUESTION_TYPES)
    assert cb.sid == s.sid


def test_every_question_type_is_in_the_corpus() -> None:
    types = {c.type for n in SURVEYS for c in read_lss(survey(n).lss).column_list}
    assert types == set(QUESTION_TYPES)


@pytest.mark.parametrize("name", SURVEYS)
def test_names_equal_every_export(name: str) -> None:
    s = survey(name)
    cb = read_lss(s.lss)
    cols = cb.column_list
    rpc = s.folder / "rpc_export"
    adm = s.folder / "admin_export"

    def tail(names: list[str]) -> list[str]:
        return names[-len(cols):]

    code = _header(rpc / "export_responses__csv_code_short.csv")
    assert tail(code) == [c.code for c in cols]
    full = _header(rpc / "export_responses__csv_full_short.csv")
    assert tail(full) == [c.full_heading("en") for c in cols]
    abbr = _header(rpc / "export_responses__csv_abbreviated_short.csv")
    assert tail(abbr) == [c.abbreviated_heading("en") for c in cols]
    if "vi" in cb.languages:
        vi = _header(rpc / "export_responses__csv_full_long_vi.csv")
        assert tail(vi) == [c.full_heading("vi") for c in cols]
    vv1 = (adm / f"vvexport_{s.sid}_v1.csv").read_text("utf-8-sig").splitlines()[1].split("\t")
    vv2 = (adm / f"vvexport_{s.sid}_v2.csv").read_text("utf-8-sig").splitlines()[1].split("\t")
    assert tail(vv1) == [c.sgqa for c in cols]
    assert tail(vv2) == [c.underscore for c in cols]
    stata = [n for n in read_raw(rpc / "export_responses__stataxml.xml").columns if n]
    assert tail(stata) == [c.variable for c in cols]
    sav = read_raw(rpc / "export_responses__spsssav__raw_http_body.sav").columns
    assert tail(sav) == [c.variable for c in cols]
    sps = adm / f"survey_{s.sid}_SPSS_syntax_file_spssver2.sps"
    spss, _ = parse_sps(sps.read_text("utf-8-sig"), sps)
    shown = [c for c in cols if c.value != "display"]  # the SPSS writer leaves text displays out
    assert tail(spss)[-len(shown):] == [c.spss for c in shown]
    # JSON keys: the full heading, with the SGQA name after a heading already used
    json_keys = read_raw(rpc / "export_responses__json_full_long.json").columns
    seen: set[str] = set()
    want = []
    for c in cols:
        h = c.full_heading("en")
        want.append(h if h not in seen else f"{h} ({c.sgqa})")
        seen.add(h)
    assert tail(json_keys) == want


def test_codebook_command_names_columns_as_the_exports(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in SURVEYS:
        s = survey(name)
        out = tmp_path / f"{name}.xlsx"
        res = runner.invoke(app, ["codebook", str(s.lss), "--out", str(out)])
        assert res.exit_code == 0, res.output
        wb = openpyxl.load_workbook(out, read_only=True)
        rows = list(wb["columns"].iter_rows(values_only=True))
        wb.close()
        head = list(rows[0])
        got = {k: [r[head.index(k)] or "" for r in rows[1:]] for k in
               ("column", "underscore", "sgqa", "heading_en", "abbreviated_en")}
        full = _header(s.folder / "rpc_export" / "export_responses__csv_full_short.csv")
        code = _header(s.folder / "rpc_export" / "export_responses__csv_code_short.csv")
        n = len(got["column"])
        assert got["column"] == code[-n:]
        assert got["heading_en"] == full[-n:]
        assert len(rows) - 1 == len(read_lss(s.lss).column_list)
        assert [c for c in code[:-n] if c not in SYSTEM] == []
