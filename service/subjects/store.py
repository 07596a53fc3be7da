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


async def survey_responses(conn: asyncpg.Connection, org_id: uuid.UUID, keys: Sequence[bytes]
                           ) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["survey_responses_of_respondent"], org_id, list(keys))


async def audit_events(conn: asyncpg.Connection, org_id: uuid.UUID, *, appraisal_ids: list[str],
                       candidacy_names: list[str], subject_ref: str) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["audit_events_of_subject"], org_id, appraisal_ids, candidacy_names, subject_ref)


async def unlink(conn: asyncpg.Connection, org_id: uuid.UUID, keys: Sequence[bytes], kind: str) -> tuple[int, int]:
    """Unlink the person's responses of `kind` (appraisal or survey): in closed ones the answers stay under
    a random key; from open ones they are withdrawn. (unlinked, withdrawn) counts."""
    rows = await conn.fetch(QUERIES[f"{kind}s_answered_by"], org_id, list(keys))
    closed = [r["id"] for r in rows if r["status"] == "closed"]
    still_open = [r["id"] for r in rows if r["status"] == "open"]
    unlinked = await conn.execute(QUERIES[f"{kind}_responses_unlink"], org_id, list(keys), closed)
    withdrawn = await conn.execute(QUERIES[f"{kind}_responses_withdraw"], org_id, list(keys), still_open)
    return _count(unlinked), _count(withdrawn)


def _count(status: str) -> int:
    """The row count of an UPDATE/DELETE status ("UPDATE 3")."""
    return int(status.rsplit(" ", 1)[1])
