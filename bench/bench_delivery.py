"""Outbound webhooks: delivery throughput to a local receiver, and commit-to-first-attempt latency.

Targets: at least 500 messages/s, and a p50 of at most 50 ms from the commit
that emits a message to its first attempt arriving at the receiver. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import asyncpg

from bench.support import child, free_port, fresh_database
from service import db
from service.log import configure_logging
from service.sealing import Sealer
from service.tenants import store as orgs
from service.webhooks import events, store
from service.webhooks.domain.signing import new_secret
from service.webhooks.secrets import seal_endpoint_secret
from service.webhooks.worker import Worker

MESSAGES = 3000          # throughput phase
SAMPLES = 200            # latency phase: one message per commit, spaced out
SPACING = 0.02
MAX_SECONDS = 60
SEALER = Sealer(["bench-secret-key-0123456789"])  # a throwaway key for a throwaway database


@asynccontextmanager
async def _receiver():
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with child(["-m", "bench.delivery_receiver", str(port)], {}, base + "/stats"), \
            aiohttp.ClientSession() as http:
        yield base, http


async def _arrivals(http: aiohttp.ClientSession, base: str) -> dict[str, float]:
    async with http.get(base + "/stats") as reply:
        return await reply.json()


async def _wait_delivered(pool: asyncpg.Pool, count: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        done = await pool.fetchval("SELECT count(*) FROM webhook_messages WHERE status <> 'pending'")
        if done >= count:
            return
        await asyncio.sleep(0.02)


async def run() -> dict[str, Any]:
    configure_logging("WARNING", "console")
    async with fresh_database() as url, _receiver() as (base, http):
        pool = await db.create_pool(url, min_size=4, max_size=16)
        try:
            async with pool.acquire() as conn:
                org = await orgs.create_org(conn, "BENCH", "Benchmark Trust")
                await store.create_endpoint(conn, org["id"], url=base + "/hook", events=["campaign.finalised"],
                                            description="bench",
                                            secret=seal_endpoint_secret(SEALER, org["id"], new_secret()))
                async with conn.transaction():
                    for n in range(MESSAGES):
                        await events.emit(conn, org["id"], "campaign.finalised", {"campaign_id": f"c-{n}"})
            worker = Worker(pool, sealer=SEALER, allowed_hosts=("127.0.0.1",), dsn=url, concurrency=64,
                            poll_interval=1.0)
            async with worker:
                started = time.perf_counter()
                running = asyncio.create_task(worker.run())
                await _wait_delivered(pool, MESSAGES, time.monotonic() + MAX_SECONDS)
                elapsed = time.perf_counter() - started
                delivered = await pool.fetchval("SELECT count(*) FROM webhook_messages WHERE status = 'delivered'")

                committed: dict[str, float] = {}
                async with pool.acquire() as conn:
                    for n in range(SAMPLES):
                        async with conn.transaction():
                            [message_id] = await events.emit(conn, org["id"], "campaign.finalised", {"n": n})
                        committed[str(message_id)] = time.time()
                        await asyncio.sleep(SPACING)
                await _wait_delivered(pool, MESSAGES + SAMPLES, time.monotonic() + MAX_SECONDS)
                worker.stop()
                await running
            arrivals = await _arrivals(http, base)
        finally:
            await pool.close()
    waits = sorted((arrivals[i] - t) * 1000 for i, t in committed.items() if i in arrivals)
    return {
        "messages": MESSAGES, "delivered": delivered, "seconds": round(elapsed, 2),
        "per_second": round(delivered / elapsed, 1), "target_per_second": 500,
        "latency_samples": len(waits),
        "commit_to_first_attempt_p50_ms": round(statistics.median(waits), 2),
        "commit_to_first_attempt_p99_ms": round(waits[min(len(waits) - 1, int(0.99 * len(waits)))], 2),
        "target_p50_ms": 50,
    }
