"""Published rubric versions."""

from __future__ import annotations

from typing import Any

import asyncpg

VERSION = "rubric_id, version, hash, purpose, framework, title, document, published_at"  # what is served


async def publish(conn: asyncpg.Connection, *, rubric_id: str, version: int, hash: str, purpose: str,
                  framework: str, title: str, written: dict[str, Any], document: dict[str, Any],
                  source: str) -> asyncpg.Record | None:
    """Insert the version unless (id, version) is already published; the new row, or None."""
    return await conn.fetchrow(
        "INSERT INTO rubric_versions (rubric_id, version, hash, purpose, framework, title, written, document, source)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (rubric_id, version) DO NOTHING"
        f" RETURNING {VERSION}", rubric_id, version, hash, purpose, framework, title, written, document, source)


async def stored_hash(conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str, version: int) -> str | None:
    return await conn.fetchval(
        "SELECT hash FROM rubric_versions WHERE rubric_id = $1 AND version = $2", rubric_id, version)


async def one_version(conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str, version: int) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {VERSION} FROM rubric_versions WHERE rubric_id = $1 AND version = $2",  # noqa: S608
                               rubric_id, version)


async def latest(conn: asyncpg.Connection | asyncpg.Pool, rubric_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {VERSION} FROM rubric_versions WHERE rubric_id = $1 ORDER BY version DESC LIMIT 1",  # noqa: S608
        rubric_id)


async def any_published(conn: asyncpg.Connection | asyncpg.Pool) -> bool:
    return await conn.fetchval("SELECT EXISTS (SELECT FROM rubric_versions)")


async def all_latest(conn: asyncpg.Connection | asyncpg.Pool) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT DISTINCT ON (rubric_id) {VERSION} FROM rubric_versions ORDER BY rubric_id, version DESC")  # noqa: S608
