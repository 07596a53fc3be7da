"""Who is calling: the API key of a /v1 request and the scope its route needs, checked before the handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from service.tenants.domain.callers import Caller
from service.tenants.domain.tokens import hash_token
from service.tenants.key_cache import KEYS
from service.web.appkeys import POOL
from service.web.problems import Forbidden, TooManyRequests, Unauthorized
from service.web.rate_limit import AUTH_FAILURES, RATE_LIMITER

CALLER = web.RequestKey("caller", Caller)
H = TypeVar("H", bound=Callable[..., Any])


def requires(scope: str) -> Callable[[H], H]:
    """Mark a handler as needing an API key with this scope (checked by `authenticate`)."""
    def mark(handler: H) -> H:
        handler.required_scope = scope  # type: ignore[attr-defined]
        return handler
    return mark


def public(handler: H) -> H:
    """Mark a /v1 handler that authenticates itself (signed webhooks) instead of by API key."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


def caller(request: web.Request) -> Caller:
    return request[CALLER]


async def authenticate(request: web.Request) -> None:
    """Under /v1/ (except handlers marked public), the caller's API key and the route's scope; else a problem."""
    if not request.path.startswith("/v1/"):
        return
    target = request.match_info.handler if request.match_info.http_exception is None else None
    if target is not None and getattr(target, "public", False):
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    presented = hash_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    failures, address = request.app.get(AUTH_FAILURES), request.remote or ""
    if failures is not None and (presented is None or request.app[KEYS].known(presented) is None):
        wait = failures.blocked(address)
        if wait:  # refused before any look-up: guessing keys costs the guesser, not the database
            raise TooManyRequests(
                f"Too many requests with a missing or wrong API key from this address: at most "
                f"{failures.per_minute} a minute, {failures.burst} at once",
                extra={"limit": {"failed_authentications_per_minute": failures.per_minute,
                                 "burst": failures.burst}}, retry_after=wait)
    who = None if presented is None else await request.app[KEYS].caller(request.app[POOL], presented)
    if who is None:
        if failures is not None:
            failures.charge(address)
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Send an API key as `Authorization: Bearer <token>`")
        raise Unauthorized("The API key is not valid or has been revoked")
    request[CALLER] = who
    limiter = request.app.get(RATE_LIMITER)
    if limiter is not None and who.key_id is not None:
        wait = limiter.wait(who.key_id)
        if wait:
            raise TooManyRequests(
                f"This API key may make {limiter.per_minute} requests a minute, {limiter.burst} at once",
                extra={"limit": {"requests_per_minute": limiter.per_minute, "burst": limiter.burst}},
                retry_after=wait)
    needed = getattr(target, "required_scope", None)
    if needed is not None and needed not in who.scopes:
        raise Forbidden(f"This API key lacks the scope {needed}", extra={"required_scope": needed})
