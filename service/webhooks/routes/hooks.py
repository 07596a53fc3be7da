"""POST /v1/hooks/{source_id}: signed inbound events, verified on the raw bytes, recorded once, then dispatched."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from service import db
from service.audit import store as audit
from service.sealing import Unsealable
from service.tenants.domain.callers import SystemCaller, source_caller
from service.web import problems
from service.web.appkeys import METRICS, POOL, SCHEMAS
from service.web.auth import public
from service.web.bodies import parse_json_aside, read_body, require_json
from service.web.params import path_id
from service.web.problems import (
    BadRequest,
    FieldError,
    NotFound,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from service.web.responses import json_response, problem_response
from service.webhooks import secrets, store
from service.webhooks.domain.signing import SignatureError, verify
from service.webhooks.inbound import INBOUND_EVENTS, HookContext, NotYet

routes = web.RouteTableDef()
log = structlog.get_logger("service.hooks")
MAX_WEBHOOK_ID = 255
ENVELOPE = "webhook-envelope"


@routes.post("/v1/hooks/{source_id}")
@public
async def receive(request: web.Request) -> web.Response:
    source_id = path_id(request, "source_id", "webhook source")
    pool = request.app[POOL]
    source = await store.for_hook(pool, source_id)
    if source is None:
        raise NotFound("No webhook source with this id")
    body = await read_body(request)
    headers = request.headers
    try:
        secret = secrets.open_source_secret(request.app[secrets.SEALER], source["org_id"], source["secret"])
    except Unsealable as exc:
        log.error("hook_secret_unsealable", source_id=str(source_id), reason=str(exc))
        raise ServiceUnavailable("This source's signing secret cannot be opened with the service's keys") from None
    try:
        verify(secret, msg_id=headers.get("webhook-id"), timestamp=headers.get("webhook-timestamp"),
               signature=headers.get("webhook-signature"), body=body, now=time.time())
    except SignatureError as exc:
        raise Unauthorized(f"The webhook is not signed with this source's secret: {exc}") from None
    webhook_id = headers["webhook-id"]
    if len(webhook_id) > MAX_WEBHOOK_ID or not webhook_id.isprintable():
        raise BadRequest(f"webhook-id must be at most {MAX_WEBHOOK_ID} printable characters")
    who = source_caller(source["org_id"], source["org_code"], source_id)
    digest = hashlib.sha256(body).digest()
    async with db.transaction(pool) as conn:
        # The unique (source, webhook-id) row is taken first: a concurrent duplicate waits here until
        # this transaction ends, then finds the row and replays the answer below.
        receipt_id = await store.claim_receipt(conn, who.org_id, source_id, webhook_id, digest)
        if receipt_id is None:
            stored = await store.stored_answer(conn, who.org_id, source_id, webhook_id)
            if stored["body_sha256"] != digest:  # a sender bug worth seeing; the first message stands
                log.warning("webhook_id_reused_with_other_body", source_id=str(source_id))
            return _replay(stored)
        response, event_type, reason = await _process(request, conn, who, source_id, webhook_id, body)
        outcome = "accepted" if response.status < 400 else "rejected"
        await store.finish_receipt(
            conn, who.org_id, receipt_id, event_type=event_type, outcome=outcome, status_code=response.status,
            reason=reason, response_type=response.content_type, response_body=bytes(response.body))  # type: ignore[arg-type]
        await audit.record(conn, who, f"webhook.{outcome}", "webhook_receipt", receipt_id,
                           after={"source_id": str(source_id), "webhook_id": webhook_id, "type": event_type,
                                  "status": response.status})
    request.app[METRICS].receipts.labels(outcome).inc()
    log.info("webhook_received", source_id=str(source_id), event_type=event_type, outcome=outcome,
             status=response.status)
    return response


async def _process(request: web.Request, conn: asyncpg.Connection, who: SystemCaller, source_id: uuid.UUID,
                   webhook_id: str, body: bytes) -> tuple[web.Response, str | None, str | None]:
    """Validate and dispatch one new event: (the answer, its type if known, why it was refused)."""
    event_type: str | None = None
    try:
        require_json(request, "the event")
        schemas = request.app[SCHEMAS]
        envelope: dict[str, Any] = await parse_json_aside(body, schemas.errors, ENVELOPE)
        event_type = envelope["type"]
        event = request.app[INBOUND_EVENTS].get(event_type)
        if event is None:
            raise ValidationFailed("The event's type is not an event type this service accepts", errors=[
                FieldError(f"must be one of: {', '.join(request.app[INBOUND_EVENTS].names())}", pointer="/type")])
        errors = [FieldError(e.detail, pointer="/data" + (e.pointer or "")) for e in schemas.errors(
            event.schema, envelope["data"])]
        if errors:
            raise ValidationFailed(f"The data of this {event_type} event is not valid", errors=errors)
        ctx = HookContext(who, source_id, webhook_id, event_type, envelope["timestamp"], request.app)
        try:
            async with conn.transaction():  # a savepoint: a refused event leaves nothing but its receipt
                result = await event.handler(conn, ctx, envelope["data"])
        except asyncpg.IntegrityConstraintViolationError as exc:
            translated = db.translate(exc)
            if isinstance(translated, db.ConstraintViolation):
                raise problems.for_constraint(translated) from exc
            raise
        return json_response(result), event_type, None
    except Problem as problem:
        if problem.status >= 500 or isinstance(problem, NotYet):
            raise  # not recorded: the sender's retry is processed again
        return problem_response(problem, request), event_type, problem.detail


def _replay(stored: asyncpg.Record) -> web.Response:
    response = web.Response(status=stored["status_code"], body=stored["response_body"],
                            content_type=stored["response_type"])
    response.headers["Idempotent-Replayed"] = "true"
    return response
