"""The outbox SQL on its own: claims and leases, and recording an attempt by a worker that lost its claim."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from service.webhooks import store
from tests.webhooks.conftest import emit, subscribe


async def record(conn, claim, *, worker: str, outcome: str, state: str) -> bool:
    return await store.record_attempt(
        conn, message_id=claim["id"], org_id=claim["org_id"], token=claim["claim_token"], worker=worker,
        outcome=outcome, status_code=200 if outcome == "success" else 500, latency_ms=1.0, error=None,
        excerpt=None, attempted_at=datetime.now(UTC), state=state, delay=0.0)


async def test_a_claim_is_exclusive_until_its_lease_runs_out(manager, conn, org) -> None:
    await subscribe(manager, "http://127.0.0.1:9/hooks")
    await emit(conn, org, count=3)
    first = await store.claim(conn, limit=2, lease=0.5, worker="a")
    second = await store.claim(conn, limit=5, lease=60, worker="b")
    assert len(first) == 2 and len(second) == 1
    assert not {c["id"] for c in first} & {c["id"] for c in second}
    assert await store.claim(conn, limit=5, lease=60, worker="c") == []
    await asyncio.sleep(0.6)
    again = await store.claim(conn, limit=5, lease=60, worker="c")
    assert {c["id"] for c in again} == {c["id"] for c in first}
    assert {c["claim_token"] for c in again}.isdisjoint(c["claim_token"] for c in first)


async def test_a_worker_that_lost_its_claim_adds_history_but_never_changes_the_state(manager, conn, org) -> None:
    await subscribe(manager, "http://127.0.0.1:9/hooks")
    await emit(conn, org)
    [slow] = await store.claim(conn, limit=1, lease=0.2, worker="slow")
    await asyncio.sleep(0.3)
    [fast] = await store.claim(conn, limit=1, lease=60, worker="fast")
    assert await record(conn, fast, worker="fast", outcome="success", state="delivered") is True
    assert await record(conn, slow, worker="slow", outcome="http_error", state="pending") is False
    row = await conn.fetchrow("SELECT status, attempts, total_attempts, claim_token FROM webhook_messages")
    assert dict(row) == {"status": "delivered", "attempts": 0, "total_attempts": 2, "claim_token": None}
    attempts = await conn.fetch("SELECT attempt_no, worker, outcome FROM webhook_attempts ORDER BY attempt_no")
    assert [tuple(a) for a in attempts] == [(1, "fast", "success"), (2, "slow", "http_error")]


async def test_a_message_cancelled_in_flight_stays_cancelled(manager, conn, org) -> None:
    endpoint = await subscribe(manager, "http://127.0.0.1:9/hooks")
    await emit(conn, org)
    [claim] = await store.claim(conn, limit=1, lease=60, worker="w")
    assert await store.delete_endpoint(conn, org.org_id, claim["endpoint_id"])
    assert str(claim["endpoint_id"]) == endpoint["id"]
    assert await record(conn, claim, worker="w", outcome="success", state="delivered") is False
    assert await conn.fetchval("SELECT status FROM webhook_messages") == "cancelled"
    assert await conn.fetchval("SELECT count(*) FROM webhook_attempts") == 1


async def test_release_gives_back_only_the_claims_still_held(manager, conn, org) -> None:
    await subscribe(manager, "http://127.0.0.1:9/hooks")
    await emit(conn, org, count=2)
    mine = await store.claim(conn, limit=2, lease=60, worker="w")
    token = mine[1]["claim_token"]
    stale = [(org.org_id, mine[0]["id"], token), (org.org_id, mine[1]["id"], token)]
    assert await store.release(conn, stale) == 1
    assert [c["id"] for c in await store.claim(conn, limit=5, lease=60, worker="x")] == [mine[1]["id"]]
