"""Stata XML exports (ExportSTATAxml plugin, ``ds_format 113``; README behaviour 26).

Names are ``Q_SQ``; gender is coded 0 = F, 1 = M (unlike SPSS and R); yes/no 1 = Y, 2 = N;
multiple-choice columns are ``str1`` holding ``Y`` or ""; dates are ``%tc`` milliseconds since
1960-01-01. The XML is parsed with defusedxml (no entity expansion, no external entities).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .base import RawExport, frame_from_rows, read_error, sha256_of


def read_stata_export(path: str | Path, *, raw: bytes | None = None) -> RawExport:
    """Read a LimeSurvey Stata XML export.

    Raises:
        ExportReadError: not well-formed (e.g. truncated) XML, or not a ``<dta>`` document.
    """
    blob = Path(path).read_bytes() if raw is None else raw
    try:
        root = ElementTree.fromstring(blob)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        pos = getattr(exc, "position", (None, None))
        raise read_error(path, f"line {pos[0]}, column {pos[1]}",
                         f"the Stata XML is not well-formed ({exc}); the file is truncated or "
                         "damaged", "download the export again.", line=pos[0]) from None
    if root.tag != "dta":
        raise read_error(path, "root element", f"expected <dta>, found <{root.tag}>",
                         "give the file the Stata XML export wrote.")
    cols = [v.get("varname", "") for v in root.iterfind("./descriptors/varlist/variable")]
    types = {t.get("varname", ""): (t.text or "") for t in
             root.iterfind("./descriptors/typelist/type")}
    pos_of = {c: i for i, c in enumerate(cols)}
    rows: list[list[str | None]] = []
    for o in root.iterfind("./data/o"):
        row: list[str | None] = [""] * len(cols)
        for v in o.iterfind("v"):
            i = pos_of.get(v.get("varname", ""))
            if i is not None:
                row[i] = v.text or ""
        rows.append(row)
    labels: dict[str, dict[str, str]] = {}
    for vl in root.iterfind("./value_labels/vallab"):
        labels[vl.get("name", "")] = {lab.get("value", ""): lab.text or ""
                                      for lab in vl.iterfind("label")}
    raw_exp = RawExport(path=str(path), format="stata", columns=cols,
                        data=frame_from_rows(rows, len(cols)),
                        lines=np.arange(1, len(rows) + 1, dtype=np.int64), coding="stata",
                        date_style="stata_ms", sha256=sha256_of(blob), encoding="utf-8",
                        value_labels=labels, sources=[str(path)])
    raw_exp.value_labels["__types__"] = types
    return raw_exp
