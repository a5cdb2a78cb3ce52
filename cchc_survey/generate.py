"""Deterministic demo responses for any instrument, written exactly as LimeSurvey exports them.

The generator draws a stratified two-stage sample (strata -> primary sampling units -> respondents)
with design weights, then answers for every item of the instrument:

* a respondent's latent satisfaction = unit effect + wave trend + PSU effect + person effect, plus
  a factor per question group (so items of one element correlate: Cronbach's alpha lands around
  0.8-0.95) and item noise;
* an item with a score function (or an ordered numeric scale) answers the code whose score is
  nearest the latent quality (reverse-keyed maps are therefore answered the right way round);
* profile items are drawn from fixed shares; hidden design items carry stratum, PSU and weight;
* "don't know" codes, item non-response, incomplete responses (pages not reached are empty) and
  filters (a filtered question is empty when its condition fails) are all present.

It writes the responses in the format of LimeSurvey's RemoteControl ``export_responses`` CSV with
code headings and short answers (UTF-8 BOM, ``;``, every field quoted, CRLF, ``Q[SQ]`` columns, a
trailing empty line), so the demo walks the same path as real data. Everything is vectorised: a
loop runs over items, never over respondents.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .instrument.model import Instrument, Item, Scale

META_COLUMNS = ("id", "submitdate", "lastpage", "startlanguage", "seed", "token", "startdate",
                "datestamp")

FREE_TEXTS = (
    "Cán bộ một cửa hướng dẫn rất nhiệt tình, cảm ơn!",
    "Thời gian chờ còn lâu; nên bố trí thêm quầy tiếp nhận.",
    'Đề nghị niêm yết rõ "phí, lệ phí" tại quầy.',
    "Nên có thêm ghế chờ\nvà nước uống cho người dân.",
    "=)) rất tốt, mong giữ vững",
    "Cổng dịch vụ công trực tuyến hay bị lỗi khi nộp hồ sơ 👍",
    "  Không có ý kiến thêm.  ",
    "Thủ tục đất đai còn phải bổ sung giấy tờ nhiều lần, mất thời gian đi lại.",
)
"""Free-text answers with the hard cases of real data: commas, semicolons, quotes, a newline,
leading/trailing spaces, an emoji and a value that starts with ``=`` (formula injection)."""


@dataclass(frozen=True)
class DemoDesign:
    """The sample design the generator draws.

    Attributes:
        n: number of responses.
        psu_per_stratum: primary sampling units drawn per stratum.
        months: number of monthly waves (from ``start``).
        start: first day of fieldwork.
        seed: random seed (the same seed gives the same file, byte for byte).
        p_incomplete: share of responses that stop before the last page.
        p_item_missing: share of item answers left empty.
        p_dont_know: share of answers on scales with a "don't know" code that use it.
    """

    n: int = 1200
    psu_per_stratum: int = 6
    months: int = 6
    start: str = "2026-01-05"
    seed: int = 20260101
    p_incomplete: float = 0.06
    p_item_missing: float = 0.03
    p_dont_know: float = 0.03
    unit_effects: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoData:
    """What the generator made: the export frame (strings, as LimeSurvey writes them) and truth."""

    export: pd.DataFrame
    truth: pd.DataFrame


def _code_scores(inst: Instrument, item: Item, scale: Scale) -> np.ndarray | None:
    """A number in [0, 1] per substantive code: how "good" the code is (None: not ordinal)."""
    sf = inst.score_function(item)
    codes = scale.codes
    if sf is not None:
        if sf.method == "map":
            vals = np.array([float(sf.values.get(c, np.nan)) for c in codes])
        elif sf.method == "indicator":
            hit = sf.codes if sf.codes is not None else (scale.satisfied.codes if scale.satisfied else [])
            is_hit = np.array([c in hit for c in codes])
            # indicator scores are coarse; use the ordinal position when the codes are numeric,
            # turned round when the counted codes are the low ones
            if all(isinstance(c, int) for c in codes) and is_hit.any() and (~is_hit).any():
                pos = np.array([float(c) for c in codes])
                vals = pos if pos[is_hit].mean() >= pos[~is_hit].mean() else -pos
            else:
                vals = is_hit.astype(float)
        else:  # linear: codes mapped from 'from' onto 'to' (a reversed 'to' reverses the order)
            f0, f1 = sf.from_ if sf.from_ is not None else (0.0, 1.0)
            t0, t1 = sf.to if sf.to is not None else (0.0, 1.0)
            vals = np.array([t0 + (t1 - t0) * (float(c) - f0) / (f1 - f0) for c in codes])
    elif scale.ordered and all(isinstance(c, int) for c in codes):
        vals = np.array([float(c) for c in codes])
    else:
        return None
    lo, hi = np.nanmin(vals), np.nanmax(vals)
    out = (vals - lo) / (hi - lo) if hi > lo else np.full(len(vals), 0.5)
    if item.reverse:
        out = 1.0 - out
    return out


def _draw_codes(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (n x K), vectorised."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random((probs.shape[0], 1))
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def _fmt_number(x: np.ndarray) -> np.ndarray:
    """Numbers as LimeSurvey exports a DECIMAL(30,10): trailing zeros stripped."""
    s = np.char.mod("%.4f", x)
    s = np.char.rstrip(np.char.rstrip(s, "0"), ".")
    return s


def generate(inst: Instrument, design: DemoDesign | None = None) -> DemoData:
    """Generate demo responses for ``inst`` (deterministic for a given ``design.seed``)."""
    d = design or DemoDesign()
    rng = np.random.default_rng(d.seed)
    n = d.n
    scales = inst.scales

    # --- sample design: strata = units (or 4 strata), PSUs inside strata ---------------------
    unit_item = inst.item(inst.design.unit) if inst.design.unit else None
    unit_codes = [str(c) for c in scales[unit_item.scale].codes] if unit_item else ["S1", "S2", "S3", "S4"]
    n_strata = len(unit_codes)
    stratum_idx = rng.integers(0, n_strata, n)
    psu_in_stratum = rng.integers(0, d.psu_per_stratum, n)
    psu_global = stratum_idx * d.psu_per_stratum + psu_in_stratum
    # population: PSU sizes vary; PSUs drawn with probability proportional to size; respondents
    # by simple random sampling inside the PSU -> weight = 1 / (pi1 * pi2)
    n_psu_pop = d.psu_per_stratum * 4
    psu_size = rng.gamma(4.0, 250.0, n_strata * d.psu_per_stratum)
    psu_stratum = np.repeat(np.arange(n_strata), d.psu_per_stratum)
    stratum_total: np.ndarray = np.bincount(psu_stratum, weights=psu_size)
    stratum_total = stratum_total * (n_psu_pop / d.psu_per_stratum)
    pi1 = np.minimum(d.psu_per_stratum * psu_size / np.repeat(stratum_total, d.psu_per_stratum), 1.0)
    taken = np.bincount(psu_global, minlength=n_strata * d.psu_per_stratum)
    pi2 = np.minimum(np.maximum(taken, 1) / psu_size, 1.0)
    weight = 1.0 / (pi1 * pi2)[psu_global]

    # --- time: waves are months ---------------------------------------------------------------
    start = pd.Timestamp(d.start).normalize()
    end = (start + pd.DateOffset(months=d.months)).replace(day=1)
    span = int((end - start).total_seconds()) - 86400
    start_s = np.sort(rng.integers(0, span, n)) + 7 * 3600
    startdate = start + pd.to_timedelta(start_s, unit="s")
    duration = rng.integers(150, 1500, n)
    month_idx = ((startdate.year - start.year) * 12 + startdate.month - start.month).to_numpy()

    # --- latent satisfaction -------------------------------------------------------------------
    effects = np.array([d.unit_effects.get(u, e) for u, e in
                        zip(unit_codes, rng.normal(0.0, 0.35, n_strata), strict=True)])
    psu_eff = rng.normal(0.0, 0.25, n_strata * d.psu_per_stratum)
    general = (effects[stratum_idx] + 0.06 * month_idx + psu_eff[psu_global]
               + rng.normal(0.0, 1.0, n))

    # --- incomplete responses: pages (groups) after lastpage are empty ------------------------
    groups = [g.code for g in inst.spec.groups]
    n_pages = len(groups)
    incomplete = rng.random(n) < d.p_incomplete
    lastpage = np.where(incomplete, rng.integers(1, max(n_pages, 2), n), n_pages)
    page_of = {g: i + 1 for i, g in enumerate(groups)}

    values: dict[str, np.ndarray] = {}
    truth: dict[str, np.ndarray] = {}
    group_factor = {g: rng.normal(0.0, 1.0, n) for g in groups}
    for item in inst.items:
        col = item.column
        reached = lastpage >= page_of[item.group]
        out = np.full(n, "", dtype=object)
        if item.id == inst.design.unit:
            out[:] = np.array(unit_codes, dtype=object)[stratum_idx]
        elif item.id == inst.design.stratum:
            out[:] = np.array([f"T{i + 1:02d}" for i in range(n_strata)], dtype=object)[stratum_idx]
        elif item.id == inst.design.cluster:
            out[:] = np.char.add(np.char.add("T", np.char.zfill((stratum_idx + 1).astype(str), 2)),
                                 np.char.add("-C", (psu_in_stratum + 1).astype(str))).astype(object)
        elif item.id == inst.design.weight:
            out[:] = _fmt_number(weight).astype(object)
        elif item.kind == "other":
            out[:] = ""  # filled below, for respondents who chose "other"
        elif item.type in {"L", "!", "F", "G", "Y"}:
            scale = scales[item.scale]
            codes = np.array([str(c) for c in scale.codes], dtype=object)
            goodness = _code_scores(inst, item, scale) if item.role == "item" else None
            if goodness is not None:
                z = 0.85 * general + 0.55 * group_factor[item.group] + 0.45 * rng.normal(0, 1, n)
                q = ndtr(0.9 * z + 0.75)  # mean quality ~0.7: most people satisfied
                dist = (goodness[None, :] - q[:, None]) ** 2
                probs = np.exp(-dist / (2 * 0.16**2))
                probs = np.nan_to_num(probs, nan=0.0) + 1e-9
            else:
                k = len(codes)
                shares = rng.dirichlet(np.full(k, 3.0))
                probs = np.broadcast_to(shares, (n, k))
            out[:] = codes[_draw_codes(rng, probs)]
            if scale.missing:
                dk = rng.random(n) < d.p_dont_know
                out[dk] = str(scale.missing[0].code)
        elif item.type == "M":
            out[:] = np.where(rng.random(n) < 0.3, "Y", "")
        elif item.type == "N":
            out[:] = rng.integers(0, 5, n).astype(str).astype(object)
        elif item.type in {"S", "T"}:
            pick = rng.random(n) < 0.35
            texts = np.array(FREE_TEXTS, dtype=object)
            out[:] = np.where(pick, texts[rng.integers(0, len(texts), n)], "")
        elif item.type == "D":
            dd = startdate - pd.to_timedelta(rng.integers(0, 20, n), unit="D")
            out[:] = dd.strftime("%Y-%m-%d 00:00:00").to_numpy(dtype=object)
        # item non-response (never on mandatory or design items)
        if not item.mandatory and item.role not in {"design"} and item.type not in {"M", "S", "T"}:
            out[rng.random(n) < d.p_item_missing] = ""
        out[~reached] = ""
        values[col] = out
        truth[item.id] = out

    # "other" answers for list / multiple-choice questions with other: true
    for item in inst.items:
        if item.kind != "other":
            continue
        base = f"{item.question_code}[other]"
        chose = rng.random(n) < 0.06
        reached = lastpage >= page_of[item.group]
        if item.type in {"L", "!"}:
            main = next(it for it in inst.items if it.question_code == item.question_code
                        and it.kind == "answer")
            sel = chose & reached & (values[main.column] != "")
            values[main.column] = np.where(sel, "-oth-", values[main.column])
            truth[main.id] = values[main.column]
        else:
            sel = chose & reached
        txt = np.where(sel, "Khác: " + pd.Series(rng.integers(1, 99, n)).astype(str).to_numpy(), "")
        values[base] = txt.astype(object)
        truth[item.id] = values[base]

    # filters: a question whose condition fails is not shown (empty)
    for item in inst.items:
        for f in item.filter:
            src = next(it for it in inst.items if it.question_code == f.question and it.kind == "answer")
            ok = np.isin(values[src.column].astype(str), [str(c) for c in f.in_])
            values[item.column] = np.where(ok, values[item.column], "")
            truth[item.id] = values[item.column]

    submit = startdate + pd.to_timedelta(duration, unit="s")
    datestamp = startdate + pd.to_timedelta(np.where(incomplete, duration // 3, duration), unit="s")
    fmt = "%Y-%m-%d %H:%M:%S"
    meta = {
        "id": np.arange(1, n + 1).astype(str),
        "submitdate": np.where(incomplete, "", submit.strftime(fmt)),
        "lastpage": lastpage.astype(str),
        "startlanguage": np.where(rng.random(n) < 0.05, "en", "vi"),
        "seed": rng.integers(10**8, 2 * 10**9, n).astype(str),
        "token": np.full(n, ""),
        "startdate": startdate.strftime(fmt).to_numpy(),
        "datestamp": datestamp.strftime(fmt).to_numpy(),
    }
    export = pd.DataFrame({**meta, **{it.column: values[it.column] for it in inst.items}})
    tr = pd.DataFrame({"id": np.arange(1, n + 1), "stratum": stratum_idx, "psu": psu_global,
                       "weight": weight, "complete": ~incomplete, "lastpage": lastpage,
                       **{k: v for k, v in truth.items()}})
    return DemoData(export=export, truth=tr)


def write_limesurvey_csv(export: pd.DataFrame, path: str | Path) -> Path:
    """Write ``export`` byte for byte as LimeSurvey's RPC CSV export (code headings, short answers).

    UTF-8 with BOM, ``;`` separator, every field double-quoted (``"`` doubled), CRLF record ends,
    line breaks inside values as bare ``\\n``, and the extra empty line LimeSurvey adds at the end.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    clean = export.astype(str).apply(lambda s: s.str.replace("\r\n", "\n").str.replace("\r", "\n"))
    body = clean.to_csv(sep=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n", index=False)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8") + b"\r\n")
    tmp.replace(p)
    return p


