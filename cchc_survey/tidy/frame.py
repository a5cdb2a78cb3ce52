"""The tidy frame of one export: rows, meta columns, one column per item, and the record of
everything that did not fit.

* one row per response; meta columns ``response_id`` (Int64), ``submitdate``, ``startdate``,
  ``datestamp`` (datetime64), ``lastpage`` (Int64), ``startlanguage`` (string), ``complete``
  (bool), ``token_hash`` (string pseudonym, NA when no token);
* then one column per item, in questionnaire order, typed as :mod:`cchc_survey.tidy.values`
  says; text display columns are known and left out;
* a multiple-choice box is NA where the question was not shown: LimeSurvey stores NULL for a
  question the respondent never saw (relevance false, page not reached), and formats that keep
  NULL say so (JSON, VV, the RPC's CSV and R data with LimeSurvey's quoting, ``long`` answers'
  ``N/A``); in the others (SPSS, Stata, Excel, a CSV re-saved) NULL and "not ticked" look
  alike, and an unticked box is NA when its question's filters are not met (relevance written
  as instrument filters write it) or when the response is incomplete and its page comes after
  ``lastpage``;
* codes the instrument marks "don't know / not applicable" become NA and are listed in
  ``reasons`` (response_id, item, code, reason);
* everything that does not fit (unknown columns, missing items, codes outside the scale,
  malformed dates, duplicate ids) is one row of ``failures`` (column, check, value, row,
  severity, message); rows that cannot be kept are in ``rejected`` with a reason, and
  ``n_in == n_out + len(rejected)`` always.

Why line breaks and surrounding blanks are normalised: CSV exports turn ``\\r\\n`` into ``\\n``
and VV exports trim values; normalising makes every format give the same frame. The SPSS
``.dat`` file also replaces line breaks by spaces, which cannot be undone (its lineage says so).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputFileError, Problem, advice
from ..limesurvey.exports.base import RawExport
from ..pseudonym import load_secret, pseudonymise_series
from ..structure import Column, Layout
from .dates import Engine, parse_dates
from .kernels import (
    Factor,
    factorize_small,
    per_distinct,
    set_na,
    stripped_counts,
    whole_numbers,
)
from .mapping import detect_coding, map_columns, value_counts
from .values import (
    REASON_COLUMNS,
    Coding,
    Failures,
    decode_values,
    drop_zero_decimals,
    dtype_of,
    type_values,
)

OnError = Literal["raise", "warn"]
META_COLUMNS = ("response_id", "submitdate", "startdate", "datestamp", "lastpage",
                "startlanguage", "complete", "token_hash")
"""The meta columns of the tidy frame, in order."""
REJECTED_COLUMNS = ["row", "response_id", "reason"]
ENGINES = ("auto", "reference")


class ExportValidationError(InputFileError):
    """An export was read, but some values or columns do not fit the instrument.

    ``result`` holds the whole :class:`TidyResult` (nothing is lost): inspect
    ``result.failures``, or read again with ``on_error="warn"`` to keep going.
    """

    def __init__(self, problems: list[Problem], summary: str, result: TidyResult) -> None:
        super().__init__(problems, summary)
        self.result = result


class ExportValidationWarning(UserWarning):
    """Columns or values that do not fit the instrument, kept going (see ``failures``)."""


@dataclass
class TidyResult:
    """One export, tidy. See the module docstring for the frame's columns and types."""

    frame: pd.DataFrame
    reasons: pd.DataFrame
    failures: pd.DataFrame
    lineage: dict[str, Any]
    n_in: int
    n_out: int
    rejected: pd.DataFrame
    layout: Layout = field(repr=False)

    @property
    def items(self) -> list[str]:
        """The item columns, in questionnaire order."""
        return self.layout.item_ids


def _empty(col: Column, n: int) -> pd.Series:
    return pd.Series([pd.NA] * n, dtype=dtype_of(col))


def check_engine(engine: str) -> Engine:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    return engine  # type: ignore[return-value]


