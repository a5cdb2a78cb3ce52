"""The report's content, built once and rendered twice (Word and HTML): the shape of a Vietnamese
*Báo cáo kết quả khảo sát*.

:func:`build_document` turns :class:`~cchc_survey.report.inputs.ReportInputs` into a
:class:`Document`: a list of blocks (headings, paragraphs, tables, figures) in the order a reader
meets them:

* I. purpose; II. how the survey was done (period, units, questionnaires returned and valid,
  weighting in plain words, the respondent profile);
* III. results: one page of key findings first (each index and element with its interval, the
  highest and lowest criteria, the units ranked, the change since the last wave), then per index
  the element and criterion tables with their charts, then the comments summarised;
* IV. the comparison with the official results (a significance statement only where comparable);
* V. recommendations drafted from the weakest criteria and units, marked as a draft;
* annexes: methodology and sources, data quality (questionnaires flagged and excluded by rule),
  weighting, the technical table (standard error, effective n, design effect, method).

Every number is formatted by :mod:`cchc_survey.report.fmt` in the report's language; an estimate
that could not be computed says why in its place (``không đủ phiếu``); an estimate flagged as
unreliable carries ``*`` and is not ranked; the unverified-method caveat is printed once per
section. The document's size does not depend on the number of respondents: the detail goes to
Excel and CSV.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from . import static
from .comments import CommentSummary, summarise_comments
from .fmt import clean_source, count, digits_for, interval, num, pct
from .inputs import ReportInputs
from .labels import RULE_EN, Lang, t, t_opt

FLAGGED_LEVELS: tuple[str, ...] = ("review", "unreliable")
"""Values of the score table's ``flag`` (:mod:`cchc_survey.estimate.flags`) shown as
"ước lượng kém tin cậy" and never ranked (the league table's rule too)."""

MAX_CHART_ROWS = 30
"""Rows of one interval chart at most (the units' chart of a large province is cut here)."""


# ---------------------------------------------------------------------------------------------
# blocks

@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 = section (I., II.), 2 = subsection, 3 = minor


@dataclass(frozen=True)
class Para:
    text: str
    kind: Literal["body", "bullet", "note", "caveat", "draft"] = "body"


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float]  # relative widths, summing to anything
    numeric: Sequence[bool] = ()  # right-aligned columns
    caption: str = ""
    strong: Sequence[bool] = ()  # rows in bold (the index, a group's first row)


@dataclass(frozen=True)
class Figure:
    png: bytes
    caption: str
    name: str = ""  # the image file's name, before the slug (``01_Yếu tố của SIPAS``)


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Para | Table | Figure | PageBreak


@dataclass
class Document:
    """The report as blocks, plus what the title page needs."""

    lang: Lang
    title: str
    subtitle: str
    period: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


# ---------------------------------------------------------------------------------------------
# helpers on score tables

def unreliable(table: pd.DataFrame) -> np.ndarray:
    """Whether each row's estimate is flagged (``flag`` in :data:`FLAGGED_LEVELS`); all False
    for a table without the column or not assessed."""
    if "flag" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return table["flag"].fillna("").astype(str).isin(FLAGGED_LEVELS).to_numpy()


def label_of(table: pd.DataFrame, lang: Lang) -> pd.Series:
    lab = table[f"label_{lang}"].where(table[f"label_{lang}"] != "", table["label_vi"])
    return lab.where(lab != "", table["code"])


def group_of(table: pd.DataFrame, lang: Lang) -> pd.Series:
    lab = table[f"group_label_{lang}"].where(table[f"group_label_{lang}"] != "",
                                             table["group_label_vi"])
    return lab.where(lab != "", table["group_value"])


@dataclass(frozen=True)
class Levels:
    """The hierarchy of one score table: the top (index) level, the element and detail levels."""

    top: str | None
    element: str | None
    detail: str | None


def levels_of(table: pd.DataFrame) -> Levels:
    whole = table[table["group_var"] == ""]
    counts = whole[whole["level"] != "item"].groupby("level", sort=False)["code"].nunique()
    ones = [lv for lv, c in counts.items() if c == 1]
    many = counts[counts >= 2].sort_values(kind="stable")
    top = str(ones[-1]) if ones else None
    element = str(many.index[0]) if len(many) else None
    detail = str(many.index[-1]) if len(many) > 1 else None
    return Levels(top, element, detail)


def _unit_word(unit: str, lang: Lang) -> str:
    return "%" if unit == "percent" else t_opt(f"unit_{unit}", lang, unit)


def _value(est: float, n: object, unit: str, lang: Lang, *, star: bool = False) -> str:
    """An estimate with its unit, or the reason it is missing."""
    if est != est:  # NaN
        return t("not_enough", lang) if (n is pd.NA or n is None or int(str(n)) < 2) else t(
            "not_computed", lang)
    text = num(est, digits_for(unit), lang) + ("%" if unit == "percent" else "")
    return text + (" *" if star else "")


