"""The webhook outbox: messages written in the caller's transaction, claimed by workers with a lease."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

CHANNEL = "webhook_outbox"


def subscribers_of(events: str) -> str:
    """SQL selecting the messages `(org_id, endpoint_id, event_type, body)` to queue for some events: one per
    enabled endpoint of the event's organisation subscribed to its type, in the events' order. `events` is
    the SQL of a relation with columns (org_id, event_type, body, n), n giving the order, so a bigger
    statement can queue its own events."""
    return (f"SELECT e.org_id, e.id, ev.event_type, ev.body FROM {events} AS ev"  # noqa: S608 - SQL from this code
            " JOIN webhook_endpoints e ON e.org_id = ev.org_id AND ev.event_type = ANY (e.events)"
            "  AND e.disabled_at IS NULL AND e.deleted_at IS NULL ORDER BY ev.n")


QUEUE_COLUMNS = "org_id, endpoint_id, event_type, body"
# What a delivery listing shows of a message.
DELIVERY = ("id, seq, endpoint_id, event_type, status, total_attempts, next_attempt_at, last_attempt_at,"
            " last_status, delivered_at, created_at")
# A CTE that wakes the workers if the CTE `queued` wrote any message; at commit, and only if the
# transaction commits (a rolled-back emit wakes nobody). The statement must read `notified`.
NOTIFIED = (f"notified AS (SELECT pg_notify('{CHANNEL}', '')"  # noqa: S608 - constants only
            " FROM (SELECT FROM queued LIMIT 1) AS any_queued)")


def notifying(cte: str) -> str:
    """A statement whose CTE `queued` writes messages: the rows of `queued`, and the workers woken if any."""
    return (f"WITH queued AS ({cte}), {NOTIFIED}"  # noqa: S608 - SQL from this module only
            " SELECT queued.*, (SELECT count(*) FROM notified) AS woken FROM queued")


_EVENTS = ("(SELECT $1::uuid AS org_id, t.event_type, t.body, t.n"
           " FROM unnest($2::text[], $3::bytea[]) WITH ORDINALITY AS t (event_type, body, n))")


async def insert_for_subscribers(conn: asyncpg.Connection, org_id: uuid.UUID, event_types: list[str],
                                 bodies: list[bytes]) -> list[uuid.UUID]:
    """Queue each event (parallel lists) for every enabled endpoint of the organisation subscribed to it."""
    rows = await conn.fetch(notifying(
        f"INSERT INTO webhook_messages ({QUEUE_COLUMNS}) {subscribers_of(_EVENTS)} RETURNING id"),
        org_id, event_types, bodies)
    return [r["id"] for r in rows]


async def insert_for_endpoint(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID,
                              event_type: str, body: bytes) -> asyncpg.Record:
    return await conn.fetchrow(notifying(
        f"INSERT INTO webhook_messages ({QUEUE_COLUMNS}) VALUES ($1, $2, $3, $4) RETURNING {DELIVERY}"),  # noqa: S608
        org_id, endpoint_id, event_type, body)


async def claim(conn: asyncpg.Connection, *, limit: int, lease: float, worker: str) -> list[asyncpg.Record]:
    """Take up to `limit` due messages for `lease` seconds; rows other workers hold are skipped, not waited on."""
    return await conn.fetch(
        "WITH due AS ("
        "  SELECT id FROM webhook_messages"
        "   WHERE status = 'pending' AND next_attempt_at <= now()"
        "     AND (claimed_until IS NULL OR claimed_until <= now())"
        "   ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
        " UPDATE webhook_messages AS m"
        "    SET claimed_until = now() + make_interval(secs => $2), claim_token = gen_random_uuid(), claimed_by = $3"
        "   FROM due, webhook_endpoints AS e"
        "  WHERE m.id = due.id AND e.id = m.endpoint_id"
        " RETURNING m.id, m.org_id, m.endpoint_id, m.event_type, m.body, m.attempts, m.claim_token,"
        "           e.url, e.secret", limit, lease, worker)


async def record_attempt(conn: asyncpg.Connection, *, message_id: uuid.UUID, org_id: uuid.UUID,
                         token: uuid.UUID, worker: str, outcome: str, status_code: int | None, latency_ms: float,
                         error: str | None, excerpt: str | None, attempted_at: datetime, state: str,
                         delay: float | None) -> bool:
    """Record one attempt and, if this worker still holds the claim, settle the message. True if settled.

    One statement, so atomic without a transaction. A worker whose lease ran out (or whose endpoint
    went away) only adds to the history; the state belongs to whoever holds the claim now.
    """
    return await conn.fetchval(
        "WITH settled AS ("
        "  UPDATE webhook_messages SET status = $3,"
        "    attempts = CASE WHEN $3 = 'pending' THEN attempts + 1 ELSE attempts END,"
        "    total_attempts = total_attempts + 1,"
        "    next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + make_interval(secs => $4)"
        "                      ELSE next_attempt_at END,"
        "    delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END,"
        "    last_attempt_at = $5, last_status = $6, last_error = $7, claimed_until = NULL, claim_token = NULL"
        "  WHERE id = $1 AND claim_token = $2 AND status = 'pending' RETURNING total_attempts),"
        " counted AS ("
        "  UPDATE webhook_messages SET total_attempts = total_attempts + 1"
        "  WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM settled) RETURNING total_attempts)"
        " INSERT INTO webhook_attempts (org_id, message_id, attempt_no, worker, outcome, status_code, latency_ms,"
        "  error, response_excerpt, attempted_at)"
        " SELECT $8, $1, n.total_attempts, $9, $10, $6, $11, $7, $12, $5"
        "   FROM (SELECT total_attempts FROM settled UNION ALL SELECT total_attempts FROM counted) AS n"
        " RETURNING EXISTS (SELECT 1 FROM settled)",
        message_id, token, state, delay or 0.0, attempted_at, status_code, error, org_id, worker, outcome,
        latency_ms, excerpt) or False


async def release(conn: asyncpg.Connection | asyncpg.Pool, claims: list[tuple[uuid.UUID, uuid.UUID]]) -> int:
    """Give claimed messages back untouched (graceful shutdown), so another worker can take them now."""
    if not claims:
        return 0
    result = await conn.execute(
        "UPDATE webhook_messages AS m SET claimed_until = NULL, claim_token = NULL, claimed_by = NULL"
        "  FROM unnest($1::uuid[], $2::uuid[]) AS c(id, token)"
        " WHERE m.id = c.id AND m.claim_token = c.token",
        [c[0] for c in claims], [c[1] for c in claims])
    return int(result.split()[-1])


async def stats(conn: asyncpg.Connection | asyncpg.Pool) -> asyncpg.Record:
    return await conn.fetchrow(
        "SELECT count(*) AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS oldest_age"
        " FROM webhook_messages WHERE status = 'pending'")


async def deliveries_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, endpoint_id: uuid.UUID, *,
                          before_seq: int | None, limit: int, status: str | None) -> list[asyncpg.Record]:
    """Newest first."""
    return await conn.fetch(
        f"SELECT {DELIVERY} FROM webhook_messages WHERE org_id = $1 AND endpoint_id = $2"  # noqa: S608 - constants
        " AND ($3::bigint IS NULL OR seq < $3) AND ($4::text IS NULL OR status = $4)"
        " ORDER BY seq DESC LIMIT $5", org_id, endpoint_id, before_seq, status, limit)


async def attempts_of(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID,
                      message_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT message_id, attempt_no, attempted_at, outcome, status_code, latency_ms, error, response_excerpt"
        " FROM webhook_attempts WHERE org_id = $1 AND message_id = ANY ($2::uuid[])"
        " ORDER BY message_id, attempt_no", org_id, message_ids)


async def lock_delivery(conn: asyncpg.Connection, org_id: uuid.UUID, message_id: uuid.UUID) -> asyncpg.Record | None:
    """The message and its endpoint's state, locked until the caller's transaction ends."""
    return await conn.fetchrow(
        "SELECT m.id, m.status, e.disabled_at IS NOT NULL AS endpoint_disabled,"
        " e.deleted_at IS NOT NULL AS endpoint_deleted"
        " FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id"
        " WHERE m.org_id = $1 AND m.id = $2 FOR UPDATE OF m", org_id, message_id)


async def redeliver(conn: asyncpg.Connection, org_id: uuid.UUID, message_id: uuid.UUID) -> asyncpg.Record:
    """Start a new round for a finished message: same webhook-id, same body, a fresh retry schedule."""
    return await conn.fetchrow(notifying(
        "UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = now(),"  # noqa: S608
        " claimed_until = NULL, claim_token = NULL, delivered_at = NULL"
        f" WHERE org_id = $1 AND id = $2 RETURNING {DELIVERY}"), org_id, message_id)
