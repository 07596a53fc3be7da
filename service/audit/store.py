"""The audit log: one row per write, in the writer's transaction."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from service.log import request_id
from service.tenants.domain.callers import Caller

# The columns an audit row is written with, and their types, in the order of entry()'s values.
TYPED_COLUMNS = (("org_id", "uuid"), ("actor", "text"), ("key_id", "uuid"), ("action", "text"),
                 ("object_type", "text"), ("object_id", "text"), ("rubric", "jsonb"), ("before", "jsonb"),
                 ("after", "jsonb"), ("request_id", "text"))
NAMES = tuple(c for c, _t in TYPED_COLUMNS)
COLUMNS = ", ".join(NAMES)


def entry(caller: Caller, action: str, object_type: str, object_id: str | uuid.UUID, *,
          rubric: dict[str, Any] | None = None, before: Any = None, after: Any = None) -> dict[str, Any]:
    """The values of one audit row, in the order of COLUMNS (the request id comes from the log context)."""
    return dict(zip(NAMES, (caller.org_id, caller.actor, caller.key_id, action, object_type, str(object_id), rubric,
                            before, after, request_id()), strict=True))


_RECORD = (f"INSERT INTO audit_events ({COLUMNS}) VALUES ("  # noqa: S608 - constants only
           + ", ".join(f"${i}::{t}" for i, (_c, t) in enumerate(TYPED_COLUMNS, 1)) + ")")


async def record(conn: asyncpg.Connection, caller: Caller, action: str, object_type: str,
                 object_id: str | uuid.UUID, *, rubric: dict[str, Any] | None = None,
                 before: Any = None, after: Any = None) -> None:
    await conn.execute(_RECORD, *entry(caller, action, object_type, object_id, rubric=rubric, before=before,
                                       after=after).values())


async def page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, after_seq: int,
               limit: int, object_types: list[str], action: str | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT seq, id, actor, key_id, action, object_type, object_id, rubric, before, after,"
        " request_id, created_at FROM audit_events"
        " WHERE org_id = $1 AND seq > $2 AND ($3::text IS NULL OR action = $3) AND object_type = ANY ($5)"
        " ORDER BY seq LIMIT $4", org_id, after_seq, action, limit, object_types)
