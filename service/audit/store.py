"""The audit log: one row per write, in the writer's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from service.db import queries
from service.log import request_id
from service.tenants.domain.callers import Caller

QUERIES = queries.load(__file__)


def entry(caller: Caller, action: str, object_type: str, object_id: str | uuid.UUID, *,
          rubric: dict[str, Any] | None = None, before: Any = None, after: Any = None) -> dict[str, Any]:
    """One audit row, by column name, in the order the columns are written (the request id comes from the
    log context)."""
    return {"org_id": caller.org_id, "actor": caller.actor, "key_id": caller.key_id, "action": action,
            "object_type": object_type, "object_id": str(object_id), "rubric": rubric, "before": before,
            "after": after, "request_id": request_id()}


async def record(conn: asyncpg.Connection, caller: Caller, action: str, object_type: str,
                 object_id: str | uuid.UUID, *, rubric: dict[str, Any] | None = None,
                 before: Any = None, after: Any = None) -> None:
    row = entry(caller, action, object_type, object_id, rubric=rubric, before=before, after=after)
    await conn.execute(QUERIES["record"], *row.values())


async def record_entries(conn: asyncpg.Connection, entries: list[dict[str, Any]]) -> None:
    """Record entries made by entry(), in their order."""
    await conn.executemany(QUERIES["record"], [tuple(e.values()) for e in entries])


async def page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, position: int | None,
               limit: int, object_types: list[str], action: str | None = None, since: datetime | None = None,
               newest_first: bool = False) -> list[asyncpg.Record]:
    """A page of events after `position` (the `seq` of the last one of the page before; None: from the
    first, or the newest), oldest first unless `newest_first`, created at or after `since`."""
    if newest_first:
        return await conn.fetch(QUERIES["page_newest_first"], org_id, position, action, limit, object_types, since)
    return await conn.fetch(QUERIES["page"], org_id, position or 0, action, limit, object_types, since)
