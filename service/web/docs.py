"""The contract as served (bundled: see contract.py) and its page, Swagger UI shipped with the service."""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from aiohttp import web

from service.web.appkeys import QUERY_PARAMETERS
from service.web.contract import ServedContract, served

SWAGGER_UI = Path(swagger_ui.__file__).parent / "static"  # Swagger UI's own files, from its PyPI package
OWN_STATIC = Path(__file__).parent / "static"
CONTRACT = web.AppKey("contract", ServedContract)
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width,initial-scale=1">
  <title>MLCF assessment service API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/page/docs.js"></script>
</body>
</html>
"""

routes = web.RouteTableDef()


def load(app: web.Application) -> None:
    app[CONTRACT] = served()
    app[QUERY_PARAMETERS] = app[CONTRACT].query_parameters


@routes.get("/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    return web.Response(body=request.app[CONTRACT].json, content_type="application/json")


@routes.get("/openapi.yaml")
async def openapi_yaml(request: web.Request) -> web.Response:
    return web.Response(text=request.app[CONTRACT].yaml, content_type="application/yaml")


@routes.get("/docs")
async def docs(request: web.Request) -> web.Response:
    return web.Response(text=DOCS_PAGE, content_type="text/html")


routes.static("/docs/assets", SWAGGER_UI)
routes.static("/docs/page", OWN_STATIC)