def _whole(text: pd.Series, engine: Engine) -> pd.Series:
    """Whole numbers of a text column (``Float64``/``Int64``; NA where not a number)."""
    got = whole_numbers(text) if engine == "auto" else None
    if got is None:
        got = pd.to_numeric(drop_zero_decimals(text), errors="coerce")
    return got


def _typed(s: pd.Series, col: Column, coding: Coding, langs: list[str],
           convert_yn: tuple[str, str] | None, rows: pd.Series, rid: pd.Series,
           fail: Failures, date_style: str, languages: tuple[str, ...], engine: Engine,
           factor: Factor | None) -> tuple[pd.Series, pd.DataFrame | None]:
    """Decode and type one column: value by value (the definition), or once per distinct value
    by the ``auto`` engine (:func:`cchc_survey.tidy.kernels.per_distinct`, same result)."""

    def typer(v: pd.Series, r: pd.Series, ids: pd.Series, sink: Any
              ) -> tuple[pd.Series, pd.DataFrame | None]:
        return type_values(decode_values(v, col, coding, langs, convert_yn), col, r, ids, sink,
                           date_style, languages, engine)

    if engine == "auto" and factor is not None:
        key = (col.type, col.kind, col.value, col.codes, col.integer_codes,
               tuple(col.missing.items()), col.has_other, date_style,
               repr(col.labels) if coding == "labels" else "",
               languages if col.value == "language" else ())
        got = per_distinct(s, factor, typer, key, rows, rid, fail, Failures,
                                   col.item_id)
        if got is not None:
            return got
    return typer(s, rows, rid, fail)


