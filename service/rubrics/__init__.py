"""Rubrics: admin-written YAML files checked, published as immutable versions, served and reloaded."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator

import structlog
from aiohttp import web

from service.rubrics import framework_routes, routes
from service.rubrics import store as rubrics_store
from service.rubrics.catalogue import CATALOGUE, Catalogue, ReloadRefused
from service.rubrics.files import RubricChecker
from service.web.appkeys import CONFIG, POOL, READINESS, SCHEMAS

log = structlog.get_logger("service.rubrics")


def setup(app: web.Application) -> None:
    app.router.add_routes(framework_routes.routes)
    app.router.add_routes(routes.routes)
    app.cleanup_ctx.append(_catalogue_ctx)
    app[READINESS].append(catalogue_ready)


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


async def catalogue_ready(app: web.Application) -> str | None:
    catalogue = app[CATALOGUE]
    if "mlcf" not in catalogue.frameworks:
        return "rubric catalogue not loaded"
    if not await rubrics_store.any_published(app[POOL]):
        return "no rubric is published"
    return None


def handle_reload_signal(app: web.Application) -> None:
    """SIGHUP reloads the rubrics (for `serve`; tests reload through the API)."""
    tasks: set[asyncio.Task[ReloadRefused | None]] = set()

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
