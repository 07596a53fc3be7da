"""Shared bench plumbing: a fresh migrated database, servers in child processes, a bounded load loop."""

from __future__ import annotations

import asyncio
import cProfile
import io
import itertools
import os
import pstats
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from service import db
from service.config import ROOT
from service.db import embedded, migrate


def server_dsn() -> str:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return url or embedded.start(ROOT / ".data" / "test-pg")


@asynccontextmanager
async def fresh_database():
    base = server_dsn()
    name = f"mlcf_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = embedded.with_database(base, name)
    conn = await db.connect(url)
    await migrate.migrate(conn)
    await conn.close()
    try:
        yield url
    finally:
        admin = await asyncpg.connect(base)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def child(args: list[str], env: dict[str, str], ready_url: str, wait_s: float = 30):
    """A server process on 127.0.0.1; yields once ready_url answers 200, terminates it afterwards."""
    proc = await asyncio.create_subprocess_exec(sys.executable, *args, cwd=ROOT, env={**os.environ, **env},
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + wait_s
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(ready_url) as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                if time.monotonic() > deadline or proc.returncode is not None:
                    raise RuntimeError(f"{args} did not become ready")
                await asyncio.sleep(0.2)
        yield proc
    finally:
        if proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 30)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU used so far by every PostgreSQL process on this machine (0 where /proc can't tell)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            total += cpu_seconds(int(stat.parent.name))
    return total


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory now (VmRSS), or its peak since it started (field VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def sequential_gets(http: aiohttp.ClientSession, url: str, pid: int, *, warmup: int, requests: int,
                          seconds: float, status: int = 200) -> dict[str, Any]:
    """GETs one at a time, each answered `status`: `warmup` unmeasured, then up to `requests` timed ones within
    `seconds`; latency in ms measured by the client on 127.0.0.1, the web process's CPU per request, and the
    body's size."""
    expected = status
    size = 0
    for _ in range(warmup):
        async with http.get(url) as r:
            size = len(await r.read())
            if r.status != expected:
                raise RuntimeError(f"GET {url}: {r.status}")
    latencies: list[float] = []
    cpu_before = cpu_seconds(pid)
    deadline = time.monotonic() + seconds
    while len(latencies) < requests and time.monotonic() < deadline:
        started = time.perf_counter()
        async with http.get(url) as r:
            await r.read()
            status = r.status
        latencies.append((time.perf_counter() - started) * 1000)
        if status != expected:
            raise RuntimeError(f"GET {url}: {status}")
    cpu = cpu_seconds(pid) - cpu_before
    latencies.sort()
    return {"requests": len(latencies), "median": round(statistics.median(latencies), 2),
            "p99": percentile(latencies, 99), "max": round(latencies[-1], 2),
            "web_cpu_ms_per_request": round(cpu * 1000 / len(latencies), 2), "body_kb": round(size / 1024, 1)}


def median_ms(call: Callable[[], Any], calls: int) -> float:
    """The median time of `calls` calls, in ms."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def profile(title: str, call: Callable[[], Any], calls: int = 50, top: int = 25) -> None:
    """cProfile's top functions by own time of `calls` calls, on stderr."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    print(f"-- cProfile of {title}, {calls} calls, by own time", file=sys.stderr)
    print(text.getvalue(), file=sys.stderr)


def percentile(ordered: list[float], p: float) -> float:
    """The p-th percentile of some latencies in ascending order, in ms to two decimals."""
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)


async def load(make_request: Callable[[aiohttp.ClientSession, int], Awaitable[int]], *, concurrency: int,
               total: int | None = None, seconds: float = 60, record: list[float] | None = None) -> dict[str, Any]:
    """Send requests numbered 0, 1, ... from `concurrency` workers, `total` of them or (without a total) as many
    as `seconds` allow, and never beyond `seconds`; latency percentiles in ms (each latency is also added to
    `record`, when given)."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total)) if total is not None else itertools.count()
    deadline = time.monotonic() + seconds

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        for i in counter:
            if time.monotonic() > deadline:
                return
            started = time.perf_counter()
            status = await make_request(http, i)
            latencies.append((time.perf_counter() - started) * 1000)
            if status >= 400:
                errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    if record is not None:
        record += latencies

    def pct(p: float) -> float:
        return percentile(latencies, p)

    return {"requests": len(latencies), "errors": errors, "seconds": round(elapsed, 2),
            "per_second": round(len(latencies) / elapsed, 1), "p50_ms": pct(50), "p99_ms": pct(99)}
