"""Who the caller is: the organisation and scopes of the API key in use."""

from __future__ import annotations

from aiohttp import web

from service.web.auth import caller
from service.web.responses import json_response

routes = web.RouteTableDef()


@routes.get("/v1/whoami")
async def whoami(request: web.Request) -> web.Response:
    who = caller(request)
    return json_response({"org": who.org_code, "key_id": who.key_id, "scopes": sorted(who.scopes)})
