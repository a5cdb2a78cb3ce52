"""The dossier part of ``cchc-survey demo``: a dossier list consistent with the demo survey, read
back like a real export, the QĐ 766 measures and the survey-vs-dossiers tracking table.

Consistent with the survey: the same units (the one-stop instrument's unit scale, written by name
as an export does), the same months, and each unit's dossiers drawn with the quality the survey
finds for it (its overall index over the period), so a unit the survey rates lower also has more
late dossiers and more "Không hài lòng" on the portal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..instrument import Instrument
from ..report.tables import write_csv
from .generate import DossierDemo, demo_column_map, generate_dossiers, write_dossier_export
from .qd766 import DossierResults, qd766_results
from .read import DossierList, read_dossiers
from .tracking import survey_vs_dossiers


@dataclass(frozen=True)
class DemoDossiers:
    """What the dossier demo wrote and computed."""

    dossiers: DossierList
    results: DossierResults
    tracking: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)


def run_dossier_demo(instrument: Instrument, scores: pd.DataFrame, unit_wave: pd.DataFrame,
                     raw_dir: str | Path, out_dir: str | Path, *, start: str = "2026-01-05",
                     months: int = 6, seed: int = 20260101) -> DemoDossiers:
    """Generate, write, read back and compute (see the module docstring).

    Args:
        instrument: the survey's instrument (its unit scale gives the units).
        scores: the survey's score table (the overall index by unit sets each unit's quality).
        unit_wave: the survey's unit x month cells (for the tracking table).
        raw_dir: where the export goes (``danh_sach_ho_so.xlsx``), as a downloaded file would.
        out_dir: where the tables go: ``dossiers_qd766.csv`` (every unit, period type and
            measure), ``dossiers_rejected.csv`` (the rows the read rejected, with reasons) and
            ``sipas_vs_dossiers_by_month.csv`` (the tracking table).
        start, months, seed: the survey's fieldwork start, its number of monthly waves, a seed.
    """
    unit_var = instrument.design.unit
    scale = instrument.scale_of(unit_var)
    if scale is None:
        raise KeyError(f"instrument {instrument.id} has no unit scale")
    units = {str(o.code): o.vi for o in scale.options}
    top = instrument.methodology.components[0].id
    by_unit = scores[(scores["code"] == top) & (scores["group_var"] == unit_var)]
    quality = {str(k): float(v) for k, v in
               (by_unit.set_index("group_value")["estimate"] / 100.0).clip(0, 1).items()}
    frame = generate_dossiers(DossierDemo(units=units, start=start, months=months,
                                          quality=quality, seed=seed,
                                          n_per_unit={c: 400 + 60 * k for k, c in enumerate(units)}))
    end = (pd.Timestamp(start) + pd.DateOffset(months=months)).replace(day=1) - pd.Timedelta(days=1)
    raw = write_dossier_export(frame, Path(raw_dir) / "danh_sach_ho_so.xlsx",
                               title="DANH SÁCH HỒ SƠ TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
                               period=f"Từ ngày {pd.Timestamp(start):%d/%m/%Y} đến ngày {end:%d/%m/%Y}")
    dossiers = read_dossiers(raw, demo_column_map(units))
    results = qd766_results(dossiers)
    tracking = survey_vs_dossiers(unit_wave, results, code=top)
    out = Path(out_dir)
    paths = {
        "dossiers:export": raw,
        "dossiers:qd766": write_csv(results.table, out / "dossiers_qd766.csv", lang=None),
        "dossiers:rejected": write_csv(dossiers.rejected, out / "dossiers_rejected.csv", lang=None),
        "dossiers:tracking": write_csv(tracking, out / "sipas_vs_dossiers_by_month.csv", lang=None),
    }
    return DemoDossiers(dossiers=dossiers, results=results, tracking=tracking, paths=paths)
