"""Safe YAML for admin-written files: JSON-compatible data plus the line and column of every node.

Refuses what a hand-written rubric never needs and an attacker would use: anchors and aliases
(alias bombs), duplicate keys, non-UTF-8 text, oversize files, tags and non-scalar keys.
YAML 1.1 surprises are switched off: only true/false are booleans and dates stay strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from service.pointers import escape

MAX_BYTES = 256 * 1024
MAX_DEPTH = 24


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a source file, at a 1-based line and column, with a JSON pointer when known."""

    line: int
    column: int
    message: str
    pointer: str = ""

    def render(self, filename: str) -> str:
        where = f" (at {self.pointer})" if self.pointer else ""
        return f"{filename}:{self.line}:{self.column}: {self.message}{where}"


@dataclass
class Located:
    """Parsed data and where each value (and each mapping key) starts in the source."""

    data: Any
    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)

    def where(self, pointer: str, *, key: bool = False) -> tuple[int, int]:
        """The position of the node at pointer, or of its nearest existing ancestor."""
        if key and pointer in self.keys:
            return self.keys[pointer]
        probe = pointer
        while probe and probe not in self.values:
            probe = probe.rsplit("/", 1)[0]
        return self.values.get(probe, (1, 1))


class SourceError(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues


MAX_INTEGER_DIGITS = 40  # as in JSON bodies: no rubric field takes more
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same marks, ~10x faster


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2-like booleans and no timestamp conversion."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise SourceError([Issue(1, 1, f"file is {len(raw)} bytes; the limit is {MAX_BYTES}")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SourceError([Issue(line, column, f"file is not UTF-8 (byte 0x{raw[exc.start]:02x})")]) from None


def load(raw: bytes) -> Located:
    """Parse one YAML document; raises SourceError listing every problem found."""
    text = decode(raw)
    issues: list[Issue] = []
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = _pos(mark) if mark else (1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise SourceError([Issue(line, column, f"YAML syntax error: {message}")]) from None
    except yaml.YAMLError as exc:
        raise SourceError([Issue(1, 1, f"YAML error: {exc}")]) from None
    if node is None:
        raise SourceError([Issue(1, 1, "the file is empty")])
    located = Located(data=None)
    located.data = _build(node, "", located, issues, loader, 1, set())
    if issues:
        raise SourceError(issues)
    return located


def _build(node: yaml.Node, pointer: str, out: Located, issues: list[Issue], loader: _Loader, depth: int,
           seen: set[int]) -> Any:
    out.values[pointer] = _pos(node.start_mark)
    if id(node) in seen:
        # The composer shares one node between an anchor and its aliases; refusing the second visit
        # stops an alias bomb before anything is expanded. Reported once, where the anchor is.
        if -id(node) not in seen:
            seen.add(-id(node))
            issues.append(Issue(*_pos(node.start_mark), "anchors (&name) and aliases (*name) are not allowed; "
                                                        "write the value out", pointer))
        return None
    seen.add(id(node))
    if node.tag not in _PLAIN_TAGS:
        issues.append(Issue(*_pos(node.start_mark), f"tag {node.tag} is not allowed", pointer))
        return None
    if depth > MAX_DEPTH:
        issues.append(Issue(*_pos(node.start_mark), f"nesting deeper than {MAX_DEPTH} levels", pointer))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                issues.append(Issue(*_pos(key_node.start_mark),
                                    "mapping keys must be plain scalars (no `<<` merges or tags)", pointer))
                continue
            key_value = _scalar(key_node, loader, issues, pointer)
            key = "null" if key_value is None else str(key_value).lower() if isinstance(key_value, bool) \
                else str(key_value)
            child = f"{pointer}/{escape(key)}"
            if key in result:
                first = out.keys[child]
                issues.append(Issue(*_pos(key_node.start_mark),
                                    f"duplicate key {key!r} (first at line {first[0]})", child))
                continue
            out.keys[child] = _pos(key_node.start_mark)
            result[key] = _build(value_node, child, out, issues, loader, depth + 1, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, f"{pointer}/{i}", out, issues, loader, depth + 1, seen)
                for i, item in enumerate(node.value)]
    value = _scalar(node, loader, issues, pointer)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_INTEGER_DIGITS:
        # a hexadecimal or octal integer is read whatever its length, but could never be printed back
        issues.append(Issue(*_pos(node.start_mark), f"integers of more than {MAX_INTEGER_DIGITS} digits are not "
                                                    "accepted", pointer))
        return None
    if (isinstance(value, float) and value != value) or value in (float("inf"), float("-inf")):
        issues.append(Issue(*_pos(node.start_mark), "numbers must be finite", pointer))
    return value


def _scalar(node: yaml.Node, loader: _Loader, issues: list[Issue], pointer: str) -> Any:
    """The scalar's value; a value PyYAML can't build (an integer of thousands of digits...) is an issue."""
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError) as exc:
        issues.append(Issue(*_pos(node.start_mark), f"this value can't be read: {str(exc).splitlines()[0]}", pointer))
        return None
