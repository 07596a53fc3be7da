"""Retention's SQL (queries.sql): an organisation's policy, and counting or removing what has had its time."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from service.db import queries
from service.retention.domain.policy import SETTABLE, Policy

QUERIES = queries.load(__file__)


async def policy(conn: asyncpg.Connection, org_id: uuid.UUID) -> Policy:
    row = await conn.fetchrow(QUERIES["policy"], org_id)
    return Policy({kind.name: row[f"{kind.name}_days"] if row else None for kind in SETTABLE})


async def set_policy(conn: asyncpg.Connection, org_id: uuid.UUID, policy: Policy) -> None:
    await conn.execute(QUERIES["set_policy"], org_id, *(policy.days.get(kind.name) for kind in SETTABLE))


async def count(conn: asyncpg.Connection, kind: str, org_id: uuid.UUID, before: datetime) -> tuple[int, int]:
    """Objects of `kind` (e.g. closed appraisals) whose period ran out before `before`, and their rows."""
    row = await conn.fetchrow(QUERIES[f"count_{kind}"], org_id, before)
    return row["objects"], row["rows"]


async def remove_batch(conn: asyncpg.Connection, kind: str, org_id: uuid.UUID, before: datetime,
                       size: int) -> tuple[int, int]:
    """Remove up to `size` such objects with their rows; how many of each were removed."""
    row = await conn.fetchrow(QUERIES[f"remove_{kind}"], org_id, before, size)
    return row["objects"], row["rows"]
