"""The organisation's audit log, and who the caller is."""

from __future__ import annotations

from aiohttp import web

from ..http import caller, decode_cursor, json_response, page_limit, paged
from ..schemas import AuditEventSchema
from ..state import POOL
from ..store import audit

routes = web.RouteTableDef()
_events = AuditEventSchema()


@routes.get("/v1/audit-events")
async def list_audit_events(request: web.Request) -> web.Response:
    who = caller(request)
    limit = page_limit(request)
    position = decode_cursor(request)
    after = position if isinstance(position, int) else 0
    rows = await audit.page(request.app[POOL], who.org_id, after_seq=after, limit=limit + 1,
                            action=request.query.get("action"))
    return json_response(paged(rows, limit, _events.dump, lambda r: r["seq"]))


@routes.get("/v1/whoami")
async def whoami(request: web.Request) -> web.Response:
    who = caller(request)
    return json_response({"org": who.org_code, "key_id": who.key_id, "scopes": sorted(who.scopes)})
