"""API keys kept by the web process, and forgotten as soon as a change to a key is announced."""

from __future__ import annotations

import asyncio

import asyncpg

from service.tenants import store
from service.tenants.key_cache import KEYS
from tests.support.api import Api
from tests.support.waiting import eventually


async def listening(client) -> bool:
    await asyncio.sleep(0)
    return client.app[KEYS].live


async def revoke_silently(conn: asyncpg.Connection) -> None:
    """Revoke every key without the announcement (as an edit by hand in SQL would)."""
    await conn.execute("UPDATE api_keys SET revoked_at = now()")


async def test_a_kept_key_is_forgotten_when_a_change_is_announced(client, api: Api, conn) -> None:
    assert await eventually(lambda: listening(client), within=5)
    assert (await api.get("/v1/whoami")).status == 200
    await revoke_silently(conn)
    # Kept: the revocation was not announced, so this process has not read the row again.
    assert (await api.get("/v1/whoami")).status == 200
    # An announced change (as `keys revoke` makes) is heard at commit; the next request reads the row again.
    async with conn.transaction():
        await store.announce_key_change(conn)
    assert await eventually(lambda: refused(api), within=2)


async def test_nothing_is_kept_while_the_listener_is_down(client, api: Api, conn) -> None:
    assert await eventually(lambda: listening(client), within=5)
    assert (await api.get("/v1/whoami")).status == 200
    await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                       " WHERE application_name = 'mlcf-keys' AND datname = current_database()")
    assert await eventually(lambda: not_listening(client), within=2)
    # A change made while nobody listens can't be announced to this process: what it kept is gone.
    await revoke_silently(conn)
    assert (await api.get("/v1/whoami")).status == 401
    assert await eventually(lambda: listening(client), within=5)  # and it listens again


async def not_listening(client) -> bool:
    return not await listening(client)


async def refused(api: Api) -> bool:
    return (await api.get("/v1/whoami")).status == 401
