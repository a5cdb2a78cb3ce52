"""Synthetic report inputs (made-up numbers) for tests, previews and documentation.

The numbers are drawn from a seeded random generator: they show the report's shape and say
nothing about any real unit. Every label is real Vietnamese with diacritics, and some rows are
marked unverified so the caveats show.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from ..scoretable import score_table
from .inputs import Provenance, ReportInputs, WeightingReport

_ELEMENTS = [
    ("E1", "Tiếp cận dịch vụ hành chính công", "Access to the public administrative service"),
    ("E2", "Thủ tục hành chính", "Administrative procedures"),
    ("E3", "Công chức trực tiếp giải quyết công việc", "The civil servant who handled the case"),
    ("E4", "Kết quả cung ứng dịch vụ hành chính công", "Result of the public administrative service"),
    ("E5", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
     "Receiving and handling feedback and petitions"),
]
_CRITERIA = [
    ("E1.1", "Nơi ngồi chờ có đủ chỗ ngồi", "Enough seats in the waiting area"),
    ("E1.2", "Trang thiết bị đầy đủ", "Equipment is sufficient"),
    ("E2.1", "TTHC được niêm yết công khai đầy đủ", "Procedures are publicly posted in full"),
    ("E2.4", "Phí, lệ phí đúng quy định", "Fees and charges are as regulated"),
    ("E3.1", "Thái độ giao tiếp lịch sự", "Courteous manner"),
    ("E3.4", "Hướng dẫn kê khai tận tình, chu đáo", "Guides the application thoroughly"),
    ("E4.1", "Kết quả đúng quy định", "The result is as regulated"),
    ("E5.2", "Dễ dàng thực hiện góp ý", "Giving feedback is easy"),
]
_UNITS = [("U01", "Sở Tài chính"), ("U02", "Sở Nội vụ"), ("U03", "Sở Xây dựng"),
          ("U04", "Sở Nông nghiệp và Môi trường"), ("U05", "Sở Tư pháp"), ("U06", "Sở Y tế")]
_ANSWERS = [("1", "Rất không hài lòng", "Very dissatisfied"),
            ("2", "Không hài lòng", "Dissatisfied"), ("3", "Bình thường", "Neutral"),
            ("4", "Hài lòng", "Satisfied"), ("5", "Rất hài lòng", "Very satisfied")]
_SOURCE = "Thực tiễn địa phương; chưa đối chiếu Phụ lục QĐ 2640/QĐ-BNV"


def _rows(rng: np.random.Generator, codes: list[tuple[str, str, str]], level: str,
          n: int, **extra: str) -> list[dict[str, object]]:
    est = rng.uniform(68, 95, len(codes))
    se = rng.uniform(1.2, 3.5, len(codes))
    deff = rng.uniform(1.1, 1.8, len(codes))
    return [
        {"index": "SIPAS", "instrument": "sipas_one_stop", "variant": "criteria",
         "level": level, "code": c, "label_vi": vi, "label_en": en, "estimate": e, "se": s,
         "ci_low": e - 1.96 * s, "ci_high": min(100.0, e + 1.96 * s), "ci_level": 0.95,
         "df": n - 1.0, "n": n, "n_eff": n / d, "deff": d, "unit": "percent",
         "method": "taylor", "source": _SOURCE, "verified": False, **extra}
        for (c, vi, en), e, s, d in zip(codes, est, se, deff, strict=True)
    ]


def example_scores(seed: int = 7) -> dict[str, pd.DataFrame]:
    """Synthetic score tables: ``SIPAS`` (percent, unverified) and ``PAPI`` (points, verified)."""
    rng = np.random.default_rng(seed)
    rows = _rows(rng, [("SIPAS", "Chỉ số hài lòng về sự phục vụ hành chính",
                        "Satisfaction index of administrative service")], "index", 412)
    rows += _rows(rng, _ELEMENTS, "element", 412)
    rows += _rows(rng, _CRITERIA, "criterion", 405)
    for code, name in _UNITS:
        rows += _rows(rng, _CRITERIA, "criterion", 68, group_var="donvi", group_value=code,
                      group_label_vi=name)
    for wave in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"):
        rows += _rows(rng, _ELEMENTS, "element", 103, group_var="wave", group_value=wave,
                      group_label_vi=f"Quý {wave[-1]}/{wave[:4]}",
                      group_label_en=f"Q{wave[-1]} {wave[:4]}")
    shares = rng.dirichlet([1, 2, 4, 8, 5], len(_CRITERIA)) * 100
    for (code, vi, en), share in zip(_CRITERIA, shares, strict=True):
        for (a, avi, aen), p in zip(_ANSWERS, share, strict=True):
            rows.append({"index": "SIPAS", "instrument": "sipas_one_stop", "level": "item",
                         "code": code, "label_vi": vi, "label_en": en, "group_var": "answer",
                         "group_value": a, "group_label_vi": avi, "group_label_en": aen,
                         "estimate": p, "n": 405, "unit": "percent", "method": "unweighted",
                         "source": _SOURCE, "verified": False})
    papi_dims = [("D1", "Tham gia của người dân ở cấp cơ sở", "Participation at local levels"),
                 ("D2", "Công khai, minh bạch trong việc ra quyết định", "Transparency"),
                 ("D3", "Trách nhiệm giải trình với người dân", "Vertical accountability"),
                 ("D4", "Kiểm soát tham nhũng trong khu vực công", "Control of corruption"),
                 ("D5", "Thủ tục hành chính công", "Public administrative procedures"),
                 ("D6", "Cung ứng dịch vụ công", "Public service delivery")]
    est = rng.uniform(4.5, 7.5, len(papi_dims))
    se = rng.uniform(0.05, 0.2, len(papi_dims))
    papi = [{"index": "PAPI", "instrument": "papi_local", "level": "dimension", "code": c,
             "label_vi": vi, "label_en": en, "estimate": e, "se": s, "ci_low": e - 1.96 * s,
             "ci_high": e + 1.96 * s, "ci_level": 0.95, "n": 300, "n_eff": 240.0, "deff": 1.25,
             "unit": "points", "method": "taylor",
             "source": "PAPI 2023, Phụ lục phương pháp", "verified": True}
            for (c, vi, en), e, s in zip(papi_dims, est, se, strict=True)]
    return {"SIPAS": score_table(rows), "PAPI": score_table(papi)}


def example_inputs(free_texts: pd.Series | None = None, seed: int = 7) -> ReportInputs:
    """Synthetic :class:`ReportInputs` with every optional part filled in."""
    rng = np.random.default_rng(seed + 1)
    scores = example_scores(seed)
    comp_codes = _ELEMENTS
    surv = rng.uniform(75, 92, len(comp_codes))
    off = rng.uniform(78, 90, len(comp_codes))
    se = rng.uniform(1.5, 3.0, len(comp_codes))
    diff = surv - off
    comparison = pd.DataFrame({
        "component": [c for c, _, _ in comp_codes], "label_vi": [v for _, v, _ in comp_codes],
        "label_en": [e for _, _, e in comp_codes], "index": "SIPAS", "province": "Quảng Ninh",
        "year": 2024, "survey_estimate": surv, "survey_ci_low": surv - 1.96 * se,
        "survey_ci_high": surv + 1.96 * se, "official": off, "difference": diff,
        "diff_ci_low": diff - 1.96 * se, "diff_ci_high": diff + 1.96 * se,
        "significant": np.abs(diff) > 1.96 * se, "unit": "percent",
        "official_source": "Báo cáo SIPAS 2024 (Bộ Nội vụ), Bảng 5", "verified": False,
    })
    checks = pd.DataFrame({
        "rule": ["out_of_scale", "duplicate_respondent", "speeder", "incomplete"],
        "row": [12, 31, 44, 52], "column": ["TC_A2", "", "", "CC_A4"],
        "value": ["9", "", "61 giây", ""],
        "severity": ["error", "warning", "warning", "info"],
        "message": ["Mã trả lời ngoài thang đo 1–5", "Phiếu trùng với dòng 30",
                    "Thời gian trả lời quá ngắn", "Phiếu chưa hoàn thành"],
    })
    weighting = WeightingReport(
        table=pd.DataFrame({
            "margin": ["gioitinh", "gioitinh", "tuoi", "tuoi", "tuoi"],
            "cell": ["Nam", "Nữ", "18–34", "35–54", "55+"],
            "target": [0.49, 0.51, 0.35, 0.40, 0.25],
            "achieved": [0.49, 0.51, 0.35, 0.40, 0.25]}),
        summary={"iterations": 6, "converged": True, "min_weight": 0.52, "max_weight": 2.31,
                 "cv_weight": 0.38, "deff_kish": 1.14, "n_eff": 361.4})
    codebook = pd.DataFrame({
        "column": ["GIOITINH", "GIOITINH", "TC_A1", "TC_A1", "TC_A1", "TC_A1", "TC_A1"],
        "question_vi": ["Giới tính", "Giới tính"] + ["Nơi ngồi chờ có đủ chỗ ngồi"] * 5,
        "code": ["F", "M", "1", "2", "3", "4", "5"],
        "label_vi": ["Nữ", "Nam"] + [vi for _, vi, _ in _ANSWERS],
        "label_en": ["Female", "Male"] + [en for _, _, en in _ANSWERS],
    })
    provenance = [
        Provenance("Ngưỡng “hài lòng”: mức 4 và 5 trên thang 5 mức",
                   "Thực tiễn khảo sát của các bộ, ngành", verified=False,
                   url="https://plo.vn/thoi-su/bo-cong-an-khao-sat-su-hai-long-cua-nguoi-dan-972866.html",
                   what_en="'Satisfied' threshold: levels 4 and 5 of 5"),
        Provenance("Cấu trúc 5 yếu tố, 22 tiêu chí của SIPAS",
                   "Quyết định 2640/QĐ-BNV ngày 10/10/2017", verified=False,
                   what_en="SIPAS structure: 5 elements, 22 criteria"),
        Provenance("Các nội dung và thang điểm PAPI", "Báo cáo PAPI 2023, Phụ lục",
                   verified=True, what_en="PAPI dimensions and point scale"),
    ]
    return ReportInputs(
        title="Khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của "
              "cơ quan hành chính nhà nước năm 2024",
        organisation="Sở Nội vụ tỉnh Quảng Ninh", parent_organisation="UBND tỉnh Quảng Ninh",
        place="Quảng Ninh", period="Năm 2024", date=_dt.date(2024, 12, 20),
        doc_symbol="BC-SNV", scores=scores, comparison=comparison, checks=checks,
        weighting=weighting, codebook=codebook, free_texts=free_texts,
        free_text_question="Ông/bà có góp ý gì để nâng cao chất lượng phục vụ?",
        provenance=provenance)
