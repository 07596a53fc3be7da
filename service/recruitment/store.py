"""Campaigns, candidates, their scorecards and moderations, and their computed results (queries.sql).

A change to a candidate is written by one guarded transaction (`write`, which takes a batch of them): it
stores the change, the audit row, the recomputed result and the outbox messages only if the candidate's
`revision` is still the one its state was read at, and the campaign is still open. Every change bumps
the revision, so a writer that raced another one writes nothing and reads again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg

from service.audit import store as audit
from service.db import queries
from service.webhooks import store as webhooks

QUERIES = queries.load(__file__)
Connection = asyncpg.Connection | asyncpg.Pool


# --- campaigns ----------------------------------------------------------------------------------

async def create_campaign(conn: asyncpg.Connection, org_id: uuid.UUID, *, reference: str, title: str,
                          rubric_id: str, rubric_version: int, rubric_hash: str) -> asyncpg.Record | None:
    """The new campaign, or None when the organisation already has one with this reference."""
    return await conn.fetchrow(QUERIES["campaign_create"], org_id, reference, title, rubric_id, rubric_version,
                               rubric_hash)


async def campaign_by_reference(conn: asyncpg.Connection, org_id: uuid.UUID, reference: str) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["campaign_by_reference"], org_id, reference)


_CAMPAIGN_LOCKS = {"": "campaign", "share": "campaign_for_share", "update": "campaign_for_update"}


async def campaign(conn: Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, *,
                   lock: str = "") -> asyncpg.Record | None:
    """The campaign; `lock` "share" keeps it from changing until the transaction ends, "update" to change it."""
    return await conn.fetchrow(QUERIES[_CAMPAIGN_LOCKS[lock]], org_id, campaign_id)


async def campaigns_page(conn: Connection, org_id: uuid.UUID, *, after: tuple[datetime, uuid.UUID] | None,
                         limit: int) -> list[asyncpg.Record]:
    created, ident = after or (None, None)
    return await conn.fetch(QUERIES["campaigns_page"], org_id, created, ident, limit)


async def finalise(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(QUERIES["campaign_finalise"], org_id, campaign_id)


async def campaign_marks(conn: Connection, org_id: uuid.UUID, campaign_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["campaign_marks"], org_id, campaign_id)


async def campaign_standings(conn: Connection, org_id: uuid.UUID, campaign_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(QUERIES["campaign_standings"], org_id, campaign_id)


# --- candidates ---------------------------------------------------------------------------------

class CandidateWrite(NamedTuple):
    """One change to a candidate, to be stored if the candidate is still at `revision` (named tuples: one of
    each is made per write)."""

    kind: str  # "scorecard", "moderation", or "fields" (the result marked again, nothing else stored)
    campaign_id: uuid.UUID
    candidate_id: uuid.UUID
    revision: int
    audit_entry: dict[str, Any]  # audit.store.entry()
    # status, appointable, digest, standing; None when the result did not change
    result: tuple[str, bool | None, str, dict[str, Any]] | None
    events: tuple[list[str], list[bytes]]  # types and bodies
    change: dict[str, Any]  # scorecard: station_id, panellist_ref, marks, evidence, comment;
    #                         moderation: station_id, criterion_id, mark, reason, moderator_ref

    @property
    def org_id(self) -> uuid.UUID:
        return self.audit_entry["org_id"]

    def guard_row(self, i: int) -> dict[str, Any]:
        """The write as one object of candidate_guard's $1."""
        return {"i": i, "kind": self.kind, "campaign_id": self.campaign_id, "candidate_id": self.candidate_id,
                "revision": self.revision, "station_id": self.change.get("station_id"),
                "panellist_ref": self.change.get("panellist_ref")}

    def change_row(self) -> tuple[Any, ...]:
        """The parameters of scorecard_upsert or moderation_upsert, by kind."""
        c = self.change
        if self.kind == "scorecard":
            return (self.org_id, self.campaign_id, self.candidate_id, c["station_id"], c["panellist_ref"],
                    c["marks"], c.get("evidence"), c.get("comment"))
        return (self.org_id, self.campaign_id, self.candidate_id, c["station_id"], c["criterion_id"], c["mark"],
                c.get("reason"), c.get("moderator_ref"))

    def audit_row(self, replaced: dict[str, Any] | None) -> dict[str, Any]:
        """The audit entry; `replaced`, the scorecard this one replaces, is its `before`."""
        return self.audit_entry if replaced is None else {**self.audit_entry, "before": replaced}


class WriteOutcome(NamedTuple):
    open: bool  # the campaign was still open (else nothing was written)
    written: bool  # the revision still held, and everything was written
    busy: bool = False  # another transaction held the campaign or the candidate: nothing was tried


async def state(conn: Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str) -> asyncpg.Record | None:
    """The candidate's state, or None when the campaign or the candidate is not the organisation's."""
    return await conn.fetchrow(QUERIES["candidate_state"], org_id, campaign_id, ref)


async def lock(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str) -> int | None:
    """Lock the candidate for the caller's transaction (and share-lock its campaign); its revision, or None."""
    return await conn.fetchval(QUERIES["candidate_lock"], org_id, campaign_id, ref)


async def write(conn: asyncpg.Connection, writes: Sequence[CandidateWrite]) -> list[WriteOutcome]:
    """Store a batch of writes (each to a different candidate, all of one organisation) in one transaction:
    the guard, then what it let through (each kind of row sent together); what became of each."""
    [org_id] = {w.org_id for w in writes}
    async with conn.transaction():
        guarded = await conn.fetch(QUERIES["candidate_guard"], [w.guard_row(i) for i, w in enumerate(writes)], org_id)
        through = [(w, g["replaced"]) for w, g in zip(writes, guarded, strict=True) if g["written"]]
        for kind, query in (("scorecard", "scorecard_upsert"), ("moderation", "moderation_upsert")):
            rows = [w.change_row() for w, _ in through if w.kind == kind]
            if rows:
                await conn.executemany(QUERIES[query], rows)
        await audit.record_entries(conn, [w.audit_row(replaced) for w, replaced in through])
        results = [(org_id, w.candidate_id, w.campaign_id, *w.result) for w, _ in through if w.result]
        if results:
            await conn.executemany(QUERIES["result_upsert"], results)
        types = [t for w, _ in through for t in w.events[0]]
        if types:
            await webhooks.insert_for_subscribers(conn, org_id, types, [b for w, _ in through for b in w.events[1]])
    return [WriteOutcome(g["open"], g["written"], g["busy"]) for g in guarded]


async def upsert(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str, *,
                 display_name: str | None, components: dict[str, Any] | None) -> tuple[asyncpg.Record, bool]:
    """Create or update (locking the row and bumping its revision); fields not sent keep their value.
    Returns (row, created)."""
    row = await conn.fetchrow(QUERIES["candidate_upsert"], org_id, campaign_id, ref, display_name, components)
    return row, row["created"]


async def erase(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str,
                audit_name: str, erased_name: str) -> asyncpg.Record:
    """Delete the candidate (locked by the caller) and what is stored about them, and strip the content and
    reference from the audit events about them; the counts of scorecards and moderations deleted."""
    counts = await conn.fetchrow(QUERIES["candidate_erase"], org_id, campaign_id, ref)
    await conn.execute(QUERIES["candidate_audit_redact"], org_id, audit_name, erased_name)
    return counts
