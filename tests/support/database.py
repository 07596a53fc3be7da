"""Test databases: one migrated template per session, a fresh clone of it per test.

On a Citus cluster (`make test-citus`: TEST_DATABASE_URL at the coordinator, TEST_CITUS_WORKERS the
workers' servers) the template is a distributed database: made on every node, migrated and distributed
through the coordinator. A clone is then made from it on every node under one name, which gives a whole
cluster's copy: the coordinator's metadata names the shards, and each worker's copy holds them."""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg

from service import db
from service.config import ROOT
from service.db import embedded, migrate


def server_dsn() -> str:
    """TEST_DATABASE_URL when set, else an embedded server under .data/test-pg."""
    url = os.environ.get("TEST_DATABASE_URL")
    return url or embedded.start(ROOT / ".data" / "test-pg")


def workers() -> list[str]:
    """The Citus workers' servers, when the tests run on a cluster."""
    return [w for w in os.environ.get("TEST_CITUS_WORKERS", "").split(",") if w]


def on_citus() -> bool:
    return bool(workers())


async def waiting_on_locks(conn: asyncpg.Connection) -> list[int]:
    """The backends of conn's database (other than conn's) waiting for a row lock. On Citus the lock is
    waited for on a worker, by a backend of the coordinator's (the pid in its global pid)."""
    if on_citus():
        return [r[0] for r in await conn.fetch(
            "SELECT DISTINCT (waiting_gpid % 10000000000)::integer FROM citus_lock_waits")]
    return [r[0] for r in await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock'")]


async def _each_server(dsn: str, command: str, *args: object) -> None:
    for server in [dsn, *workers()]:
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(command, *args)
        finally:
            await admin.close()


async def create_empty(dsn: str, name: str) -> str:
    await _each_server(dsn, f'CREATE DATABASE "{name}"')
    return name


async def create_template(dsn: str) -> str:
    name = f"mlcf_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    if not on_citus():
        conn = await db.connect(embedded.with_database(dsn, await create_empty(dsn, name)))
        try:
            await migrate.migrate(conn)
        finally:
            await conn.close()
    else:
        from tests.citus.cluster import distributed_database
        await distributed_database(dsn, workers(), name)
        # Nothing may be connected to a template; Citus keeps a daemon in every database.
        await _each_server(dsn, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await _each_server(dsn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
    return name


async def clone(dsn: str, template: str) -> str:
    name = f"mlcf_t_{uuid.uuid4().hex[:12]}"
    await _each_server(dsn, f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    return name


async def drop(dsn: str, name: str) -> None:
    await _each_server(dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_sync(dsn: str, name: str) -> None:
    asyncio.run(drop(dsn, name))
