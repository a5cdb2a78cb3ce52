"""An instrument's aggregation, as linear algebra.

Every official aggregation the instruments declare (criterion -> element -> index by means,
PAPI's sub-dimension rescaling and sums, PAR points) is *affine* in the item-level means: a
component's score is ``b + a · p`` where ``p_j`` is the mean of item ``j``'s respondent scores over
the respondents with a valid answer to item ``j``. So the whole tree reduces to one matrix ``A``
(components x items) and one vector ``b``, and a single design-based estimator of ``A @ p`` gives
every score and its standard error (delta method), overall and by domain.

This module builds ``A`` and ``b`` from the methodology (``rules`` per level, ``overall_item``,
``rescale_from``/``range``, weights) and the respondent-level score matrix ``Y`` from a tidy
frame (score functions per scale or item). Nothing here knows SIPAS, PAPI or PAR by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MethodologyError
from ..instrument.model import Component, Instrument, Item, ScoreFunction, Variant


@dataclass(frozen=True)
class Aggregation:
    """``score = b + A @ p`` for every component of one variant.

    Attributes:
        items: the scored items (columns of ``A`` and of ``Y``), in questionnaire order.
        components: component ids (rows of ``A``), parents after their children.
        A: (components x items) coefficients.
        b: (components,) constants.
        covered: False for a component that some needed leaf has no item for (its row is NaN).
        variant: the aggregation variant.
    """

    items: tuple[str, ...]
    components: tuple[str, ...]
    A: np.ndarray
    b: np.ndarray
    covered: np.ndarray
    variant: Variant


def scored_items(inst: Instrument) -> list[Item]:
    """Items that enter a score: they mirror a component or are some component's overall item."""
    overall = {c.overall_item for c in inst.components.values() if c.overall_item}
    return [it for it in inst.items
            if it.kind == "answer" and (it.mirrors or it.id in overall)]


def build_aggregation(inst: Instrument, variant: str | None = None) -> Aggregation:
    """The linear form of ``inst``'s aggregation ``variant`` (default: the declared default)."""
    try:
        v = inst.methodology.aggregation.variant(variant)
    except KeyError:
        known = [x.id for x in inst.methodology.aggregation.variants]
        raise MethodologyError(f"instrument {inst.id} has no aggregation variant {variant!r}; "
                               f"use one of {known}") from None
    items = scored_items(inst)
    col = {it.id: j for j, it in enumerate(items)}
    k = len(items)
    rows: dict[str, tuple[np.ndarray, float, bool]] = {}
    order: list[str] = []

    def combine(comp: Component, parts: list[tuple[str, np.ndarray, float, bool]]) -> tuple[
            np.ndarray, float, bool]:
        rule = v.rules.get(comp.level)
        how = rule.combine if rule else "mean"
        if how == "overall_item":
            a = np.zeros(k)
            a[col[comp.overall_item]] = 1.0
            vec, const, ok = a, 0.0, True
        else:
            if not parts:
                return np.full(k, np.nan), np.nan, False
            if how == "sum":
                wts = np.ones(len(parts))
            elif how == "mean":
                wts = np.full(len(parts), 1.0 / len(parts))
            else:  # weighted_mean (a rule exists: the default is mean)
                weights = rule.weights if rule is not None else {}
                raw = np.array([weights.get(name, np.nan) for name, *_ in parts])
                if np.isnan(raw).any():
                    missing = [name for (name, *_), w in zip(parts, raw, strict=True) if np.isnan(w)]
                    raise MethodologyError(f"variant {v.id}: level {comp.level} rule gives no weight "
                                           f"for {missing} (component {comp.id})")
                wts = raw / raw.sum()
            vec = sum((w * a for w, (_, a, _, _) in zip(wts, parts, strict=True)), np.zeros(k))
            const = float(sum(w * c for w, (_, _, c, _) in zip(wts, parts, strict=True)))
            ok = all(p[3] for p in parts)
        if rule is not None and rule.rescale_from is not None:
            if comp.range is None:
                raise MethodologyError(f"component {comp.id} is rescaled but has no range")
            f0, f1 = rule.rescale_from
            r0, r1 = comp.range
            s = (r1 - r0) / (f1 - f0)
            vec = vec * s
            const = r0 + s * (const - f0)
        return vec, const, ok

    def walk(comp: Component) -> tuple[np.ndarray, float, bool]:
        kids = [(ch.id, *walk(ch)) for ch in comp.children]
        if not comp.children:
            mirror = [it for it in items if comp.id in it.mirrors]
            kids = []
            for it in mirror:
                a = np.zeros(k)
                a[col[it.id]] = 1.0
                kids.append((it.id, a, 0.0, True))
        vec, const, ok = combine(comp, kids)
        if not ok:
            vec, const = np.full(k, np.nan), np.nan
        rows[comp.id] = (vec, const, ok)
        order.append(comp.id)
        return vec, const, ok

    for top in inst.methodology.components:
        walk(top)
    A = np.vstack([rows[c][0] for c in order]) if order else np.zeros((0, k))
    b = np.array([rows[c][1] for c in order])
    covered = np.array([rows[c][2] for c in order], dtype=bool)
    return Aggregation(tuple(it.id for it in items), tuple(order), A, b, covered, v)