def _ci(lo: float, hi: float, est: float, unit: str, lang: Lang) -> str:
    if est != est:
        return ""
    text = interval(lo, hi, digits_for(unit), lang)
    return text if text else t("not_computed", lang)


def _n(n: object, lang: Lang) -> str:
    return "" if n is pd.NA or n is None else count(n, lang)


def _caveat(names: Sequence[str], lang: Lang) -> Para | None:
    """The unverified-method caveat, once for a section, naming the indices it concerns."""
    if not names:
        return None
    return Para(t("caveat_section", lang).format(src=", ".join(names)), "caveat")


def _unverified(table: pd.DataFrame) -> bool:
    return bool((~table["verified"]).any())


# ---------------------------------------------------------------------------------------------
# the builder

class _Builder:
    def __init__(self, inputs: ReportInputs, lang: Lang) -> None:
        self.inp = inputs
        self.lang = lang
        self.fig_no = 0
        self.table_no = 0
        self.comments: CommentSummary | None = None
        if inputs.free_texts is not None:
            self.comments = summarise_comments(inputs.free_texts, blank=inputs.free_texts_blank)

    # numbering ---------------------------------------------------------------------------
    def figure(self, png: bytes, caption: str) -> Figure:
        self.fig_no += 1
        return Figure(png, f"{t('figure', self.lang)} {self.fig_no}. {caption}",
                      f"{self.fig_no:02d}_{caption}")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float], caption: str = "", numeric: Sequence[bool] = (),
              strong: Sequence[bool] = ()) -> Table:
        if caption:
            self.table_no += 1
            caption = f"{t('table_word', self.lang)} {self.table_no}. {caption}"
        return Table(list(header), [list(r) for r in rows], list(widths), list(numeric),
                     caption, list(strong))

    # sections ----------------------------------------------------------------------------
    def build(self) -> Document:
        inp, lang = self.inp, self.lang
        doc = Document(lang=lang, title=inp.title, subtitle=subtitle(inp.title, lang),
                       period=inp.period)
        self.purpose(doc)
        self.method(doc)
        self.results(doc)
        self.comparison(doc)
        self.recommendations(doc)
        self.annexes(doc)
        return doc

    def purpose(self, doc: Document) -> None:
        lang = self.lang
        doc.add(Heading(t("sec_purpose", lang), 1),
                Para(t("purpose_1", lang).format(org=self.inp.organisation,
                                                 indices=", ".join(self.inp.scores))),
                Para(t("purpose_2", lang)))

    def method(self, doc: Document) -> None:
        inp, lang = self.inp, self.lang
        doc.add(Heading(t("sec_method", lang), 1))
        for name, table in inp.scores.items():
            fw = inp.fieldwork.get(name)
            if fw is not None:
                period = ""
                if fw.date_from and fw.date_to:
                    period = t("period_from_to", lang).format(a=_date(fw.date_from, lang),
                                                              b=_date(fw.date_to, lang))
                units = (t("n_units", lang).format(n=count(fw.units, lang)) if fw.units
                         else t("units_unknown", lang))
                handed = (t("handed_out", lang).format(n=count(fw.handed_out, lang))
                          if fw.handed_out else "")
                doc.add(Para(t("fieldwork_sentence", lang).format(
                    name=name, period=period, units=units, handed=handed,
                    returned=count(fw.returned, lang), valid=count(fw.valid, lang),
                    excluded=count(fw.returned - fw.valid, lang)), "bullet"))
            else:
                top = table[(table["group_var"] == "")]
                n = top["n"].max() if len(top) else pd.NA
                doc.add(Para(t("valid_forms", lang).format(name=name, n=_n(n, lang)), "bullet"))
        doc.add(Para(self.weighting_sentence()))
        for name, prof in inp.profiles.items():
            if prof.empty:
                continue
            var_lab = prof["variable_en"] if lang == "en" and "variable_en" in prof else prof[
                "variable_vi"]
            cat_lab = prof["category_en"] if lang == "en" and "category_en" in prof else prof[
                "category_vi"]
            frame = pd.DataFrame({"v": var_lab.to_numpy(), "c": cat_lab.to_numpy(),
                                  "n": prof["n"].to_numpy(), "s": prof["share"].to_numpy()})
            rows = [[str(v), "; ".join(f"{c} {pct(sh, lang)}" for c, sh in zip(g["c"], g["s"],
                                                                              strict=True))]
                    for v, g in frame.groupby("v", sort=False)]
            doc.add(self.table([t("variable", lang), t("profile_share", lang)], rows, (24, 76),
                               caption=t("profile_title", lang).format(name=name)))

    def weighting_sentence(self) -> str:
        lang = self.lang
        wvars = [v for fw in self.inp.fieldwork.values() for v in fw.weighting_vars]
        if wvars:
            return t("weighting_sentence", lang).format(vars=_and(list(dict.fromkeys(wvars)),
                                                                   lang))
        return t("weighting_design", lang)

    # III ---------------------------------------------------------------------------------
    def results(self, doc: Document) -> None:
        lang = self.lang
        doc.add(PageBreak(), Heading(t("sec_results", lang), 1),
                Heading(f"1. {t('key_findings', lang)}", 2))
        for name, table in self.inp.scores.items():
            self.key_findings(doc, name, table)
        if any(unreliable(tb).any() for tb in self.inp.scores.values()):
            doc.add(Para(t("unreliable_note", lang), "note"))
        cav = _caveat([n for n, tb in self.inp.scores.items() if _unverified(tb)], lang)
        if cav is not None:
            doc.add(cav)
        for k, (name, table) in enumerate(self.inp.scores.items(), start=2):
            doc.add(PageBreak(), Heading(f"{k}. {name}", 2))
            self.index_detail(doc, name, table)
        if self.comments is not None:
            k = len(self.inp.scores) + 2
            doc.add(Heading(f"{k}. {t('comments_title', lang)}", 2))
            self.comment_blocks(doc)

    def key_findings(self, doc: Document, name: str, table: pd.DataFrame) -> None:
        lang = self.lang
        lv = levels_of(table)
        whole = table[table["group_var"] == ""]
        flag = unreliable(whole)
        doc.add(Heading(name, 3))
        if lv.top is not None:
            r = whole[whole["level"] == lv.top].iloc[0]
            i = int(np.flatnonzero((whole["level"] == lv.top).to_numpy())[0])
            label = label_of(whole.iloc[[i]], lang).iloc[0]
            est = _value(r["estimate"], r["n"], r["unit"], lang, star=bool(flag[i]))
            ci = _ci(r["ci_low"], r["ci_high"], r["estimate"], r["unit"], lang)
            if r["estimate"] != r["estimate"] or not ci or ci == t("not_computed", lang):
                doc.add(Para(f"{name}: {label}: {est}"
                             + (f" ({t('interval', lang).lower()}: {ci})" if ci else "") + "."))
            else:
                doc.add(Para(t("index_sentence", lang).format(name=name, label=label, est=est,
                                                              ci=ci)))
        if lv.element is not None:
            el = whole[whole["level"] == lv.element]
            fl = flag[(whole["level"] == lv.element).to_numpy()]
            rows = [[lab, _value(e, n, u, lang, star=bool(f)), _ci(lo, hi, e, u, lang),
                     _n(n, lang)]
                    for lab, e, lo, hi, n, u, f in zip(label_of(el, lang), el["estimate"],
                                                       el["ci_low"], el["ci_high"], el["n"],
                                                       el["unit"], fl, strict=True)]
            level_name = t_opt(f"level_{lv.element}", lang, lv.element)
            doc.add(self.table([level_name, t("result", lang), t("interval_95", lang),
                                t("n", lang)], rows, (52, 16, 20, 12),
                               numeric=(False, True, True, True)))
        if lv.detail is not None:
            crit = whole[(whole["level"] == lv.detail) & whole["estimate"].notna()]
            cf = flag[((whole["level"] == lv.detail) & whole["estimate"].notna()).to_numpy()]
            crit = crit[~cf]
            if len(crit) >= 2:
                order = crit.sort_values("estimate", kind="stable")
                k = min(3, len(order) // 2) or 1

                def fmt_one(rr: pd.Series) -> str:
                    return (f"{label_of(rr.to_frame().T, lang).iloc[0]} "
                            f"({_value(rr['estimate'], rr['n'], rr['unit'], lang)})")

                hi_items = [fmt_one(r) for _, r in order.iloc[::-1].head(k).iterrows()]
                lo_items = [fmt_one(r) for _, r in order.head(k).iterrows()]
                doc.add(Para(f"{t('highest', lang)}: {'; '.join(hi_items)}.", "bullet"),
                        Para(f"{t('lowest', lang)}: {'; '.join(lo_items)}.", "bullet"))
        league = self.inp.league.get(name)
        if league is not None and len(league):
            ranked = league[~_league_flag(league)]
            if len(ranked) < 2:
                doc.add(Para(t("units_not_ranked", lang).format(
                    n=count(len(league) - len(ranked), lang)), "bullet"))
            else:
                best, worst = ranked.iloc[0], ranked.iloc[-1]
                unit = str(whole["unit"].iloc[0]) if len(whole) else "percent"
                doc.add(Para(
                    f"{t('units_ranked', lang)}: "
                    + ("cao nhất " if lang == "vi" else "highest ")
                    + f"{_unit_name(best, lang)} ({_value(best['estimate'], best['n'], unit, lang)}"
                    + f"; {t('rank', lang).lower()} {best.get('rank_range', '1')}), "
                    + ("thấp nhất " if lang == "vi" else "lowest ")
                    + f"{_unit_name(worst, lang)} ("
                    + f"{_value(worst['estimate'], worst['n'], unit, lang)}; "
                    + f"{t('rank', lang).lower()} {worst.get('rank_range', len(ranked))}).",
                    "bullet"))
        ch = self.inp.changes.get(name)
        if ch is not None and len(ch):
            doc.add(Para(self.change_sentence(ch, lv, table), "bullet"))

    def change_sentence(self, ch: pd.DataFrame, lv: Levels, table: pd.DataFrame) -> str:
        lang = self.lang
        last = ch[ch["wave_to"] == ch["wave_to"].max()]
        a, b = str(last["wave_from"].iloc[0]), str(last["wave_to"].iloc[0])
        unit = str(table["unit"].iloc[0]) if len(table) else "percent"
        d = digits_for(unit)
        pts = " điểm %" if (unit == "percent" and lang == "vi") else (
            " points" if unit == "percent" else "")
        top_code = None
        if lv.top is not None:
            whole = table[(table["group_var"] == "") & (table["level"] == lv.top)]
            top_code = str(whole["code"].iloc[0]) if len(whole) else None
        parts = []
        for _, r in last.iterrows():
            if top_code is not None and str(r["code"]) != top_code and not bool(
                    r["significant"] if r["significant"] is not pd.NA else False):
                continue
            sig = r["significant"]
            word = (t("change_none", lang) if sig is pd.NA or not bool(sig) else
                    t("change_sig_up", lang) if r["change"] > 0 else t("change_sig_down", lang))
            lab = r["label_en"] if lang == "en" and "label_en" in r and r["label_en"] else r[
                "label_vi"]
            parts.append(f"{lab}: {num(r['estimate_from'], d, lang)} → "
                         f"{num(r['estimate_to'], d, lang)} "
                         f"({num(r['change'], d, lang, signed=True)}{pts}; {word})")
        return t("change_title", lang).format(a=a, b=b) + ": " + "; ".join(parts) + "."

    def index_detail(self, doc: Document, name: str, table: pd.DataFrame) -> None:
        lang = self.lang
        lv = levels_of(table)
        whole = table[table["group_var"] == ""]
        flag = unreliable(whole)
        unit = str(whole["unit"].iloc[0]) if len(whole) else ""
        unit_word = _unit_word(unit, lang)
        cav = _caveat([name] if _unverified(table) else [], lang)
        limits = (0.0, 100.0) if unit == "percent" else None
        if lv.element is not None:
            sel = (whole["level"] == lv.element).to_numpy()
            el = whole[sel]
            level_name = t_opt(f"level_{lv.element}", lang, lv.element)
            ref = float(whole.loc[whole["level"] == lv.top, "estimate"].iloc[0]) if (
                lv.top is not None) else None
            if el["estimate"].notna().any():
                png = static.interval_chart(
                    list(label_of(el, lang)), el["estimate"], el["ci_low"], el["ci_high"],
                    title=t("elements_of", lang).format(level=level_name, name=name),
                    unit=unit_word, flagged=flag[sel], lang=lang, ref=ref,
                    ref_label=t("level_index", lang), digits=digits_for(unit))
                doc.add(self.figure(png, t("elements_of", lang).format(level=level_name,
                                                                        name=name)))
        if lv.detail is not None:
            self.criteria_table(doc, name, table, lv)
            sel = ((whole["level"] == lv.detail) & whole["estimate"].notna()).to_numpy()
            crit = whole[sel]
            if len(crit):
                order = np.argsort(crit["estimate"].to_numpy(), kind="stable")[:MAX_CHART_ROWS]
                c = crit.iloc[order]
                k = min(3, len(c) // 2)
                hl = np.zeros(len(c), bool)
                hl[:k] = True
                png = static.interval_chart(
                    list(label_of(c, lang)), c["estimate"], c["ci_low"], c["ci_high"],
                    title=t("criteria_sorted_title", lang), unit=unit_word,
                    flagged=flag[sel][order], highlight=hl, lang=lang,
                    digits=digits_for(unit))
                doc.add(self.figure(png, t("criteria_sorted_title", lang)))
        self.likert(doc, name)
        self.units(doc, name, table, lv, unit, limits)
        self.trend(doc, name, table, lv, unit)
        doc.add(Para(t("detail_in_excel", lang), "note"))
        if flag.any():
            doc.add(Para(t("unreliable_note", lang), "note"))
        if cav is not None:
            doc.add(cav)

    def likert(self, doc: Document, name: str) -> None:
        """One diverging chart per element: how the answers to its criteria are spread."""
        lang = self.lang
        ans = self.inp.answers.get(name)
        if ans is None or ans.empty:
            return
        sfx = "_en" if lang == "en" else "_vi"

        def col(frame: pd.DataFrame, base: str) -> pd.Series:
            c = base + sfx
            return frame[c] if c in frame else frame[base + "_vi"]

        for _, part in ans.groupby("element", sort=False):
            part = part.sort_values(["item", "position"], kind="stable")
            answers = part.drop_duplicates("position").sort_values("position")
            items = list(dict.fromkeys(part["item"]))
            share = part.pivot_table(index="item", columns="position", values="share",
                                     sort=False).reindex(items).to_numpy()
            labels = list(col(part.drop_duplicates("item"), "item"))
            neutral = [int(p) for p, n in zip(answers["position"], answers["neutral"],
                                              strict=True) if bool(n)]
            title = t("likert_element_title", lang).format(element=col(part, "element").iloc[0])
            png = static.likert_chart(labels, share, list(col(answers, "answer")), title=title,
                                      neutral=neutral[0] if neutral else None, lang=lang,
                                      axis=t("percent_answers", lang))
            doc.add(self.figure(png, title))

    def criteria_table(self, doc: Document, name: str, table: pd.DataFrame, lv: Levels) -> None:
        lang = self.lang
        whole = table[table["group_var"] == ""]
        flag = unreliable(whole)
        lab = label_of(whole, lang).to_numpy()
        rows: list[list[str]] = []
        strong: list[bool] = []
        keep = whole["level"].isin([lv.element, lv.detail, lv.top]).to_numpy()
        for i in np.flatnonzero(keep):  # table order: criteria then their element
            r = whole.iloc[i]
            is_group = r["level"] != lv.detail
            rows.append([str(lab[i]), _value(r["estimate"], r["n"], r["unit"], lang,
                                             star=bool(flag[i])),
                         _ci(r["ci_low"], r["ci_high"], r["estimate"], r["unit"], lang),
                         _n(r["n"], lang)])
            strong.append(bool(is_group))
        level_name = t_opt(f"level_{lv.detail}", lang, str(lv.detail))
        doc.add(self.table([level_name, t("result", lang), t("interval_95", lang),
                            t("n", lang)], rows, (56, 14, 18, 12),
                           caption=t("criteria_of", lang).format(level=level_name, name=name),
                           numeric=(False, True, True, True), strong=strong))

    def units(self, doc: Document, name: str, table: pd.DataFrame, lv: Levels, unit: str,
              limits: tuple[float, float] | None) -> None:
        lang = self.lang
        uv = self.inp.unit_var
        by_unit = table[table["group_var"] == uv]
        if by_unit.empty or lv.top is None:
            return
        unit_word = _unit_word(unit, lang)
        league = self.inp.league.get(name)
        top = by_unit[by_unit["level"] == lv.top]
        if league is not None and len(league):
            lf = _league_flag(league)
            rows = [[t("not_ranked", lang) if f else str(r.get("rank_range", "")),
                     _unit_name(r, lang), _value(r["estimate"], r["n"], unit, lang, star=bool(f)),
                     _ci(r["ci_low"], r["ci_high"], r["estimate"], unit, lang), _n(r["n"], lang)]
                    for (_, r), f in zip(league.iterrows(), lf, strict=True)]
            doc.add(self.table([t("rank", lang), t("unit_axis", lang), t("result", lang),
                                t("interval_95", lang), t("n", lang)], rows, (14, 42, 14, 18, 12),
                               caption=f"{t('units_ranked', lang)} — {name}",
                               numeric=(False, False, True, True, True)),
                    Para(t("rank_note", lang), "note"))
        if len(top):
            tf = unreliable(top)
            order = np.argsort(-top["estimate"].fillna(-np.inf).to_numpy(), kind="stable")
            order = order[:MAX_CHART_ROWS]
            u = top.iloc[order]
            ref = table[(table["group_var"] == "") & (table["level"] == lv.top)]["estimate"]
            png = static.interval_chart(
                list(group_of(u, lang)), u["estimate"], u["ci_low"], u["ci_high"],
                title=f"{t('units_title', lang)} — {name}", unit=unit_word, flagged=tf[order],
                lang=lang, ref=float(ref.iloc[0]) if len(ref) else None,
                ref_label=t("whole_unit", lang), digits=digits_for(unit))
            doc.add(self.figure(png, f"{t('units_title', lang)} — {name}"))
        if lv.element is not None:
            el = by_unit[by_unit["level"].isin([lv.element, lv.top])]
            if el["code"].nunique() >= 2 and el["group_value"].nunique() >= 2:
                el = el.assign(_g=group_of(el, lang).to_numpy(), _c=label_of(el, lang).to_numpy(),
                               _top=(el["level"] == lv.top).to_numpy())
                el = el.sort_values("_top", ascending=False, kind="stable")
                z = el.pivot_table(index="_g", columns="_c", values="estimate", sort=False,
                                   dropna=False)
                z = z.iloc[:MAX_CHART_ROWS]
                level_name = t_opt(f"level_{lv.element}", lang, lv.element).lower()
                title = t("heatmap_units_title", lang).format(level=level_name)
                png = static.heatmap(list(z.index), list(z.columns), z.to_numpy(), title=title,
                                     unit=unit_word, lang=lang,
                                     digits=0 if unit == "percent" else 1)
                doc.add(self.figure(png, title))

    def trend(self, doc: Document, name: str, table: pd.DataFrame, lv: Levels, unit: str) -> None:
        lang = self.lang
        wv = self.inp.wave_var
        by_wave = table[table["group_var"] == wv]
        if by_wave.empty or by_wave["group_value"].nunique() < 2:
            return
        levels = [x for x in (lv.top, lv.element) if x is not None]
        sub = by_wave[by_wave["level"].isin(levels)].sort_values(["group_value"], kind="stable")
        panels = []
        codes = list(dict.fromkeys(sub.loc[sub["level"] == lv.top, "code"])) + list(
            dict.fromkeys(sub.loc[sub["level"] != lv.top, "code"]))
        for code in codes:
            s = sub[sub["code"] == code]
            panels.append(static.Panel(title=str(label_of(s.iloc[[0]], lang).iloc[0]),
                                       x=list(group_of(s, lang)), estimate=s["estimate"].tolist(),
                                       low=s["ci_low"].tolist(), high=s["ci_high"].tolist()))
        if panels:
            title = f"{t('trend_small_title', lang)} — {name}"
            png = static.small_multiples(panels, title=title, unit=_unit_word(unit, lang),
                                         lang=lang, highlight_first=lv.top is not None,
                                         digits=digits_for(unit))
            doc.add(self.figure(png, title))

    def comment_blocks(self, doc: Document) -> None:
        lang, s = self.lang, self.comments
        if s is None:
            return
        q = self.inp.free_text_question
        if q:
            doc.add(Para(f"“{q}”", "note"))
        if s.substantive == 0:
            doc.add(Para(t("comments_none", lang)))
        name = next(iter(self.inp.scores))
        doc.add(Para(t("comments_counts", lang).format(
            name=name, total=count(s.total, lang), blank=count(s.blank, lang),
            none=count(s.no_comment, lang), subst=count(s.substantive, lang),
            distinct=count(s.distinct, lang))))
        if s.groups:
            rows = [[g.word, count(g.answers, lang),
                     " · ".join(f"{ex} ({count(n, lang)})" for ex, n in g.examples)]
                    for g in s.groups]
            if s.other:
                rows.append([t("comments_other", lang), count(s.other, lang), ""])
            doc.add(self.table([t("comments_group", lang), t("comments_n", lang),
                                t("comments_examples", lang)], rows, (20, 12, 68),
                               caption=t("comments_title", lang),
                               numeric=(False, True, False)))
        doc.add(Para(t("comments_method", lang).format(sheet=t("sheet_free_text", lang)),
                     "note"))

    # IV ----------------------------------------------------------------------------------
    def comparison(self, doc: Document) -> None:
        lang = self.lang
        doc.add(PageBreak(), Heading(t("sec_comparison", lang), 1))
        comp = self.inp.comparison
        if comp is None or comp.empty:
            doc.add(Para(t("no_official", lang)))
            return
        comparable = comparable_rows(comp)
        lab = comp["label_vi"]
        if lang == "en" and "label_en" in comp:
            lab = comp["label_en"].where(comp["label_en"].fillna("") != "", lab)
        idx = comp["index"].astype(str) if "index" in comp else pd.Series("", index=comp.index)
        rows = []
        for i in range(len(comp)):
            r = comp.iloc[i]
            d = 1 if abs(float(r["official"])) >= 20 else 2
            ok = bool(comparable[i])
            sig = (t("not_comparable", lang) if not ok else
                   (t("yes", lang) if bool(r["significant"]) else t("no_plain", lang)))
            diff = (f"{num(r['difference'], d, lang, signed=True)} "
                    f"({interval(r['diff_ci_low'], r['diff_ci_high'], d, lang)})") if ok else "—"
            rows.append([f"{idx.iloc[i]}: {lab.iloc[i]}".strip(": "),
                         f"{num(r['survey_estimate'], d, lang)} "
                         f"({interval(r['survey_ci_low'], r['survey_ci_high'], d, lang)})",
                         num(r["official"], d, lang), diff, sig])
        doc.add(self.table([t("component", lang).replace("Mã t", "T").replace(" code", ""),
                            f"{t('survey', lang)} ({t('interval', lang).lower()})",
                            t("official", lang), t("difference", lang), t("sig_col", lang)],
                           rows, (34, 22, 12, 20, 12), caption=t("comparison", lang),
                           numeric=(False, True, True, True, False)))
        if not comparable.all():
            doc.add(Para(t("not_comparable_why", lang), "caveat"))
        png = static.gap_chart(list(f"{a}: {b}".strip(": ") for a, b in zip(idx, lab,
                                                                            strict=True)),
                               comp["survey_estimate"].to_numpy(dtype=float),
                               comp["survey_ci_low"].to_numpy(dtype=float),
                               comp["survey_ci_high"].to_numpy(dtype=float),
                               comp["official"].to_numpy(dtype=float),
                               title=t("gap_small_title", lang), comparable=list(comparable),
                               survey_label=t("survey", lang), official_label=t("official", lang),
                               not_comparable=t("not_comparable", lang), lang=lang)
        doc.add(self.figure(png, t("gap_small_title", lang)))
        if "official_source" in comp:
            src = sorted({str(s) for s in comp["official_source"].dropna() if str(s).strip()})
            if src:
                doc.add(Para(f"{t('official_src', lang)}: {'; '.join(src)}.", "note"))

    # V -----------------------------------------------------------------------------------
    def recommendations(self, doc: Document) -> None:
        lang = self.lang
        doc.add(Heading(t("sec_recommend", lang), 1), Para(t("draft_mark", lang), "draft"))
        k = 0
        for name, table in self.inp.scores.items():
            lv = levels_of(table)
            if lv.detail is None:
                continue
            whole = table[table["group_var"] == ""]
            ok = (whole["level"] == lv.detail).to_numpy() & whole["estimate"].notna().to_numpy()
            ok &= ~unreliable(whole)
            crit = whole[ok].sort_values("estimate", kind="stable").head(3)
            if len(crit):
                unit = str(crit["unit"].iloc[0])
                items = "; ".join(f"{lab} ({_value(e, n, unit, lang)})" for lab, e, n in zip(
                    label_of(crit, lang), crit["estimate"], crit["n"], strict=True))
                k += 1
                doc.add(Para(f"{k}. " + t("rec_criteria", lang).format(name=name, items=items),
                             "draft"))
            league = self.inp.league.get(name)
            if league is not None and len(league) >= 3:
                ranked = league[~_league_flag(league)]
                low = ranked.tail(min(2, len(ranked) - 1))
                if len(low):
                    k += 1
                    doc.add(Para(f"{k}. " + t("rec_units", lang).format(
                        units=", ".join(_unit_name(r, lang) for _, r in low.iterrows())),
                        "draft"))
        if self.comments is not None and self.comments.groups:
            k += 1
            doc.add(Para(f"{k}. " + t("rec_comments", lang).format(
                groups=", ".join(f"“{g.word}” ({count(g.answers, lang)})"
                                 for g in self.comments.groups[:4])), "draft"))
        doc.add(Para(f"{k + 1}. " + t("rec_followup", lang), "draft"))

    # annexes -----------------------------------------------------------------------------
    def annexes(self, doc: Document) -> None:
        lang = self.lang
        doc.add(PageBreak(), Heading(t("sec_annex", lang), 1),
                Heading(t("annex_method", lang), 2), Para(t("method_sources", lang)))
        seen: set[tuple[str, str]] = set()
        rows = []
        for p in self.inp.provenance:
            key = (p.what(lang), p.source)
            if key in seen:
                continue
            seen.add(key)
            src = clean_source(p.source)
            rows.append([p.what(lang), src + (f" — {p.url}" if p.url else ""),
                         t("verified_yes", lang) if p.verified else t("verified_no", lang)])
        if rows:
            doc.add(self.table([t("what", lang), t("source", lang), t("verified", lang)], rows,
                               (34, 52, 14)))
        # data quality
        doc.add(Heading(t("annex_quality", lang), 2))
        any_q = False
        for name, fw in self.inp.fieldwork.items():
            doc.add(Para(t("q_totals", lang).format(
                name=name, returned=count(fw.returned, lang),
                excluded=count(fw.returned - fw.valid, lang), valid=count(fw.valid, lang)),
                "bullet"))
            q = fw.quality
            if q is None:
                continue
            q = q[(q["rows_flagged"] > 0) | (q["rows_excluded"] > 0)]
            if q.empty:
                continue
            any_q = True
            rows = [[_rule_name(str(r["rule"]), lang, r.get("reason_vi", "")),
                     count(r["rows_flagged"], lang), count(r["rows_excluded"], lang),
                     count(r["flags"], lang) if "flags" in r and r["flags"] == r["flags"] else "",
                     t("q_exclude", lang) if bool(r["excludes"]) else t("q_keep", lang)]
                    for _, r in q.iterrows()]
            doc.add(self.table([t("q_rule", lang), t("q_flagged", lang), t("q_excluded", lang),
                                t("q_flags", lang), t("q_action", lang)], rows,
                               (40, 14, 14, 14, 18), caption=f"{t('data_quality', lang)} — {name}",
                               numeric=(False, True, True, True, False)))
        if any_q:
            from .tables import checks_file_name

            doc.add(Para(t("quality_intro", lang).format(file=checks_file_name(lang)), "note"))
        if not self.inp.fieldwork and self.inp.checks is not None:
            sev = self.inp.checks["severity"].astype(str).value_counts()
            doc.add(Para(", ".join(f"{count(c, lang)} {t_opt(f'severity_{k}', lang, str(k))}"
                                   for k, c in sev.items()) or t("no_checks", lang)))
        # weighting
        doc.add(Heading(t("annex_weighting", lang), 2))
        w = self.inp.weighting
        wvars = [v for fw in self.inp.fieldwork.values() for v in fw.weighting_vars]
        if w is not None and len(w.table):
            doc.add(Para(t("w_intro", lang).format(vars=_and(list(dict.fromkeys(wvars)) or
                                                              list(dict.fromkeys(
                                                                  w.table["margin"].astype(str))),
                                                              lang))))
        else:
            doc.add(Para(t("w_none", lang)))
        if w is not None and w.summary:
            s = w.summary
            doc.add(Para(t("w_summary", lang).format(
                lo=num(s.get("min_weight"), 2, lang), hi=num(s.get("max_weight"), 2, lang),
                deff=num(s.get("deff_kish"), 2, lang), neff=num(s.get("n_eff"), 0, lang))))
        if w is not None and len(w.table):
            rows = [[str(m), str(c), pct(tg, lang), pct(a, lang)] for m, c, tg, a in zip(
                w.table["margin"], w.table["cell"], w.table["target"], w.table["achieved"],
                strict=True)]
            doc.add(self.table([t("margin", lang), t("cell", lang), t("target", lang),
                                t("achieved", lang)], rows, (30, 34, 18, 18),
                               numeric=(False, False, True, True)))
        # technical table
        doc.add(Heading(t("annex_technical", lang), 2))
        methods = sorted({m for tb in self.inp.scores.values() for m in tb["method"] if m})
        doc.add(Para(t("tech_intro", lang).format(
            method=", ".join(t_opt(f"method_{m}", lang, m) for m in methods) or "—")))
        for name, table in self.inp.scores.items():
            whole = table[table["group_var"] == ""]
            flag = unreliable(whole)
            rows = [[lab, _value(e, n, u, lang, star=bool(f)), num(se, digits_for(u), lang),
                     _n(n, lang), num(ne, 0, lang), num(de, 2, lang), num(df, 0, lang),
                     t_opt(f"method_{m}", lang, m)]
                    for lab, e, se, n, ne, de, df, u, m, f in zip(
                        label_of(whole, lang), whole["estimate"], whole["se"], whole["n"],
                        whole["n_eff"], whole["deff"], whole["domain_df"], whole["unit"],
                        whole["method"], flag, strict=True)]
            doc.add(self.table([t("label", lang), t("estimate", lang), t("se", lang),
                                t("n", lang), t("n_eff", lang), t("deff", lang),
                                t("domain_df", lang), t("method", lang)], rows,
                               (31, 11, 10, 9, 10, 9, 8, 12),
                               caption=f"{t('annex_technical', lang).split('. ', 1)[-1]} — {name}",
                               numeric=(False, True, True, True, True, True, True, False)))


def comparable_rows(comp: pd.DataFrame) -> np.ndarray:
    """Which comparison rows may carry a significance statement: the survey side's method is
    verified (``verified`` column; rows without it are taken as verified) and, when given, the
    ``comparable`` column is true."""
    ok = np.ones(len(comp), dtype=bool)
    for c in ("verified", "comparable"):
        if c in comp:
            ok &= comp[c].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return ok


def _league_flag(league: pd.DataFrame) -> np.ndarray:
    """Units the league table did not rank (its own ``ranked`` column decides)."""
    if "ranked" in league:
        return ~league["ranked"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if "flagged" in league:
        return league["flagged"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return unreliable(league)


def _unit_name(row: pd.Series, lang: Lang) -> str:
    for c in (f"label_{lang}", "label_vi", "unit"):
        v = row.get(c, "")
        if isinstance(v, str) and v:
            return v
    return str(row.get("unit", ""))


def _rule_name(rule: str, lang: Lang, reason_vi: object) -> str:
    if lang == "en":
        return RULE_EN.get(rule, rule)
    from ..checks import REASON_VI

    return REASON_VI.get(rule, str(reason_vi) or rule)


def _and(words: list[str], lang: Lang) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + (" và " if lang == "vi" else " and ") + words[-1]


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _date(d: _dt.date, lang: Lang) -> str:
    return d.strftime("%d/%m/%Y") if lang == "vi" else f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def dateline(place: str, d: _dt.date, lang: Lang) -> str:
    """``Quảng Ninh, ngày 05 tháng 07 năm 2026`` / ``Quang Ninh, 5 July 2026``."""
    where = f"{place}, " if place else ""
    if lang == "vi":
        return t("dateline", lang).format(place=where, d=d.day, m=d.month, y=d.year)
    return f"{where}{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def subtitle(title: str, lang: Lang) -> str:
    """``Kết quả khảo sát ...`` from the survey title (no doubled ``khảo sát``)."""
    from ..text import fold

    if lang == "en":
        return f"Results of the survey: {title}"
    if fold(title).startswith("khao sat"):
        return "Kết quả " + title[0].lower() + title[1:]
    return "Kết quả khảo sát " + title


def build_document(inputs: ReportInputs, lang: Lang = "vi") -> Document:
    """The report's blocks (see the module docstring)."""
    return _Builder(inputs, lang).build()
