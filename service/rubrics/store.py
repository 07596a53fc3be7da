"""Published rubric versions."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__)


async def publish(conn: asyncpg.Connection, *, rubric_id: str, version: int, hash: str, purpose: str,
                  framework: str, title: str, written: dict[str, Any], document: dict[str, Any],
                  source: str) -> asyncpg.Record | None:
    """Insert the version unless (id, version) is already published; the new row, or None."""
    return await conn.fetchrow(QUERIES["publish"], rubric_id, version, hash, purpose, framework, title, written,
                               document, source)


async def stored_hash(conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str, version: int) -> str | None:
    return await conn.fetchval(QUERIES["stored_hash"], rubric_id, version)


async def one_version(conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str, version: int) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["one_version"], rubric_id, version)


async def latest(conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["latest"], rubric_id)


async def any_published(conn: asyncpg.Connection | asyncpg.Pool) -> bool:
    return await conn.fetchval(QUERIES["any_published"])


async def all_latest(conn: asyncpg.Connection | asyncpg.Pool) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["all_latest"])
