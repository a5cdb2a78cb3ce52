"""Read an instrument file: UTF-8 YAML -> NFC -> typed model -> cross-reference checks.

Every problem is reported at once, each with the file, the line, the YAML path and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import InstrumentError, Problem
from ..text import nfc_deep
from .model import Instrument, InstrumentSpec
from .validate import check

_FIX_BY_TYPE = {
    "missing": "add the field.",
    "extra_forbidden": "remove it or check its spelling against the instrument reference (README).",
    "literal_error": "use one of the allowed values.",
    "bool_type": "write true or false.",
    "bool_parsing": "write true or false.",
    "string_type": "write a text value.",
    "int_type": "write a whole number.",
    "float_type": "write a number.",
    "float_parsing": "write a number.",
    "list_type": "write a list ([a, b] or one '- ' line per entry).",
    "dict_type": "write a mapping (key: value).",
    "model_type": "write a mapping (key: value).",
    "value_error": "",
    "tuple_type": "write a list of two numbers, e.g. [0, 100].",
    "too_short": "give the expected number of entries.",
    "too_long": "give the expected number of entries.",
}


class _LineMap:
    """YAML path -> line number, from the composed node tree (composed on first use: only a
    file with problems needs it)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: dict[tuple[Any, ...], int] | None = None

    @property
    def lines(self) -> dict[tuple[Any, ...], int]:
        if self._lines is None:
            self._lines = {}
            try:
                node = yaml.compose(self.text, Loader=yaml.SafeLoader)
            except yaml.YAMLError:
                return self._lines
            if node is not None:
                self._walk(node, ())
        return self._lines

    def _walk(self, node: yaml.Node, path: tuple[Any, ...]) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = k.value
                self.lines[(*path, key)] = k.start_mark.line + 1
                self._walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                self._walk(v, (*path, i))

    def line(self, path: tuple[Any, ...]) -> int | None:
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


def _fmt_path(loc: tuple[Any, ...], data: Any) -> str:
    """``('groups', 2, 'questions', 0, 'scale')`` -> ``groups[2 G3].questions[0 TC].scale``."""
    out = ""
    cur = data
    for part in loc:
        if isinstance(part, int):
            label = ""
            if isinstance(cur, list) and 0 <= part < len(cur):
                cur = cur[part]
                if isinstance(cur, dict):
                    tag = cur.get("id") or cur.get("code")
                    label = f" {tag}" if tag is not None else ""
            else:
                cur = None
            out += f"[{part}{label}]"
        else:
            cur = cur.get(part) if isinstance(cur, dict) else None
            out += f".{part}" if out else str(part)
    return out or "(top)"


def _parse_path(path: str) -> tuple[Any, ...]:
    """``groups[2].questions[0].scale`` -> ``('groups', 2, 'questions', 0, 'scale')``."""
    out: list[Any] = []
    for part in path.replace("]", "").split("."):
        if not part:
            continue
        name, *idx = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i.split()[0]) for i in idx)
    return tuple(out)


def load_instrument(path: str | Path) -> Instrument:
    """Load and validate an instrument file.

    Raises:
        InstrumentError: with one :class:`~cchc_survey.errors.Problem` per problem found.
    """
    p = Path(path)
    fname = str(p)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InstrumentError([Problem(fname, "(file)", f"cannot read the file: {exc.strerror}",
                                       "check the path.")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InstrumentError([Problem(fname, "(file)", "the file is not UTF-8 text",
                                       "save it as UTF-8 (Vietnamese text needs it).", line)]) from None
    return parse_instrument(text, fname)


def parse_instrument(text: str, fname: str = "<string>") -> Instrument:
    """Validate an instrument given as YAML text (``fname`` is used in messages)."""
    try:
        data = yaml.safe_load(text)  # not libyaml's loader: it accepts what PyYAML calls an error
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InstrumentError([Problem(fname, "(YAML syntax)", str(exc).replace("\n", " "),
                                       "fix the YAML syntax (indentation, colons, quotes).",
                                       line)]) from None
    if not isinstance(data, dict):
        raise InstrumentError([Problem(fname, "(top)", "the file does not hold a mapping",
                                       "start with 'id:', 'version:', 'title:' ...", 1)])
    data = nfc_deep(data)
    lines = _LineMap(text)
    try:
        spec = InstrumentSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            # pydantic adds the union member's type to the path ('int', 'str'): not a YAML key
            loc = tuple(x for x in loc if x not in {"int", "str", "function-after[_vi_not_blank(), str]"})
            msg = err["msg"]
            if err["type"] == "missing" and loc and loc[-1] == "vi":
                msg = "the Vietnamese text is missing"
                fix = "add 'vi:' (Vietnamese comes first in every text)."
            else:
                fix = _FIX_BY_TYPE.get(err["type"], "")
            if err["type"] == "value_error" and "Vietnamese" in msg:
                fix = "write the Vietnamese text."
            problems.append(Problem(fname, _fmt_path(loc, data), msg, fix, lines.line(loc)))
        raise InstrumentError(problems, f"{fname}: the instrument does not have the expected "
                                        "shape") from None
    problems = [
        Problem(fname, _fmt_path(_parse_path(where), data), msg, fix, lines.line(_parse_path(where)))
        for where, msg, fix in check(spec)
    ]
    if problems:
        raise InstrumentError(problems, f"{fname}: the instrument is inconsistent")
    inst = Instrument(spec, path=fname)
    inst.warnings.extend(_warnings(inst))
    return inst


def _warnings(inst: Instrument) -> list[str]:
    out = []
    for cid, comp in inst.components.items():
        if not comp.children and not inst.mirroring_items(cid):
            out.append(f"component {cid} ({comp.label.vi}) is mirrored by no item: its score "
                       "cannot be computed from this instrument")
    for it in inst.items:
        if not it.text.en:
            out.append(f"item {it.id} has no English text")
    return out


def load_all(folder: str | Path) -> dict[str, Instrument]:
    """Load every ``*.yaml`` instrument in ``folder``, keyed by instrument id."""
    out: dict[str, Instrument] = {}
    for f in sorted(Path(folder).glob("*.yaml")):
        inst = load_instrument(f)
        out[inst.id] = inst
    return out
