"""Inbound JSON validation (service/validation.py): the fast check of valid documents says valid exactly
where jsonschema does, so the errors are always jsonschema's own."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from service.web.fast_check import compile_check
from service.web.validation import SchemaRegistry, strict_integer

# jsonschema's own validator with the service's integer rule.
PlainValidator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", strict_integer))

VALUES: list[Any] = [0, 3, -2, 10**20, 2.5, 3.0, True, False, None, "4", "", [], [1], {}, {"a": 1}]


def random_body(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return rng.choice(VALUES)
    body: dict[str, Any] = {}
    if rng.random() < 0.9:
        marks = {f"c{i}": rng.choice(VALUES[:3]) for i in range(rng.randint(0, 5))}
        if rng.random() < 0.4:
            marks[f"c{rng.randint(0, 9)}"] = rng.choice(VALUES)
        body["marks"] = marks if rng.random() < 0.95 else rng.choice(VALUES)
    if rng.random() < 0.3:
        body["evidence"] = {f"c{i}": rng.choice(["text", 5, None]) for i in range(rng.randint(0, 3))}
    if rng.random() < 0.3:
        body["comment"] = rng.choice(["fine", 7])
    if rng.random() < 0.1:
        body[rng.choice(["extra", "marks2", "station_id"])] = rng.choice(VALUES)
    return body


@pytest.mark.parametrize("name", ["scorecard-put", "candidate-put"])
def test_the_fast_check_agrees_with_jsonschema_on_bodies_as_clients_send_them(name: str) -> None:
    registry = SchemaRegistry()
    schema = registry.schema(name)
    check, plain = compile_check(schema), PlainValidator(schema)
    assert check is not None
    rng = random.Random(name)
    invalid = 0
    for _ in range(3000):
        body = random_body(rng)
        if name == "candidate-put" and isinstance(body, dict) and "marks" in body:
            body = {"components": body["marks"]} if isinstance(body["marks"], dict) else body
        valid = plain.is_valid(body)
        assert check(body) == valid, body
        assert (registry.errors(name, body) == []) == valid, body
        invalid += not valid
    assert 300 < invalid < 2700  # both valid and invalid bodies were tried


def instance_near(rng: random.Random, schema: Any, depth: int = 0) -> Any:
    """A random value near what `schema` accepts: mostly of the right shape, at and beyond its limits, now and
    then of another type, with missing and unknown properties."""
    if not isinstance(schema, dict) or depth > 6 or rng.random() < 0.08:
        return rng.choice(VALUES)
    if "enum" in schema and rng.random() < 0.7:
        return rng.choice(schema["enum"])
    if "const" in schema and rng.random() < 0.7:
        return schema["const"]
    kind = schema.get("type")
    kind = rng.choice(kind) if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        out = {name: instance_near(rng, sub, depth + 1) for name, sub in props.items() if rng.random() < 0.75}
        extra = schema.get("additionalProperties")
        for i in range(rng.choice([0, 0, 1, 2])):
            out[f"x{i}"] = instance_near(rng, extra if isinstance(extra, dict) else {}, depth + 1)
        return out
    if kind == "array":
        return [instance_near(rng, schema.get("items", {}), depth + 1)
                for _ in range(rng.randint(0, schema.get("minItems", 1) + 2))]
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 12)
        return "a" * rng.choice([max(0, low - 1), low, min(high, low + 3), high, high + 1])
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", low + 10)
        value = rng.choice([low - 1, low, high, high + 1, (low + high) // 2])
        return value + 0.5 if kind == "number" and rng.random() < 0.3 else value
    if kind == "boolean":
        return rng.random() < 0.5
    return rng.choice(VALUES)


@pytest.mark.parametrize("name", SchemaRegistry().names())
def test_the_fast_check_agrees_with_jsonschema_for_every_schema(name: str) -> None:
    registry = SchemaRegistry()
    schema = registry.schema(name)
    check = compile_check(schema)
    plain = PlainValidator(schema, registry=registry.references)
    rng = random.Random(name)
    invalid = 0
    for _ in range(1500):
        body = instance_near(rng, schema)
        valid = plain.is_valid(body)
        if check is not None:
            assert check(body) == valid, body
        assert (registry.errors(name, body) == []) == valid, body
        invalid += not valid
    assert invalid > 0
    # Both valid and invalid bodies were tried, except for documents built of $refs, which this generator
    # does not follow.
    assert invalid < 1500 or name in {"framework", "rubric", "webhook-envelope"}


def test_the_schemas_clients_send_most_are_checked_fast() -> None:
    registry = SchemaRegistry()
    for name in ("scorecard-put", "moderation-create", "candidate-put", "campaign-create", "webhook-envelope"):
        assert compile_check(registry.schema(name)) is not None, name


# Every keyword the fast check knows, in the forms it knows, and a few it leaves to jsonschema.
EVERY_KEYWORD = {
    "type": "object", "required": ["id", "n"], "additionalProperties": {"type": ["string", "null"], "maxLength": 3},
    "properties": {
        "id": {"type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$", "description": "x"},
        "n": {"type": "integer", "minimum": 1, "maximum": 5},
        "x": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 2.5},
        "list": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "boolean"}},
        "closed": {"type": "object", "additionalProperties": False, "properties": {"a": True}},
        "any": True,
    },
}


@pytest.mark.parametrize("schema", [
    EVERY_KEYWORD,
    {"type": "array", "items": {"type": "object", "required": ["a"], "properties": {"a": {"minimum": 0}}}},
    {"type": ["integer", "string"], "minimum": 2, "minLength": 2},
])
def test_the_fast_check_agrees_with_jsonschema_on_every_keyword_it_knows(schema: dict[str, Any]) -> None:
    check, plain = compile_check(schema), PlainValidator(schema)
    assert check is not None
    rng = random.Random(str(schema))
    outcomes = set()
    for _ in range(4000):
        body = instance_near(rng, schema)
        if isinstance(body, dict) and rng.random() < 0.3:
            body[rng.choice(["id", "n", "x", "list", "closed"])] = rng.choice([*VALUES, "abc", "Ab", 0.5, [True]])
        valid = plain.is_valid(body)
        assert check(body) == valid, body
        outcomes.add(valid)
    assert outcomes == {True, False}


@pytest.mark.parametrize("schema", [
    {"$ref": "#/$defs/a"}, {"enum": [1, 2]}, {"const": 1}, {"not": {"type": "string"}}, {"format": "uuid"},
    {"type": "object", "patternProperties": {"^a": {}}, "additionalProperties": False},
    {"type": "object", "properties": {"a": {"enum": ["x"]}}}, {"x-unknown": 1}, {"type": "decimal"},
])
def test_keywords_it_does_not_know_leave_the_whole_schema_to_jsonschema(schema: dict[str, Any]) -> None:
    assert compile_check(schema) is None
