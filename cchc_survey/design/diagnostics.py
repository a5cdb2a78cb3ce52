"""Weights that say when they hurt: extreme weight ratios, Kish's design effect of weighting,
calibration cells with few respondents, each against a declared threshold, with a trimming
bound offered.

The thresholds live in ``weight_checks.yaml`` (with their sources), never in this code:

* ``weight_ratio = max w / min w`` above ``max_weight_ratio``;
* Kish's design effect of weighting ``n sum w^2 / (sum w)^2`` (= ``1 + CV^2``, Kish 1992) above
  ``max_kish_deff``;
* a cell of a post-stratification, raking or calibration margin with fewer than
  ``min_cell_respondents`` respondents;

and, when weights are extreme, the suggestion ``design.trim(upper=trim_median_multiple x
median w)`` (Potter 1990), with what that would do to Kish's design effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .calibration import weight_summary
from .errors import WeightingError

if TYPE_CHECKING:
    from .model import SurveyDesign

DEFAULT_THRESHOLDS = Path(__file__).with_name("weight_checks.yaml")
CHECK_COLUMNS = ("check", "value", "threshold", "ok", "where", "message_vi", "message_en",
                 "suggestion")


@dataclass(frozen=True)
class WeightThresholds:
    """The declared thresholds (see the module doc) and where they come from."""

    max_weight_ratio: float
    max_kish_deff: float
    min_cell_respondents: float
    trim_median_multiple: float
    source: str
    verified: bool

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_THRESHOLDS) -> WeightThresholds:
        import yaml

        path = Path(path)
        try:
            d = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(max_weight_ratio=float(d["max_weight_ratio"]),
                       max_kish_deff=float(d["max_kish_deff"]),
                       min_cell_respondents=float(d["min_cell_respondents"]),
                       trim_median_multiple=float(d["trim_median_multiple"]),
                       source=str(d["source"]).strip(), verified=bool(d["verified"]))
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
            raise WeightingError(f"{path}: cannot read the weight thresholds ({exc!r}). Fix: "
                                 "give a YAML file shaped like the bundled weight_checks.yaml."
                                 ) from exc


def weight_checks(design: SurveyDesign,
                  thresholds: WeightThresholds | str | Path | None = None) -> pd.DataFrame:
    """One row per check (columns :data:`CHECK_COLUMNS`): the value, the threshold, whether it
    holds, where (the margin cell for cell checks) and what to do, in Vietnamese and English."""
    th = thresholds if isinstance(thresholds, WeightThresholds) else WeightThresholds.from_file(
        thresholds or DEFAULT_THRESHOLDS)
    w = design.weights
    s = weight_summary(w)
    ratio = s["max"] / s["min"]
    upper = th.trim_median_multiple * float(np.median(w))
    trimmed = design.trim(upper=upper) if s["max"] > upper else design
    kish_after = weight_summary(trimmed.weights)["kish_deff"]
    offer = (f"design.trim(upper={upper:.4g}) ({th.trim_median_multiple:g} x median weight): "
             f"Kish deff {s['kish_deff']:.2f} -> {kish_after:.2f}") if s["max"] > upper else ""
    rows = [
        {"check": "weight_ratio", "value": ratio, "threshold": th.max_weight_ratio,
         "ok": ratio <= th.max_weight_ratio, "where": "",
         "message_vi": f"Trọng số lớn nhất gấp {ratio:.1f} lần nhỏ nhất "
                       f"({s['min']:.3g} – {s['max']:.3g}; ngưỡng {th.max_weight_ratio:g})",
         "message_en": f"Largest weight is {ratio:.1f} times the smallest "
                       f"({s['min']:.3g} to {s['max']:.3g}; threshold {th.max_weight_ratio:g})",
         "suggestion": offer},
        {"check": "kish_deff", "value": s["kish_deff"], "threshold": th.max_kish_deff,
         "ok": s["kish_deff"] <= th.max_kish_deff, "where": "",
         "message_vi": f"Hệ số thiết kế do trọng số (Kish) {s['kish_deff']:.2f}: cỡ mẫu hiệu "
                       f"dụng {s['n_eff']:.0f} / {design.n} (ngưỡng {th.max_kish_deff:g})",
         "message_en": f"Kish design effect of weighting {s['kish_deff']:.2f}: effective sample "
                       f"size {s['n_eff']:.0f} of {design.n} (threshold {th.max_kish_deff:g})",
         "suggestion": offer},
    ]
    for step in design.history:
        mg = step.margins
        if "n_resp" not in mg.columns:
            continue
        for r in mg.itertuples(index=False):  # loop over margin cells, not respondents
            n_resp = int(float(r.n_resp))  # type: ignore[arg-type]
            if n_resp < th.min_cell_respondents:
                rows.append({
                    "check": "cell_respondents", "value": float(n_resp),
                    "threshold": th.min_cell_respondents, "ok": False,
                    "where": f"{step.method}: {r.margin} = {r.cell}",
                    "message_vi": f"Ô {r.margin} = {r.cell} chỉ có {n_resp} người trả lời "
                                  f"(ngưỡng {th.min_cell_respondents:g}): trọng số của ô dễ "
                                  "dao động; nên gộp với ô bên cạnh",
                    "message_en": f"Cell {r.margin} = {r.cell} has only {n_resp} respondents "
                                  f"(threshold {th.min_cell_respondents:g}): collapse it with a "
                                  "neighbouring cell",
                    "suggestion": "collapse the cell with a neighbouring one"})
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    out["ok"] = out["ok"].astype(bool)
    return out
