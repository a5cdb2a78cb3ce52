"""Processed parquet store: lineage, idempotent import, reported de-duplication, pseudonyms."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from cchc_survey import pseudonym as ps
from cchc_survey.codebook import read_lss
from cchc_survey.processed import ProcessedError, import_export, load_processed
from cchc_survey.store import RawStore

FIX = Path(__file__).parent / "fixtures" / "limesurvey"
RPC = FIX / "exports" / "rpc"
KEY = b"test-secret-key-0123456789abcdef"
TOKENS = [b"vn8Kq2xLm4Pz7Rt", b"Hd3Wc9sYb6Nf2Qa", b"Zp5Tj1mRk8Vx4Ge", b"Lb7Ey2uHn5Cw9Sd"]


@pytest.fixture(scope="module")
def cb():
    return read_lss(FIX / "survey.lss")


def roots(tmp_path: Path) -> dict[str, Path]:
    return {"raw_root": tmp_path / "raw", "processed_root": tmp_path / "processed"}


def test_overlapping_snapshots_identical_rows_counted(tmp_path, cb):
    r1 = import_export(RPC / "export_responses__csv_ids_10_20.csv", codebook=cb, secret_key=KEY,
                       **roots(tmp_path))
    assert (r1.survey, r1.n_in, r1.n_added, r1.n_identical) == ("385924", 11, 11, 0)
    r2 = import_export(RPC / "export_responses__json_code_short.json", codebook=cb,
                       secret_key=KEY, **roots(tmp_path))
    assert (r2.n_in, r2.n_added, r2.n_identical, r2.n_replaced, r2.n_kept_old) == (
        60, 49, 11, 0, 0)
    assert r2.dedup.empty
    frame, reasons, lineage = load_processed("385924", tmp_path / "processed")
    assert frame["response_id"].tolist() == list(range(1, 61))
    pd.testing.assert_frame_equal(frame, r2.result.frame)        # dtypes survive parquet
    assert reasons.empty
    assert [s["format"] for s in lineage["snapshots"]] == ["csv", "json"]
    assert [s["sources"] for s in lineage["snapshots"]] == [
        ["export_responses__csv_ids_10_20.csv"], ["export_responses__json_code_short.json"]]
    assert lineage["snapshots"][1]["layout_source"] == "codebook"
    assert lineage["snapshots"][1]["sid"] == "385924"
    assert len(RawStore(tmp_path / "raw").list_snapshots("385924")) == 2


def test_same_file_twice_adds_nothing(tmp_path, cb):
    f = RPC / "export_responses__csv_code_short.csv"
    import_export(f, codebook=cb, secret_key=KEY, **roots(tmp_path))
    before = (tmp_path / "processed" / "385924" / "responses.parquet").read_bytes()
    again = import_export(f, codebook=cb, secret_key=KEY, **roots(tmp_path))
    assert again.already_imported and again.n_added == 0 and again.snapshots == []
    assert "nothing added" in again.summary()
    assert (tmp_path / "processed" / "385924" / "responses.parquet").read_bytes() == before
    assert len(RawStore(tmp_path / "raw").list_snapshots("385924")) == 1


def test_changed_duplicate_is_reported_and_latest_kept(tmp_path, cb):
    f = RPC / "export_responses__csv_code_short.csv"
    import_export(f, codebook=cb, secret_key=KEY, **roots(tmp_path))
    text = f.read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    # response 2 was incomplete; a later pull has it completed (later datestamp, an answer)
    lines[2] = lines[2].replace('"2";"";"3"', '"2";"2024-03-13 12:00:00";"4"').replace(
        '"2024-03-13 11:42:55"', '"2024-03-13 12:00:00"')
    # response 3 in an older state (earlier datestamp, different answer): the processed row stays
    lines[3] = lines[3].replace('"2024-03-13 12:30:23";"M"', '"2024-03-13 12:29:00";"F"')
    later = tmp_path / "later.csv"
    later.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))
    rep = import_export(later, codebook=cb, secret_key=KEY, **roots(tmp_path))
    assert (rep.n_added, rep.n_identical, rep.n_replaced, rep.n_kept_old) == (0, 58, 1, 1)
    d = rep.dedup.set_index("response_id")
    assert d.loc[2, "kept"] == "later.csv" and d.loc[2, "dropped"] == "processed"
    # now complete, so its multiple-choice boxes count as shown (False) instead of NA
    assert d.loc[2, "columns_differing"] == (
        "submitdate,datestamp,lastpage,complete,kenh_k1,kenh_k2,kenh_k3,kenh_k4,kenh_k5")
    assert d.loc[3, "kept"] == "processed"
    assert d.loc[3, "columns_differing"] == "datestamp,gioitinh"
    frame, _, lineage = load_processed("385924", tmp_path / "processed")
    row2 = frame.set_index("response_id").loc[2]
    assert bool(row2["complete"]) and row2["lastpage"] == 4
    assert frame.set_index("response_id").loc[3, "gioitinh"] == "M"
    assert sorted(x["response_id"] for x in lineage["dedup"]) == [2, 3]


def test_personal_data_never_in_processed(tmp_path, cb):
    f = FIX / "exports" / "admin" / "survey_385924_SPSS_syntax_file_spssver2.sps"
    rep = import_export(f, codebook=cb, secret_key=KEY, **roots(tmp_path))
    assert len(rep.snapshots) == 2                       # .sps and .dat kept as received
    pdir = tmp_path / "processed" / "385924"
    for name in ("responses.parquet", "reasons.parquet", "lineage.json"):
        blob = (pdir / name).read_bytes()
        assert not any(t in blob for t in TOKENS), name
    frame, _, _ = load_processed("385924", tmp_path / "processed")
    assert frame["token_hash"].notna().sum() == 4
    assert frame.loc[frame["response_id"] == 11, "token_hash"].iloc[0] == ps.pseudonym(
        "vn8Kq2xLm4Pz7Rt", KEY)
    assert not {"firstname", "lastname", "email", "token"} & set(frame.columns)


def test_other_instrument_version_refused(tmp_path, cb):
    import_export(RPC / "export_responses__csv_ids_10_20.csv", codebook=cb, secret_key=KEY,
                  **roots(tmp_path))
    lin = tmp_path / "processed" / "385924" / "lineage.json"
    data = json.loads(lin.read_text("utf-8"))
    data["snapshots"][0]["layout_version"] = "2025.1"
    lin.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ProcessedError, match="version"):
        import_export(RPC / "export_responses__csv_all.csv", codebook=cb, secret_key=KEY,
                      **roots(tmp_path))


def test_secret_created_private_and_used(tmp_path, monkeypatch):
    secret = tmp_path / "cfg" / "secret"
    monkeypatch.setenv(ps.ENV_VAR, str(secret))
    a = ps.pseudonym("vn8Kq2xLm4Pz7Rt")
    assert secret.is_file() and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_bytes()) == 32
    assert ps.pseudonym(" vn8Kq2xLm4Pz7Rt ") == a and len(a) == ps.PSEUDONYM_CHARS
    assert ps.pseudonym("vn8Kq2xLm4Pz7Rt", b"another-key-0123456789") != a
    s = ps.pseudonymise_series(pd.Series(["x", "", None, "x"], dtype="string"))
    assert s.iloc[0] == s.iloc[3] == ps.pseudonym("x") and s.iloc[1:3].isna().all()
    os.chmod(secret, 0o644)
    with pytest.raises(ps.SecretError, match="chmod 600"):
        ps.load_secret()
