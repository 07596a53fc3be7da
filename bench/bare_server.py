"""The baseline for the scorecard benchmark: a bare aiohttp handler doing one asyncpg query."""

from __future__ import annotations

import os

import asyncpg
from aiohttp import web


async def handler(request: web.Request) -> web.Response:
    body = await request.json()
    async with request.app["pool"].acquire() as conn:
        value = await conn.fetchval("SELECT $1::int + 1", len(body.get("marks", {})))
    return web.json_response({"ok": value})


async def ready(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def pool_ctx(app: web.Application):
    app["pool"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=2, max_size=10)
    yield
    await app["pool"].close()


def main() -> None:
    app = web.Application()
    app.cleanup_ctx.append(pool_ctx)
    app.router.add_put("/bare/{a}/{b}", handler)
    app.router.add_get("/readyz", ready)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), access_log=None, print=None)


if __name__ == "__main__":
    main()
