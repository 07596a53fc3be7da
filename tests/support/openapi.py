"""Checks every response a test receives against the contract as the service serves it (openapi.yaml
bundled with the schemas it uses, see service/web/contract.py)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from service.web.contract import served

SPEC_URI = "urn:mlcf-assessment:contract"
PROBLEM = "application/problem+json"


@cache
def spec() -> dict[str, Any]:
    return json.loads(served().json)  # byte for byte what /openapi.json answers


@cache
def registry() -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012))


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in spec()["paths"]:
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        out.append((re.compile(regex), template))
    # literal paths win over templated ones
    return sorted(out, key=lambda t: t[1].count("{"))


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for regex, template in _templates():
        if regex.match(path):
            op = spec()["paths"][template].get(method.lower())
            if op is not None:
                return template, op
    return None


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def check_response(method: str, path: str, status: int, content_type: str, body: Any) -> None:
    """Fail unless (method, path, status, content type) is documented and the body matches."""
    found = find_operation(method, path)
    if found is None:
        assert status in (401, 404, 405, 413), f"{method} {path} -> {status} is not in openapi.yaml"
        assert content_type == PROBLEM, f"undocumented {method} {path} answered {content_type}"
        _validate("#/components/schemas/Problem", body)
        return
    template, op = found
    responses = op["responses"]
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{method} {template} -> {status} is not documented"
    response = responses[key]
    if "$ref" in response:
        ref = response["$ref"]
        response = _resolve(ref)
    content = response.get("content", {})
    if not content:
        assert body in ("", None), f"{method} {template} -> {status} documents no body but answered one"
        return
    assert content_type in content, (
        f"{method} {template} -> {status} answered {content_type}, documented {list(content)}")
    base = ("#/paths/" + _escape(template) + "/" + method.lower() + "/responses/" + key)
    if "$ref" in op["responses"][key]:
        base = op["responses"][key]["$ref"]
    if content[content_type].get("schema") is not None and isinstance(body, dict | list):
        _validate(base + "/content/" + _escape(content_type) + "/schema", body)


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = spec()
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _validate(fragment: str, body: Any) -> None:
    validator = Draft202012Validator({"$ref": SPEC_URI + fragment}, registry=registry(),
                                     format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
    assert not errors, "response does not match openapi.yaml:\n" + "\n".join(
        f"  {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10])


def check_problem(body: Any) -> None:
    """Fail unless the body is a problem as the contract describes one."""
    _validate("#/components/schemas/Problem", body)
