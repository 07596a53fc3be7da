"""The application factory: the gateway, the shared resources, then each feature's `setup(app)`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
from aiohttp import web

from service import appraisals, audit, db, recruitment, rubrics, subjects, surveys, tenants, webhooks
from service import web as service_web
from service.config import Config
from service.db import migrate
from service.web import health
from service.web.appkeys import CONFIG, METRICS, POOL, READINESS
from service.web.gateway import gateway
from service.web.metrics import Metrics

# Each feature registers its routes, its typed keys and its start/stop contexts; in this order, so a
# feature's contexts start after those it uses (the catalogue before recruitment, the pool before all).
FEATURES = (tenants, audit, rubrics, recruitment, appraisals, surveys, subjects, webhooks)


def create_app(config: Config, *, pool: asyncpg.Pool | None = None) -> web.Application:
    """The web application; it opens its own pool on start-up unless given one (which it then leaves open)."""
    app = web.Application(middlewares=[gateway], client_max_size=config.max_body_bytes)
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app[READINESS] = [health.database_ready(migrate.discover())]
    service_web.setup(app)
    app.cleanup_ctx.append(_given_pool(pool) if pool is not None else _own_pool)
    for feature in FEATURES:
        feature.setup(app)
    return app


async def _own_pool(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    pool = app[POOL] = await db.create_pool(config.require_database_url(), min_size=config.db_pool_min,
                                            max_size=config.db_pool_max)
    try:
        yield
    finally:
        await pool.close()


def _given_pool(pool: asyncpg.Pool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = pool
        yield
    return context
