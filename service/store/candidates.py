"""Candidates, their scorecards and moderations, and their computed results. Every query is scoped by org.

A change to a candidate is written by one guarded statement (see `write`): it stores the change, the
audit row, the recomputed result and the outbox messages only if the candidate's `revision` is still
the one its state was read at, and the campaign is still open. Every change bumps the revision, so a
writer that raced another one writes nothing and reads again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from . import audit, outbox

# Everything a recomputation reads about one candidate, in one statement (so one snapshot): the campaign
# it pins, its own row with the revision, every scorecard and moderation, the stored result's status and
# digest.
STATE = (
    "SELECT k.id AS campaign_id, k.reference, k.rubric_id, k.rubric_version, k.rubric_hash, k.status,"
    " c.id, c.candidate_ref, c.components, c.revision,"
    " (SELECT coalesce(json_agg(json_build_array(s.station_id, s.panellist_ref, s.marks)), '[]')"
    "   FROM scorecards s WHERE s.candidate_id = c.id) AS scorecards,"
    " (SELECT coalesce(json_agg(json_build_array(m.station_id, m.criterion_id, m.mark, m.reason, m.moderator_ref,"
    "   m.created_at)), '[]') FROM moderations m WHERE m.candidate_id = c.id) AS moderations,"
    " r.status AS result_status, r.digest"
    " FROM campaigns k JOIN candidates c ON c.campaign_id = k.id LEFT JOIN candidate_results r ON r.candidate_id = c.id"
    " WHERE k.org_id = $1 AND k.id = $2 AND c.candidate_ref = $3")

LOCK = (
    "SELECT c.revision FROM campaigns k JOIN candidates c ON c.campaign_id = k.id"
    " WHERE k.org_id = $1 AND k.id = $2 AND c.candidate_ref = $3 FOR SHARE OF k FOR UPDATE OF c")

# The guarded write. $1 org, $2 campaign, $3 candidate, $4 the revision read; $5-$14 the audit row
# (audit.entry order); $15-$18 the result's status, appointable, digest and standing (status null: the
# result did not change, nothing is written); $19/$20 the events (parallel arrays of types and bodies);
# from $21 the parameters of the change itself: a CTE `previous` (the row it replaces, as JSON, if the
# audit row's `before` is to come from the database) and a CTE `change` that writes one row per row of
# `guard` (the candidate, when the guard holds).
WRITE = (  # assembled from constants only
    # FOR SHARE waits for any transaction changing the campaign and then re-checks `status`, so a
    # finalisation can't commit between this check and this statement's commit.
    "WITH open AS (SELECT id FROM campaigns WHERE id = $2::uuid AND org_id = $1::uuid AND status = 'open'"  # noqa: S608
    "  FOR SHARE),"
    " guard AS (UPDATE candidates SET revision = revision + 1"
    "  WHERE id = $3::uuid AND revision = $4::bigint AND campaign_id = (SELECT id FROM open) RETURNING id),"
    " previous AS ({previous}), change AS ({change}),"
    " audited AS (" + audit.insert_from("guard", 5, {"before": "coalesce((SELECT row FROM previous), $12::jsonb)"})
    + "),"
    " result AS (INSERT INTO candidate_results (candidate_id, org_id, campaign_id, status, appointable, digest,"
    "  standing) SELECT id, $1::uuid, $2::uuid, $15::text, $16::boolean, $17::text, $18::jsonb"
    "  FROM guard WHERE $15::text IS NOT NULL"
    "  ON CONFLICT (candidate_id) DO UPDATE SET status = EXCLUDED.status, appointable = EXCLUDED.appointable,"
    "  digest = EXCLUDED.digest, standing = EXCLUDED.standing, updated_at = now()),"
    " queued AS (INSERT INTO webhook_messages (" + outbox.QUEUE_COLUMNS + ")"
    "  SELECT q.* FROM guard, (" + outbox.subscribers_of("$1", "$19", "$20") + ") AS q RETURNING 1),"
    " " + outbox.NOTIFIED +
    # Data-modifying CTEs always run; `notified`, a plain SELECT, runs only because it is read here.
    " SELECT (SELECT count(*) FROM open) AS open, (SELECT count(*) FROM guard) AS written,"
    "  (SELECT count(*) FROM notified) AS woken")

_NO_PREVIOUS = "SELECT NULL::jsonb AS row WHERE false"
_CHANGES = {
    # Re-marking the candidate's result alone (its own row was changed by the caller's transaction).
    "none": (_NO_PREVIOUS, "SELECT 1 FROM guard"),
    "scorecard": (  # $21 station, $22 panellist, $23 marks, $24 evidence, $25 comment
        "SELECT row_to_json(p)::jsonb AS row FROM (SELECT marks, evidence, comment, submitted_at FROM scorecards"
        " WHERE candidate_id = $3::uuid AND station_id = $21::text AND panellist_ref = $22::text) AS p",
        "INSERT INTO scorecards (org_id, campaign_id, candidate_id, station_id, panellist_ref, marks, evidence,"
        " comment) SELECT $1::uuid, $2::uuid, id, $21::text, $22::text, $23::jsonb, $24::jsonb, $25::text FROM guard"
        " ON CONFLICT (candidate_id, station_id, panellist_ref) DO UPDATE SET marks = EXCLUDED.marks,"
        " evidence = EXCLUDED.evidence, comment = EXCLUDED.comment, submitted_at = now()"),
    "moderation": (  # $21 station, $22 criterion, $23 mark, $24 reason, $25 moderator
        _NO_PREVIOUS,
        "INSERT INTO moderations (org_id, campaign_id, candidate_id, station_id, criterion_id, mark, reason,"
        " moderator_ref) SELECT $1::uuid, $2::uuid, id, $21::text, $22::text, $23::integer, $24::text, $25::text"
        " FROM guard ON CONFLICT (candidate_id, station_id, criterion_id) DO UPDATE SET mark = EXCLUDED.mark,"
        " reason = EXCLUDED.reason, moderator_ref = EXCLUDED.moderator_ref, created_at = now()"),
}
_WRITES = {kind: WRITE.replace("{previous}", previous).replace("{change}", change)
           for kind, (previous, change) in _CHANGES.items()}


@dataclass(frozen=True, slots=True)
class Written:
    open: bool  # the campaign was still open (else nothing was written)
    written: bool  # the revision still held, and everything was written


async def state(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str
                ) -> asyncpg.Record | None:
    """The candidate's state (see STATE), or None when the campaign or the candidate is not the org's."""
    return await conn.fetchrow(STATE, org_id, campaign_id, ref)


async def lock(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str) -> int | None:
    """Lock the candidate for the caller's transaction (and share-lock its campaign); its revision, or None."""
    return await conn.fetchval(LOCK, org_id, campaign_id, ref)


