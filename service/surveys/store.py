"""Surveys and their respondents' responses (by pseudonym) (queries.sql)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__)
Connection = asyncpg.Connection | asyncpg.Pool


async def create(conn: asyncpg.Connection, org_id: uuid.UUID, *, reference: str, title: str,
                 rubric: dict[str, Any]) -> asyncpg.Record | None:
    """The new survey, or None when the organisation already has one with this reference."""
    return await conn.fetchrow(QUERIES["survey_create"], org_id, reference, title, rubric["id"], rubric["version"],
                               rubric["hash"])


async def survey(conn: Connection, org_id: uuid.UUID, survey_id: uuid.UUID, *,
                 for_update: bool = False) -> asyncpg.Record | None:
    """The survey; `for_update` locks it until the transaction ends (every write takes this lock)."""
    return await conn.fetchrow(QUERIES["survey_for_update" if for_update else "survey"], org_id, survey_id)


async def by_reference(conn: Connection, org_id: uuid.UUID, reference: str) -> asyncpg.Record | None:
    return await conn.fetchrow(QUERIES["survey_by_reference"], org_id, reference)


async def page(conn: Connection, org_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None, limit: int,
               reference: str | None) -> list[asyncpg.Record]:
    created, ident = after or (None, None)
    return await conn.fetch(QUERIES["surveys_page"], org_id, created, ident, limit, reference)


async def close(conn: asyncpg.Connection, org_id: uuid.UUID, survey_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["survey_close"], org_id, survey_id)


async def release(conn: Connection, org_id: uuid.UUID, survey_id: uuid.UUID) -> dict[str, Any] | None:
    return await conn.fetchval(QUERIES["release"], org_id, survey_id)


async def store_release(conn: Connection, org_id: uuid.UUID, survey_id: uuid.UUID, stored: dict[str, Any]) -> None:
    await conn.execute(QUERIES["release_store"], org_id, survey_id, stored)


async def rekey_response(conn: asyncpg.Connection, org_id: uuid.UUID, survey_id: uuid.UUID, current: bytes,
                         earlier: list[bytes]) -> None:
    """Move the response stored under an earlier pseudonym of the person to their current pseudonym."""
    await conn.execute(QUERIES["response_rekey"], org_id, survey_id, current, earlier)


async def put_response(conn: asyncpg.Connection, org_id: uuid.UUID, survey_id: uuid.UUID, respondent: bytes, *,
                       unit: str, staff_group: str, answers: list[int | None]) -> asyncpg.Record:
    """Store the respondent's response (replacing theirs); the row has `submitted_at` and `replaced`."""
    async with conn.transaction():
        await conn.execute(QUERIES["participation_put"], org_id, survey_id, respondent)
        return await conn.fetchrow(QUERIES["response_put"], org_id, survey_id, respondent, unit, staff_group,
                                   answers)


async def unlink_responses(conn: asyncpg.Connection, org_id: uuid.UUID, survey_id: uuid.UUID,
                           closed_at: datetime) -> None:
    """Every response under a key that leads to no one: hashed with random bytes forgotten at once."""
    await conn.execute(QUERIES["responses_unlink"], org_id, survey_id, closed_at, secrets.token_bytes(32))


async def group_counts(conn: Connection, org_id: uuid.UUID, survey_id: uuid.UUID, by: str) -> dict[str, int]:
    """Responses per unit or staff group (`by`)."""
    rows = await conn.fetch(QUERIES[f"{by}_counts"], org_id, survey_id)
    return {r["key"]: r["responses"] for r in rows}


async def responses(conn: Connection, org_id: uuid.UUID, survey_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["responses"], org_id, survey_id)
