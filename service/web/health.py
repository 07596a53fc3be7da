"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from aiohttp import web

from service.db import migrate
from service.web.appkeys import METRICS, POOL, READINESS, ReadinessCheck
from service.web.responses import json_response

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    problems: list[str] = []
    for check in request.app[READINESS]:
        try:
            reason = await asyncio.wait_for(check(request.app), timeout=2)
        except Exception as exc:  # a failed check is a reason, never a 500
            reason = f"{getattr(check, '__name__', 'check')} failed: {type(exc).__name__}"
        if reason:
            problems.append(reason)
    body = {"status": "ready" if not problems else "not_ready", "checks_failed": problems}
    return json_response(body, status=200 if not problems else 503)


def database_ready(migrations: list[migrate.Migration]) -> ReadinessCheck:
    """The database answers and has every one of `migrations` (the files, read once at start-up) applied."""
    async def database_ready(app: web.Application) -> str | None:
        async with app[POOL].acquire() as conn:
            pending = await migrate.pending_count(conn, migrations)
        return f"{pending} migration(s) not applied" if pending else None
    return database_ready


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    m = request.app[METRICS]
    pool = request.app[POOL]
    m.pool_size.set(pool.get_size())
    m.pool_idle.set(pool.get_idle_size())
    await m.refresh()
    return web.Response(body=m.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