def population_margins(inst: Instrument, seed: int = 20260101) -> list[pd.DataFrame]:
    """Demo population margins: files handled per unit in the period, and the citizen share.

    Real ones come from the one-stop counter's records (số hồ sơ đã giải quyết theo đơn vị).
    """
    rng = np.random.default_rng(seed)
    unit = inst.design.unit
    codes = [str(c) for c in inst.scales[inst.item(unit).scale].codes]
    files = rng.integers(2_000, 9_000, len(codes))
    out = [pd.DataFrame({unit: codes, "Freq": files.astype(float)})]
    if inst.design.respondent_type:
        rt = inst.design.respondent_type
        total = float(files.sum())
        out.append(pd.DataFrame({rt: ["1", "2"], "Freq": [0.86 * total, 0.14 * total]}))
    return out


def write_examples(folder: str | Path) -> list[Path]:
    """Write the package's example files into ``folder``: an export of each instrument of
    :data:`cchc_survey.bundled.EXAMPLES` (``<id>_responses.csv``, LimeSurvey's CSV) and the
    one-stop survey's margins (``sipas_one_stop_margins_<variable>.csv``).

    Deterministic: the files the package ships are what this writes (a test holds them equal).
    """
    from .bundled import EXAMPLES, bundled_instrument

    out = Path(folder)
    paths = []
    for iid, n in EXAMPLES.items():
        inst = bundled_instrument(iid)
        paths.append(write_limesurvey_csv(generate(inst, DemoDesign(n=n, months=2)).export,
                                          out / f"{iid}_responses.csv"))
    one = bundled_instrument("sipas_one_stop")
    for m in population_margins(one):
        var = str(m.columns[0])
        path = out / f"sipas_one_stop_margins_{var}.csv"
        m.assign(Freq=m["Freq"].round(0).astype("int64")).to_csv(path, index=False, encoding="utf-8")
        paths.append(path)
    return paths
