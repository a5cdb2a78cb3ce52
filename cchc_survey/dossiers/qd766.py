"""QĐ 766/QĐ-TTg's satisfaction ratios, the on-time rate and the mean handling time, from dossiers.

The Prime Minister's QĐ 766/QĐ-TTg (23/06/2022) scores every province, ministry and unit in real
time on the national public-service portal: publicity (18 points), progress and results (20),
digitisation (22), online services (22) and **satisfaction (18)**. The satisfaction group rests on
three ratios (formula text from https://www.lamdong.dcs.vn/tin-tuc-su-kien/thong-tin-tong-hop/task/148/type/detail/id/33503):

1. ``feedback_on_time`` = PAKN handled on or before the deadline / PAKN within competence × 100;
2. ``feedback_satisfaction`` = (PAKN − PAKN rated "không hài lòng" or with a complaint about the
   result or overdue handling) / PAKN × 100;
3. ``dossier_satisfaction`` = (dossiers − dossiers rated "không hài lòng" or with a PAKN about
   their reception, handling or delay) / dossiers within competence × 100.

Beside them, four measures the toolkit defines (``verified: false``): ``on_time_rate`` (returned on
or before the due date), ``mean_handling_days`` (calendar days from the day received to the day returned: a
dossier returned the day it came in counts 0; working days are not counted, no holiday calendar),
``rated_share`` and ``rated_satisfied_share`` (to read ratio 3: an unrated dossier without PAKN
counts as satisfied).

Every constant lives in the methodology file (bundled ``qd766.yaml``): which date puts a dossier in
a period (the toolkit's choice, unverified), the statuses left out, and the conversion of ratios
to points, which was **not found** in any source read: every method is ``null`` and no points are
computed until an analyst declares one.

All numbers are counts of the whole list (a census of the unit's dossiers, not a sample): they
have no standard error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import InputFileError
from ..instrument.model import Text
from .columns import FIELDS, copy_bundled, parse_yaml, yaml_source
from .read import DossierList

PeriodType = Literal["month", "quarter", "half", "year"]
PERIOD_TYPES: tuple[PeriodType, ...] = ("month", "quarter", "half", "year")
DateField = Literal["received", "due", "returned", "feedback_due", "feedback_answered"]
RatioName = Literal["feedback_on_time", "feedback_satisfaction", "dossier_satisfaction"]
MeasureName = Literal["on_time_rate", "mean_handling_days", "rated_share", "rated_satisfied_share"]
RATIOS: tuple[str, ...] = ("feedback_on_time", "feedback_satisfaction", "dossier_satisfaction")
MEASURES: tuple[str, ...] = ("on_time_rate", "mean_handling_days", "rated_share",
                             "rated_satisfied_share")
GROUP_POINTS = "satisfaction_points"

RESULT_COLUMNS: tuple[str, ...] = (
    "unit", "unit_name", "period_type", "period", "period_start", "period_end", "partial_period",
    "measure", "kind", "label_vi", "label_en", "numerator", "denominator", "value",
    "unit_of_measure", "points", "max_points", "verified", "points_verified", "source",
    "source_url", "note_vi", "note_en",
)
"""Columns of :attr:`DossierResults.table`: one row per unit (``""`` = all units) x period x
measure with at least one dossier. ``kind`` is ``ratio`` (QĐ 766), ``measure`` (the toolkit's) or
``points`` (the group's points); ``unit_of_measure`` is ``percent`` or ``days``."""


class MethodologyFileError(InputFileError):
    """A QĐ 766 methodology file cannot be used as it stands."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Band(_Strict):
    from_: float = Field(alias="from")
    points: float


class Points(_Strict):
    """How a ratio becomes points: ``proportional`` (max × ratio / 100), ``target``
    (max × min(1, ratio / target)), ``bands`` (the points of the highest band reached), or
    ``null`` (not known: no points)."""

    max_points: float | None = None
    method: Literal["proportional", "target", "bands"] | None = None
    target: float | None = None
    bands: list[Band] = Field(default_factory=list)
    source: str = ""
    source_url: str = ""
    verified: bool = False

    @model_validator(mode="after")
    def _complete(self) -> Points:
        if self.method in ("proportional", "target") and self.max_points is None:
            raise ValueError(f"method {self.method} needs max_points")
        if self.method == "target" and not self.target:
            raise ValueError("method target needs a target ratio (e.g. target: 90)")
        if self.method == "bands" and not self.bands:
            raise ValueError("method bands needs bands: [{from: 95, points: 6}, ...]")
        return self

    def convert(self, ratio: np.ndarray) -> np.ndarray:
        """Points for each ratio value (percent); NaN when no method is declared."""
        r = np.asarray(ratio, dtype=float)
        if self.method == "proportional":
            return float(self.max_points or 0) * r / 100.0
        if self.method == "target":
            return float(self.max_points or 0) * np.minimum(1.0, r / float(self.target or 1))
        if self.method == "bands":
            bands = sorted(self.bands, key=lambda b: b.from_, reverse=True)
            out = np.full(r.shape, np.nan)
            for b in reversed(bands):  # lowest first, so higher bands overwrite
                out = np.where(r >= b.from_, b.points, out)
            return out
        return np.full(r.shape, np.nan)


class RatioSpec(_Strict):
    label: Text
    formula: Text
    source: str
    source_url: str = ""
    verified: bool
    period_date: DateField
    period_verified: bool = False
    period_note: str = ""
    points: Points = Field(default_factory=Points)


class MeasureSpec(_Strict):
    label: Text
    definition: Text
    source: str
    source_url: str = ""
    verified: bool = False
    period_date: DateField = "returned"


class GroupSpec(_Strict):
    label: Text
    max_points: float
    source: str
    source_url: str = ""
    verified: bool = False


class Qd766Methodology(_Strict):
    """The methodology file (see the bundled ``qd766.yaml``)."""

    id: str
    name: Text
    source: str
    source_url: str = ""
    group: GroupSpec
    ratios: dict[RatioName, RatioSpec]
    measures: dict[MeasureName, MeasureSpec] = Field(default_factory=dict)
    exclude_status: list[Literal["returned", "in_progress", "withdrawn"]] = Field(
        default_factory=lambda: ["withdrawn"])  # type: ignore[arg-type]
    path: str = ""


def load_methodology(path: str | Path | None = None) -> Qd766Methodology:
    """Read a QĐ 766 methodology file (``None``: the bundled ``qd766.yaml``).

    Raises:
        MethodologyFileError: missing file, invalid YAML, an unknown key or ratio, a points
            method without what it needs (each with its YAML path and line).
    """
    text, file = yaml_source(path, "qd766.yaml", MethodologyFileError, "methodology file",
                             "cchc-survey dossiers methodology qd766.yaml")
    try:
        m: Qd766Methodology = parse_yaml(text, file, Qd766Methodology)
    except InputFileError as exc:
        raise MethodologyFileError(exc.problems, summary=f"cannot use {file}") from None
    return m.model_copy(update={"path": file})


def write_methodology(path: str | Path) -> Path:
    """Write a copy of the bundled methodology file (with its comments) to edit."""
    return copy_bundled("qd766.yaml", path)


@dataclass(frozen=True)
class DossierResults:
    """The QĐ 766 ratios and the toolkit's measures by unit and period.

    Attributes:
        table: :data:`RESULT_COLUMNS`, one row per unit x period x measure.
        not_computed: measure -> why it could not be computed (columns the export lacks).
        as_of: the latest date of the list (a period ending after it is ``partial_period``).
        methodology: the methodology used.
    """

    table: pd.DataFrame
    not_computed: dict[str, str]
    as_of: pd.Timestamp
    methodology: Qd766Methodology = field(repr=False)


@dataclass(frozen=True)
class _Counts:
    date: pd.Series
    mask: np.ndarray
    num: np.ndarray
    den: np.ndarray
    unit: str


def _needs(d: DossierList, name: str, date_field: str) -> str:
    """Why ``name`` cannot be computed from ``d`` (``""`` if it can)."""
    have = set(d.column_map.columns) - set(d.missing_fields)
    have = {k for k in have if d.column_map.header(k)}
    required: dict[str, list[set[str]]] = {
        "dossier_satisfaction": [{"rating", "feedback"}],
        "feedback_on_time": [{"feedback_answered"}, {"feedback_due"}],
        "feedback_satisfaction": [{"feedback_rating", "complaint"}],
        "on_time_rate": [{"due"}, {"returned"}],
        "mean_handling_days": [{"returned"}],
        "rated_share": [{"rating"}],
        "rated_satisfied_share": [{"rating"}],
    }
    if name.startswith("feedback") and not have & {"feedback", "feedback_due",
                                                     "feedback_answered"}:
        return "the export has no feedback (PAKN) columns"
    def shown(k: str) -> str:
        header = d.column_map.header(k)
        return repr(header) if header else f"for {k!r} ({FIELDS[k].meaning_en})"

    for alternatives in required.get(name, []):
        if not have & alternatives:
            return "the export has no column " + " or ".join(shown(k) for k in sorted(alternatives))
    if date_field != "received" and date_field not in have and not (
            date_field == "returned" and "status" in have):
        return f"the export has no column for {date_field!r}, the date that places it in a period"
    return ""


def _counts(d: DossierList, name: str, date_field: str, exclude: list[str]) -> _Counts:
    f = d.frame
    kept = ~f["status"].isin(exclude).to_numpy()
    finished = (f["status"] == "returned").to_numpy() & kept
    date = f[date_field]
    dated = date.notna().to_numpy()
    rating, fb_rating = f["rating"].to_numpy(), f["feedback_rating"].to_numpy()
    ones = np.ones(len(f))
    if name == "dossier_satisfaction":
        unhappy = (rating == "dissatisfied") | f["has_feedback"].to_numpy()
        return _Counts(date, finished & dated, (~unhappy).astype(float), ones, "percent")
    if name in ("feedback_on_time", "feedback_satisfaction"):
        answered = f["feedback_answered"]
        pending = (answered.isna() & (f["feedback_due_end"] > d.as_of)).to_numpy()
        mask = (f["has_feedback"] & f["feedback_in_scope"]).to_numpy() & kept & dated & ~pending
        if name == "feedback_on_time":
            ok = (answered.notna() & (answered <= f["feedback_due_end"])).to_numpy()
        else:
            ok = ~((fb_rating == "dissatisfied") | f["complaint"].to_numpy())
        return _Counts(date, mask, ok.astype(float), ones, "percent")
    if name == "on_time_rate":
        mask = finished & dated & f["due"].notna().to_numpy() & f["returned"].notna().to_numpy()
        ok = (f["returned"] <= f["due_end"]).to_numpy()
        return _Counts(date, mask, ok.astype(float), ones, "percent")
    if name == "mean_handling_days":
        mask = finished & dated & f["returned"].notna().to_numpy()
        days = (f["returned"].dt.normalize() - f["received"].dt.normalize()).dt.days.to_numpy(
            dtype=float, na_value=np.nan)
        return _Counts(date, mask, np.where(mask, days, 0.0), ones, "days")
    if name == "rated_share":
        return _Counts(date, finished & dated, (rating != "none").astype(float), ones, "percent")
    if name == "rated_satisfied_share":
        mask = finished & dated & (rating != "none")
        ok = np.isin(rating, ["satisfied", "very_satisfied"])
        return _Counts(date, mask, ok.astype(float), ones, "percent")
    raise KeyError(name)  # pragma: no cover - the names come from the methodology model


def period_labels(date: pd.Series, period: PeriodType) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(label, start, end)`` of each date's period: ``2026-01``, ``2026-Q1``, ``2026-H1``,
    ``2026`` (the survey's wave labels); ``end`` is the period's last day."""
    p = date.dt.to_period({"month": "M", "quarter": "Q", "half": "Q", "year": "Y"}[period])
    year = date.dt.year.astype("Int64").astype(str)
    if period == "month":
        label = year + "-" + date.dt.month.astype("Int64").astype(str).str.zfill(2)
        start, end = p.dt.start_time, p.dt.end_time
    elif period == "quarter":
        label = year + "-Q" + date.dt.quarter.astype("Int64").astype(str)
        start, end = p.dt.start_time, p.dt.end_time
    elif period == "half":
        half = ((date.dt.month - 1) // 6 + 1).astype("Int64")
        label = year + "-H" + half.astype(str)
        start = pd.to_datetime(year + "-" + ((half - 1) * 6 + 1).astype(str) + "-01",
                               errors="coerce")
        end = start + pd.DateOffset(months=6) - pd.Timedelta(1)
    else:
        label = year
        start, end = p.dt.start_time, p.dt.end_time
    return label, start.dt.normalize(), end.dt.normalize()


def qd766_results(dossiers: DossierList, methodology: Qd766Methodology | str | Path | None = None,
                  *, periods: tuple[PeriodType, ...] | list[PeriodType] = PERIOD_TYPES,
                  ) -> DossierResults:
    """The three QĐ 766 ratios and the toolkit's measures, by unit and period, with points.

    Every unit and all units together (``unit == ""``), for each period type in ``periods``.
    ``numerator``/``denominator`` are dossier (or PAKN) counts; for ``mean_handling_days`` the
    numerator is the sum of days. Points are computed only where the methodology file declares
    a conversion (none in the bundled file: it was not found), and the group's points only when
    all three ratios have points.

    Example:
        >>> res = qd766_results(read_dossiers("danh_sach_ho_so.xlsx"))  # doctest: +SKIP
        >>> res.table.query("unit == '' and period_type == 'month'")  # doctest: +SKIP
    """
    m = (methodology if isinstance(methodology, Qd766Methodology)
         else load_methodology(methodology))
    specs: dict[str, RatioSpec | MeasureSpec] = {str(k): v for k, v in m.ratios.items()}
    specs.update({str(k): v for k, v in m.measures.items()})
    f = dossiers.frame
    names: dict[str, str] = {str(k): str(v) for k, v in
                             f.groupby("unit", sort=False)["unit_name"].first().items()}
    as_of_day = dossiers.as_of.normalize() if pd.notna(dossiers.as_of) else pd.Timestamp.max
    parts: list[pd.DataFrame] = []
    not_computed: dict[str, str] = {}
    for name, spec in specs.items():
        why = _needs(dossiers, name, spec.period_date)
        if why:
            not_computed[name] = why
            continue
        c = _counts(dossiers, name, spec.period_date, list(m.exclude_status))
        sel = np.flatnonzero(c.mask)
        base = pd.DataFrame({"unit": f["unit"].to_numpy()[sel], "num": c.num[sel],
                             "den": c.den[sel]})
        date = c.date.iloc[sel].reset_index(drop=True)
        for ptype in periods:
            label, start, end = period_labels(date, ptype)
            b = base.assign(period=label.to_numpy(), start=start.to_numpy(), end=end.to_numpy())
            by_unit = b.groupby(["unit", "period", "start", "end"], sort=True)[["num", "den"]].sum()
            total = b.groupby(["period", "start", "end"], sort=True)[["num", "den"]].sum()
            total = total.assign(unit="").set_index("unit", append=True).reorder_levels(
                ["unit", "period", "start", "end"])
            g = pd.concat([total, by_unit]).reset_index()
            g["period_type"] = ptype
            g["measure"] = name
            parts.append(g)
    if parts:
        t = pd.concat(parts, ignore_index=True)
    else:
        t = pd.DataFrame(columns=["unit", "period", "start", "end", "num", "den", "period_type",
                                  "measure"])
    out = _decorate(t, m, specs, names, as_of_day)
    out = _group_points(out, m)
    if not (out["measure"] == GROUP_POINTS).any():
        not_computed[GROUP_POINTS] = ("no conversion of the ratios to points is declared in the "
                                      "methodology file (QĐ 766's was not found)")
    order = {p: i for i, p in enumerate(PERIOD_TYPES)}
    meas = {n: i for i, n in enumerate([*RATIOS, GROUP_POINTS, *MEASURES])}
    out = out.assign(_p=out["period_type"].map(order), _m=out["measure"].map(meas)).sort_values(
        ["_p", "period", "unit", "_m"], kind="stable").drop(columns=["_p", "_m"])
    return DossierResults(table=out.loc[:, list(RESULT_COLUMNS)].reset_index(drop=True),
                          not_computed=not_computed, as_of=dossiers.as_of, methodology=m)


def _decorate(t: pd.DataFrame, m: Qd766Methodology, specs: dict[str, RatioSpec | MeasureSpec],
              names: dict[str, str], as_of_day: pd.Timestamp) -> pd.DataFrame:
    is_days = t["measure"] == "mean_handling_days"
    value = np.where(is_days, t["num"] / t["den"], 100.0 * t["num"] / t["den"])
    rows = []
    for name, spec in specs.items():
        sel = t["measure"] == name
        if not sel.any():
            continue
        g = t[sel]
        if isinstance(spec, RatioSpec):
            kind, verified = "ratio", spec.verified and spec.period_verified
            pts = spec.points
            points = pts.convert(value[sel.to_numpy()])
            max_points, p_verified = pts.max_points, pts.verified
            note_en = (f"formula of QĐ 766/QĐ-TTg; counted by {spec.period_date} (toolkit's choice, "
                       "unverified)"
                       + ("" if pts.method else "; points: conversion not found, not computed"))
            note_vi = (f"công thức theo QĐ 766/QĐ-TTg; tính theo {_DATE_VI[spec.period_date]} "
                       "(lựa chọn của bộ công cụ, chưa đối chiếu)"
                       + ("" if pts.method else "; điểm: chưa tìm thấy cách quy đổi, chưa tính"))
        else:
            kind, verified = "measure", spec.verified
            points = np.full(len(g), np.nan)
            max_points, p_verified = None, False
            note_en = f"toolkit's definition (unverified); counted by {spec.period_date}"
            note_vi = (f"định nghĩa của bộ công cụ (chưa đối chiếu); tính theo "
                       f"{_DATE_VI[spec.period_date]}")
        rows.append(pd.DataFrame({
            "unit": g["unit"].to_numpy(), "unit_name": g["unit"].map(lambda u: names.get(u, "")).to_numpy(),
            "period_type": g["period_type"].to_numpy(), "period": g["period"].to_numpy(),
            "period_start": g["start"].to_numpy(), "period_end": g["end"].to_numpy(),
            "partial_period": (g["end"] > as_of_day).to_numpy(),
            "measure": name, "kind": kind, "label_vi": spec.label.vi,
            "label_en": spec.label.en or spec.label.vi,
            "numerator": g["num"].to_numpy(), "denominator": g["den"].to_numpy(),
            "value": value[sel.to_numpy()],
            "unit_of_measure": "days" if name == "mean_handling_days" else "percent",
            "points": points, "max_points": np.nan if max_points is None else float(max_points),
            "verified": verified, "points_verified": p_verified, "source": spec.source.strip(),
            "source_url": spec.source_url, "note_vi": note_vi, "note_en": note_en,
        }))
    if not rows:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    return pd.concat(rows, ignore_index=True)


_DATE_VI = {"received": "ngày tiếp nhận", "due": "ngày hẹn trả", "returned": "ngày trả kết quả",
            "feedback_due": "hạn trả lời PAKN", "feedback_answered": "ngày trả lời PAKN"}


def _group_points(out: pd.DataFrame, m: Qd766Methodology) -> pd.DataFrame:
    """The group's points = the sum of the three ratios' points, where all three have them."""
    r = out[out["kind"] == "ratio"]
    if r.empty or not any(spec.points.method for spec in m.ratios.values()):
        return out
    key = ["unit", "unit_name", "period_type", "period", "period_start", "period_end",
           "partial_period"]
    wide = r.set_index([*key, "measure"])["points"].unstack("measure")
    have = [c for c in RATIOS if c in wide.columns]
    complete = len(have) == len(RATIOS)
    total = wide[have].sum(axis=1, min_count=len(RATIOS)) if complete else pd.Series(
        np.nan, index=wide.index)
    declared = {str(c) for c, spec in m.ratios.items() if spec.points.method}
    missing = [c for c in RATIOS if c not in declared]
    note_en = ("sum of the three ratios' points" if not missing else
               "not computed: no points conversion for " + ", ".join(missing))
    note_vi = ("tổng điểm của ba tỷ lệ" if not missing else
               "chưa tính: chưa có cách quy đổi điểm của " + ", ".join(missing))
    g = total.rename("points").reset_index()
    grp = pd.DataFrame({
        **{k: g[k] for k in key}, "measure": GROUP_POINTS, "kind": "points",
        "label_vi": f"Điểm nhóm {m.group.label.vi}", "label_en": f"{m.group.label.en} points",
        "numerator": np.nan, "denominator": np.nan, "value": g["points"],
        "unit_of_measure": "points", "points": g["points"], "max_points": m.group.max_points,
        "verified": False,
        "points_verified": all(spec.points.verified for c, spec in m.ratios.items() if c in have),
        "source": m.group.source.strip(), "source_url": m.group.source_url,
        "note_vi": note_vi, "note_en": note_en,
    })
    return pd.concat([out, grp], ignore_index=True)
