"""Scorecard PUT on a Citus cluster beside the same on plain PostgreSQL and the bare handler, in one run.

Needs the cluster of `make bench-citus` (BENCH_DATABASE_URL at its coordinator, BENCH_CITUS_WORKERS its
workers); plain PostgreSQL is TEST_DATABASE_URL's server, else the embedded one. Rounds of equal length
alternate between the three servers; the CPU each PostgreSQL server (coordinator, workers, plain) spends
per PUT tells which one would be the limit."""

from __future__ import annotations

import os
import random
import uuid
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.bench_recruitment import setup_org
from bench.support import child, cpu_seconds, free_port, load, percentile
from service import db
from service.config import ROOT
from service.db import embedded, migrate
from tests.citus.cluster import distributed_database

ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", 1.5))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 32))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 7))
CANDIDATES = 200


def _workers() -> list[str]:
    return [w for w in os.environ.get("BENCH_CITUS_WORKERS", "").split(",") if w]


@asynccontextmanager
async def _database(server: str, workers: list[str]):
    """A fresh migrated database on `server` (distributed over `workers` when there are any)."""
    name = f"mlcf_bench_{uuid.uuid4().hex[:8]}"
    if workers:
        url = await distributed_database(server, workers, name)
    else:
        url = await embedded.ensure_database(server, name)
        conn = await db.connect(url)
        try:
            await migrate.migrate(conn)
        finally:
            await conn.close()
    try:
        yield url
    finally:
        for each in [server, *workers]:
            admin = await asyncpg.connect(each)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


