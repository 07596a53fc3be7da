"""Middlewares: request context and canonical log line, problem+json for every error, API-key auth."""

from __future__ import annotations

import os
import re
import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from . import errors
from .auth import hash_token
from .errors import FieldError
from .http import CALLER, bad_text
from .jsontext import dumps
from .state import CONFIG, KEYS, METRICS, POOL

log = structlog.get_logger("service.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def route_name(request: web.Request) -> str:
    """The route template (never the raw path, which can hold references we must not log)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else os.urandom(16).hex()
    started = time.perf_counter()
    route = route_name(request)
    status = 500
    bound = structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-ID"] = request_id
        raise
    finally:
        elapsed = time.perf_counter() - started
        request.app[METRICS].request_done(route, request.method, status, elapsed)
        who = request.get(CALLER)
        log.info("request", method=request.method, route=route, status=status,
                 duration_ms=round(elapsed * 1000, 2),
                 org=who.org_code if who else None,
                 key_id=str(who.key_id) if who and who.key_id else None)
        structlog.contextvars.reset_contextvars(**bound)


def problem_response(problem: errors.Problem, request: web.Request) -> web.Response:
    response = web.Response(text=dumps(problem.body(request.path)), status=problem.status,
                            content_type=errors.PROBLEM_CONTENT_TYPE)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mlcf"'
    if isinstance(problem, errors.MethodNotAllowed) and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra.pop("allow"))
    return response


def too_large(request: web.Request) -> errors.PayloadTooLarge:
    return errors.PayloadTooLarge(f"The request body is larger than {request.app[CONFIG].max_body_bytes} bytes")


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.content_length is not None and request.content_length > request.app[CONFIG].max_body_bytes:
            raise too_large(request)
        return await handler(request)
    except errors.Problem as problem:
        return problem_response(problem, request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if isinstance(exc, web.HTTPMethodNotAllowed):
            problem = errors.MethodNotAllowed(f"{request.method} is not allowed here",
                                              extra={"allow": sorted(exc.allowed_methods)})
        elif isinstance(exc, web.HTTPRequestEntityTooLarge):
            problem = too_large(request)
        elif isinstance(exc, web.HTTPNotFound):
            problem = errors.NotFound(f"Nothing is at {request.path}")
        else:
            problem = errors.for_status(exc.status, exc.reason)
        return problem_response(problem, request)
    except Exception:
        log.exception("unhandled_error", route=route_name(request))
        return problem_response(errors.Problem("The service could not complete the request"), request)


def check_url_text(request: web.Request) -> None:
    """URL values PostgreSQL could not store (NUL, lone surrogates) are refused before any query: a path
    segment like that names nothing (404), a query parameter like that is invalid (422)."""
    if any(bad_text(value) for value in request.match_info.values()):
        raise errors.NotFound(f"Nothing is at {request.path!r}")
    bad = [FieldError(reason, parameter=name) for name, value in request.query.items()
           if (reason := bad_text(value))]
    if bad:
        raise errors.ValidationFailed("A query parameter contains characters that are not allowed", errors=bad)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    check_url_text(request)
    if not request.path.startswith("/v1/"):
        return await handler(request)
    target = request.match_info.handler if request.match_info.http_exception is None else None
    if target is not None and getattr(target, "public", False):
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthorized("Send an API key as `Authorization: Bearer <token>`")
    who = await request.app[KEYS].caller(request.app[POOL], hash_token(token.strip()))
    if who is None:
        raise errors.Unauthorized("The API key is not valid or has been revoked")
    request[CALLER] = who
    needed = getattr(target, "required_scope", None)
    if needed is not None and needed not in who.scopes:
        raise errors.Forbidden(f"This API key lacks the scope {needed}", extra={"required_scope": needed})
    return await handler(request)
