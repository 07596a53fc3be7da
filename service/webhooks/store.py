"""The webhook tables: outbound endpoints, the outbox and its delivery attempts, inbound sources and receipts."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__)
CHANNEL = "webhook_outbox"  # what wake_workers notifies (queries.sql spells it out)


# Outbound endpoints: where an organisation wants which events sent.

async def create_endpoint(conn: asyncpg.Connection, org_id: uuid.UUID, *, url: str, events: list[str],
                          description: str, secret: str) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["create_endpoint"], org_id, url, events, description, secret)


async def get_endpoint(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID,
                       endpoint_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["get_endpoint"], org_id, endpoint_id)


async def endpoints_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, after_seq: int,
                         limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["endpoints_page"], org_id, after_seq, limit)


async def delete_endpoint(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Soft-delete (deliveries stay listable in the audit trail) and cancel what is still pending."""
    row = await conn.fetchrow(QUERIES["delete_endpoint"], org_id, endpoint_id)
    if row is None:
        return False
    await cancel_pending(conn, org_id, endpoint_id)
    return True


async def disable(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID, reason: str) -> bool:
    row = await conn.fetchrow(QUERIES["disable_endpoint"], org_id, endpoint_id, reason)
    if row is None:
        return False
    await cancel_pending(conn, org_id, endpoint_id)
    return True


async def cancel_pending(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID) -> int:
    """Pending messages of a gone endpoint stop; a worker holding one finds its claim void."""
    result = await conn.execute(QUERIES["cancel_pending"], org_id, endpoint_id)
    return int(result.split()[-1])


# The outbox: messages written in the caller's transaction, claimed by workers with a lease.

async def insert_for_subscribers(conn: asyncpg.Connection, org_id: uuid.UUID, event_types: list[str],
                                 bodies: list[bytes]) -> list[uuid.UUID]:
    """Queue each event (parallel lists) for every enabled endpoint of the organisation subscribed to it."""
    rows = await conn.fetch(QUERIES["insert_for_subscribers"], org_id, event_types, bodies)
    if rows:
        await wake_workers(conn)
    return [r["id"] for r in rows]


async def insert_for_endpoint(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID,
                              event_type: str, body: bytes) -> asyncpg.Record:
    row = await conn.fetchrow(QUERIES["insert_for_endpoint"], org_id, endpoint_id, event_type, body)
    await wake_workers(conn)
    return row


async def wake_workers(conn: asyncpg.Connection) -> None:
    """Wake the delivery workers when the caller's transaction commits (messages were queued in it)."""
    await conn.execute(QUERIES["wake_workers"])


async def claim(conn: asyncpg.Connection, *, limit: int, lease: float, worker: str) -> list[asyncpg.Record]:
    """Take up to `limit` due messages for `lease` seconds; rows other workers hold are skipped, not waited on.
    Organisation by organisation, the longest waiting first, each taking its share of what is left (one
    organisation's backlog does not hold up the others')."""
    claimed: list[asyncpg.Record] = []
    orgs = [r["org_id"] for r in await conn.fetch(QUERIES["due_organisations"], limit)]
    for left, org_id in zip(range(len(orgs), 0, -1), orgs, strict=True):
        share = -(-(limit - len(claimed)) // left)  # ceiling
        claimed += await conn.fetch(QUERIES["claim"], share, lease, worker, org_id, uuid.uuid4().hex)
    return claimed


async def record_attempt(conn: asyncpg.Connection, *, message_id: uuid.UUID, org_id: uuid.UUID,
                         token: uuid.UUID, worker: str, outcome: str, status_code: int | None, latency_ms: float,
                         error: str | None, excerpt: str | None, attempted_at: datetime, state: str,
                         delay: float | None) -> bool:
    """Record one attempt and, if this worker still holds the claim, settle the message. True if settled.

    One transaction. A worker whose lease ran out (or whose endpoint went away) only adds to the history;
    the state belongs to whoever holds the claim now.
    """
    async with conn.transaction():
        common = (message_id, token, attempted_at, status_code, error, org_id)
        if state == "pending":
            total = await conn.fetchval(QUERIES["settle_retry"], *common, delay or 0.0)
        elif state == "delivered":
            total = await conn.fetchval(QUERIES["settle_delivered"], *common)
        else:
            total = await conn.fetchval(QUERIES["settle_final"], *common, state)
        settled = total is not None
        if not settled:
            total = await conn.fetchval(QUERIES["count_attempt"], org_id, message_id)
        if total is not None:  # else the message is gone (its organisation's data erased)
            await conn.execute(QUERIES["insert_attempt"], org_id, message_id, total, worker, outcome, status_code,
                               latency_ms, error, excerpt, attempted_at)
    return settled


async def release(conn: asyncpg.Connection | asyncpg.Pool,
                  claims: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]) -> int:
    """Give claimed messages (organisation, id, claim token) back untouched (graceful shutdown), so another
    worker can take them now; how many were still held."""
    by_org: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID]]] = {}
    for org_id, message_id, token in claims:
        by_org.setdefault(org_id, []).append((message_id, token))
    released = 0
    for org_id, held in by_org.items():
        result = await conn.execute(QUERIES["release"], org_id, [m for m, _t in held], [t for _m, t in held])
        released += int(result.split()[-1])
    return released


