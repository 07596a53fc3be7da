"""openapi.yaml is a valid OpenAPI 3.1 document and names every route the service serves."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from service.app import create_app
from service.config import ROOT, Config
from tests.support.openapi import spec


def test_openapi_document_is_valid() -> None:
    document, base_uri = read_from_filename(str(ROOT / "openapi.yaml"))
    validate(document, base_uri=base_uri)


def test_every_route_is_documented_and_every_documented_path_is_served() -> None:
    app = create_app(Config())
    served = {(r.method.lower(), r.resource.canonical) for r in app.router.routes()
              if r.method != "HEAD" and r.resource is not None
              and not isinstance(r.resource, web.StaticResource)}  # the docs page's script and styles
    documented = {(m, p) for p, item in spec()["paths"].items() for m in item if m != "parameters"}
    assert served == documented


def _parameters(path_item: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    def resolved(p: dict[str, Any]) -> dict[str, Any]:
        return spec()["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
    params = {r["name"]: r for r in map(resolved, path_item.get("parameters", []) + operation.get("parameters", []))}
    return list(params.values())


def _refusable(param: dict[str, Any]) -> bool:
    """A parameter the service checks for more than presence: a bounded string or integer, or a choice (a
    uuid id is not one: a malformed id names nothing, so it is a 404)."""
    schema = param["schema"]
    bounded = {"maxLength", "minLength", "pattern", "enum", "minimum", "maximum", "format"} & set(schema)
    return bool(bounded) and schema.get("format") != "uuid"


def test_every_operation_with_a_parameter_it_can_refuse_documents_the_422() -> None:
    missing = [f"{method.upper()} {path}: {', '.join(p['name'] for p in _parameters(item, op) if _refusable(p))}"
               for path, item in spec()["paths"].items() for method, op in item.items() if method != "parameters"
               if any(_refusable(p) for p in _parameters(item, op)) and "422" not in op["responses"]]
    assert missing == []
