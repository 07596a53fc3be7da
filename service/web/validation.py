"""JSON Schemas from schemas/ and validation of inbound JSON with pointers to the bad fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from referencing import Registry, Resource

from service.config import ROOT
from service.schema_messages import field_errors
from service.web.fast_check import compile_check
from service.web.problems import FieldError

SCHEMAS_DIR = ROOT / "schemas"
MAX_DEPTH = 32


def strict_integer(checker: object, instance: object) -> bool:
    # JSON Schema counts 3.0 as an integer. Request bodies already hold it as the int 3 (web/bodies.py);
    # in YAML rubric files a count or version written 3.0 would be a float where a whole number is
    # promised, so only ints pass.
    return type(instance) is int


_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine("integer", strict_integer)
StrictValidator = validators.extend(Draft202012Validator, type_checker=_STRICT_TYPES)

class SchemaRegistry:
    """Every schema under schemas/, addressable by file name (without .json) or by $id."""

    def __init__(self, directory: Path = SCHEMAS_DIR) -> None:
        resources: list[tuple[str, Resource]] = []
        self._by_name: dict[str, dict[str, Any]] = {}
        for path in sorted(directory.rglob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            name = path.relative_to(directory).with_suffix("").as_posix()
            self._by_name[name] = schema
            resources.append((schema.get("$id", name), Resource.from_contents(schema)))
        self._registry: Registry = Registry().with_resources(resources)
        self._validators: dict[str, Draft202012Validator] = {}
        self._checks = {name: compile_check(schema) for name, schema in self._by_name.items()}

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def schema(self, name: str) -> dict[str, Any]:
        """The schema named `name` (its file name under schemas/, without .json)."""
        return self._by_name[name]

    @property
    def references(self) -> Registry:
        """Every schema by $id, for validators that resolve $refs between them."""
        return self._registry

    def validator(self, name: str) -> Draft202012Validator:
        if name not in self._validators:
            self._validators[name] = StrictValidator(
                self._by_name[name], registry=self._registry, format_checker=FormatChecker())
        return self._validators[name]

    def errors(self, name: str, instance: Any) -> list[FieldError]:
        check = self._checks[name]
        if check is not None and check(instance):
            return []
        found = sorted(self.validator(name).iter_errors(instance),
                       key=lambda e: (list(map(str, e.absolute_path)), e.validator))
        return [FieldError(message, pointer=ptr) for e in found for ptr, message in field_errors(e)]


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False
