"""Organisations and their API keys."""

from __future__ import annotations

import uuid

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__)


async def create_org(conn: asyncpg.Connection, code: str, name: str) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["create_org"], code, name)


async def list_orgs(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["list_orgs"])


async def org_by_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["org_by_code"], code)


async def create_key(conn: asyncpg.Connection, org_id: uuid.UUID, *, name: str, prefix: str,
                     token_hash: bytes, scopes: list[str]) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["create_key"], org_id, name, prefix, token_hash, scopes)


async def key_by_hash(conn: asyncpg.Connection | asyncpg.Pool, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["key_by_hash"], token_hash)


async def revoke_key(conn: asyncpg.Connection, key_id: uuid.UUID) -> asyncpg.Record | None:
    """Revoke the key and tell every web process, at commit, to forget the keys it keeps."""
    async with conn.transaction():
        row = await conn.fetchrow(QUERIES["revoke_key"], key_id)
        if row is not None:
            await announce_key_change(conn)
    return row


async def announce_key_change(conn: asyncpg.Connection) -> None:
    """Every web process forgets the keys it keeps when the current transaction commits (key_cache.py)."""
    await conn.execute(QUERIES["announce_key_change"])


async def list_keys(conn: asyncpg.Connection, org_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["list_keys"], org_id)
