"""Inbound webhook sources and their receipts (the dedupe record of every signed event)."""

from __future__ import annotations

import uuid

import asyncpg

COLUMNS = "id, seq, name, description, created_at"  # what the API shows of a source


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, *, name: str, description: str,
                 secret: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO webhook_sources (org_id, name, description, secret) VALUES ($1, $2, $3, $4)"  # noqa: S608 - constants only
        f" RETURNING {COLUMNS}", org_id, name, description, secret)


async def get(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID,
              source_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM webhook_sources WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL",  # noqa: S608
        org_id, source_id)


async def page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, after_seq: int,
               limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"SELECT {COLUMNS} FROM webhook_sources WHERE org_id = $1 AND deleted_at IS NULL AND seq > $2"  # noqa: S608
        " ORDER BY seq LIMIT $3", org_id, after_seq, limit)


async def delete(conn: asyncpg.Connection, org_id: uuid.UUID, source_id: uuid.UUID) -> bool:
    row = await conn.fetchrow(
        "UPDATE webhook_sources SET deleted_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"
        " RETURNING id", org_id, source_id)
    return row is not None


async def for_hook(conn: asyncpg.Connection | asyncpg.Pool, source_id: uuid.UUID) -> asyncpg.Record | None:
    """What verifying a hook needs: the organisation and the secret of a live source."""
    return await conn.fetchrow(
        "SELECT s.id, s.org_id, o.code AS org_code, s.secret FROM webhook_sources s"
        " JOIN organisations o ON o.id = s.org_id WHERE s.id = $1 AND s.deleted_at IS NULL", source_id)


async def claim_receipt(conn: asyncpg.Connection, org_id: uuid.UUID, source_id: uuid.UUID, webhook_id: str,
                        body_sha256: bytes) -> uuid.UUID | None:
    """Insert the receipt for (source, webhook-id), or None when one exists (waits for a concurrent one)."""
    return await conn.fetchval(
        "INSERT INTO webhook_receipts (org_id, source_id, webhook_id, body_sha256) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (org_id, source_id, webhook_id) DO NOTHING RETURNING id",
        org_id, source_id, webhook_id, body_sha256)


async def stored_answer(conn: asyncpg.Connection, org_id: uuid.UUID, source_id: uuid.UUID,
                        webhook_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT status_code, response_type, response_body, body_sha256 FROM webhook_receipts"
        " WHERE org_id = $1 AND source_id = $2 AND webhook_id = $3", org_id, source_id, webhook_id)


async def finish_receipt(conn: asyncpg.Connection, receipt_id: uuid.UUID, *, event_type: str | None,
                         outcome: str, status_code: int, reason: str | None, response_type: str,
                         response_body: bytes) -> None:
    await conn.execute(
        "UPDATE webhook_receipts SET event_type = $2, outcome = $3, status_code = $4, reason = $5,"
        " response_type = $6, response_body = $7 WHERE id = $1",
        receipt_id, event_type, outcome, status_code, reason, response_type, response_body)


async def receipts_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, source_id: uuid.UUID, *,
                        before_seq: int | None, limit: int, outcome: str | None = None) -> list[asyncpg.Record]:
    """Newest first."""
    return await conn.fetch(
        "SELECT id, seq, webhook_id, event_type, outcome, status_code, reason, received_at FROM webhook_receipts"
        " WHERE org_id = $1 AND source_id = $2"
        " AND ($3::bigint IS NULL OR seq < $3) AND ($4::text IS NULL OR outcome = $4)"
        " ORDER BY seq DESC LIMIT $5", org_id, source_id, before_seq, outcome, limit)
