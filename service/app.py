"""The application factory: wires middlewares, routes and paired start/stop of every resource."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable

import structlog
from aiohttp import web

from service import db, webhooks
from service.audit import routes as audit
from service.config import Config
from service.db import migrate
from service.recruitment.routes import campaigns, candidates
from service.recruitment.usecases import StateCache, candidate_writes
from service.rubrics import framework_routes as frameworks
from service.rubrics import routes as rubrics
from service.rubrics import store as rubrics_store
from service.rubrics.catalogue import Catalogue, ReloadRefused
from service.rubrics.files import RubricChecker
from service.tenants.key_cache import KeyCache
from service.web import docs, health
from service.web.appkeys import (
    CANDIDATE_STATES,
    CANDIDATE_WRITES,
    CATALOGUE,
    CONFIG,
    KEYS,
    METRICS,
    POOL,
    READINESS,
    SCHEMAS,
)
from service.web.gateway import gateway
from service.web.metrics import Metrics
from service.web.validation import SchemaRegistry

log = structlog.get_logger("service.app")
# aiohttp tries the routes under one path prefix in this order: the busiest (candidates' scorecards) first.
ROUTE_MODULES = (health, docs, audit, frameworks, rubrics, candidates, campaigns)
Context = Callable[[web.Application], AsyncIterator[None]]


def create_app(config: Config) -> web.Application:
    app = web.Application(
        middlewares=[gateway],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app[METRICS] = Metrics()
    app[CANDIDATE_STATES] = StateCache()
    app[READINESS] = [health.database_ready(migrate.discover()), catalogue_ready]
    app.cleanup_ctx.extend([_documents_ctx, _pool_ctx, _catalogue_ctx, _keys_ctx])
    for module in ROUTE_MODULES:
        app.router.add_routes(module.routes)
    webhooks.setup(app)
    return app


async def _documents_ctx(app: web.Application) -> AsyncIterator[None]:
    app[SCHEMAS] = SchemaRegistry()
    docs.load(app)
    yield


async def _pool_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    pool = app[POOL] = await db.create_pool(config.require_database_url(), min_size=config.db_pool_min,
                                            max_size=config.db_pool_max)
    app[CANDIDATE_WRITES] = candidate_writes(pool)
    try:
        yield
    finally:
        await pool.close()


async def _catalogue_ctx(app: web.Application) -> AsyncIterator[None]:
    catalogue = Catalogue(app[CONFIG].rubrics_dir, RubricChecker(app[SCHEMAS]))
    app[CATALOGUE] = catalogue
    refused = await reload_rubrics(app, "rubrics_loaded", "rubrics_refused")
    if refused is not None:
        # Serve what was published before; the files' problems are for the admin to fix and reload.
        catalogue.adopt(refused.loaded)
    yield


async def reload_rubrics(app: web.Application, done: str, refused_event: str) -> ReloadRefused | None:
    """Reload the rubric files, logging what was published or why nothing was; the refusal, if any."""
    try:
        published = await app[CATALOGUE].reload(app[POOL])
    except ReloadRefused as refused:
        log.error(refused_event, problems=refused.lines)
        return refused
    log.info(done, published=[f"{v.id}@{v.version}" for v in published])
    return None


async def _keys_ctx(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    keys = app[KEYS] = KeyCache(config.api_key_cache_seconds)
    follower = None
    if config.api_key_cache_seconds > 0:
        follower = asyncio.get_running_loop().create_task(keys.follow(config.require_database_url()))
    yield
    if follower is not None:
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def catalogue_ready(app: web.Application) -> str | None:
    catalogue = app[CATALOGUE]
    if "mlcf" not in catalogue.frameworks:
        return "rubric catalogue not loaded"
    if not await rubrics_store.any_published(app[POOL]):
        return "no rubric is published"
    return None


def handle_reload_signal(app: web.Application) -> None:
    """SIGHUP reloads the rubrics (for `serve`; tests reload through the API)."""
    tasks: set[asyncio.Task[None]] = set()

    def on_signal() -> None:
        task = asyncio.get_running_loop().create_task(reload_rubrics(app, "rubrics_reloaded", "rubrics_reload_refused"))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def install(app: web.Application) -> None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_signal)

    async def remove(app: web.Application) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        for task in list(tasks):
            task.cancel()

    app.on_startup.append(install)
    app.on_shutdown.append(remove)
