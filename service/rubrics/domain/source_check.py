"""Checks one admin-written YAML file: safe parse, JSON Schema, semantic rules, every issue located."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from service.pointers import unescape
from service.rubrics.domain.yaml_source import Issue, Located, SourceError, load
from service.schema_messages import KEY_MESSAGES, field_errors

Semantic = Callable[[dict[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class Checked:
    """A file's parsed document (as written) and its issues; valid when there are none."""

    document: dict[str, Any] | None
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.issues and self.document is not None


def check_source(raw: bytes, schema: Draft202012Validator, semantic: Semantic | None = None) -> Checked:
    """Every problem at once: syntax first; then all schema errors; semantic rules once the schema holds."""
    try:
        located = load(raw)
    except SourceError as exc:
        return Checked(None, exc.issues)
    if not isinstance(located.data, dict):
        return Checked(None, [Issue(1, 1, "the file must be a mapping of fields (key: value)")])
    issues = schema_issues(located, schema)
    if not issues and semantic is not None:
        issues = [_at(located, pointer, message) for pointer, message in semantic(located.data)]
    return Checked(located.data, sorted(issues, key=lambda i: (i.line, i.column, i.pointer)))


def schema_issues(located: Located, schema: Draft202012Validator) -> list[Issue]:
    issues = []
    for error in schema.iter_errors(located.data):
        for ptr, detail in field_errors(error):
            key = detail in KEY_MESSAGES
            message = f"{_last(ptr)} {detail}" if key else detail
            issues.append(_at(located, ptr, message, key=key))
    return list(dict.fromkeys(issues))


def _last(ptr: str) -> str:
    name = unescape(ptr.rsplit("/", 1)[-1])
    return f"`{name}`"


def _at(located: Located, pointer: str, message: str, *, key: bool = False) -> Issue:
    line, column = located.where(pointer, key=key)
    return Issue(line, column, message, pointer)
