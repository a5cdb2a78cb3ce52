"""A deterministic, realistic dossier list for the demo, written as a provincial system exports it.

The list covers the demo survey's units (same codes, written by name as an export does) and the
same months. For every dossier: a procedure of the unit's field with a processing limit in days
(made up for the demo, not the legal limits), the date received (working hours), the due date,
the date returned (late more often in a unit the survey finds less satisfying; not yet returned
near the end of the period), the status, the citizen's rating (about 40 % rate; "Không hài lòng"
more often when late or in a weaker unit), and now and then a feedback (PAKN) with its deadline,
answer date, rating and complaint. The file has what real exports have: a title above the header,
dates in several Vietnamese forms, a few dossiers repeated exactly, a total line at the bottom.

Everything is drawn in vectorised numpy from one seed: the same arguments give the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .columns import FIELDS, ColumnMap, load_column_map

PROCEDURES: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "U01": ("Đăng ký doanh nghiệp", (("Đăng ký thành lập doanh nghiệp", 3),
                                     ("Đăng ký thay đổi nội dung đăng ký doanh nghiệp", 3))),
    "U02": ("Lao động, việc làm, người có công", (
        ("Giải quyết chế độ trợ cấp đối với người có công", 20),
        ("Cấp giấy phép lao động cho người nước ngoài", 5))),
    "U03": ("Xây dựng", (("Cấp giấy phép xây dựng", 20), ("Thẩm định thiết kế xây dựng", 30))),
    "U04": ("Đất đai", (("Đăng ký biến động quyền sử dụng đất", 10),
                        ("Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", 30))),
    "U05": ("Tư pháp, hộ tịch", (("Cấp phiếu lý lịch tư pháp", 10),
                                 ("Chứng thực bản sao từ bản chính", 1))),
    "U06": ("Y tế", (("Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", 20),
                     ("Cấp giấy phép hoạt động cơ sở khám bệnh, chữa bệnh", 30))),
}
"""Demo fields and procedures by unit code, with made-up processing limits (days)."""
_OTHER = ("Lĩnh vực khác", (("Thủ tục hành chính khác", 7),))

FEEDBACK_TEXTS = (
    "Hồ sơ quá hạn nhưng chưa được thông báo lý do",
    "Đề nghị hướng dẫn rõ thành phần hồ sơ cần bổ sung",
    "Cán bộ tiếp nhận yêu cầu nộp thêm giấy tờ không có trong quy định",
    "Không liên hệ được bộ phận một cửa qua điện thoại",
    "Kết quả trả sai thông tin, đề nghị đính chính",
)


@dataclass(frozen=True)
class DossierDemo:
    """The generator's settings.

    Attributes:
        units: unit code -> the unit's name as the export writes it.
        start: first day of the period (the survey's fieldwork start).
        months: number of months (the survey's waves).
        n_per_unit: dossiers received per unit in the period (one number, or per code).
        quality: unit code -> a 0-1 quality (e.g. the survey's share satisfied / 100); 0.8 if
            not given. Lower quality: more late dossiers, more "Không hài lòng", more PAKN.
        seed: the random seed.
        p_duplicate: share of dossiers the export repeats exactly.
    """

    units: Mapping[str, str]
    start: str = "2026-01-05"
    months: int = 6
    n_per_unit: int | Mapping[str, int] = 600
    quality: Mapping[str, float] = field(default_factory=dict)
    seed: int = 20260101
    p_duplicate: float = 0.004


def _fmt(ts: pd.Series, forms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dates as text, each row in one of the Vietnamese forms ``forms`` picks (0..4)."""
    out = np.full(len(ts), "", dtype=object)
    ok = ts.notna().to_numpy()
    texts = [ts.dt.strftime("%d/%m/%Y %H:%M"), ts.dt.strftime("%Y-%m-%d %H:%M:%S"),
             "ngày " + ts.dt.day.astype("Int64").astype(str) + " tháng "
             + ts.dt.strftime("%m") + " năm " + ts.dt.strftime("%Y"),
             ts.dt.strftime("%Hh%M %d/%m/%Y"), ts.dt.strftime("%d/%m/%Y")]
    for k, t in enumerate(texts):
        sel = ok & (forms == k)
        out[sel] = t.to_numpy(dtype=object)[sel]
    return out


def generate_dossiers(d: DossierDemo) -> pd.DataFrame:
    """The dossier list as an export holds it: one text column per default header of
    :data:`~.columns.FIELDS`, rows in the order received (repeats beside their original)."""
    rng = np.random.default_rng(d.seed)
    codes = list(d.units)
    counts = np.array([d.n_per_unit if isinstance(d.n_per_unit, int)
                       else int(d.n_per_unit.get(c, 600)) for c in codes])
    unit_idx = np.repeat(np.arange(len(codes)), counts)
    n = int(counts.sum())
    quality = np.array([float(d.quality.get(c, 0.8)) for c in codes])[unit_idx]
    start = pd.Timestamp(d.start).normalize()
    end = (start + pd.DateOffset(months=d.months)).replace(day=1) - pd.Timedelta(days=1)
    days = (end - start).days + 1
    day = rng.integers(0, days, n)
    minute = rng.integers(7 * 60 + 30, 16 * 60 + 30, n)
    received = pd.Series(start + pd.to_timedelta(day, unit="D") + pd.to_timedelta(minute, unit="m"))
    pick = (rng.random(n) < 0.3).astype(int)
    field_of = np.array([PROCEDURES.get(c, _OTHER)[0] for c in codes], dtype=object)[unit_idx]
    # a (unit, procedure) table: the main procedure, and a second one where the unit has one
    procs = [PROCEDURES.get(c, _OTHER)[1] for c in codes]
    names_tab = np.array([[p[0][0], p[-1][0]] for p in procs], dtype=object)
    limit_tab = np.array([[p[0][1], p[-1][1]] for p in procs])
    proc, limit = names_tab[unit_idx, pick], limit_tab[unit_idx, pick]
    due = received.dt.normalize() + pd.to_timedelta(limit, unit="D")
    late = rng.random(n) < (0.02 + 0.2 * (1 - quality))
    early_days = np.floor(rng.uniform(0.2, 1.0, n) * limit)
    late_days = limit + 1 + np.floor(rng.gamma(2.0, 2.0, n))
    took = np.where(late, late_days, early_days)
    back_minute = rng.integers(8 * 60, 17 * 60, n)
    returned = (received.dt.normalize() + pd.to_timedelta(took, unit="D")
                + pd.to_timedelta(back_minute, unit="m"))
    returned = returned.where(returned > received, received + pd.Timedelta(hours=2))
    as_of = end + pd.Timedelta(hours=17)
    withdrawn = rng.random(n) < 0.008
    open_ = (returned > as_of) & ~withdrawn
    status = np.where(withdrawn, "Rút hồ sơ", np.where(open_, "Đang xử lý", "Đã trả kết quả"))
    returned = returned.where(~open_ & ~withdrawn)
    rated = (rng.random(n) < 0.4) & (status == "Đã trả kết quả")
    u = rng.random(n)
    p_bad = 0.02 + 0.25 * (1 - quality) + 0.3 * late
    p_very = 0.5 * quality
    rating = np.where(~rated, "", np.where(u < p_bad, "Không hài lòng",
                                           np.where(u < p_bad + p_very, "Rất hài lòng",
                                                    "Hài lòng")))
    has_fb = rng.random(n) < (0.01 + 0.1 * late + 0.03 * (1 - quality))
    fb_text = np.where(has_fb, np.array(FEEDBACK_TEXTS, dtype=object)[
        rng.integers(0, len(FEEDBACK_TEXTS), n)], "")
    fb_day = received.dt.normalize() + pd.to_timedelta(np.floor(rng.uniform(0, 1, n) * (took + 1)),
                                                       unit="D")
    fb_due = fb_day + pd.Timedelta(days=10)
    fb_late = rng.random(n) < (0.08 + 0.3 * (1 - quality))
    fb_took = np.where(fb_late, 11 + np.floor(rng.gamma(2.0, 3.0, n)),
                       1 + np.floor(rng.uniform(0, 9, n)))
    fb_answered = fb_day + pd.to_timedelta(fb_took, unit="D") + pd.Timedelta(hours=10)
    fb_answered = fb_answered.where(has_fb & (fb_answered <= as_of))
    fb_rated = has_fb & fb_answered.notna().to_numpy() & (rng.random(n) < 0.6)
    fb_rating = np.where(~fb_rated, "", np.where(rng.random(n) < 0.2 + 0.3 * fb_late,
                                                 "Không hài lòng", "Hài lòng"))
    complaint = np.where(has_fb & (rng.random(n) < 0.06 + 0.2 * fb_late), "Có", "")
    forms = rng.choice(5, n, p=[0.55, 0.2, 0.07, 0.08, 0.1])
    names = np.array([d.units[c] for c in codes], dtype=object)[unit_idx]
    serial = pd.Series(rng.permutation(n) + 1).astype(str).str.zfill(6)
    code = (pd.Series(np.array(codes, dtype=object)[unit_idx]) + "."
            + received.dt.strftime("%y").reset_index(drop=True) + "." + serial).to_numpy(dtype=object)
    cols = {
        "code": code, "procedure": proc, "field": field_of, "unit": names,
        "received": _fmt(received, forms, rng),
        "due": due.dt.strftime("%d/%m/%Y").to_numpy(dtype=object),
        "returned": _fmt(returned, forms, rng), "status": status, "rating": rating,
        "feedback": fb_text,
        "feedback_due": pd.Series(fb_due).where(has_fb).dt.strftime("%d/%m/%Y").fillna("").to_numpy(
            dtype=object),
        "feedback_answered": _fmt(pd.Series(fb_answered), forms, rng),
        "feedback_rating": fb_rating, "complaint": complaint, "feedback_in_scope": "",
    }
    frame = pd.DataFrame({FIELDS[k].header: v for k, v in cols.items()})
    frame = frame.assign(_t=received.to_numpy()).sort_values("_t", kind="stable").drop(
        columns="_t").reset_index(drop=True)
    dup = np.flatnonzero(rng.random(len(frame)) < d.p_duplicate)
    order = np.sort(np.concatenate([np.arange(len(frame)), dup]), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def write_dossier_export(frame: pd.DataFrame, path: str | Path, *, title: str,
                         period: str) -> Path:
    """Write ``frame`` as an Excel export: a title and a period line above the header, the
    dossiers, and a total line at the bottom (as one-stop systems write them)."""
    from openpyxl import Workbook

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách hồ sơ")
    ws.append([title])
    ws.append([period])
    ws.append([])
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    ws.append([f"Tổng cộng: {len(frame)} dòng"])
    tmp = p.with_suffix(p.suffix + ".tmp")
    wb.save(tmp)
    tmp.replace(p)
    return p


def demo_column_map(units: Mapping[str, str]) -> ColumnMap:
    """The bundled column map with the demo's units: unit name -> the survey's unit code."""
    base = load_column_map()
    return base.model_copy(update={"units": {name: code for code, name in units.items()},
                                   "path": "columns.yaml (bundled) + demo units"})