async def write(conn: asyncpg.Connection, kind: str, *, org_id: uuid.UUID, campaign_id: uuid.UUID,
                candidate_id: uuid.UUID, revision: int, audit_entry: tuple[Any, ...],
                result: tuple[str, bool | None, str, dict[str, Any]] | None,
                events: tuple[list[str], list[bytes]], change: tuple[Any, ...] = ()) -> Written:
    """The guarded write of one change (`kind`, with its parameters `change`). `result` is (status,
    appointable, digest, standing), or None when the result did not change."""
    row = await conn.fetchrow(_WRITES[kind], org_id, campaign_id, candidate_id, revision, *audit_entry,
                              *(result or (None,) * 4), *events, *change)
    return Written(open=row["open"] > 0, written=row["written"] > 0)


async def upsert(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str, *,
                 display_name: str | None, components: dict[str, Any] | None) -> tuple[asyncpg.Record, bool]:
    """Create or update (locking the row and bumping its revision); fields not sent keep their value.
    Returns (row, created)."""
    row = await conn.fetchrow(
        "INSERT INTO candidates (org_id, campaign_id, candidate_ref, display_name, components)"
        " VALUES ($1, $2, $3, $4, coalesce($5::jsonb, '{}'::jsonb))"
        " ON CONFLICT (campaign_id, candidate_ref) DO UPDATE SET"
        "  display_name = coalesce(EXCLUDED.display_name, candidates.display_name),"
        "  components = CASE WHEN $5::jsonb IS NULL THEN candidates.components ELSE EXCLUDED.components END,"
        "  updated_at = now(), revision = candidates.revision + 1"
        " RETURNING id, candidate_ref, display_name, components, created_at, updated_at, (xmax = 0) AS created",
        org_id, campaign_id, ref, display_name, components)
    return row, row["created"]
