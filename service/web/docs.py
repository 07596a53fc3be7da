"""The OpenAPI document and its human-readable page."""

from __future__ import annotations

import yaml
from aiohttp import web

from service.config import ROOT
from service.web.docs_page import render

SPEC_PATH = ROOT / "openapi.yaml"
routes = web.RouteTableDef()
SPEC_TEXT = web.AppKey("spec_text", str)
DOCS_HTML = web.AppKey("docs_html", str)


def load(app: web.Application) -> None:
    text = SPEC_PATH.read_text(encoding="utf-8")
    app[SPEC_TEXT] = text
    app[DOCS_HTML] = render(yaml.safe_load(text))


@routes.get("/openapi.yaml")
async def openapi(request: web.Request) -> web.Response:
    return web.Response(text=request.app[SPEC_TEXT], content_type="application/yaml")


@routes.get("/docs")
async def docs(request: web.Request) -> web.Response:
    return web.Response(text=request.app[DOCS_HTML], content_type="text/html")