def tidy_raw(raw: RawExport, layout: Layout, *, on_error: OnError = "raise",
             secret_key: bytes | None = None, convert_yn: tuple[str, str] | None = None,
             engine: Engine = "auto", release: bool = False) -> TidyResult:
    """Map, decode and type a raw export (see the module docstring).

    Args:
        raw: the reader's output (:func:`cchc_survey.limesurvey.exports.read_raw`).
        layout: the survey's columns (:meth:`cchc_survey.structure.Codebook.layout`).
        on_error: ``raise`` an :class:`ExportValidationError` when a failure of severity
            ``error`` was found (the result is attached to it), or ``warn`` and return.
        secret_key: the pseudonymisation key (default: the local secret file).
        convert_yn: the (Y, N) values of an export made with "convert Y/N to" (detected
            when gender codes are F/M but yes/no columns hold digits).
        engine: ``auto`` (the speed kernels) or ``reference`` (the definition alone); both
            give the same result.
        release: hand the raw columns over (``raw.data`` is emptied) and drop each once typed,
            so the export's text and the tidy frame are not both held whole.
    """
    eng = check_engine(engine)
    fail = Failures()
    targets, _unknown = map_columns(raw.columns, layout, raw.format)
    n_in = raw.n_records
    lines = pd.Series(raw.lines, index=raw.data.index)
    meta: dict[str, pd.Series] = {}
    items: dict[str, pd.Series] = {}
    n_unknown = 0
    for pos, (heading, tgt) in enumerate(zip(raw.columns, targets, strict=True)):
        if tgt is None:
            s = raw.data[pos]
            if not heading.strip() and not s.fillna("").astype(str).str.strip().ne("").any():
                continue  # an unnamed column without a value (Stata's token of a survey without one)
            n_unknown += 1
            fail.add(heading, "known_column", None, None, "warning",
                     f"column {heading!r} is not in {layout.source} {layout.source_id!r}; ignored. "
                     "Check that the export is of this survey, or pass its .lss.")
            continue
        kind, name = tgt
        if kind == "ignore":
            continue
        s = raw.data[pos].astype("string")
        (meta if kind == "meta" else items)[name] = s
    if release:
        raw.data = raw.data.iloc[:, :0]

    item_ids = layout.item_ids
    matched = [i for i in item_ids if i in items]
    if "id" not in meta:
        raise InputFileError([Problem(raw.path, "header", "no response id column (id, "
                                      "'ID trả lời', 'Response ID') was found",
                                      "export again with the response id column selected.",
                                      line=1)], summary=f"cannot read {Path(raw.path).name}")
    if item_ids and (not matched or n_unknown > len(matched)):
        cols_seen = [c for c, t in zip(raw.columns, targets, strict=True) if t is None][:8]
        raise InputFileError([Problem(
            raw.path, "header",
            f"only {len(matched)} of {len(item_ids)} items of {layout.source} "
            f"{layout.source_id!r} were found; unknown columns include {cols_seen}",
            "this export is of another survey: use the instrument it was built from (the "
            "--instrument YAML on the command line), or that survey's .lss (lss=... in Python).",
            line=1)],
            summary=f"{Path(raw.path).name} does not match {layout.source} {layout.source_id}")
    cut = raw.format == "xlsx" and len(raw.columns) >= 255  # LimeSurvey's Excel writer's limit
    for iid in item_ids:
        if iid not in items:
            fail.add(iid, "item_present", None, None, "warning",
                     f"item {iid!r} ({layout.spec(iid).code}) has no column in the "
                     "export; it is all missing. " + (
                         "LimeSurvey's Excel export keeps the first 255 columns only: export "
                         "CSV or JSON for a survey this wide." if cut else "Export all columns."))

    # --- rows: response id ----------------------------------------------------------------
    rid_text = meta["id"].str.strip()
    rid = _whole(rid_text, eng)
    bad_id = rid.isna() | (rid != rid.round())
    rejected: list[dict[str, Any]] = [
        {"row": r["line"], "response_id": pd.NA, "reason": r["reason"]} for r in raw.rejected]
    for ln, v in zip(lines[bad_id].tolist(), rid_text[bad_id].tolist(), strict=True):
        rejected.append({"row": ln, "response_id": pd.NA,
                         "reason": f"response id {v!r} is missing or not a whole number"})
        fail.add("id", "response_id", v, ln, "error",
                 f"response id {v!r} is missing or not a whole number; the row was set aside "
                 "(see rejected)")
    keep = ~bad_id
    rid_int = rid.where(keep).astype("Int64")
    dup = rid_int.duplicated(keep="first") & keep
    if dup.any():
        firsts = lines[keep & ~dup].groupby(rid_int[keep & ~dup]).first()
        for ln, dv in zip(lines[dup].tolist(), rid_int[dup].tolist(), strict=True):
            first = int(firsts.loc[dv])
            rejected.append({"row": ln, "response_id": dv,
                             "reason": f"response id {dv} repeats the one on row {first}"})
            fail.add("id", "unique_response_id", dv, ln, "error",
                     f"response id {dv} appears on rows {first} and {ln}; the later row was "
                     "set aside (see rejected). Export again, or de-duplicate knowingly.")
        keep = keep & ~dup
    for r in raw.rejected:
        fail.add("*", "record_readable", None, r["line"], "error", str(r["reason"]))

    all_kept = bool(keep.all())
    idx = keep.index if all_kept else keep[keep].index
    rows = lines.reset_index(drop=True) if all_kept else lines.loc[idx].reset_index(drop=True)

    def sub(s: pd.Series) -> pd.Series:
        return s.reset_index(drop=True) if all_kept else s.loc[idx].reset_index(drop=True)

    out: dict[str, pd.Series] = {"response_id": sub(rid_int)}
    date_style = raw.date_style
    for fname in ("submitdate", "startdate", "datestamp"):
        if fname in meta:
            vals, bad = parse_dates(sub(meta[fname]), date_style, eng)
            if bad.any():
                fail.add_many(fname, "date_format", sub(meta[fname])[bad], rows[bad], "error",
                              f"{fname}: not a date LimeSurvey writes (YYYY-MM-DD HH:MM:SS)")
            out[fname] = vals
        else:
            out[fname] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    if "lastpage" in meta:
        lp_text = sub(meta["lastpage"]).str.strip()
        lp = _whole(lp_text.mask(lp_text == ""), eng)
        badlp = lp.isna() & lp_text.notna() & (lp_text != "")
        if badlp.any():
            fail.add_many("lastpage", "integer", lp_text[badlp], rows[badlp], "error",
                          "lastpage is not a whole number")
        out["lastpage"] = lp.astype("Float64").round().astype("Int64")
    else:
        out["lastpage"] = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    lang = sub(meta["startlanguage"]).str.strip() if "startlanguage" in meta else None
    out["startlanguage"] = (lang.mask(lang == "") if lang is not None else
                            pd.Series(pd.NA, index=rows.index, dtype="string"))
    out["complete"] = out["submitdate"].notna().astype(bool)
    if "token" in meta:
        key = secret_key if secret_key is not None else load_secret()
        out["token_hash"] = pseudonymise_series(sub(meta["token"]), key)
    else:
        out["token_hash"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    if release:
        meta.clear()

    # --- items ----------------------------------------------------------------------------
    item_cols = {k: sub(v) for k, v in items.items()}
    # each column's distinct values, once: the coding is detected and the values decoded on them
    factors = ({k: factorize_small(v) for k, v in item_cols.items()} if eng == "auto"
               else {})
    counts = ({k: stripped_counts(f) for k, f in factors.items()} if eng == "auto" else
              {k: value_counts(v) for k, v in item_cols.items()})
    coding, detected_yn = detect_coding(raw, layout, counts)
    convert_yn = convert_yn or detected_yn
    if convert_yn is not None:
        coding = "convertyn"
    if coding == "numeric" and raw.format == "spss_dat":
        coding = "spss"
    langs = [raw.language] if raw.language else list(layout.languages)
    langs += [lg for lg in layout.languages if lg not in langs]
    lastpage = out["lastpage"]
    not_reached = ((~out["complete"]) & lastpage.notna()).to_numpy(dtype=bool)
    page_of_row = lastpage.fillna(0).to_numpy(dtype=np.int64)
    unreached_by_page: dict[int, np.ndarray] = {}
    # a box NULL (not shown) is told from "" (not ticked) where the format keeps NULL; ``long``
    # answers write N/A and No, and the R data 0 for "" and nothing for NULL
    null_known = raw.null_known or coding in ("labels", "numeric")
    reasons: list[pd.DataFrame] = []
    unique_ids = len(set(item_ids)) == len(item_ids)
    n = len(rows)
    for col in layout.columns:
        if col.item_id not in items:
            out[col.item_id] = _empty(col, n)
            continue
        typed, rs = _typed(item_cols[col.item_id], col, coding, langs, convert_yn, rows,
                           out["response_id"], fail, raw.date_style, layout.languages, eng,
                           factors.get(col.item_id))
        if release and unique_ids:  # the column's text is typed: let it go
            del item_cols[col.item_id], items[col.item_id]
            factors.pop(col.item_id, None)
        if col.value == "checkbox" and col.kind == "answer" and not null_known:
            if col.page not in unreached_by_page:
                unreached_by_page[col.page] = not_reached & (page_of_row < col.page)
            # a box on a page not reached was not shown, unless it was ticked
            where = unreached_by_page[col.page] & ~typed.fillna(True).to_numpy(dtype=bool)
            typed = set_na(typed, where) if eng == "auto" else typed.mask(where)
        out[col.item_id] = typed
        if rs is not None:
            reasons.append(rs)
    if not null_known:
        _unticked_not_shown(out, layout, reasons)
    order = list(META_COLUMNS) + item_ids
    if list(out) == order:  # built in the frame's order: one frame, no copy of the columns
        frame = pd.DataFrame(out, copy=False)
    else:  # pragma: no cover - a layout repeating an item id
        frame = pd.DataFrame(out)[order]
    reason_df = (pd.concat(reasons, ignore_index=True) if reasons else
                 pd.DataFrame(columns=REASON_COLUMNS))
    reason_df = reason_df.astype({"response_id": "Int64", "item": "string", "code": "string",
                                  "reason": "string"})
    rej = pd.DataFrame(rejected, columns=REJECTED_COLUMNS).astype(
        {"row": "Int64", "response_id": "Int64", "reason": "string"})
    failures = fail.frame()
    failures = failures[~((failures["check"] == "known_column") &
                          failures["column"].isin(["seed"]))].reset_index(drop=True)
    lineage = {
        "sources": list(raw.sources or [raw.path]),
        "sha256": raw.sha256,
        "format": raw.format,
        "coding": coding,
        "encoding": raw.encoding,
        "layout_source": layout.source,
        "layout_id": layout.source_id,
        "layout_version": layout.version,
        "sid": layout.sid,
        "text_fidelity": ("line breaks replaced by spaces by the SPSS .dat writer"
                          if raw.format == "spss_dat" else "full"),
    }
    result = TidyResult(frame=frame, reasons=reason_df, failures=failures, lineage=lineage,
                        n_in=n_in, n_out=len(frame), rejected=rej, layout=layout)
    if result.n_in != result.n_out + len(result.rejected):  # pragma: no cover - invariant
        raise RuntimeError("rows in != rows out + rows rejected")
    report(result, raw.path, on_error)
    return result


def _unticked_not_shown(out: dict[str, pd.Series], layout: Layout,
                        reasons: list[pd.DataFrame]) -> None:
    """An unticked box of a question its filters did not show is NA, not "not ticked".

    For a format that writes NULL and "" alike: where the question's conditions
    (:attr:`Layout.shown_when <cchc_survey.structure.Layout.shown_when>`: its group's and its
    own filters) are not met, LimeSurvey stored NULL; a ticked box there stays ticked (a filter
    breach the checks report).
    """
    single = {c.question: c.item_id for c in layout.columns
              if c.kind == "answer" and not c.subquestion and c.item_id in out}
    given = (pd.concat(reasons, ignore_index=True) if reasons else
             pd.DataFrame(columns=["response_id", "item", "code", "reason"]))
    cache: dict[tuple[Any, ...], np.ndarray] = {}
    for col in layout.columns:
        conds = layout.shown_when.get(col.question)
        if col.value != "checkbox" or col.kind != "answer" or not conds:
            continue
        if conds not in cache:
            shown = np.ones(len(out["response_id"]), dtype=bool)
            for qcode, codes in conds:
                if qcode not in single:  # a condition on a question the frame lacks
                    shown[:] = True
                    break
                values = out[single[qcode]].astype("string")
                ok = values.isin(list(codes)).fillna(False).to_numpy(dtype=bool)
                dk = given[(given["item"] == single[qcode]) & given["code"].isin(list(codes))]
                if len(dk):  # a "don't know" code the condition names
                    ok |= out["response_id"].isin(dk["response_id"]).to_numpy(dtype=bool)
                shown &= ok
            cache[conds] = shown
        hide = ~cache[conds] & ~out[col.item_id].fillna(True).to_numpy(dtype=bool)
        if hide.any():
            out[col.item_id] = set_na(out[col.item_id], hide)


def report(result: TidyResult, path: str, on_error: OnError) -> None:
    """Raise (``on_error="raise"``) or warn about the failures of a result."""
    f = result.failures
    errors = f[f["severity"] == "error"]
    name = Path(path).name
    if len(errors) and on_error == "raise":
        problems = []
        for r in errors.head(20).to_dict("records"):
            row = r["row"] if r["row"] is not None and pd.notna(r["row"]) else None
            problems.append(Problem(
                path, f"row {row}, column {r['column']}" if row is not None
                else f"column {r['column']}", f"{r['message']} (value {r['value']!r})",
                advice(python="correct the file or read it with on_error='warn' and check "
                       "result.failures",
                       cli="correct the file, or add --warn to go on and list every failure"),
                line=int(row) if row is not None else None))
        raise ExportValidationError(
            problems, f"{name}: {len(errors)} problem(s) with rows or values read against "
            f"{result.layout.source} {result.layout.source_id}", result)
    warn = f[f["severity"].isin(["warning", "error"])]
    if len(warn):
        names = list(dict.fromkeys(warn["column"].astype(str).tolist()))
        cols = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        warnings.warn(f"{name}: {len(warn)} failure case(s) in columns {cols}; see "
                      "result.failures", ExportValidationWarning, stacklevel=3)
