"""JSON Schemas from schemas/ and validation of inbound JSON with pointers to the bad fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from referencing import Registry, Resource

from .config import ROOT
from .domain.schema_errors import field_errors
from .errors import FieldError

SCHEMAS_DIR = ROOT / "schemas"
MAX_DEPTH = 32


def _strict_integer(checker: object, instance: object) -> bool:
    # JSON Schema counts 3.0 as an integer; a mark, count or version sent as 3.0 is a client mistake,
    # and letting it through would store floats where whole numbers are promised.
    return type(instance) is int


_ADDITIONAL_PROPERTIES = Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(validator: Any, value_schema: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """`additionalProperties` as jsonschema implements it, with shortcuts for `false` when every property is
    a declared one, and for a value schema that is only a `type` (a scorecard's marks) when every additional
    value has that type: there is nothing to descend into. Anything else, and every failure, is jsonschema's
    own, so the errors are exactly its errors."""
    if value_schema is False and type(instance) is dict and "patternProperties" not in schema:
        if instance.keys() <= schema.get("properties", {}).keys():
            return
    elif type(instance) is dict and type(value_schema) is dict and value_schema.keys() == {"type"} \
            and "patternProperties" not in schema:
        wanted, known = value_schema["type"], schema.get("properties", {})
        values = [v for k, v in instance.items() if k not in known] if known else instance.values()
        if wanted == "integer" and validator.TYPE_CHECKER is _STRICT_TYPES:  # the type check itself, in place
            if all(type(v) is int for v in values):
                return
        elif all(validator.is_type(v, wanted) for v in values):
            return
    yield from _ADDITIONAL_PROPERTIES(validator, value_schema, instance, schema)


_TYPE = Draft202012Validator.VALIDATORS["type"]
# The Python type of a JSON value of each JSON Schema type, where one type says it exactly (with strict
# integers; "number" takes two, and a bool is neither).
_EXACT_TYPES: dict[str, tuple[type, ...]] = {"object": (dict,), "array": (list,), "string": (str,),
                                             "integer": (int,), "number": (int, float), "boolean": (bool,),
                                             "null": (type(None),)}


def _type(validator: Any, types: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """`type` as jsonschema implements it, with a shortcut for one type name that the value's Python type
    plainly has; anything else, and every failure, is jsonschema's own."""
    if type(types) is str and validator.TYPE_CHECKER is _STRICT_TYPES and type(instance) in _EXACT_TYPES.get(types, ()):
        return
    yield from _TYPE(validator, types, instance, schema)


_PROPERTIES = Draft202012Validator.VALIDATORS["properties"]
# Keywords whose jsonschema functions look at the instance alone (they never descend into a subschema).
_LEAF_KEYWORDS = frozenset({"type", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum",
                            "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems",
                            "maxItems", "uniqueItems", "required", "minProperties", "maxProperties"})


def _checked_in_place(validator: Any, subschema: Any, value: Any) -> bool:
    """Whether `value` is known to be valid against `subschema` by running the subschema's keywords with
    `validator` itself: possible when each keyword is a leaf keyword, an annotation, or an
    `additionalProperties` that is a boolean or only a `type` (which does not descend either, see above)."""
    if type(subschema) is not dict:
        return False
    keywords = validator.VALIDATORS
    for keyword, keyword_value in subschema.items():
        if keyword not in keywords:
            continue  # an annotation: description, title, default, ...
        if keyword == "additionalProperties":
            if not (type(keyword_value) is bool or (type(keyword_value) is dict and keyword_value.keys() <= {"type"})):
                return False
        elif keyword not in _LEAF_KEYWORDS:
            return False
        for _error in keywords[keyword](validator, keyword_value, value, subschema) or ():
            return False
    return True


def _properties(validator: Any, properties: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """`properties` as jsonschema implements it, with a shortcut: when each present property's value is
    valid against a subschema of leaf keywords (see _checked_in_place), jsonschema's copy of the validator
    per property is not needed. Anything else, and every failure, is jsonschema's own, so the errors are
    exactly its errors."""
    if type(instance) is dict and all(_checked_in_place(validator, subschema, instance[name])
                                      for name, subschema in properties.items() if name in instance):
        return
    yield from _PROPERTIES(validator, properties, instance, schema)


_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer)
StrictValidator = validators.extend(
    Draft202012Validator,
    validators={"additionalProperties": _additional_properties, "properties": _properties, "type": _type},
    type_checker=_STRICT_TYPES)


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

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def validator(self, name: str) -> Draft202012Validator:
        if name not in self._validators:
            self._validators[name] = StrictValidator(
                self._by_name[name], registry=self._registry, format_checker=FormatChecker())
        return self._validators[name]

    def errors(self, name: str, instance: Any) -> list[FieldError]:
        found = sorted(self.validator(name).iter_errors(instance),
                       key=lambda e: (list(map(str, e.absolute_path)), e.validator))
        return [fe for e in found for fe in field_errors(e)]


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
