"""Which export format a file is, from its first bytes (the extension only breaks ties)."""

from __future__ import annotations

import re
from pathlib import Path

from .base import RawExport, read_error

_SAV_TRAILER = re.compile(rb'\{"id":\s*\d+,\s*"result":\s*"[^"]*",\s*"error":\s*null\}\s*$')

FORMATS = ("csv", "json", "xlsx", "sav", "spss", "r", "stata", "vv")


def detect_format(path: str | Path, head: bytes) -> str:
    """The format of an export: one of :data:`FORMATS`.

    Raises:
        ExportReadError: a file that is no response export (PDF, HTML, Word, legacy ``.xls``
            of export_statistics, an unknown binary).
    """
    p = Path(path)
    h = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    ext = p.suffix.lower()
    if h.startswith(b"PK\x03\x04"):
        return "xlsx"
    if h.startswith((b"$FL2", b"$FL3")):
        return "sav"
    if h.startswith(b"\xd0\xcf\x11\xe0"):
        raise read_error(path, "byte 0", "this is a legacy Excel .xls (BIFF8) file, which "
                         "LimeSurvey writes only for export_statistics, not responses",
                         "export the responses as 'xls' (really .xlsx), CSV or JSON.")
    if h.startswith(b"%PDF"):
        raise read_error(path, "byte 0", "this is a PDF; responses cannot be read back from it",
                         "export the responses as CSV, JSON or Excel.")
    low = h[:2048].lstrip().lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<style")) or (
            b"<html" in low[:400]):
        raise read_error(path, "byte 0", "this is an HTML (or Word/HTML) export or an error "
                         "page, not a response data file",
                         "export the responses as CSV, JSON or Excel.")
    if low.startswith(b"<?xml") or low.startswith(b"<dta"):
        if b"<dta" in low or ext == ".xml":
            return "stata"
    if low.startswith((b"{", b"[")) and ext != ".csv":
        return "json"
    if ext == ".sps" or h.startswith(b"*$Rev"):
        return "spss"
    if ext == ".dat":
        return "spss"
    if ext == ".r" or b"read.csv(" in h[:4096]:
        return "r"
    return "csv"


def split_sav_trailer(blob: bytes) -> bytes:
    """The ``.sav`` bytes without the JSON-RPC envelope the RPC appends (README behaviour 8)."""
    m = _SAV_TRAILER.search(blob[-200:])
    return blob[: len(blob) - 200 + m.start()] if m and len(blob) >= 200 else blob


def read_raw(path: str | Path, *, encoding: str | None = None,
             format: str | None = None) -> RawExport:
    """Read any LimeSurvey response export into a :class:`RawExport`.

    Args:
        path: the file (for SPSS ``.sps`` + ``.dat`` and R ``.R`` + data, either file).
        encoding: the text encoding of a text file that has no BOM and is not UTF-8.
        format: force one of :data:`FORMATS` instead of detecting it.

    Raises:
        ExportReadError: the file is missing, empty, not an export, or cannot be parsed.
    """
    p = Path(path)
    if not p.is_file():
        raise read_error(path, "path", "the file does not exist or is not a file",
                         "check the path.")
    blob = p.read_bytes()
    fmt = format or detect_format(p, blob[:8192])
    if fmt not in FORMATS:
        raise read_error(path, "format", f"unknown format {fmt!r}",
                         f"use one of {', '.join(FORMATS)}.")
    if fmt == "csv":
        from .csv import read_csv_export
        from .vv import looks_like_vv, read_vv_export

        if looks_like_vv(blob, encoding):
            return read_vv_export(p, raw=blob, encoding=encoding)
        return read_csv_export(p, raw=blob, encoding=encoding)
    if fmt == "vv":
        from .vv import read_vv_export

        return read_vv_export(p, raw=blob, encoding=encoding)
    if fmt == "json":
        from .json import read_json_export

        return read_json_export(p, raw=blob, encoding=encoding)
    if fmt == "xlsx":
        from .xlsx import read_xlsx_export

        return read_xlsx_export(p, raw=blob)
    if fmt == "sav":
        from .spss import read_sav_export

        return read_sav_export(p, raw=blob)
    if fmt == "spss":
        from .spss import read_spss_pair

        return read_spss_pair(p, encoding=encoding)
    if fmt == "r":
        from .r import read_r_export

        return read_r_export(p, encoding=encoding)
    from .stata import read_stata_export

    return read_stata_export(p, raw=blob)
