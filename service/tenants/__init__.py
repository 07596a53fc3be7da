"""Organisations (tenants), their API keys and the callers they authenticate as."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from service.tenants.key_cache import KEYS, KeyCache
from service.web.appkeys import CONFIG


def setup(app: web.Application) -> None:
    # Imported here: the web plumbing authenticates with this package's callers, and the routes use it.
    from service.tenants import routes

    app.router.add_routes(routes.routes)
    app.cleanup_ctx.append(_keys_ctx)


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
