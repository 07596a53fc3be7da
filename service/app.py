"""The application factory: wires middlewares, routes and paired start/stop of every resource."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from . import db
from .config import Config
from .idempotency import idempotency
from .metrics import Metrics
from .middlewares import authenticate, problems, request_context
from .routes import audit, docs, health
from .state import CONFIG, METRICS, POOL, READINESS, SCHEMAS
from .validation import SchemaRegistry

ROUTE_MODULES = (health, docs, audit)


def create_app(config: Config, *, pool: asyncpg.Pool | None = None) -> web.Application:
    app = web.Application(
        middlewares=[request_context, problems, authenticate, idempotency],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app[READINESS] = [health.database_ready]
    app.cleanup_ctx.append(_pool_ctx(pool))
    app.on_startup.append(_load_documents)
    for module in ROUTE_MODULES:
        app.router.add_routes(module.routes)
    return app


def _pool_ctx(given: asyncpg.Pool | None):
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        config = app[CONFIG]
        if given is not None:
            app[POOL] = given
            yield
            return
        pool = await db.create_pool(config.require_database_url(), min_size=config.db_pool_min,
                                    max_size=config.db_pool_max)
        app[POOL] = pool
        try:
            yield
        finally:
            await pool.close()
    return ctx


async def _load_documents(app: web.Application) -> None:
    app[SCHEMAS] = SchemaRegistry()
    docs.load(app)
