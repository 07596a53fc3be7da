"""JSON Schema errors as field errors with JSON pointers and plain-language messages."""

from __future__ import annotations

import json
import re

from jsonschema.exceptions import ValidationError

from service.pointers import pointer


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """One validation error as (JSON pointer, message) pairs; unknown and missing fields point at the field
    itself."""
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return [(pointer([*path, missing]), "is required")]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        patterns = error.schema.get("patternProperties", {})
        extras = sorted(k for k in error.instance
                        if k not in known and not any(re.search(p, k) for p in patterns))
        if extras:
            return [(pointer([*path, k]), "is not a known field") for k in extras]
    if error.validator == "unevaluatedProperties":
        extras = re.findall(r"'([^']*)'", error.message.split("(", 1)[-1])
        if extras:
            return [(pointer([*path, k]), "is not a known field") for k in extras]
    return [(pointer(path), _message(error))]


NOT_HERE = "is not used by a rubric of this purpose"
KEY_MESSAGES = frozenset({"is not a known field", "is required", NOT_HERE})
_BOUNDS = {"exclusiveMinimum": "greater than", "exclusiveMaximum": "less than", "minimum": "at least",
           "maximum": "at most"}
_TYPE_NAMES = {"string": "a string", "integer": "a whole number", "number": "a number", "object": "a mapping",
               "array": "a list", "boolean": "true or false", "null": "null"}


def _message(error: ValidationError) -> str:
    """Plain-language messages for the common cases; jsonschema's own text otherwise."""
    got = json.dumps(error.instance, default=str)
    if len(got) > 60:
        got = got[:57] + "..."
    kind, expected = error.validator, error.validator_value
    if kind == "not" and expected == {}:
        return NOT_HERE
    if kind == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        text = f"must be {' or '.join(_TYPE_NAMES.get(n, n) for n in names)} (got {got})"
        if "string" in names and isinstance(error.instance, float):
            text += f'; quote it: "{error.instance}"'
        return text
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {expected} (got {got})"
    if kind == "enum":
        return f"must be one of {', '.join(map(str, expected))} (got {got})"
    if kind == "const":
        return f"must be {json.dumps(expected)} (got {got})"
    if kind == "pattern":
        return f"{got} does not have the expected form ({expected})"
    if kind == "minItems":
        return f"needs at least {expected} item(s)"
    if kind in ("minProperties", "maxProperties") and error.schema.get("maxProperties") == 1:
        return f"must hold exactly one rule, e.g. `min_percent: 60` (got {got})"
    return error.message
