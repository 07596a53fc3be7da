"""HTTP plumbing every feature uses: the gateway middleware, problems, bodies, parameters, auth, metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from service.web import docs, health
from service.web.appkeys import CONFIG, SCHEMAS
from service.web.rate_limit import AUTH_FAILURES, RATE_LIMITER, RateLimiter
from service.web.responses import security_headers
from service.web.validation import SchemaRegistry


def setup(app: web.Application) -> None:
    """Health, metrics and the contract's routes, and the JSON Schemas every feature validates with."""
    app.on_response_prepare.append(security_headers)
    app.router.add_routes(health.routes)
    app.router.add_routes(docs.routes)
    app.cleanup_ctx.append(_documents_ctx)
    config = app[CONFIG]
    if config.rate_limit_per_minute:
        app[RATE_LIMITER] = RateLimiter(config.rate_limit_per_minute,
                                        config.rate_limit_burst or config.rate_limit_per_minute)
    if config.auth_failures_per_minute:
        app[AUTH_FAILURES] = RateLimiter(config.auth_failures_per_minute, config.auth_failures_burst)


async def _documents_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SCHEMAS] = SchemaRegistry()
    docs.load(app)
    yield