def _server_cpu(postmasters: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each PostgreSQL server's processes (by its postmaster's pid)."""
    used = dict.fromkeys(postmasters, 0.0)
    by_pid = {pid: name for name, pid in postmasters.items()}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            pid = int(status.parent.name)
            owner = by_pid.get(pid) or by_pid.get(int(fields["PPid"]))
            if owner:
                used[owner] += cpu_seconds(pid)
        except (OSError, KeyError, ValueError):
            continue
    return used


async def _postmaster(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        data = await conn.fetchval("SHOW data_directory")
    finally:
        await conn.close()
    try:
        return int((Path(data) / "postmaster.pid").read_text().split()[0])
    except OSError:
        return 0  # not readable by this user: its CPU is not counted


async def run() -> dict[str, Any]:
    coordinator, workers = os.environ.get("BENCH_DATABASE_URL", ""), _workers()
    if not coordinator or not workers:
        return {"skipped": "needs a Citus cluster: run `make bench-citus`"}
    plain = os.environ.get("TEST_DATABASE_URL") or embedded.start(ROOT / ".data" / "test-pg")
    postmasters = {"coordinator": await _postmaster(coordinator), "plain": await _postmaster(plain)}
    for n, worker in enumerate(workers, 1):
        postmasters[f"worker-{n}"] = await _postmaster(worker)
    out: dict[str, Any] = {"cluster": f"a coordinator and {len(workers)} workers on this machine, "
                                      f"{await _shard_count(coordinator)} shards per table"}
    async with AsyncExitStack() as stack:
        urls = {"citus": await stack.enter_async_context(_database(coordinator, workers)),
                "plain": await stack.enter_async_context(_database(plain, []))}
        bases, puts, pids = {}, {}, {}
        for which, url in urls.items():
            port = free_port()
            bases[which] = f"http://127.0.0.1:{port}"
            env = {"DATABASE_URL": url, "PORT": str(port), "LOG_LEVEL": "WARNING", "DB_POOL_MAX": "10"}
            pids[which] = (await stack.enter_async_context(child(["-m", "service", "serve"], env,
                                                                 f"{bases[which]}/readyz"))).pid
            puts[which] = await _scorecard_puts(bases[which], await setup_org(url))
        bare_port = free_port()
        bare = f"http://127.0.0.1:{bare_port}"
        pids["bare"] = (await stack.enter_async_context(child(
            ["-m", "bench.bare_server"], {"DATABASE_URL": urls["plain"], "PORT": str(bare_port)},
            f"{bare}/readyz"))).pid

        async def put_bare(client: aiohttp.ClientSession, i: int) -> int:
            async with client.put(f"{bare}/bare/{i}/x", json={"marks": {"c": i % 5}}) as r:
                await r.read()
                return r.status

        puts["bare"] = put_bare
        for which, put in puts.items():  # warm-up, not measured
            if (await load(put, concurrency=CONCURRENCY, seconds=2 * ROUND_SECONDS))["errors"]:
                raise RuntimeError(f"warm-up requests to {which} failed")
        rates: dict[str, list[float]] = {w: [] for w in puts}
        latencies: dict[str, list[float]] = {w: [] for w in puts}
        done = dict.fromkeys(puts, 0)
        web_cpu = dict.fromkeys(puts, 0.0)
        db_cpu: dict[str, dict[str, float]] = {w: dict.fromkeys(postmasters, 0.0) for w in puts}
        order = list(puts)
        for n in range(ROUNDS):
            for which in order[n % 3:] + order[:n % 3]:
                cpu_before, db_before = cpu_seconds(pids[which]), _server_cpu(postmasters)
                measured = await load(puts[which], concurrency=CONCURRENCY, seconds=ROUND_SECONDS,
                                      record=latencies[which])
                if measured["errors"]:
                    raise RuntimeError(f"{measured['errors']} requests to {which} failed")
                db_after = _server_cpu(postmasters)
                web_cpu[which] += cpu_seconds(pids[which]) - cpu_before
                for server in postmasters:
                    db_cpu[which][server] += db_after[server] - db_before[server]
                rates[which].append(measured["per_second"])
                done[which] += measured["requests"]
    for which in puts:
        rates[which].sort()
        out[which] = {"per_second_median_round": rates[which][len(rates[which]) // 2],
                      "p99_ms": percentile(sorted(latencies[which]), 99),
                      "p50_ms": percentile(sorted(latencies[which]), 50),
                      "web_cpu_ms_per_request": round(web_cpu[which] * 1000 / done[which], 2),
                      "postgres_cpu_ms_per_request": {s: round(c * 1000 / done[which], 2)
                                                      for s, c in db_cpu[which].items() if c > 0}}
    out["citus_vs_plain"] = round(out["citus"]["per_second_median_round"] / out["plain"]["per_second_median_round"], 3)
    out["citus_vs_bare"] = round(out["citus"]["per_second_median_round"] / out["bare"]["per_second_median_round"], 3)
    out["plain_vs_bare"] = round(out["plain"]["per_second_median_round"] / out["bare"]["per_second_median_round"], 3)
    return out


async def _shard_count(coordinator: str) -> str:
    conn = await asyncpg.connect(coordinator)
    try:
        return await conn.fetchval("SHOW citus.shard_count")
    finally:
        await conn.close()


async def _scorecard_puts(base: str, token: str):
    """A campaign of CANDIDATES candidates; a request maker that re-marks their scorecards in turn."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.post(f"{base}/v1/campaigns", json={"reference": "bench", "title": "Bench",
                                                           "rubric_id": "st3-interview"}) as r:
            campaign = await r.json()
        async with http.get(f"{base}/v1/rubrics/st3-interview") as r:
            stations = (await r.json())["stations"]
        for n in range(CANDIDATES):
            async with http.put(f"{base}/v1/campaigns/{campaign['id']}/candidates/C{n}", json={}) as r:
                assert r.status == 201
    rng = random.Random(1)
    bodies = [[{"marks": {c: rng.randint(2, 5) for c in s["criteria"]}} for _ in range(100)] for s in stations]

    async def put(client: aiohttp.ClientSession, i: int) -> int:
        s = (i // CANDIDATES) % len(stations)
        url = (f"{base}/v1/campaigns/{campaign['id']}/candidates/C{i % CANDIDATES}/scorecards/"
               f"{stations[s]['id']}/p{(i // (len(stations) * CANDIDATES)) % 3}")
        async with client.put(url, json=bodies[s][i % 100], headers=headers) as r:
            await r.read()
            return r.status
    return put
