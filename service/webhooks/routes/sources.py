"""Inbound webhook sources (systems that send us signed events) and their receipts."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from marshmallow import Schema, fields

from service import db
from service.audit import store as audit
from service.web.appkeys import CONFIG, POOL
from service.web.auth import caller, requires
from service.web.bodies import read_json
from service.web.idempotency import SHOWN_ONCE
from service.web.marshal import UtcDateTime, Uuid
from service.web.params import decode_cursor, page_limit, paged, path_id, query_choice
from service.web.problems import NotFound
from service.web.responses import json_response
from service.webhooks import secrets, store
from service.webhooks.domain.signing import new_secret

routes = web.RouteTableDef()
SCOPE = "webhooks:manage"
OUTCOMES = ("accepted", "rejected")


class SourceSchema(Schema):
    id = Uuid()
    name = fields.String()
    description = fields.String()
    hook_url = fields.String()
    created_at = UtcDateTime()


class ReceiptSchema(Schema):
    id = Uuid()
    webhook_id = fields.String()
    event_type = fields.String(allow_none=True)
    outcome = fields.String()
    status = fields.Integer(attribute="status_code")
    reason = fields.String(allow_none=True)
    received_at = UtcDateTime()


_sources, _receipts = SourceSchema(), ReceiptSchema()


def dump_source(request: web.Request, row: Any) -> dict[str, Any]:
    return _sources.dump({**dict(row), "hook_url": f"{request.app[CONFIG].base_url}/v1/hooks/{row['id']}"})


@routes.post("/v1/webhook-sources")
@requires(SCOPE)
async def create_source(request: web.Request) -> web.Response:
    body = await read_json(request, "webhook-source-create")
    who = caller(request)
    secret = new_secret()
    async with db.transaction(request.app[POOL]) as conn:
        row = await store.create_source(
            conn, who.org_id, name=body["name"], description=body.get("description", ""),
            secret=secrets.seal_source_secret(request.app[secrets.SEALER], who.org_id, secret))
        await audit.record(conn, who, "webhook_source.created", "webhook_source", row["id"],
                           after={"name": row["name"], "description": row["description"]})
    response = json_response({**dump_source(request, row), "secret": secret}, status=201,
                             headers={"Location": f"/v1/webhook-sources/{row['id']}"})
    response[SHOWN_ONCE] = ("secret",)  # an idempotent replay of this create answers without it
    return response


@routes.get("/v1/webhook-sources")
@requires(SCOPE)
async def list_sources(request: web.Request) -> web.Response:
    limit = page_limit(request)
    position = decode_cursor(request)
    rows = await store.sources_page(request.app[POOL], caller(request).org_id,
                                    after_seq=position or 0, limit=limit + 1)
    return json_response(paged(rows, limit, lambda r: dump_source(request, r), lambda r: r["seq"]))


@routes.get("/v1/webhook-sources/{source_id}")
@requires(SCOPE)
async def get_source(request: web.Request) -> web.Response:
    return json_response(dump_source(request, await _source(request)))


@routes.delete("/v1/webhook-sources/{source_id}")
@requires(SCOPE)
async def delete_source(request: web.Request) -> web.Response:
    source_id = path_id(request, "source_id", "webhook source")
    who = caller(request)
    async with db.transaction(request.app[POOL]) as conn:
        if not await store.delete_source(conn, who.org_id, source_id):
            raise NotFound("No webhook source with this id")
        await audit.record(conn, who, "webhook_source.deleted", "webhook_source", source_id)
    return web.Response(status=204)


@routes.get("/v1/webhook-sources/{source_id}/receipts")
@requires(SCOPE)
async def list_receipts(request: web.Request) -> web.Response:
    source = await _source(request)
    limit = page_limit(request)
    position = decode_cursor(request)
    outcome = query_choice(request, "outcome", OUTCOMES)
    rows = await store.receipts_page(
        request.app[POOL], caller(request).org_id, source["id"],
        before_seq=position, limit=limit + 1, outcome=outcome)
    return json_response(paged(rows, limit, _receipts.dump, lambda r: r["seq"]))


async def _source(request: web.Request) -> Any:
    source_id = path_id(request, "source_id", "webhook source")
    row = await store.get_source(request.app[POOL], caller(request).org_id, source_id)
    if row is None:
        raise NotFound("No webhook source with this id")
    return row