async def stats(conn: asyncpg.Connection | asyncpg.Pool) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["stats"])


async def deliveries_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, endpoint_id: uuid.UUID, *,
                          before_seq: int | None, limit: int, status: str | None) -> list[asyncpg.Record]:
    """Newest first."""
    return await conn.fetch(QUERIES["deliveries_page"], org_id, endpoint_id, before_seq, status, limit)


async def attempts_of(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID,
                      message_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["attempts_of"], org_id, message_ids)


async def lock_delivery(conn: asyncpg.Connection, org_id: uuid.UUID, message_id: uuid.UUID) -> asyncpg.Record | None:
    """The message and its endpoint's state, locked until the caller's transaction ends."""
    return await conn.fetchrow(QUERIES["lock_delivery"], org_id, message_id)


async def redeliver(conn: asyncpg.Connection, org_id: uuid.UUID, message_id: uuid.UUID) -> asyncpg.Record:
    """Start a new round for a finished message: same webhook-id, same body, a fresh retry schedule."""
    row = await conn.fetchrow(QUERIES["redeliver"], org_id, message_id)
    await wake_workers(conn)
    return row


# Inbound sources and their receipts (the dedupe record of every signed event).

async def create_source(conn: asyncpg.Connection, org_id: uuid.UUID, *, name: str, description: str,
                        secret: str) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["create_source"], org_id, name, description, secret)


async def get_source(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID,
                     source_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["get_source"], org_id, source_id)


async def sources_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *, after_seq: int,
                       limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["sources_page"], org_id, after_seq, limit)


async def delete_source(conn: asyncpg.Connection, org_id: uuid.UUID, source_id: uuid.UUID) -> bool:
    row = await conn.fetchrow(QUERIES["delete_source"], org_id, source_id)
    return row is not None


async def for_hook(conn: asyncpg.Connection | asyncpg.Pool, source_id: uuid.UUID) -> asyncpg.Record | None:
    """What verifying a hook needs: the organisation and the secret of a live source."""
    return await conn.fetchrow(QUERIES["source_for_hook"], source_id)


async def claim_receipt(conn: asyncpg.Connection, org_id: uuid.UUID, source_id: uuid.UUID, webhook_id: str,
                        body_sha256: bytes) -> uuid.UUID | None:
    """Insert the receipt for (source, webhook-id), or None when one exists (waits for a concurrent one)."""
    return await conn.fetchval(QUERIES["claim_receipt"], org_id, source_id, webhook_id, body_sha256)


async def stored_answer(conn: asyncpg.Connection, org_id: uuid.UUID, source_id: uuid.UUID,
                        webhook_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["stored_answer"], org_id, source_id, webhook_id)


async def finish_receipt(conn: asyncpg.Connection, org_id: uuid.UUID, receipt_id: uuid.UUID, *,
                         event_type: str | None, outcome: str, status_code: int, reason: str | None,
                         response_type: str, response_body: bytes) -> None:
    await conn.execute(QUERIES["finish_receipt"], org_id, receipt_id, event_type, outcome, status_code, reason,
                       response_type, response_body)


async def receipts_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, source_id: uuid.UUID, *,
                        before_seq: int | None, limit: int, outcome: str | None = None) -> list[asyncpg.Record]:
    """Newest first."""
    return await conn.fetch(QUERIES["receipts_page"], org_id, source_id, before_seq, outcome, limit)


# Signing secrets not sealed under the current key (see secrets.py), by table.

async def secrets_to_reseal(conn: asyncpg.Connection, table: str, current_prefix: str) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES[f"{table}_to_reseal"], current_prefix)


async def reseal_secret(conn: asyncpg.Connection, table: str, org_id: uuid.UUID, row_id: uuid.UUID, read: str,
                        sealed: str) -> bool:
    """Replace the secret if it still is what was read."""
    return (await conn.execute(QUERIES[f"{table}_reseal"], org_id, row_id, read, sealed)) == "UPDATE 1"
