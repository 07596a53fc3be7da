"""SIGTERM to a web process under load: it stops taking connections at once, lets every request in flight
finish and be stored, then exits 0 (`python -m service serve`, as a container platform stops it)."""

from __future__ import annotations

import asyncio
import signal
import uuid

import aiohttp
import asyncpg

from tests.rubrics.test_rubric_reload_signal import wait_for
from tests.support import database
from tests.support.serving import served

IN_FLIGHT = 12


async def test_sigterm_finishes_requests_in_flight_and_refuses_new_ones(database_url: str, make_token,
                                                                        conn: asyncpg.Connection) -> None:
    headers = {"Authorization": f"Bearer {await make_token()}"}
    async with served(database_url) as server, aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{server.base}/v1/campaigns", json={"reference": "SIGTERM", "title": "t",
                                                            "rubric_id": "st3-interview"}) as r:
            campaign = (await r.json())["id"]
        async with http.get(f"{server.base}/v1/rubrics/st3-interview") as r:
            station = (await r.json())["stations"][0]
        for n in range(IN_FLIGHT):
            async with http.put(f"{server.base}/v1/campaigns/{campaign}/candidates/C-{n}", json={}) as r:
                assert r.status == 201

        async def put(n: int) -> int:
            url = f"{server.base}/v1/campaigns/{campaign}/candidates/C-{n}/scorecards/{station['id']}/p-{n}"
            async with http.put(url, json={"marks": dict.fromkeys(station["criteria"], 3)}) as r:
                await r.read()
                return r.status

        async with conn.transaction():  # every write waits inside PostgreSQL until this commits
            org_id = await conn.fetchval("SELECT org_id FROM campaigns WHERE id = $1", uuid.UUID(campaign))
            await conn.execute("SELECT 1 FROM candidates WHERE org_id = $1 FOR UPDATE", org_id)
            puts = [asyncio.create_task(put(n)) for n in range(IN_FLIGHT)]
            await wait_for(lambda: _waiting(conn), seconds=10)
            server.proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(1.0)
            assert server.proc.returncode is None, "exited with requests in flight"
            try:
                async with aiohttp.ClientSession() as fresh, fresh.get(f"{server.base}/healthz") as r:
                    refused = False
            except aiohttp.ClientConnectionError:
                refused = True
            assert refused, "took a new connection after SIGTERM"
        statuses = await asyncio.gather(*puts)
        err = await server.exited()
    assert statuses == [201] * IN_FLIGHT, statuses
    assert server.proc.returncode == 0, err.decode()[-2000:]
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == IN_FLIGHT
    assert b'"stopping"' in err


async def _waiting(conn: asyncpg.Connection) -> bool:
    return bool(await database.waiting_on_locks(conn))
