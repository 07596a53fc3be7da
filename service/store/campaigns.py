"""Campaigns, candidates, scorecards, moderations and computed results. Every query is scoped by org."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

CAMPAIGN = ("SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at"
            " FROM campaigns")


LOCK_CANDIDATE = (
    "SELECT k.id AS campaign_id, k.reference, k.rubric_id, k.rubric_version, k.rubric_hash, k.status,"
    " c.id, c.candidate_ref, c.components FROM campaigns k JOIN candidates c ON c.campaign_id = k.id"
    " WHERE k.org_id = $1 AND k.id = $2 AND c.candidate_ref = $3 FOR KEY SHARE OF k FOR UPDATE OF c")


# What a recomputation reads about candidate $1, leaving out the scorecard ($2 station, $3 panellist)
# when those are not null (the caller has it in hand, just written in the same statement).
STATE_COLUMNS = (
    " (SELECT coalesce(json_agg(json_build_array(station_id, panellist_ref, marks)), '[]') FROM scorecards"
    "   WHERE candidate_id = $1 AND ($2::text IS NULL OR NOT (station_id = $2 AND panellist_ref = $3))) AS scorecards,"
    " (SELECT coalesce(json_agg(json_build_array(station_id, criterion_id, mark, reason, moderator_ref)), '[]')"
    "   FROM moderations WHERE candidate_id = $1) AS moderations, r.status, r.digest"
    " FROM (SELECT 1) AS one LEFT JOIN candidate_results r ON r.candidate_id = $1")

PUT_SCORECARD = (  # constants only, so no injection: the linter can't tell
    "WITH previous AS (SELECT marks, evidence, comment, submitted_at FROM scorecards"  # noqa: S608
    "  WHERE candidate_id = $1 AND station_id = $2 AND panellist_ref = $3),"
    " written AS (INSERT INTO scorecards"
    "  (org_id, campaign_id, candidate_id, station_id, panellist_ref, marks, evidence, comment)"
    "  VALUES ($4, $5, $1, $2, $3, $6, $7, $8) ON CONFLICT (candidate_id, station_id, panellist_ref) DO UPDATE"
    "  SET marks = EXCLUDED.marks, evidence = EXCLUDED.evidence, comment = EXCLUDED.comment, submitted_at = now()"
    "  RETURNING 1)"
    " SELECT (SELECT row_to_json(previous) FROM previous) AS previous, (SELECT count(*) FROM written) AS written,"
    + STATE_COLUMNS)


async def create_campaign(conn: asyncpg.Connection, org_id: uuid.UUID, *, reference: str, title: str,
                          rubric_id: str, rubric_version: int, rubric_hash: str) -> asyncpg.Record | None:
    """The new campaign, or None when the organisation already has one with this reference."""
    return await conn.fetchrow(
        "INSERT INTO campaigns (org_id, reference, title, rubric_id, rubric_version, rubric_hash)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, reference) DO NOTHING"
        " RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at",
        org_id, reference, title, rubric_id, rubric_version, rubric_hash)


async def campaign_by_reference(conn: asyncpg.Connection, org_id: uuid.UUID, reference: str) -> asyncpg.Record:
    return await conn.fetchrow(CAMPAIGN + " WHERE org_id = $1 AND reference = $2", org_id, reference)


async def campaign(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, campaign_id: uuid.UUID, *,
                   lock: str = "") -> asyncpg.Record | None:
    suffix = {"": "", "share": " FOR KEY SHARE", "update": " FOR UPDATE"}[lock]
    return await conn.fetchrow(CAMPAIGN + " WHERE org_id = $1 AND id = $2" + suffix, org_id, campaign_id)


async def campaigns_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *,
                         after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[asyncpg.Record]:
    if after is None:
        return await conn.fetch(CAMPAIGN + " WHERE org_id = $1 ORDER BY created_at, id LIMIT $2", org_id, limit)
    return await conn.fetch(CAMPAIGN + " WHERE org_id = $1 AND (created_at, id) > ($2, $3)"
                            " ORDER BY created_at, id LIMIT $4", org_id, after[0], after[1], limit)


async def finalise(conn: asyncpg.Connection, campaign_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        "UPDATE campaigns SET status = 'finalised', finalised_at = now() WHERE id = $1"
        " RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at",
        campaign_id)


async def upsert_candidate(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str, *,
                           display_name: str | None, components: dict[str, Any] | None
                           ) -> tuple[asyncpg.Record, bool]:
    """Create or update; fields not sent keep their value. Returns (row, created)."""
    row = await conn.fetchrow(
        "INSERT INTO candidates (org_id, campaign_id, candidate_ref, display_name, components)"
        " VALUES ($1, $2, $3, $4, coalesce($5::jsonb, '{}'::jsonb))"
        " ON CONFLICT (campaign_id, candidate_ref) DO UPDATE SET"
        "  display_name = coalesce(EXCLUDED.display_name, candidates.display_name),"
        "  components = CASE WHEN $5::jsonb IS NULL THEN candidates.components ELSE EXCLUDED.components END,"
        "  updated_at = now()"
        " RETURNING id, candidate_ref, display_name, components, created_at, updated_at, (xmax = 0) AS created",
        org_id, campaign_id, ref, display_name, components)
    return row, row["created"]


async def lock_candidate(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str
                         ) -> asyncpg.Record | None:
    """Campaign (key-share locked: finalising, which takes FOR UPDATE, waits for us) and candidate (locked:
    one writer at a time, so concurrent scorecards of one candidate are all counted)."""
    return await conn.fetchrow(LOCK_CANDIDATE, org_id, campaign_id, ref)


async def put_scorecard(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID,
                        candidate_id: uuid.UUID, station_id: str, panellist_ref: str, *, marks: dict[str, int],
                        evidence: dict[str, str], comment: str | None) -> asyncpg.Record:
    """Replace the panellist's scorecard for the station, in one round trip that also reads what a
    recomputation needs. Returns `previous` (the replaced scorecard as JSON, or null) and the
    candidate_state() columns; `scorecards` there excludes the one just written (the caller adds it).
    """
    return await conn.fetchrow(
        PUT_SCORECARD,
        candidate_id, station_id, panellist_ref, org_id, campaign_id, marks, evidence, comment)


async def put_moderation(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID,
                         candidate_id: uuid.UUID, *, station_id: str, criterion_id: str, mark: int, reason: str,
                         moderator_ref: str) -> dict[str, Any] | None:
    """Record (or replace) the moderation of one (station, criterion); returns the one it replaced (or None)."""
    return await conn.fetchval(
        "WITH previous AS (SELECT mark, reason, moderator_ref, created_at FROM moderations"
        "  WHERE candidate_id = $3 AND station_id = $4 AND criterion_id = $5),"
        " written AS (INSERT INTO moderations (org_id, campaign_id, candidate_id, station_id, criterion_id, mark,"
        "  reason, moderator_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        "  ON CONFLICT (candidate_id, station_id, criterion_id) DO UPDATE SET mark = EXCLUDED.mark,"
        "  reason = EXCLUDED.reason, moderator_ref = EXCLUDED.moderator_ref, created_at = now() RETURNING 1)"
        " SELECT (SELECT row_to_json(previous) FROM previous) FROM (SELECT count(*) FROM written) AS w",
        org_id, campaign_id, candidate_id, station_id, criterion_id, mark, reason, moderator_ref)


async def candidate_state(conn: asyncpg.Connection, candidate_id: uuid.UUID) -> asyncpg.Record:
    """Everything a recomputation reads, in one round trip: scorecards, moderations, the stored digest."""
    return await conn.fetchrow("SELECT" + STATE_COLUMNS, candidate_id, None, None)


async def campaign_marks(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT c.candidate_ref, s.station_id, s.panellist_ref, s.marks FROM scorecards s"
        " JOIN candidates c ON c.id = s.candidate_id WHERE s.campaign_id = $1", campaign_id)


async def result_of(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, campaign_id: uuid.UUID,
                    ref: str) -> dict[str, Any] | None:
    """The stored result of a candidate of one of the organisation's campaigns (None if there is none)."""
    return await conn.fetchval(
        "SELECT r.result FROM campaigns k JOIN candidates c ON c.campaign_id = k.id"
        " JOIN candidate_results r ON r.candidate_id = c.id"
        " WHERE k.org_id = $1 AND k.id = $2 AND c.candidate_ref = $3", org_id, campaign_id, ref)


async def stored_result(conn: asyncpg.Connection | asyncpg.Pool, candidate_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT status, result FROM candidate_results WHERE candidate_id = $1", candidate_id)


async def save_result(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID,
                      candidate_id: uuid.UUID, *, status: str, appointable: bool | None, digest: str, result: str,
                      standing: dict[str, Any]) -> None:
    """`result` is the rendered JSON text (stored as is, so the digest matches what was hashed)."""
    await conn.execute(
        "INSERT INTO candidate_results (candidate_id, org_id, campaign_id, status, appointable, digest, result,"
        " standing) VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8) ON CONFLICT (candidate_id) DO UPDATE SET"
        " status = EXCLUDED.status, appointable = EXCLUDED.appointable, digest = EXCLUDED.digest,"
        " result = EXCLUDED.result, standing = EXCLUDED.standing, updated_at = now()",
        candidate_id, org_id, campaign_id, status, appointable, digest, result, standing)


async def campaign_standings(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: uuid.UUID
                             ) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT status, appointable, standing FROM candidate_results WHERE campaign_id = $1",
                            campaign_id)
