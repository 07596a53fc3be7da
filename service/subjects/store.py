"""What is held about one person, found by reference or pseudonym, and the erasure of their links
(queries.sql)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__)


async def appraisals(conn: asyncpg.Connection, org_id: uuid.UUID, subject_ref: str) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["appraisals_of_subject"], org_id, subject_ref)


async def candidacies(conn: asyncpg.Connection, org_id: uuid.UUID, subject_ref: str) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["candidacies_of_subject"], org_id, subject_ref)


async def scorecards(conn: asyncpg.Connection, org_id: uuid.UUID, candidate_ids: list[uuid.UUID]
                     ) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["scorecards_of_candidates"], org_id, candidate_ids)


async def moderations(conn: asyncpg.Connection, org_id: uuid.UUID, candidate_ids: list[uuid.UUID]
                      ) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["moderations_of_candidates"], org_id, candidate_ids)


async def answered(conn: asyncpg.Connection, org_id: uuid.UUID, keys: Sequence[bytes]) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["answered_by"], org_id, list(keys))


async def audit_events(conn: asyncpg.Connection, org_id: uuid.UUID, *, appraisal_ids: list[str],
                       candidacy_names: list[str], subject_ref: str) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["audit_events_of_subject"], org_id, appraisal_ids, candidacy_names, subject_ref)


async def unlink(conn: asyncpg.Connection, org_id: uuid.UUID, keys: Sequence[bytes], kind: str) -> None:
    """Forget that the person answered any appraisal or survey (`kind`), and withdraw their responses from open
    ones (those of closed ones are already tied to no one)."""
    still_open = [r["id"] for r in await conn.fetch(QUERIES[f"open_{kind}s_answered_by"], org_id, list(keys))]
    await conn.execute(QUERIES[f"{kind}_unlink"], org_id, list(keys), still_open)
