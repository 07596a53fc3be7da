"""Organisations and their API keys."""

from __future__ import annotations

import uuid

import asyncpg


async def create_org(conn: asyncpg.Connection, code: str, name: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO organisations (code, name) VALUES ($1, $2) RETURNING id, code, name, created_at",
        code, name)


async def list_orgs(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT id, code, name FROM organisations ORDER BY code")


async def org_by_code(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, code, name, created_at FROM organisations WHERE code = $1", code)


async def create_key(conn: asyncpg.Connection, org_id: uuid.UUID, *, name: str, prefix: str,
                     token_hash: bytes, scopes: list[str]) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO api_keys (org_id, name, token_prefix, token_hash, scopes)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id, name, token_prefix, scopes, created_at",
        org_id, name, prefix, token_hash, scopes)


async def key_by_hash(conn: asyncpg.Connection | asyncpg.Pool, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT k.id, k.org_id, o.code AS org_code, k.scopes FROM api_keys k"
        " JOIN organisations o ON o.id = k.org_id"
        " WHERE k.token_hash = $1 AND k.revoked_at IS NULL", token_hash)


async def revoke_key(conn: asyncpg.Connection, key_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING id, org_id, (SELECT code FROM organisations WHERE id = org_id) AS org_code", key_id)


async def list_keys(conn: asyncpg.Connection, org_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, name, token_prefix, scopes, created_at, revoked_at FROM api_keys"
        " WHERE org_id = $1 ORDER BY created_at", org_id)
