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
            return unknown_fields(path, extras)
    if error.validator == "unevaluatedProperties":
        extras = re.findall(r"'([^']*)'", error.message.split("(", 1)[-1])
        if extras:
            return unknown_fields(path, extras)
    return [(pointer(path), _message(error))]


# A field name is given back only when it is plainly a field name; any other text is the caller's own.
PLAIN_FIELD_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def unknown_fields(path: list[object], names: list[str]) -> list[tuple[str, str]]:
    """Unknown fields, each at its own pointer when its name is plainly a field name; the others counted at the
    object that holds them."""
    plain = [n for n in names if PLAIN_FIELD_NAME.fullmatch(n)]
    out = [(pointer([*path, n]), "is not a known field") for n in plain]
    if len(plain) < len(names):
        out.append((pointer(path), f"has {len(names) - len(plain)} more unknown field(s) (names not repeated)"))
    return out


NOT_HERE = "is not used by a rubric of this purpose"
KEY_MESSAGES = frozenset({"is not a known field", "is required", NOT_HERE})
_BOUNDS = {"exclusiveMinimum": "greater than", "exclusiveMaximum": "less than", "minimum": "at least",
           "maximum": "at most"}
# Limits on a size: (how the message states the limit, what is counted), the size sent in brackets.
_SIZES = {"minLength": ("must be at least", "characters"), "maxLength": ("must be at most", "characters"),
          "minItems": ("needs at least", "item(s)"), "maxItems": ("must have at most", "item(s)"),
          "minProperties": ("needs at least", "entries"), "maxProperties": ("must have at most", "entries")}
_TYPE_NAMES = {"string": "a string", "integer": "a whole number", "number": "a number",
               "object": "an object (mapping)", "array": "a list", "boolean": "true or false", "null": "null"}


def _got(value: object) -> str:
    """What was sent, described without repeating it when it is text (which may be personal data)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        text = json.dumps(value)
        return text if len(text) <= 40 else f"a number of {len(text)} digits"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _message(error: ValidationError) -> str:
    """A plain-language message that says what is wrong and the limit broken, and never repeats the
    text that was sent (only its kind and size, or a number)."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    got = _got(value)
    if kind == "not" and expected == {}:
        return NOT_HERE
    if kind == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        text = f"must be {' or '.join(_TYPE_NAMES.get(n, n) for n in names)} (got {got})"
        if "string" in names and isinstance(value, float):
            text += f'; quote it: "{value}"'
        return text
    if kind in _BOUNDS:
        return f"must be {_BOUNDS[kind]} {expected} (got {got})"
    if kind == "enum":
        return f"must be one of {', '.join(map(str, expected))} (got {got})"
    if kind == "const":
        return f"must be {json.dumps(expected)} (got {got})"
    if kind == "pattern":
        return f"does not have the expected form (the pattern {expected})"
    if kind == "format":
        return f"must be a valid {expected}"
    if kind == "uniqueItems":
        return "must not hold the same item twice"
    if kind in ("minProperties", "maxProperties") and error.schema.get("maxProperties") == 1:
        return f"must hold exactly one rule, e.g. `min_percent: 60` (got {len(value)} entries)"
    if kind == "minLength" and expected == 1:
        return "must not be empty"
    if kind in _SIZES:
        limit, counted = _SIZES[kind]
        return f"{limit} {expected} {counted} (got {len(value)})"
    if kind == "multipleOf":
        return f"must be a multiple of {expected} (got {got})"
    return f"does not match the schema (its {kind} rule)"
