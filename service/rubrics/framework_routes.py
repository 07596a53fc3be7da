"""Leadership frameworks (read-only): MLCF, LF and HLM with crosswalks from MLCF elements."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.rubrics.catalogue import CATALOGUE
from service.web.auth import requires
from service.web.problems import NotFound
from service.web.responses import json_response

routes = web.RouteTableDef()
SUMMARY_FIELDS = ("id", "name", "source", "description")


@routes.get("/v1/frameworks")
@requires("rubrics:read")
async def list_frameworks(request: web.Request) -> web.Response:
    frameworks = request.app[CATALOGUE].frameworks
    items = [{k: f.document.get(k) for k in SUMMARY_FIELDS if k in f.document} for _, f in sorted(frameworks.items())]
    return json_response({"items": items, "next_cursor": None})


@routes.get("/v1/frameworks/{framework_id}")
@requires("rubrics:read")
async def get_framework(request: web.Request) -> web.Response:
    framework = request.app[CATALOGUE].frameworks.get(request.match_info["framework_id"])
    if framework is None:
        raise NotFound("No framework with this id; see /v1/frameworks")
    return json_response(_full(framework.document))


def _full(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    out["domains"] = [{**d, "elements": d.get("elements", [])} for d in doc["domains"]]
    out.setdefault("crosswalk", {})
    return out
