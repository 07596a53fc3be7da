"""Outbound webhook endpoints, their deliveries (messages and attempts), redelivery and ping."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aiohttp import web
from marshmallow import Schema, fields
from yarl import URL

from service import db
from service.audit import store as audit
from service.jsontext import rfc3339
from service.web.appkeys import CONFIG, POOL
from service.web.auth import caller, requires
from service.web.bodies import read_json
from service.web.idempotency import SHOWN_ONCE
from service.web.marshal import UtcDateTime, Uuid
from service.web.params import decode_cursor, page_limit, paged, path_id, query_choice
from service.web.problems import Conflict, FieldError, NotFound, ValidationFailed
from service.web.responses import json_response
from service.webhooks import events, secrets, store
from service.webhooks.domain import ssrf
from service.webhooks.domain.delivery import State
from service.webhooks.domain.signing import new_secret

routes = web.RouteTableDef()
SCOPE = "webhooks:manage"
STATES = tuple(s.value for s in State)


class EndpointSchema(Schema):
    id = Uuid()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String()
    status = fields.Function(lambda r: "disabled" if r["disabled_at"] else "enabled")
    disabled_reason = fields.String(allow_none=True)
    disabled_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class AttemptSchema(Schema):
    attempt_no = fields.Integer()
    attempted_at = UtcDateTime()
    outcome = fields.String()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Float()
    error = fields.String(allow_none=True)
    response_excerpt = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = Uuid()
    endpoint_id = Uuid()
    event_type = fields.String()
    status = fields.String()
    attempt_count = fields.Integer(attribute="total_attempts")
    next_attempt_at = fields.Function(lambda r: rfc3339(r["next_attempt_at"]) if r["status"] == "pending" else None)
    last_attempt_at = UtcDateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    attempts = fields.List(fields.Nested(AttemptSchema))


_endpoints, _deliveries = EndpointSchema(), DeliverySchema()


@routes.post("/v1/webhook-endpoints")
@requires(SCOPE)
async def create_endpoint(request: web.Request) -> web.Response:
    body = await read_json(request, "webhook-endpoint-create")
    errors: list[FieldError] = []
    try:
        ssrf.check_url(body["url"], request.app[CONFIG].webhook_allowed_hosts)
    except ssrf.DestinationRefused as exc:
        errors.append(FieldError(str(exc), pointer="/url"))
    known = events.subscribable()
    errors += [FieldError(f"is not an event type you can subscribe to; known: {', '.join(known)}",
                          pointer=f"/events/{i}") for i, name in enumerate(body["events"]) if name not in known]
    if errors:
        raise ValidationFailed(f"{len(errors)} field(s) are not valid", errors=errors)
    who = caller(request)
    secret = new_secret()
    async with db.transaction(request.app[POOL]) as conn:
        row = await store.create_endpoint(
            conn, who.org_id, url=body["url"], events=body["events"], description=body.get("description", ""),
            secret=secrets.seal_endpoint_secret(request.app[secrets.SEALER], who.org_id, secret))
        # The query string can carry the receiver's own credentials: keep it out of the audit log.
        await audit.record(conn, who, "webhook_endpoint.created", "webhook_endpoint", row["id"],
                           after={"url": str(URL(body["url"]).with_query(None)), "events": body["events"]})
    response = json_response({**_endpoints.dump(row), "secret": secret}, status=201,
                             headers={"Location": f"/v1/webhook-endpoints/{row['id']}"})
    response[SHOWN_ONCE] = ("secret",)  # an idempotent replay of this create answers without it
    return response


@routes.get("/v1/webhook-endpoints")
@requires(SCOPE)
async def list_endpoints(request: web.Request) -> web.Response:
    limit = page_limit(request)
    position = decode_cursor(request)
    rows = await store.endpoints_page(request.app[POOL], caller(request).org_id,
                                      after_seq=position or 0, limit=limit + 1)
    return json_response(paged(rows, limit, _endpoints.dump, lambda r: r["seq"]))


@routes.get("/v1/webhook-endpoints/{endpoint_id}")
@requires(SCOPE)
async def get_endpoint(request: web.Request) -> web.Response:
    return json_response(_endpoints.dump(await _endpoint(request)))


@routes.delete("/v1/webhook-endpoints/{endpoint_id}")
@requires(SCOPE)
async def delete_endpoint(request: web.Request) -> web.Response:
    endpoint_id = path_id(request, "endpoint_id", "webhook endpoint")
    who = caller(request)
    async with db.transaction(request.app[POOL]) as conn:
        if not await store.delete_endpoint(conn, who.org_id, endpoint_id):
            raise NotFound("No webhook endpoint with this id")
        await audit.record(conn, who, "webhook_endpoint.deleted", "webhook_endpoint", endpoint_id)
    return web.Response(status=204)


@routes.get("/v1/webhook-endpoints/{endpoint_id}/deliveries")
@requires(SCOPE)
async def list_deliveries(request: web.Request) -> web.Response:
    endpoint = await _endpoint(request)
    limit = page_limit(request)
    position = decode_cursor(request)
    status = query_choice(request, "status", STATES)
    pool = request.app[POOL]
    org_id = caller(request).org_id
    rows = await store.deliveries_page(pool, org_id, endpoint["id"], limit=limit + 1, status=status,
                                       before_seq=position)
    tried: dict[Any, list[Any]] = defaultdict(list)
    for attempt in await store.attempts_of(pool, org_id, [r["id"] for r in rows[:limit]]):
        tried[attempt["message_id"]].append(attempt)
    return json_response(paged(rows, limit, lambda r: _deliveries.dump({**dict(r), "attempts": tried[r["id"]]}),
                               lambda r: r["seq"]))


@routes.post("/v1/webhook-endpoints/{endpoint_id}/ping")
@requires(SCOPE)
async def ping_endpoint(request: web.Request) -> web.Response:
    """Queue a `ping` event to this endpoint alone, to test it end to end (signature, reachability)."""
    endpoint = await _endpoint(request)
    if endpoint["disabled_at"]:
        raise Conflict("The endpoint is disabled; create a new one")
    who = caller(request)
    async with db.transaction(request.app[POOL]) as conn:
        row = await events.emit_to_endpoint(conn, who.org_id, endpoint["id"], "ping",
                                            {"message": "Test event from the MLCF assessment service"})
        await audit.record(conn, who, "webhook_endpoint.pinged", "webhook_endpoint", endpoint["id"],
                           after={"delivery_id": str(row["id"])})
    return json_response(_deliveries.dump({**dict(row), "attempts": []}), status=202)


@routes.post("/v1/webhook-deliveries/{delivery_id}/redeliver")
@requires(SCOPE)
async def redeliver(request: web.Request) -> web.Response:
    """Send a finished delivery again: same webhook-id and body, a fresh retry schedule."""
    delivery_id = path_id(request, "delivery_id", "webhook delivery")
    who = caller(request)
    async with db.transaction(request.app[POOL]) as conn:
        found = await store.lock_delivery(conn, who.org_id, delivery_id)
        if found is None:
            raise NotFound("No webhook delivery with this id")
        if found["endpoint_deleted"] or found["endpoint_disabled"]:
            raise Conflict("The delivery's endpoint is disabled or deleted; nothing can be sent to it")
        if found["status"] == State.PENDING:
            raise Conflict("The delivery is still pending; it will be attempted on its schedule")
        row = await store.redeliver(conn, who.org_id, delivery_id)
        await audit.record(conn, who, "webhook_delivery.redelivered", "webhook_delivery", delivery_id,
                           before={"status": found["status"]})
    attempts = await store.attempts_of(request.app[POOL], who.org_id, [delivery_id])
    return json_response(_deliveries.dump({**dict(row), "attempts": attempts}), status=202)


async def _endpoint(request: web.Request) -> Any:
    endpoint_id = path_id(request, "endpoint_id", "webhook endpoint")
    row = await store.get_endpoint(request.app[POOL], caller(request).org_id, endpoint_id)
    if row is None:
        raise NotFound("No webhook endpoint with this id")
    return row
