"""Inbound JSON validation (service/validation.py): the `additionalProperties` and `properties` shortcuts
give exactly the errors jsonschema's own implementation gives."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from service.validation import SchemaRegistry, StrictValidator, _strict_integer

# The same validator without the shortcuts: jsonschema's own keywords, the same integer rule.
PlainValidator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer))

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


def described(errors: Any) -> list[tuple[Any, ...]]:
    return sorted((list(e.absolute_path), e.validator, e.message, list(e.schema_path)) for e in errors)


@pytest.mark.parametrize("name", ["scorecard-put", "candidate-put"])
def test_the_shortcut_gives_jsonschemas_own_errors(name: str) -> None:
    registry = SchemaRegistry()
    schema = registry._by_name[name]
    fast, plain = StrictValidator(schema), PlainValidator(schema)
    rng = random.Random(name)
    invalid = 0
    for _ in range(3000):
        body = random_body(rng)
        if name == "candidate-put" and isinstance(body, dict) and "marks" in body:
            body = {"components": body["marks"]} if isinstance(body["marks"], dict) else body
        expected = described(plain.iter_errors(body))
        assert described(fast.iter_errors(body)) == expected, body
        invalid += bool(expected)
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
def test_the_shortcuts_give_jsonschemas_own_errors_for_every_schema(name: str) -> None:
    registry = SchemaRegistry()
    schema = registry._by_name[name]
    fast = StrictValidator(schema, registry=registry._registry)
    plain = PlainValidator(schema, registry=registry._registry)
    rng = random.Random(name)
    invalid = 0
    for _ in range(1500):
        body = instance_near(rng, schema)
        expected = described(plain.iter_errors(body))
        assert described(fast.iter_errors(body)) == expected, body
        invalid += bool(expected)
    assert invalid > 0
    # Both valid and invalid bodies were tried, except for documents built of $refs, which this generator
    # does not follow: there only parts of a document are valid (and take the shortcuts).
    assert invalid < 1500 or name in {"framework", "rubric", "webhook-envelope"}
