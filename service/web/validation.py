"""JSON Schemas from schemas/ and validation of inbound JSON with pointers to the bad fields."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from referencing import Registry, Resource

from service.config import ROOT
from service.schema_messages import field_errors
from service.web.problems import FieldError

SCHEMAS_DIR = ROOT / "schemas"
MAX_DEPTH = 32


def _strict_integer(checker: object, instance: object) -> bool:
    # JSON Schema counts 3.0 as an integer; a mark, count or version sent as 3.0 is a client mistake,
    # and letting it through would store floats where whole numbers are promised.
    return type(instance) is int


_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer)
StrictValidator = validators.extend(Draft202012Validator, type_checker=_STRICT_TYPES)

# --- a fast yes for valid documents -------------------------------------------------------------------
# jsonschema walks a document keyword by keyword through generators: some 14 us for a scorecard on the
# development machine. Most documents sent are valid: for a schema made only of the keywords below, a
# plain Python check says so in a fraction of that, and only a document it does not pass goes through
# jsonschema, whose errors are the answer. The check never calls a document valid that jsonschema (with
# strict integers) refuses, nor the reverse: tests/unit/test_schema_validation.py compares the two on
# every schema.

Check = Callable[[Any], bool]
# Keywords that validate nothing.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples",
                          "deprecated", "readOnly", "writeOnly"})
# The Python types of a JSON value of each type (a bool is neither an integer nor a number).
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {"object": (dict,), "array": (list,), "string": (str,),
                                              "integer": (int,), "number": (int, float), "boolean": (bool,),
                                              "null": (type(None),)}
_BOUNDS = {"minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt,
           "exclusiveMaximum": operator.lt}


def _is_number(value: Any) -> bool:
    return type(value) in _PYTHON_TYPES["number"]


def compile_check(schema: Any) -> Check | None:
    """A function telling whether a document is valid against `schema`, or None when the schema uses a
    keyword (or a form of one) it does not know: `$ref`, `enum`, `not`, `format`, ... are left to jsonschema."""
    if schema is True:
        return lambda value: True
    if type(schema) is not dict:
        return None
    checks: list[Check] = []
    for keyword, arg in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        check = _keyword_check(keyword, arg, schema)
        if check is None:
            return None
        checks.append(check)
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _keyword_check(keyword: str, arg: Any, schema: dict[str, Any]) -> Check | None:
    if keyword == "type":
        names = [arg] if type(arg) is str else arg
        if type(names) is not list or not all(type(n) is str and n in _PYTHON_TYPES for n in names):
            return None
        types = frozenset(t for n in names for t in _PYTHON_TYPES[n])
        return lambda value: type(value) in types
    if keyword == "required" and type(arg) is list:
        return lambda value: type(value) is not dict or all(name in value for name in arg)
    if keyword == "properties" and type(arg) is dict:
        subchecks = [(name, compile_check(sub)) for name, sub in arg.items()]
        if any(check is None for _name, check in subchecks):
            return None
        return lambda value: type(value) is not dict or all(
            check(value[name]) for name, check in subchecks if name in value)  # type: ignore[misc]
    if keyword == "additionalProperties" and "patternProperties" not in schema:
        declared = schema.get("properties", {})
        if arg is False:
            return lambda value: type(value) is not dict or value.keys() <= declared.keys()
        extra = compile_check(arg)
        if extra is None:
            return None
        return lambda value: type(value) is not dict or all(extra(v) for k, v in value.items() if k not in declared)
    if keyword == "items" and "prefixItems" not in schema:
        item = compile_check(arg)
        if item is None:
            return None
        return lambda value: type(value) is not list or all(item(v) for v in value)
    if keyword in ("minLength", "maxLength", "minItems", "maxItems") and type(arg) is int:
        kind = str if keyword.endswith("Length") else list
        if keyword.startswith("min"):
            return lambda value: type(value) is not kind or len(value) >= arg
        return lambda value: type(value) is not kind or len(value) <= arg
    if keyword in _BOUNDS and _is_number(arg):
        holds = _BOUNDS[keyword]
        return lambda value: not _is_number(value) or holds(value, arg)
    if keyword == "pattern" and type(arg) is str:
        search = re.compile(arg).search
        return lambda value: type(value) is not str or search(value) is not None
    return None


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
