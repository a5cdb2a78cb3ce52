"""Cross-reference checks of an instrument: every name it uses must exist, every code must fit.

Each check yields ``(yaml_path, message, fix)``; the loader turns them into
:class:`cchc_survey.errors.Problem` records with the file name and line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel

from ..structure.limesurvey import ANSWER_CODE, QUESTION_CODE, SUBQUESTION_CODE, question_type
from .model import (
    BUILTIN_SCALES,
    CHOICE_TYPES,
    FIXED_CODE_TYPES,
    SUBQUESTION_TYPES,
    Code,
    Component,
    InstrumentSpec,
    Scale,
    ScoreFunction,
    Text,
    iter_items,
)

Finding = tuple[str, str, str]

# LimeSurvey's code rules (cchc_survey.structure.limesurvey): question codes start with a
# letter, then letters and digits only (no spaces, no underscores in LimeSurvey 6), at most 20
# characters; sub-question codes letters and digits; answer codes at most 5 of them.
LS_CODE = QUESTION_CODE
LS_ANSWER_CODE = ANSWER_CODE
ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")
INSTRUMENT_ID = ITEM_ID
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}


def _code_findings(path: str, code: str, what: str, max_len: int,
                   rule: re.Pattern[str] = LS_CODE) -> Iterator[Finding]:
    if not rule.match(code):
        first = "a letter first, then " if rule is LS_CODE else ""
        yield (
            path,
            f"{what} {code!r} is not a code LimeSurvey accepts",
            f"use {first}letters and digits only (no spaces, '_' or '-'), "
            f"e.g. {re.sub(r'[^A-Za-z0-9]', '', code) or 'Q1'!r}.",
        )
    elif len(code) > max_len:
        yield (path, f"{what} {code!r} is longer than {max_len} characters",
               f"shorten it to at most {max_len} characters.")


def _component_ids(components: list[Component], base: str) -> Iterator[tuple[str, Component]]:
    for i, c in enumerate(components):
        p = f"{base}[{i}]"
        yield p, c
        yield from _component_ids(c.children, f"{p}.children")


def check(spec: InstrumentSpec) -> Iterator[Finding]:
    """Yield every cross-reference problem in ``spec``."""
    if not INSTRUMENT_ID.match(spec.id):
        yield ("id", f"instrument id {spec.id!r} is not a lower-case identifier",
               "use lower-case letters, digits and '_' (e.g. sipas_one_stop).")
    if not spec.languages or len(set(spec.languages)) != len(spec.languages) or not all(
            LANGUAGE_CODE.match(lg) for lg in spec.languages):
        yield ("languages", f"languages {spec.languages} are not a list of distinct language "
               "codes", "list the survey's languages, the first one its base language: [vi, en].")
    yield from _text_findings(spec)

    # --- scales -----------------------------------------------------------------------------
    scales: dict[str, Scale] = {**BUILTIN_SCALES, **spec.scales}
    for name in spec.scales:
        if name in BUILTIN_SCALES:
            yield (f"scales.{name}", f"scale {name!r} is built in (LimeSurvey fixes its codes)",
                   "remove it or give your scale another name.")
    for name, sc in spec.scales.items():
        p = f"scales.{name}"
        counts = Counter(str(c) for c in [*sc.codes, *sc.missing_codes])
        for code, n in counts.items():
            if n > 1:
                yield (p, f"code {code!r} appears {n} times", "give every option its own code.")
        for i, o in enumerate(sc.all_options):
            where = f"{p}.options[{i}]" if i < len(sc.options) else f"{p}.missing[{i - len(sc.options)}]"
            if not LS_ANSWER_CODE.match(str(o.code)):
                yield (where, f"answer code {o.code!r} is not a LimeSurvey answer code",
                       "use 1 to 5 letters or digits.")
            base = spec.languages[0] if spec.languages else "vi"
            if not o.label.get(base).strip() or (base == "vi" and not o.vi.strip()):
                name_ = LANGUAGE_NAMES.get(base, base)
                yield (where, f"answer code {o.code!r} has no {name_} label",
                       f"add a '{base}' label.")
        if sc.satisfied is not None:
            valid = set(sc.codes)
            for sat_code in sc.satisfied.codes:
                if sat_code not in valid:
                    yield (f"{p}.satisfied.codes", f"satisfied code {sat_code!r} is not a code of scale "
                           f"{name!r} (codes: {sc.codes})",
                           "list only codes of the scale's options.")

    # --- groups, questions, items -------------------------------------------------------------
    qcodes: dict[str, str] = {}
    qtypes: dict[str, tuple[str, str]] = {}
    gcodes: Counter[str] = Counter(g.code for g in spec.groups)
    for gi, g in enumerate(spec.groups):
        gp = f"groups[{gi}]"
        if gcodes[g.code] > 1:
            yield (f"{gp}.code", f"group code {g.code!r} is used by more than one group",
                   "give every group its own code.")
        yield from _code_findings(f"{gp}.code", g.code, "group code", 20)
        for qi, q in enumerate(g.questions):
            qp = f"{gp}.questions[{qi}]"
            yield from _code_findings(f"{qp}.code", q.code, "question code", 20)
            if q.code.upper() in qcodes:
                yield (f"{qp}.code", f"question code {q.code!r} is also used at "
                       f"{qcodes[q.code.upper()]}", "question codes must be unique "
                       "(LimeSurvey compares them without regard to case).")
            else:
                qcodes[q.code.upper()] = qp
            qtypes[q.code] = (q.type, q.scale or FIXED_CODE_TYPES.get(q.type, ""))
            qt = question_type(q.type)
            if q.type in CHOICE_TYPES:
                if not q.scale:
                    yield (f"{qp}.scale", f"question {q.code} of type {q.type} has no scale",
                           f"add 'scale:' with one of: {sorted(spec.scales)}.")
                elif q.scale not in scales:
                    yield (f"{qp}.scale", f"unknown scale {q.scale!r} in question {q.code}",
                           f"use one of: {sorted(spec.scales)}, or declare it under 'scales:'.")
            elif q.scale and q.type in FIXED_CODE_TYPES and q.scale != FIXED_CODE_TYPES[q.type]:
                yield (f"{qp}.scale", f"question {q.code} of type {q.type} cannot take scale "
                       f"{q.scale!r}: LimeSurvey fixes its codes", "remove 'scale:'.")
            elif q.scale and q.type not in FIXED_CODE_TYPES and q.scale not in scales:
                yield (f"{qp}.scale", f"unknown scale {q.scale!r} in question {q.code}",
                       f"use one of: {sorted(spec.scales)}.")
            elif q.scale and qt.answers != "options" and q.type not in FIXED_CODE_TYPES:
                yield (f"{qp}.scale", f"question {q.code} of type {q.type} takes no scale "
                       f"({qt.name}: {'LimeSurvey fixes its codes' if qt.fixed else 'no codes'})",
                       "remove 'scale:'.")
            if q.type == "1" and q.scale2 not in spec.scales:
                yield (f"{qp}.scale2", f"dual-scale question {q.code} has no second scale "
                       f"{q.scale2!r}", f"add 'scale2:' with one of: {sorted(spec.scales)}.")
            elif q.type != "1" and q.scale2:
                yield (f"{qp}.scale2", f"question {q.code} of type {q.type} has one scale only",
                       "remove 'scale2:' (only dual-scale arrays, type 1, have two).")
            if q.type in SUBQUESTION_TYPES and not q.subquestions:
                yield (f"{qp}.subquestions", f"question {q.code} of type {q.type} has no "
                       "sub-questions", "add 'subquestions:' (code and text of each row/option).")
            if q.type not in SUBQUESTION_TYPES and q.subquestions:
                yield (f"{qp}.subquestions", f"question {q.code} of type {q.type} cannot have "
                       "sub-questions", "use type F (array) or M (multiple choice).")
            if qt.layout == "array" and not q.columns:
                yield (f"{qp}.columns", f"array question {q.code} of type {q.type} has no "
                       "columns", "add 'columns:' (code and text of each column).")
            if qt.layout != "array" and q.columns:
                yield (f"{qp}.columns", f"question {q.code} of type {q.type} cannot have "
                       "columns", "only arrays of numbers or texts (types : and ;) have them.")
            if q.other and not qt.other:
                yield (f"{qp}.other", f"question {q.code} of type {q.type} cannot have 'other'",
                       "only list (L, !) and multiple-choice (M, P) questions take 'other: true'.")
            if q.filter and q.relevance.strip():
                yield (f"{qp}.relevance", f"question {q.code} has both a filter and a relevance "
                       "equation", "keep one: the filter, or the equation LimeSurvey evaluates.")
            sc_counts = Counter(sq.code.upper() for sq in q.subquestions)
            for si, sq in enumerate([*q.subquestions, *q.columns]):
                part = "subquestions" if si < len(q.subquestions) else "columns"
                sp = f"{qp}.{part}[{si if si < len(q.subquestions) else si - len(q.subquestions)}]"
                yield from _code_findings(f"{sp}.code", sq.code, "sub-question code", 20,
                                          SUBQUESTION_CODE)
                if sc_counts[sq.code.upper()] > 1:
                    yield (f"{sp}.code", f"sub-question code {sq.code!r} appears more than once "
                           f"in question {q.code}", "give every sub-question its own code.")
                if sq.code.lower() == "other":
                    yield (f"{sp}.code", "sub-question code 'other' is reserved by LimeSurvey",
                           "use 'other: true' on the question instead.")

    items = list(iter_items(spec))
    ids = Counter(it.id for it in items)
    item_path: dict[str, str] = {}
    for gi, g in enumerate(spec.groups):
        for qi, q in enumerate(g.questions):
            qp = f"groups[{gi}].questions[{qi}]"
            for si, sq in enumerate(q.subquestions):
                item_path.setdefault(sq.id or f"{q.code}_{sq.code}".lower(), f"{qp}.subquestions[{si}]")
            item_path.setdefault(q.id or q.code.lower(), qp)
    for iid, n in ids.items():
        if n > 1:
            yield (item_path.get(iid, "groups"), f"item id {iid!r} is used {n} times",
                   "give every item (question or sub-question) its own id.")
        if not ITEM_ID.match(iid):
            yield (item_path.get(iid, "groups"), f"item id {iid!r} is not a lower-case "
                   "identifier", "use lower-case letters, digits and '_' (it names a column).")
    by_id = {it.id: it for it in items}

    # --- filters --------------------------------------------------------------------------------
    order = {g.code: i for i, g in enumerate(spec.groups)}
    for gi, g in enumerate(spec.groups):
        flist = [(f"groups[{gi}].filter[{k}]", f) for k, f in enumerate(g.filter)]
        for qi, q in enumerate(g.questions):
            flist += [(f"groups[{gi}].questions[{qi}].filter[{k}]", f) for k, f in enumerate(q.filter)]
        for fp, f in flist:
            if f.question not in qtypes:
                yield (f"{fp}.question", f"filter refers to unknown question {f.question!r}",
                       "name the code of an earlier single-choice question.")
                continue
            ftype, fscale = qtypes[f.question]
            fqt = question_type(ftype)
            if fqt.layout not in ("single", "list_comment") or fqt.value != "code":
                yield (f"{fp}.question", f"filter question {f.question} has type {ftype}",
                       "filter on a single-choice question (L, !, G, Y).")
                continue
            valid = set(scales[fscale].codes) if fscale in scales else set()
            for fcode in f.in_:
                if valid and fcode not in valid:
                    yield (f"{fp}.in", f"filter code {fcode!r} is not a code of question "
                           f"{f.question} (codes: {sorted(valid, key=str)})", "use the scale's codes.")
            fq_group = next(gg.code for gg in spec.groups for qq in gg.questions if qq.code == f.question)
            if order[fq_group] > gi:
                yield (f"{fp}.question", f"filter question {f.question} comes after the "
                       "question it filters", "filter only on earlier questions.")

    # --- methodology --------------------------------------------------------------------------
    m = spec.methodology
    comps = list(_component_ids(m.components, "methodology.components"))
    cid_count = Counter(c.id for _, c in comps)
    comp_by_id = {c.id: c for _, c in comps}
    for p, c in comps:
        if cid_count[c.id] > 1:
            yield (f"{p}.id", f"component id {c.id!r} is used {cid_count[c.id]} times",
                   "give every component its own id.")
        if c.overall_item and c.overall_item not in by_id:
            yield (f"{p}.overall_item", f"component {c.id} names unknown overall item "
                   f"{c.overall_item!r}", "name an item id of this instrument.")
        if c.range is not None and c.range[0] >= c.range[1]:
            yield (f"{p}.range", f"range {list(c.range)} of component {c.id} is empty",
                   "give [low, high] with low < high.")
    levels = {c.level for _, c in comps}
    for it in items:
        for comp in it.mirrors:
            if comp not in comp_by_id:
                yield (item_path.get(it.id, "groups") + ".mirrors", f"item {it.id} mirrors "
                       f"{comp!r}, which methodology.components does not define",
                       f"use one of the component ids: {sorted(comp_by_id)[:12]}...")
            elif comp_by_id[comp].children:
                yield (item_path.get(it.id, "groups") + ".mirrors", f"item {it.id} mirrors "
                       f"{comp!r}, which is not a leaf component", "mirror the lowest level "
                       "(a criterion or sub-dimension); use overall_item for a summary question.")
    for name, sf in m.scores.items():
        sp = f"methodology.scores.{name}"
        if sf.method == "map" and not sf.values:
            yield (sp, f"score {name!r} of method 'map' has no values", "add 'values: {code: value}'.")
        if sf.method == "linear" and (sf.from_ is None or sf.to is None):
            yield (sp, f"score {name!r} of method 'linear' needs 'from' and 'to'",
                   "add from: [low, high] and to: [low, high].")
    for scale_name, score_name in m.score_by_scale.items():
        if scale_name not in scales:
            yield (f"methodology.score_by_scale.{scale_name}", f"unknown scale {scale_name!r}",
                   f"use one of: {sorted(scales)}.")
        if score_name not in m.scores:
            yield (f"methodology.score_by_scale.{scale_name}", f"unknown score {score_name!r}",
                   f"use one of methodology.scores: {sorted(m.scores)}.")
        elif scale_name in scales:
            yield from _score_fits(f"methodology.scores.{score_name}", score_name,
                                   m.scores[score_name], scale_name, scales[scale_name])
    for it in items:
        if it.score and it.score not in m.scores:
            yield (item_path.get(it.id, "groups") + ".score", f"item {it.id} uses unknown score "
                   f"{it.score!r}", f"use one of methodology.scores: {sorted(m.scores)}.")
        if it.mirrors and not (it.score or m.score_by_scale.get(it.scale)):
            yield (item_path.get(it.id, "groups"), f"item {it.id} mirrors {list(it.mirrors)} but "
                   f"no score turns its answers into numbers (scale {it.scale!r})",
                   "add the scale to methodology.score_by_scale or give the item 'score:'.")

    variant_ids = Counter(v.id for v in m.aggregation.variants)
    if m.aggregation.default not in variant_ids:
        yield ("methodology.aggregation.default", f"default variant {m.aggregation.default!r} "
               "is not declared", f"use one of: {sorted(variant_ids)}.")
    for vi, v in enumerate(m.aggregation.variants):
        vp = f"methodology.aggregation.variants[{vi}]"
        if variant_ids[v.id] > 1:
            yield (f"{vp}.id", f"variant id {v.id!r} is used twice", "rename one of them.")
        for level, rule in v.rules.items():
            rp = f"{vp}.rules.{level}"
            if level not in levels:
                yield (rp, f"level {level!r} is not a level of methodology.components",
                       f"use one of: {sorted(levels)}.")
                continue
            at_level = [c for c in comp_by_id.values() if c.level == level]
            for c in at_level:
                kids = {ch.id for ch in c.children} or {it.id for it in items if c.id in it.mirrors}
                if rule.combine == "overall_item" and not c.overall_item:
                    yield (rp, f"rule 'overall_item' but component {c.id} has no overall_item",
                           f"add overall_item to component {c.id}.")
                if rule.combine == "weighted_mean":
                    for k in rule.weights:
                        if k not in kids and k not in comp_by_id and k not in by_id:
                            yield (f"{rp}.weights.{k}", f"weight for unknown child {k!r}",
                                   "key weights by a child component id or item id.")
                if rule.rescale_from is not None and c.range is None:
                    yield (rp, f"rule rescales onto component {c.id}'s range, which is not given",
                           f"add range: [low, high] to component {c.id}.")
        for _, c in comps:
            if c.level not in v.rules and c.children:
                yield (f"{vp}.rules", f"variant {v.id!r} has no rule for level {c.level!r}",
                       f"add rules.{c.level}: {{combine: mean}} (or another rule).")

    # --- design -------------------------------------------------------------------------------
    d = spec.design
    for role in ("unit", "service", "channel", "respondent_type", "stratum", "cluster", "weight",
                 "selection_probability"):
        ref = getattr(d, role)
        if ref and ref not in by_id:
            yield (f"design.{role}", f"design variable {role} names unknown item {ref!r}",
                   "name an item id of this instrument.")
    for i, ref in enumerate(d.profile):
        if ref not in by_id:
            yield (f"design.profile[{i}]", f"profile variable names unknown item {ref!r}",
                   "name an item id of this instrument.")
    if d.wave.source not in {"submitdate", "startdate", "datestamp"} and d.wave.source not in by_id:
        yield ("design.wave.source", f"wave source {d.wave.source!r} is neither a date column "
               "nor an item", "use submitdate, startdate, datestamp or an item id.")


def _text_findings(spec: InstrumentSpec) -> Iterator[Finding]:
    """Every text of the instrument has its first language's text (Vietnamese first for the
    bundled instruments); any other key of a text is a language of the instrument."""
    base = spec.languages[0] if spec.languages else "vi"
    name = LANGUAGE_NAMES.get(base, base)
    langs = set(spec.languages)

    def walk(value: object, path: str) -> Iterator[Finding]:
        if isinstance(value, Text):
            if not value.given(base):
                yield (f"{path}.{base}", f"the {name} text is missing",
                       f"add '{base}:' ({name} comes first in every text).")
            elif not value.get(base).strip():
                yield (f"{path}.{base}", f"the {name} text is empty", f"write the {name} text.")
            for lg in value.others:
                if lg not in langs:
                    yield (f"{path}.{lg}", f"{lg!r} is not a language of the instrument "
                           f"({spec.languages})", "add it to 'languages:' or correct the key.")
        elif isinstance(value, BaseModel):
            for key in type(value).model_fields:
                yield from walk(getattr(value, key), f"{path}.{key}" if path else key)
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                yield from walk(v, f"{path}[{i}]")
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, f"{path}.{k}")

    yield from walk(spec, "")


def _score_fits(
    path: str, name: str, sf: ScoreFunction, scale_name: str, sc: Scale
) -> Iterator[Finding]:
    valid: set[Code] = set(sc.codes)
    if sf.method == "indicator":
        # without its own 'codes' the score counts the scale's satisfied codes (checked there)
        if sf.codes is None and sc.satisfied is None:
            yield (path, f"score {name!r} counts the satisfied codes, but scale {scale_name!r} "
                   "declares none", f"add 'satisfied:' to scale {scale_name} or 'codes:' here.")
        elif sf.codes is not None:
            for c in sf.codes:
                if c not in valid:
                    yield (path, f"score {name!r} counts code {c!r}, which scale {scale_name!r} "
                           "does not have", "list only codes of the scale.")
    elif sf.method == "map":
        missing = [c for c in sc.codes if c not in sf.values]
        extra = [c for c in sf.values if c not in valid]
        if missing:
            yield (path, f"score {name!r} gives no value for codes {missing} of scale "
                   f"{scale_name!r}", "give a value for every code of the scale.")
        if extra:
            yield (path, f"score {name!r} maps codes {extra} that scale {scale_name!r} does not "
                   "have", "remove them or fix the scale.")
    elif sf.method == "linear":
        bad = [c for c in sc.codes if not isinstance(c, int)]
        if bad:
            yield (path, f"score {name!r} is linear but scale {scale_name!r} has non-numeric "
                   f"codes {bad}", "use method 'map'.")
