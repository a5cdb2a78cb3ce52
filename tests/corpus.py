"""The LimeSurvey 6.14 corpus (tests/fixtures/limesurvey_corpus): surveys, exports, ground truth.

Each survey is one ``<folder>.tar.xz`` (the server's ``.lss``, ``ground_truth.json``, the RPC
field map, every export); :func:`survey` unpacks it once per test session. :func:`truth_frame`
builds the tidy frame the exports must read into, independently of the import code: straight
from the payloads sent with ``add_response`` and the server's own field map.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tarfile
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from cchc_survey.pseudonym import pseudonym

CORPUS = Path(__file__).parent / "fixtures" / "limesurvey_corpus"
SURVEYS = ("comma_radix_96772", "em_subq_relevance_619922", "group_relevance_553399",
           "sample_core_369198", "sample_full_82556")
KEY = b"test-secret-key-corpus-0123456789"
META = ["response_id", "submitdate", "startdate", "datestamp", "lastpage", "startlanguage",
        "complete", "token_hash"]


@dataclass(frozen=True)
class Survey:
    name: str
    folder: Path
    lss: Path
    truth: dict[str, Any]
    fieldmap: dict[str, dict[str, Any]]

    @property
    def sid(self) -> int:
        return int(self.truth["survey_id"])

    def exports(self) -> list[Path]:
        """Every response export file of the survey (index files and error pages left out)."""
        return sorted(p for p in [*self.folder.glob("rpc_export/*"), *self.folder.glob("admin_export/*")]
                      if not p.name.startswith("_") and p.suffix != ".txt")


@cache
def _root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="cchc-corpus-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


@cache
def survey(name: str) -> Survey:
    """The survey ``name`` (one of :data:`SURVEYS`), unpacked."""
    root = _root()
    with tarfile.open(CORPUS / f"{name}.tar.xz") as tf:
        tf.extractall(root, filter="data")
    folder = root / name
    return Survey(name=name, folder=folder, lss=next(folder.glob("survey_*.lss")),
                  truth=json.loads((folder / "ground_truth.json").read_text("utf-8")),
                  fieldmap=json.loads((folder / "rpc_get_fieldmap.json").read_text("utf-8")))


def _clean(v: Any) -> Any:
    """Free text as the tidy frame holds it: \\n line breaks, NFC, no surrounding blanks."""
    if v is None:
        return None
    t = unicodedata.normalize("NFC", str(v).replace("\r\n", "\n").replace("\r", "\n")).strip()
    return t or None


def truth_frame(s: Survey, layout: Any, token_column: bool) -> pd.DataFrame:
    """The tidy frame of every response sent, from the payloads (keyed by SGQA) alone.

    ``layout`` gives the item ids, SGQA names and value kinds (what each column is, not how an
    export writes it); ``token_column``: whether the export has the response table's token.
    """
    rows = s.truth["responses"]
    pay = [r["payload"] for r in rows]

    def col(key: str) -> list[Any]:
        return [p.get(key) for p in pay]

    def dates(key: str) -> pd.Series:
        vals = [None if v in (None, "") else v for v in col(key)]
        return pd.Series(pd.to_datetime(pd.Series(vals, dtype=object),
                                        format="%Y-%m-%d %H:%M:%S"), dtype="datetime64[ns]")

    out: dict[str, pd.Series] = {
        "response_id": pd.Series([r["id"] for r in rows], dtype="Int64"),
        "submitdate": dates("submitdate"),
        "startdate": dates("startdate"),
        "datestamp": dates("datestamp"),
        "lastpage": pd.Series(col("lastpage"), dtype="Int64"),
        "startlanguage": pd.Series(col("startlanguage"), dtype="string"),
        "complete": pd.Series([p["submitdate"] != "" for p in pay], dtype=bool),
        "token_hash": pd.Series([pseudonym(p["token"], KEY) if token_column and p.get("token")
                                 else None for p in pay], dtype="string"),
    }
    for c in layout.columns:
        raw = col(c.sgqa)
        empty = [v is None or v == "" for v in raw]
        if c.value == "checkbox":
            out[c.item_id] = pd.Series([None if v is None else v == "Y" for v in raw],
                                       dtype="boolean")
        elif c.value in ("number",):
            out[c.item_id] = pd.Series([None if e else float(v) for v, e in zip(raw, empty)],
                                       dtype="Float64")
        elif c.value == "count":
            out[c.item_id] = pd.Series([None if e else int(v) for v, e in zip(raw, empty)],
                                       dtype="Int64")
        elif c.value == "date":
            out[c.item_id] = pd.Series(pd.to_datetime(pd.Series(
                [None if e else v for v, e in zip(raw, empty)], dtype=object),
                format="%Y-%m-%d %H:%M:%S"), dtype="datetime64[ns]")
        elif c.kind != "answer" or c.value in ("text", "files", "equation"):
            out[c.item_id] = pd.Series([_clean(v) for v in raw], dtype="string")
        elif c.value == "code" and c.integer_codes and not c.has_other:
            out[c.item_id] = pd.Series([None if e else int(v) for v, e in zip(raw, empty)],
                                       dtype="Int64")
        else:
            out[c.item_id] = pd.Series([None if e else str(v) for v, e in zip(raw, empty)],
                                       dtype="string")
    return pd.DataFrame(out)[META + layout.item_ids]
