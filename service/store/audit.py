"""The audit log: one row per write, in the writer's transaction."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from ..auth import Caller


async def record(conn: asyncpg.Connection, caller: Caller, action: str, object_type: str,
                 object_id: str | uuid.UUID, *, rubric: dict[str, Any] | None = None,
                 before: Any = None, after: Any = None) -> None:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    await conn.execute(
        "INSERT INTO audit_events (org_id, actor, key_id, action, object_type, object_id, rubric,"
        " before, after, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        caller.org_id, caller.actor, caller.key_id, action, object_type, str(object_id), rubric,
        before, after, request_id)


async def page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, after_seq: int,
               limit: int, object_types: list[str], action: str | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT seq, id, actor, key_id, action, object_type, object_id, rubric, before, after,"
        " request_id, created_at FROM audit_events"
        " WHERE org_id = $1 AND seq > $2 AND ($3::text IS NULL OR action = $3) AND object_type = ANY ($5)"
        " ORDER BY seq LIMIT $4", org_id, after_seq, action, limit, object_types)