def score_codes(sf: ScoreFunction, inst: Instrument, item: Item) -> dict[object, float]:
    """code -> respondent score for ``item`` under score function ``sf``."""
    scale = inst.scale_of(item)
    if scale is None:
        raise MethodologyError(f"item {item.id} has no scale to score")
    out: dict[object, float] = {}
    if sf.method == "indicator":
        hit = sf.codes if sf.codes is not None else (scale.satisfied.codes if scale.satisfied else [])
        out = {c: (sf.value if c in hit else 0.0) for c in scale.codes}
    elif sf.method == "map":
        out = {c: float(sf.values[c]) for c in scale.codes}
    else:
        if sf.from_ is None or sf.to is None:
            raise MethodologyError(f"linear score for item {item.id} lacks from/to")
        (f0, f1), (t0, t1) = sf.from_, sf.to
        out = {c: t0 + (t1 - t0) * (float(c) - f0) / (f1 - f0) for c in scale.codes}
    if item.reverse and sf.method != "map":
        lo, hi = min(out.values()), max(out.values())
        out = {c: lo + hi - v for c, v in out.items()}
    return out


def score_matrix(frame: pd.DataFrame, inst: Instrument, items: tuple[str, ...]) -> np.ndarray:
    """Respondent scores (rows of ``frame`` x ``items``); NaN where the item has no valid answer.

    ``frame`` is a tidy frame (one column per item id, holding answer codes; "don't know" and
    not-applicable codes already set missing).
    """
    Y = np.full((len(frame), len(items)), np.nan, order="F")  # a column is one contiguous run
    for j, iid in enumerate(items):
        item = inst.item(iid)
        sf = inst.score_function(item)
        if sf is None:
            raise MethodologyError(f"item {iid} enters a score but no score function applies "
                                   f"(scale {item.scale!r}); declare methodology.score_by_scale")
        if iid not in frame.columns:
            raise MethodologyError(f"the data have no column for item {iid}")
        mapping = score_codes(sf, inst, item)
        col = frame[iid]
        if pd.api.types.is_numeric_dtype(col) and all(isinstance(c, int) for c in mapping):
            # numeric codes (Int64 from the tidy reader, float from a plain CSV): map by value
            codes = np.array(list(mapping), dtype=float)
            vals = np.array(list(mapping.values()), dtype=float)
            lo, hi = (float(codes.min()), float(codes.max())) if len(codes) else (0.0, -1.0)
            if pd.api.types.is_integer_dtype(col) and 0 <= hi - lo <= 4096:
                # integer codes (the tidy reader's Int64): a lookup table whose last slot, NaN,
                # takes missing values and codes outside the scale; one gather per column
                span = int(hi - lo)
                lut = np.full(span + 2, np.nan)
                lut[(codes - lo).astype(np.int64)] = vals
                at = col.to_numpy(dtype=np.int64, na_value=int(lo) - 1) - int(lo)
                at[(at < 0) | (at > span)] = span + 1
                Y[:, j] = lut[at]
                continue
            x = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if 0 <= hi - lo <= 4096:
                # a lookup table over the code range: one gather, no search
                lut = np.full(int(hi - lo) + 1, np.nan)
                lut[(codes - lo).astype(np.int64)] = vals
                inside = (x >= lo) & (x <= hi) & (x == np.floor(x))
                at = np.where(inside, x - lo, 0).astype(np.int64)
                Y[:, j] = np.where(inside, lut[at], np.nan)
                continue
            pos = np.searchsorted(codes, x, sorter=np.argsort(codes))
            order = np.argsort(codes)
            pos = np.clip(pos, 0, len(codes) - 1)
            hit = codes[order][pos] == x
            Y[:, j] = np.where(hit, vals[order][pos], np.nan)
        else:
            table = pd.Series(list(mapping.values()), index=[str(c) for c in mapping], dtype=float)
            Y[:, j] = col.astype("string").map(table).astype("Float64").to_numpy(
                dtype=float, na_value=np.nan)
    return Y
