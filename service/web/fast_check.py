"""A fast yes for valid documents: a plain Python check compiled from a JSON Schema.

jsonschema walks a document keyword by keyword through generators: some 14 us for a scorecard. Most
documents sent are valid: for a schema made only of the keywords below, a compiled check says so in a
fraction of that, and only a document it does not pass goes through jsonschema, whose errors are the
answer. The check never calls a document valid that jsonschema (with strict integers) refuses, nor the
reverse: tests/web/test_schema_validation.py compares the two on every schema.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

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
