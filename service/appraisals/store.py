"""Appraisals, raters' responses (by pseudonym) and final reports (queries.sql)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__)
Connection = asyncpg.Connection | asyncpg.Pool


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, *, external_ref: str | None, subject_ref: str,
                 cycle: str, rubric: dict[str, Any]) -> asyncpg.Record | None:
    """The new appraisal, or None when the organisation already has one with this external_ref."""
    return await conn.fetchrow(QUERIES["appraisal_create"], org_id, external_ref, subject_ref, cycle, rubric["id"],
                               rubric["version"], rubric["hash"])


async def appraisal(conn: Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID, *,
                    for_update: bool = False) -> asyncpg.Record | None:
    """The appraisal; `for_update` locks it until the transaction ends (every write takes this lock)."""
    query = "appraisal_for_update" if for_update else "appraisal"
    return await conn.fetchrow(QUERIES[query], org_id, appraisal_id)


async def by_external_ref(conn: Connection, org_id: uuid.UUID, external_ref: str) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["appraisal_by_external_ref"], org_id, external_ref)


async def page(conn: Connection, org_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None, limit: int,
               external_ref: str | None) -> list[asyncpg.Record]:
    created, ident = after or (None, None)
    return await conn.fetch(QUERIES["appraisals_page"], org_id, created, ident, limit, external_ref)


async def close(conn: asyncpg.Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID,
                report: dict[str, Any]) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["appraisal_close"], org_id, appraisal_id, report)


async def final_report(conn: Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID) -> dict[str, Any] | None:
    return await conn.fetchval(QUERIES["final_report"], org_id, appraisal_id)


async def others_in_group(conn: asyncpg.Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID, group: str,
                          rater: bytes) -> int:
    """How many raters other than `rater` responded in `group`."""
    return await conn.fetchval(QUERIES["group_count"], org_id, appraisal_id, group, rater)


async def rekey_response(conn: asyncpg.Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID, current: bytes,
                         earlier: list[bytes]) -> None:
    """Move the response stored under an earlier pseudonym of the person to their current pseudonym."""
    await conn.execute(QUERIES["response_rekey"], org_id, appraisal_id, current, earlier)


async def put_response(conn: asyncpg.Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID, rater: bytes, *,
                       group: str, answers: dict[str, int | None], comments: dict[str, str]) -> asyncpg.Record:
    """Store the rater's response (replacing theirs); the row has `submitted_at` and `replaced`."""
    async with conn.transaction():
        await conn.execute(QUERIES["participation_put"], org_id, appraisal_id, rater)
        return await conn.fetchrow(QUERIES["response_put"], org_id, appraisal_id, rater, group, answers, comments)


async def unlink_responses(conn: asyncpg.Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID,
                           closed_at: datetime) -> None:
    """Every response under a key that leads to no one: hashed with random bytes forgotten at once."""
    await conn.execute(QUERIES["responses_unlink"], org_id, appraisal_id, closed_at, secrets.token_bytes(32))


async def group_counts(conn: Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID) -> dict[str, int]:
    return {r["group_id"]: r["responses"] for r in await conn.fetch(QUERIES["group_counts"], org_id, appraisal_id)}


async def responses(conn: Connection, org_id: uuid.UUID, appraisal_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["responses"], org_id, appraisal_id)
