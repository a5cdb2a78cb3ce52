"""Processed frames: the tidy responses of a survey as parquet, with lineage and de-duplication.

``import_export`` keeps the file's bytes as a raw snapshot (:class:`cchc_survey.store.RawStore`,
immutable, git-ignored) and merges its tidy frame into ``data/processed/<survey>/``:

* ``responses.parquet``: one row per response id (the tidy frame; tokens only as pseudonyms);
* ``reasons.parquet``: the "don't know / not applicable" reasons of the kept rows;
* ``lineage.json``: which snapshots (sha256, file, format), which instrument id and version or
  codebook survey id, and every de-duplication decision.

Rules: importing the same bytes twice adds nothing (matched by sha256 against the raw store).
A response id already processed is a duplicate: identical content is counted; different
content keeps the row with the later ``datestamp`` (last action; the newer snapshot on a tie)
and every such decision is in the report and in ``lineage.json`` -- never silent. Frames of
another instrument version are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import CchcSurveyError, advice
from .limesurvey.exports.base import RawExport
from .store import RawStore
from .tidy import OnError, TidyResult, read_export

RESPONSES = "responses.parquet"
REASONS = "reasons.parquet"
LINEAGE = "lineage.json"
DEDUP_COLUMNS = ["response_id", "kept", "dropped", "kept_datestamp", "dropped_datestamp",
                 "columns_differing"]


class ProcessedError(CchcSurveyError):
    """The processed store cannot take this import (another instrument version, damaged files)."""


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        survey: the processed folder name.
        already_imported: the same bytes were imported before; nothing was added.
        snapshots: raw snapshot data paths written (one per source file).
        n_in: responses in the file; n_added: new response ids; n_identical: ids already
            processed with identical content; n_replaced: ids whose row was replaced by a later
            version; n_kept_old: ids where the processed row was newer and stayed.
        dedup: one row per duplicate with different content (see :data:`DEDUP_COLUMNS`).
        result: the file's tidy result (failures, rejected rows).
        processed_dir: where the parquet files and lineage are.
    """

    survey: str
    already_imported: bool
    snapshots: list[Path]
    n_in: int
    n_added: int
    n_identical: int
    n_replaced: int
    n_kept_old: int
    dedup: pd.DataFrame
    result: TidyResult | None
    processed_dir: Path
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.already_imported:
            return (f"{self.survey}: this file was imported before (same sha256); nothing added. "
                    f"Processed data: {self.processed_dir}")
        return (f"{self.survey}: {self.n_in} responses read, {self.n_added} added, "
                f"{self.n_identical} already present (identical), {self.n_replaced} replaced by a "
                f"later version, {self.n_kept_old} kept from earlier (newer there); "
                f"{len(self.result.rejected) if self.result is not None else 0} rows rejected. "
                f"Processed data: {self.processed_dir}")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _parquet_bytes(df: pd.DataFrame) -> bytes:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def load_processed(survey: str, processed_root: str | Path = "data/processed"
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The processed responses, reasons and lineage of ``survey`` (empty when none yet)."""
    d = Path(processed_root) / survey
    lineage: dict[str, Any] = {"survey": survey, "snapshots": [], "dedup": []}
    if not (d / RESPONSES).is_file():
        return pd.DataFrame(), pd.DataFrame(), lineage
    try:
        frame = pd.read_parquet(d / RESPONSES)
        reasons = pd.read_parquet(d / REASONS) if (d / REASONS).is_file() else pd.DataFrame()
        lineage = json.loads((d / LINEAGE).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ProcessedError(f"{d}: the processed files cannot be read ({exc}). Fix: delete the "
                             "folder and import the raw snapshots again.") from None
    return frame, reasons, lineage


@dataclass(frozen=True)
class ProcessedSurvey:
    """A processed survey as :func:`read_processed` reads it.

    Attributes:
        path: the survey's folder (``data/processed/<survey>``).
        frame: the tidy responses, one row per response id: every import and pull merged,
            waves kept.
        reasons: the "don't know / not applicable" reasons of its rows.
        lineage: which snapshots, which instrument id and version, every de-duplication.
    """

    path: Path
    frame: pd.DataFrame
    reasons: pd.DataFrame
    lineage: dict[str, Any]

    @property
    def survey(self) -> str:
        return self.path.name

    @property
    def instrument_id(self) -> str | None:
        """The instrument (or codebook survey) id the responses were read with."""
        ids = {s.get("layout_id") for s in self.lineage.get("snapshots", [])} - {None}
        return str(ids.pop()) if len(ids) == 1 else None

    @property
    def layout_source(self) -> str | None:
        """``instrument`` or ``codebook`` (a .lss): what the responses were read with."""
        src = {s.get("layout_source") for s in self.lineage.get("snapshots", [])} - {None}
        return str(src.pop()) if len(src) == 1 else None


def read_processed(path: str | Path) -> ProcessedSurvey:
    """The processed survey at ``path``: its folder or its ``responses.parquet``.

    Example:
        >>> import tempfile
        >>> from cchc_survey import bundled_example, bundled_instrument
        >>> d = Path(tempfile.mkdtemp())
        >>> rep = import_export(bundled_example("par_survey"), bundled_instrument("par_survey"),
        ...                     raw_root=d / "raw", processed_root=d / "processed")
        >>> ps = read_processed(d / "processed" / rep.survey)
        >>> ps.survey, len(ps.frame), ps.instrument_id
        ('par_survey', 40, 'par_survey')
    """
    p = Path(path)
    folder = p.parent if p.name == RESPONSES else p
    if not (folder / RESPONSES).is_file():
        raise ProcessedError(f"{p}: no {RESPONSES} here. Fix: import an export first ("
                             + advice(python="import_export(...)", cli="cchc-survey import FILE")
                             + ") or give the survey's folder under data/processed.")
    frame, reasons, lineage = load_processed(folder.name, folder.parent)
    return ProcessedSurvey(folder, frame, reasons, lineage)


def _differing(a: pd.DataFrame, b: pd.DataFrame) -> pd.Series:
    """Per row, the columns whose values differ (NA equals NA)."""
    cols = [c for c in a.columns if c in b.columns]
    diff = pd.DataFrame({c: ~((a[c] == b[c]).fillna(False) | (a[c].isna() & b[c].isna()))
                         for c in cols}, index=a.index).astype(bool)
    if not len(diff):
        return pd.Series([], dtype=object)
    names = pd.Series([f"{c}," for c in cols], index=cols, dtype=object)
    return diff.dot(names).str.rstrip(",")


def merge_frames(old: pd.DataFrame, new: pd.DataFrame, *, old_label: str = "processed",
                 new_label: str = "new") -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Merge ``new`` into ``old`` by response id (see the module docstring for the rule).

    Returns:
        ``(merged, dedup, counts)`` where ``dedup`` lists the duplicates with different content
        and ``counts`` has ``added``, ``identical``, ``replaced``, ``kept_old``.
    """
    if old.empty:
        return new.reset_index(drop=True), pd.DataFrame(columns=DEDUP_COLUMNS), {
            "added": len(new), "identical": 0, "replaced": 0, "kept_old": 0}
    o = old.set_index("response_id", drop=False)
    n = new.set_index("response_id", drop=False)
    both = o.index.intersection(n.index)
    added = n.index.difference(o.index)
    ob, nb = o.loc[both], n.loc[both]
    diff = _differing(nb, ob)
    changed = both[(diff != "").to_numpy()] if len(both) else both
    od = ob.loc[changed, "datestamp"]
    nd = nb.loc[changed, "datestamp"]
    take_new = (nd.fillna(pd.Timestamp.min) >= od.fillna(pd.Timestamp.min)).to_numpy()
    replace_ids = changed[take_new]
    merged = pd.concat([o.drop(index=replace_ids), n.loc[replace_ids], n.loc[added]])
    merged = merged.reset_index(drop=True).sort_values("response_id").reset_index(drop=True)
    dedup = pd.DataFrame({
        "response_id": pd.array(list(changed), dtype="Int64"),
        "kept": [new_label if t else old_label for t in take_new],
        "dropped": [old_label if t else new_label for t in take_new],
        "kept_datestamp": [str(b if t else a) for a, b, t in zip(od, nd, take_new, strict=True)],
        "dropped_datestamp": [str(a if t else b) for a, b, t in zip(od, nd, take_new,
                                                                     strict=True)],
        "columns_differing": diff.loc[changed].tolist() if len(changed) else [],
    }, columns=DEDUP_COLUMNS)
    counts = {"added": len(added), "identical": len(both) - len(changed),
              "replaced": int(take_new.sum()), "kept_old": int((~take_new).sum())}
    return merged, dedup, counts


def import_export(path: str | Path | RawExport, instrument: Any = None, *,
                  lss: str | Path | None = None,
                  codebook: Any = None, survey: str | None = None,
                  raw_root: str | Path = "data/raw", processed_root: str | Path = "data/processed",
                  encoding: str | None = None, on_error: OnError = "raise",
                  secret_key: bytes | None = None) -> ImportReport:
    """Keep an export as a raw snapshot and merge it into the survey's processed frame.

    Example:
        >>> import tempfile
        >>> from cchc_survey import bundled_example, bundled_instrument
        >>> d = Path(tempfile.mkdtemp())
        >>> inst, export = bundled_instrument("par_survey"), bundled_example("par_survey")
        >>> rep = import_export(export, inst, raw_root=d / "raw", processed_root=d / "processed")
        >>> rep.n_in, rep.n_added, rep.already_imported
        (40, 40, False)
        >>> again = import_export(export, inst, raw_root=d / "raw", processed_root=d / "processed")
        >>> again.already_imported, again.n_added
        (True, 0)
    """
    res = read_export(path, instrument, lss=lss, codebook=codebook, encoding=encoding,
                      on_error=on_error, secret_key=secret_key)
    lay = res.layout
    name = survey or lay.sid or lay.source_id
    store = RawStore(raw_root)
    pdir = Path(processed_root) / name
    frame, reasons, lineage = load_processed(name, processed_root)
    known = {s.manifest.get("sha256") for s in store.list_snapshots(name)}
    sources = [Path(s) for s in res.lineage["sources"]]
    blobs = [p.read_bytes() for p in sources]
    shas = [hashlib.sha256(b).hexdigest() for b in blobs]  # one per source file
    done = {h for s in lineage.get("snapshots", []) for h in s.get("shas", [s["sha256"]])}
    if all(s in known for s in shas) and all(s in done for s in shas):
        return ImportReport(name, True, [], res.n_in, 0, 0, 0, 0,
                            pd.DataFrame(columns=DEDUP_COLUMNS), res, pdir)
    versions = {(s.get("layout_id"), s.get("layout_version")) for s in lineage["snapshots"]}
    here = (lay.source_id, lay.version)
    if versions and here not in versions:
        where = path.path if isinstance(path, RawExport) else path
        raise ProcessedError(
            f"{where}: read with {lay.source} {lay.source_id!r} version {lay.version!r}, but "
            f"{pdir} holds data of {sorted(versions)}. Fix: import into another survey folder ("
            + advice(python="survey=...", cli="--survey NAME")
            + ") or use the instrument version the data was processed with.")
    ids = [int(i) for i in res.frame["response_id"].dropna().tolist()]
    snaps: list[Path] = []
    for p, b, sha in zip(sources, blobs, shas, strict=True):
        if sha in known:
            continue
        snaps.append(store.write_snapshot(name, b, {
            "source": "file", "original_name": p.name, "format": res.lineage["format"],
            "response_ids": ids, "layout_id": lay.source_id, "layout_version": lay.version},
            ext=(p.suffix.lstrip(".") or "bin")))
    label = sources[-1].name
    merged, dedup, counts = merge_frames(frame, res.frame, new_label=label)
    kept_ids = set(merged["response_id"].dropna().astype(int).tolist())
    new_reasons = res.reasons
    if not reasons.empty:
        replaced = set(dedup.loc[dedup["kept"] == label, "response_id"].astype(int).tolist())
        new_ids_added = set(ids) - set(frame["response_id"].dropna().astype(int).tolist())
        take = replaced | new_ids_added
        reasons = pd.concat([reasons[~reasons["response_id"].isin(list(replaced))],
                             new_reasons[new_reasons["response_id"].isin(list(take))]],
                            ignore_index=True)
    else:
        reasons = new_reasons
    reasons = reasons[reasons["response_id"].isin(list(kept_ids))].reset_index(drop=True)
    entry = {"sha256": shas[-1], "sources": [p.name for p in sources], "shas": shas,
             "format": res.lineage["format"], "coding": res.lineage["coding"],
             "layout_source": lay.source, "layout_id": lay.source_id,
             "layout_version": lay.version, "sid": lay.sid, "n_in": res.n_in,
             "n_rejected": len(res.rejected), **counts,
             "imported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
             "snapshots": [s.name for s in snaps]}
    lineage.setdefault("snapshots", []).append(entry)
    lineage.setdefault("dedup", []).extend(
        {**r, "response_id": int(r["response_id"]), "file": label}
        for r in dedup.to_dict("records"))
    _atomic_write(pdir / RESPONSES, _parquet_bytes(merged))
    _atomic_write(pdir / REASONS, _parquet_bytes(reasons))
    _atomic_write(pdir / LINEAGE, (json.dumps(lineage, ensure_ascii=False, indent=2,
                                              default=str) + "\n").encode("utf-8"))
    return ImportReport(name, False, snaps, res.n_in, counts["added"], counts["identical"],
                        counts["replaced"], counts["kept_old"], dedup, res, pdir)
