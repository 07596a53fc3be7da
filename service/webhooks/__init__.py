"""Webhooks wiring: the inbound registry and routes, outbox metrics, and the in-process delivery worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from service.sealing import Sealer
from service.web.appkeys import CONFIG, METRICS, POOL, SCHEMAS
from service.webhooks import inbound, secrets
from service.webhooks.routes import endpoints as webhook_endpoints
from service.webhooks.routes import hooks
from service.webhooks.routes import sources as webhook_sources
from service.webhooks.worker import Worker, refresh_metrics

log = structlog.get_logger("service.webhooks")
WORKER = web.AppKey("webhook_worker", Worker)


def setup(app: web.Application) -> None:
    """Called by create_app once its configuration, metrics and pool context are in place."""
    app[inbound.INBOUND_EVENTS] = inbound.DEFAULT.copy()
    app[secrets.SEALER] = Sealer(app[CONFIG].secret_keys)
    for module in (hooks, webhook_sources, webhook_endpoints):
        app.router.add_routes(module.routes)
    app[METRICS].refreshers.append(lambda: refresh_metrics(app[POOL], app[METRICS]))
    app.on_startup.append(_check_event_schemas)
    app.on_startup.append(_reseal_secrets)
    app.cleanup_ctx.append(_worker_ctx)


async def _check_event_schemas(app: web.Application) -> None:
    known = set(app[SCHEMAS].names())
    missing = [s for s in app[inbound.INBOUND_EVENTS].schemas() if s not in known]
    if missing:
        raise RuntimeError(f"inbound event schemas missing from schemas/: {', '.join(missing)}")


async def _reseal_secrets(app: web.Application) -> None:
    """Every signing secret sealed under the current SECRET_KEY: those kept before sealing existed, and
    those sealed under a key now in SECRET_KEY_PREVIOUS."""
    done = await secrets.reseal(app[POOL], app[secrets.SEALER])
    if any(done.values()):
        log.info("secrets_resealed", **done)


async def _worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """`make run` (config.run_worker): deliver in this process; stops, and gives back its claims, with the app."""
    if not app[CONFIG].run_worker:
        yield
        return
    async with Worker.from_config(app[POOL], app[CONFIG], metrics=app[METRICS]) as worker:
        app[WORKER] = worker
        task = asyncio.create_task(worker.run(), name="webhook-worker")
        try:
            yield
        finally:
            worker.stop()
            await task
