"""Inbound JSON validation (service/validation.py): the `additionalProperties` shortcut gives exactly the
errors jsonschema's own implementation gives."""

from __future__ import annotations

import random
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from service.validation import SchemaRegistry, StrictValidator, _strict_integer

# The same validator without the shortcut: jsonschema's additionalProperties, the same integer rule.
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
