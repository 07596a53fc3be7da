"""`Idempotency-Key` on POST: a repeat gets the stored response, a different body 422, a racing one 409."""

from __future__ import annotations

import hashlib
import json

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from service import db
from service.db import queries
from service.jsontext import dumps_bytes
from service.web.appkeys import POOL
from service.web.auth import CALLER
from service.web.bodies import read_body
from service.web.problems import Conflict, FieldError, Problem, ValidationFailed
from service.web.responses import problem_response, shown_path

log = structlog.get_logger("service.idempotency")
QUERIES = queries.load(__file__, "idempotency.sql")
HEADER = "Idempotency-Key"
# A response may name top-level fields of its JSON body that are shown once only (a new signing secret):
# `response[SHOWN_ONCE] = ("secret",)`. They are never stored, so a replay answers the body without them.
SHOWN_ONCE = web.ResponseKey("shown_once", tuple)
EXPIRY = "24 hours"
ABANDONED = "5 minutes"  # a claim never completed (process died) may be taken over after this


def applies(request: web.Request) -> bool:
    """A POST with the header, by an authenticated caller."""
    return request.method == "POST" and HEADER in request.headers and CALLER in request


async def idempotent(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer a request that `applies`: the stored response of its key, or the handler's (then stored)."""
    key, who = request.headers[HEADER], request[CALLER]
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationFailed(f"{HEADER} must be 1-255 printable characters",
                               errors=[FieldError("must be 1-255 printable characters", parameter=HEADER)])
    body = await read_body(request)
    digest = hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()
    pool = request.app[POOL]
    async with db.transaction(pool) as conn:
        await conn.execute(QUERIES["expire"], who.org_id, key, EXPIRY, ABANDONED)
        claimed = await conn.fetchval(QUERIES["claim"], who.org_id, key, request.method, shown_path(request),
                                      digest)
        if not claimed:
            stored = await conn.fetchrow(QUERIES["stored"], who.org_id, key)
    if not claimed:
        if stored["request_hash"] != digest:
            raise ValidationFailed(
                f"This {HEADER} was used for a different request",
                errors=[FieldError("was already used with a different method, path or body", parameter=HEADER)])
        if stored["status"] is None:
            raise Conflict(f"A request with this {HEADER} is still being processed; retry shortly")
        response = web.Response(status=stored["status"], body=stored["body"],
                                content_type=stored["headers"]["content_type"])
        if stored["headers"].get("location"):
            response.headers["Location"] = stored["headers"]["location"]
        response.headers["Idempotent-Replayed"] = "true"
        return response
    async def release() -> None:  # the request may be tried again with this key
        await pool.execute(QUERIES["release"], who.org_id, key)

    try:
        response = await handler(request)
    except Problem as problem:
        response = problem_response(problem, request)
    except BaseException:
        await release()
        raise
    if isinstance(response, web.Response) and response.status < 500:
        await pool.execute(
            QUERIES["store"], who.org_id, key, response.status,
            {"content_type": response.content_type, "location": response.headers.get("Location")},
            _kept_body(response))
    else:
        await release()
    return response


def _kept_body(response: web.Response) -> bytes | None:
    """The body as stored for replays: without the fields the response shows once only."""
    once = response.get(SHOWN_ONCE, ())
    if not once or response.body is None:
        return response.body  # type: ignore[return-value]
    data = json.loads(response.body)  # type: ignore[arg-type]
    return dumps_bytes({k: v for k, v in data.items() if k not in once})
