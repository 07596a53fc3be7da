"""Outbound webhook endpoints: where an organisation wants which events sent."""

from __future__ import annotations

import uuid

import asyncpg

COLUMNS = "id, seq, url, events, description, created_at, disabled_at, disabled_reason"  # what the API shows


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, *, url: str, events: list[str], description: str,
                 secret: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO webhook_endpoints (org_id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5)"  # noqa: S608 - constants only
        f" RETURNING {COLUMNS}", org_id, url, events, description, secret)


async def get(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID,
              endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",  # noqa: S608
        org_id, endpoint_id)


async def page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, after_seq: int,
               limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {COLUMNS} FROM webhook_endpoints WHERE org_id = $1 AND deleted_at IS NULL AND seq > $2"  # noqa: S608
        " ORDER BY seq LIMIT $3", org_id, after_seq, limit)


async def delete(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Soft-delete (deliveries stay listable in the audit trail) and cancel what is still pending."""
    row = await conn.fetchrow(
        "UPDATE webhook_endpoints SET deleted_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"
        " RETURNING id", org_id, endpoint_id)
    if row is None:
        return False
    await cancel_pending(conn, org_id, endpoint_id)
    return True


async def disable(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID, reason: str) -> bool:
    row = await conn.fetchrow(
        "UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = $3"
        " WHERE org_id = $1 AND id = $2 AND disabled_at IS NULL RETURNING id", org_id, endpoint_id, reason)
    if row is None:
        return False
    await cancel_pending(conn, org_id, endpoint_id)
    return True


async def cancel_pending(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> int:
    """Pending messages of a gone endpoint stop; a worker holding one finds its claim void."""
    result = await conn.execute(
        "UPDATE webhook_messages SET status = 'cancelled', claimed_until = NULL, claim_token = NULL"
        " WHERE org_id = $1 AND endpoint_id = $2 AND status = 'pending'", org_id, endpoint_id)
    return int(result.split()[-1])
