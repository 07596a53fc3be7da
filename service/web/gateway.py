"""The one middleware every request passes: its id, canonical log line and metrics; every error as
problem+json; the API key; `Idempotency-Key` replays. One middleware rather than a chain of them: each
layer of aiohttp's chain is a call and a coroutine on every request."""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

import structlog
from aiohttp import web
from aiohttp.typedefs import Handler

from service.db import UNAVAILABLE, ConstraintViolation
from service.db.pool import DatabaseUnreachable
from service.web import idempotency, problems
from service.web.appkeys import CONFIG, METRICS, QUERY_PARAMETERS
from service.web.auth import CALLER, authenticate
from service.web.bodies import bad_text
from service.web.problems import FieldError
from service.web.responses import problem_response

log = structlog.get_logger("service.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# A request without an acceptable X-Request-ID gets one: this process's random prefix and a counter
# (unique without a system call per request).
_PROCESS_PREFIX = os.urandom(8).hex()
_SEQUENCE = itertools.count(1)


def route_name(request: web.Request) -> str:
    """The route template (never the raw path, which can hold references we must not log)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _REQUEST_ID.match(incoming) else f"{_PROCESS_PREFIX}{next(_SEQUENCE):016x}"
    started = time.perf_counter()
    status = 500
    bound = structlog.contextvars.bind_contextvars(request_id=request_id)
    try:
        try:
            if request.content_length is not None and request.content_length > request.app[CONFIG].max_body_bytes:
                raise too_large(request)
            check_url(request)
            await authenticate(request)
            if idempotency.applies(request):
                response = await idempotency.idempotent(request, handler)
            else:
                response = await handler(request)
        except problems.Problem as problem:
            response = problem_response(problem, request)
            if isinstance(problem, problems.RequestTimeout):
                response.force_close()  # the rest of the body may still come: the connection can't be reused
        except ConstraintViolation as violation:
            response = problem_response(problems.for_constraint(violation), request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            response = problem_response(http_problem(exc, request), request)
        except UNAVAILABLE as exc:
            if client_gone(request, exc):
                log.info("client_disconnected", route=route_name(request))
                status = CLIENT_CLOSED
                return web.Response(status=CLIENT_CLOSED)  # written to no one: the connection is gone
            log.warning("database_unavailable", route=route_name(request), error=type(exc).__name__)
            response = problem_response(problems.ServiceUnavailable(
                "The database connection was lost, so whether this request was stored is not known. Retry "
                "it: a PUT replaces, and a POST with an Idempotency-Key takes effect once"), request)
        except Exception:
            log.exception("unhandled_error", route=route_name(request))
            response = problem_response(problems.Problem("The service could not complete the request"), request)
        status = response.status
        response.headers["X-Request-ID"] = request_id
        return response
    except web.HTTPException as exc:  # a redirect
        status = exc.status
        exc.headers["X-Request-ID"] = request_id
        raise
    finally:
        elapsed = time.perf_counter() - started
        route = route_name(request)
        request.app[METRICS].request_done(route, request.method, status, elapsed)
        if log.is_enabled_for(logging.INFO):  # else not even the line's fields are worked out
            who = request.get(CALLER)
            log.info("request", method=request.method, route=route, status=status,
                     duration_ms=round(elapsed * 1000, 2),
                     org=who.org_code if who else None,
                     key_id=str(who.key_id) if who and who.key_id else None)
        structlog.contextvars.reset_contextvars(**bound)


CLIENT_CLOSED = 499  # the client closed the connection before the answer (as nginx counts it)


def client_gone(request: web.Request, exc: BaseException) -> bool:
    """Whether a lost connection is the client's (it went away while its body was read), not the database's."""
    if not isinstance(exc, ConnectionError) or isinstance(exc, DatabaseUnreachable):
        return False
    transport = request.transport
    return transport is None or transport.is_closing()


def too_large(request: web.Request) -> problems.PayloadTooLarge:
    return problems.PayloadTooLarge(f"The request body is larger than {request.app[CONFIG].max_body_bytes} bytes")


def http_problem(exc: web.HTTPException, request: web.Request) -> problems.Problem:
    """The problem for one of aiohttp's own errors (no route, wrong method, body too large, ...)."""
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return problems.MethodNotAllowed(f"{request.method} is not allowed here",
                                         extra={"allow": sorted(exc.allowed_methods)})
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return too_large(request)
    if isinstance(exc, web.HTTPNotFound):
        return problems.NotFound("Nothing is at this path")
    return problems.for_status(exc.status, exc.reason)


def check_url(request: web.Request) -> None:
    """URL values PostgreSQL could not store (NUL, lone surrogates) are refused before any query: a path
    segment like that names nothing (404), a query parameter like that is invalid (422). Under /v1/, a
    query parameter the operation does not take is refused too (422), as an unknown body field is."""
    if bad_text("".join(request.match_info.values())):  # one check of the segments together
        raise problems.NotFound("Nothing is at this path")
    query = request.query
    if not query:
        return
    bad = [FieldError(reason, parameter=name) for name, value in query.items() if (reason := bad_text(value))]
    if bad:
        raise problems.ValidationFailed("A query parameter contains characters that are not allowed", errors=bad)
    taken = request.app.get(QUERY_PARAMETERS, {}).get((request.method, route_name(request)))
    if taken is None or not request.path.startswith("/v1/"):
        return  # the API's rule; probes, metrics and the docs page take whatever they are sent
    known = ", ".join(sorted(taken)) or "none"
    unknown = [FieldError(f"is not a query parameter of this operation (it takes: {known})", parameter=name)
               for name in dict.fromkeys(query) if name not in taken]
    if unknown:
        raise problems.ValidationFailed("Unknown query parameter", errors=unknown)
