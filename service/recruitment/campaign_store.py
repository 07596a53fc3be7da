"""Campaigns, and what is read across a campaign's candidates. Every query is scoped by org."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

COLUMNS = "id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at"
CAMPAIGN = f"SELECT {COLUMNS} FROM campaigns"  # noqa: S608 - constants only


async def create_campaign(conn: asyncpg.Connection, org_id: uuid.UUID, *, reference: str, title: str,
                          rubric_id: str, rubric_version: int, rubric_hash: str) -> asyncpg.Record | None:
    """The new campaign, or None when the organisation already has one with this reference."""
    return await conn.fetchrow(
        "INSERT INTO campaigns (org_id, reference, title, rubric_id, rubric_version, rubric_hash)"  # noqa: S608 - constants only
        f" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, reference) DO NOTHING RETURNING {COLUMNS}",
        org_id, reference, title, rubric_id, rubric_version, rubric_hash)


async def campaign_by_reference(conn: asyncpg.Connection, org_id: uuid.UUID, reference: str) -> asyncpg.Record:
    return await conn.fetchrow(CAMPAIGN + " WHERE org_id = $1 AND reference = $2", org_id, reference)


async def campaign(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, campaign_id: uuid.UUID, *,
                   lock: str = "") -> asyncpg.Record | None:
    # FOR SHARE (not KEY SHARE): it conflicts with any update, so no change of status can slip under it.
    suffix = {"": "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    return await conn.fetchrow(CAMPAIGN + " WHERE org_id = $1 AND id = $2" + suffix, org_id, campaign_id)


async def campaigns_page(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID, *,
                         after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[asyncpg.Record]:
    if after is None:
        return await conn.fetch(CAMPAIGN + " WHERE org_id = $1 ORDER BY created_at, id LIMIT $2", org_id, limit)
    return await conn.fetch(CAMPAIGN + " WHERE org_id = $1 AND (created_at, id) > ($2, $3)"
                            " ORDER BY created_at, id LIMIT $4", org_id, after[0], after[1], limit)


async def finalise(conn: asyncpg.Connection, campaign_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        f"UPDATE campaigns SET status = 'finalised', finalised_at = now() WHERE id = $1 RETURNING {COLUMNS}",  # noqa: S608 - constants only
        campaign_id)


async def campaign_marks(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT c.candidate_ref, s.station_id, s.panellist_ref, s.marks FROM scorecards s"
        " JOIN candidates c ON c.id = s.candidate_id WHERE s.campaign_id = $1", campaign_id)


async def campaign_standings(conn: asyncpg.Connection | asyncpg.Pool, campaign_id: uuid.UUID
                             ) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT status, appointable, standing FROM candidate_results WHERE campaign_id = $1",
                            campaign_id)
