"""Test databases: one migrated template per session, a fresh clone of it per test."""

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


async def create_empty(dsn: str, name: str) -> str:
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name


async def create_template(dsn: str) -> str:
    name = await create_empty(dsn, f"mlcf_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}")
    conn = await db.connect(embedded.with_database(dsn, name))
    try:
        await migrate.migrate(conn)
    finally:
        await conn.close()
    return name


async def clone(dsn: str, template: str) -> str:
    name = f"mlcf_t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    finally:
        await admin.close()
    return name


async def drop(dsn: str, name: str) -> None:
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def drop_sync(dsn: str, name: str) -> None:
    asyncio.run(drop(dsn, name))
