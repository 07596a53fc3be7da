"""A database connection terminated under a request (pg_terminate_backend, as a restart or failover does) is a
503 problem with Retry-After, never a 500; the next request is served on a new connection, and an
acknowledged write is stored."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.recruitment.recruitment_support import full_marks, new_candidate
from tests.support import database
from tests.support.api import Api


async def test_a_connection_terminated_mid_request_is_a_503_with_retry_after(api: Api, conn: asyncpg.Connection
                                                                            ) -> None:
    rubric, _, base = await new_candidate(api)
    station = rubric["stations"][0]["id"]
    url = f"{base}/scorecards/{station}/dr-lost"
    async with conn.transaction():
        # hold the candidate, so the service's write waits on the lock inside PostgreSQL
        org_id = await conn.fetchval("SELECT org_id FROM candidates WHERE candidate_ref = 'A-1'")
        await conn.execute("SELECT 1 FROM candidates WHERE org_id = $1 AND candidate_ref = 'A-1' FOR UPDATE", org_id)
        put = asyncio.create_task(api.put(url, {"marks": full_marks(rubric, station, 3)}))
        waiting: list[int] = []
        for _ in range(200):
            waiting = await database.waiting_on_locks(conn)
            if waiting or put.done():
                break
            await asyncio.sleep(0.02)
        assert waiting, "the write never waited on the lock"
        for pid in waiting:
            await conn.execute("SELECT pg_terminate_backend($1::integer)", pid)
    reply = await put
    assert reply.status == 503, reply.text
    assert reply.content_type == "application/problem+json" and reply.headers["Retry-After"] == "1"
    assert reply.json["title"] == "Service unavailable" and "Retry" in reply.json["detail"]
    again = await api.put(url, {"marks": full_marks(rubric, station, 4)})  # served on a new connection
    assert again.status in (200, 201), again.text
    [stored] = [r["marks"] for r in await conn.fetch("SELECT marks FROM scorecards")]
    assert stored == full_marks(rubric, station, 4)
