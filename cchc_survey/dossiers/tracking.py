"""A unit's survey satisfaction beside its dossier ratings, month by month.

The survey (a sample of the people served, with design-based intervals) and the dossier list (a
census of the dossiers, with the citizens' own ratings on the portal) measure different things:
the survey's share satisfied with the service, and QĐ 766's share of dossiers *without* a "không
hài lòng" rating or a PAKN (an unrated dossier counts as satisfied). The table puts them side by
side with their counts, never subtracts one from the other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import CchcSurveyError
from ..text import fold
from .qd766 import DossierResults, PeriodType

DEFAULT_MEASURES: tuple[str, ...] = (
    "dossier_satisfaction", "rated_share", "rated_satisfied_share", "on_time_rate",
    "mean_handling_days", "feedback_on_time", "feedback_satisfaction",
)

TRACKING_COLUMNS_HEAD: tuple[str, ...] = (
    "unit", "unit_label_vi", "unit_label_en", "period", "survey_code", "survey_label_vi",
    "survey_estimate", "survey_ci_low", "survey_ci_high", "survey_n", "survey_unit",
    "survey_verified", "n_dossiers",
)
"""The first columns of :func:`survey_vs_dossiers`; then, for each measure, ``<measure>`` (its
value) and ``<measure>_n`` (its denominator), then ``partial_period`` and the notes."""


class TrackingError(CchcSurveyError):
    """The survey and dossier tables cannot be put side by side."""


def survey_vs_dossiers(unit_wave: pd.DataFrame, dossiers: DossierResults | pd.DataFrame, *,
                       code: str, measures: Sequence[str] = DEFAULT_MEASURES,
                       period_type: PeriodType = "month") -> pd.DataFrame:
    """One row per unit and period: the survey's estimate of ``code`` and the dossier measures.

    Args:
        unit_wave: the survey's unit x wave cells (:func:`cchc_survey.indices.score.unit_wave_table`:
            ``code, unit, unit_label_vi, unit_label_en, wave, estimate, ci_low, ci_high, n,
            unit_of_measure, verified``); its waves must be of ``period_type`` (``2026-01``).
        dossiers: :func:`~.qd766.qd766_results` (or its table).
        code: the survey component shown (e.g. ``SIPAS``).
        measures: the dossier measures shown, in this order.
        period_type: the dossier periods matched with the waves.

    Units are matched by code (the column map's ``units`` turns the export's names into the
    survey's codes), else by name without diacritics; a unit or a month with only one of the two
    sources keeps its row with the other side empty. The all-units rows of the dossier table are
    left out (the survey's cells are per unit).

    Raises:
        TrackingError: no survey row for ``code``, or no dossier row of ``period_type``.
    """
    table = dossiers.table if isinstance(dossiers, DossierResults) else dossiers
    s = unit_wave[unit_wave["code"] == code]
    if s.empty:
        raise TrackingError(f"the survey table has no rows for code {code!r}; codes: "
                            f"{sorted(unit_wave['code'].unique())[:12]}")
    d = table[(table["period_type"] == period_type) & (table["unit"] != "")]
    if d.empty:
        raise TrackingError(f"the dossier results have no unit rows by {period_type}")
    by_code = {str(u): str(u) for u in s["unit"].unique()}
    by_name = {fold(str(lab)): str(u) for u, lab in zip(s["unit"], s["unit_label_vi"],
                                                         strict=True)}
    unit = d["unit"].map(lambda u: by_code.get(str(u), by_name.get(fold(str(u)), str(u))))
    d = d.assign(unit=unit)
    wide_v = d.pivot_table(index=["unit", "period"], columns="measure", values="value",
                           aggfunc="first")
    wide_n = d.pivot_table(index=["unit", "period"], columns="measure", values="denominator",
                           aggfunc="first")
    partial = d.groupby(["unit", "period"])["partial_period"].any()
    survey = s.set_index(["unit", "wave"]).rename_axis(["unit", "period"])
    keys = survey.index.union(wide_v.index)
    out = pd.DataFrame(index=keys).reset_index()
    sv = survey.reindex(keys)
    labels = s.drop_duplicates("unit").set_index("unit")
    out["unit_label_vi"] = out["unit"].map(labels["unit_label_vi"]).fillna(
        out["unit"].map(d.drop_duplicates("unit").set_index("unit")["unit_name"])).fillna("")
    out["unit_label_en"] = out["unit"].map(labels["unit_label_en"]).fillna(out["unit_label_vi"])
    out["survey_code"] = code
    out["survey_label_vi"] = s["label_vi"].iloc[0]
    for src, dst in (("estimate", "survey_estimate"), ("ci_low", "survey_ci_low"),
                     ("ci_high", "survey_ci_high"), ("n", "survey_n"),
                     ("unit_of_measure", "survey_unit"), ("verified", "survey_verified")):
        out[dst] = sv[src].to_numpy()
    out["survey_n"] = pd.to_numeric(out["survey_n"]).astype("Int64")
    wv = wide_v.reindex(keys)
    wn = wide_n.reindex(keys)
    first = measures[0] if measures else ""
    out["n_dossiers"] = pd.array(wn[first].to_numpy() if first in wn else np.full(len(out), np.nan),
                                 dtype="Float64").astype("Int64")
    for m in measures:
        out[m] = wv[m].to_numpy() if m in wv else np.nan
        out[f"{m}_n"] = pd.array(wn[m].to_numpy() if m in wn else np.full(len(out), np.nan),
                                 dtype="Float64").astype("Int64")
    out["partial_period"] = partial.reindex(keys).fillna(False).astype(bool).to_numpy()
    # a month with neither survey responses nor returned dossiers (only a PAKN due then) is left
    # out: it stays in the dossier table
    out = out[out["survey_n"].notna() | out["n_dossiers"].notna()].reset_index(drop=True)
    flags = {
        "no_dossiers": out["n_dossiers"].isna().to_numpy(),
        "no_survey": out["survey_n"].isna().to_numpy(),
        "no_estimate": out["survey_n"].notna().to_numpy() & out["survey_estimate"].isna().to_numpy(),
        "partial": out["partial_period"].to_numpy(),
    }
    texts = {
        "no_dossiers": ("không có hồ sơ trả kết quả trong kỳ", "no dossier returned in the period"),
        "no_survey": ("không có phiếu khảo sát trong kỳ", "no survey responses in the period"),
        "no_estimate": ("chưa tính được ước lượng khảo sát (thiếu câu trả lời cho một thành phần)",
                        "the survey estimate cannot be computed (a component has no answers)"),
        "partial": ("kỳ chưa kết thúc", "period not over"),
    }
    for lang, k in (("vi", 0), ("en", 1)):
        notes = [np.where(flags[f], texts[f][k], "") for f in texts]
        out[f"note_{lang}"] = ["; ".join(x for x in row if x) for row in zip(*notes, strict=True)]
    return out.sort_values(["unit", "period"], kind="stable").reset_index(drop=True)
