"""openapi.yaml is a valid OpenAPI 3.1 document and names every route the service serves."""

from __future__ import annotations

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
