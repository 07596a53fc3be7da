"""Candidates, their scorecards and moderations, and their computed results. Every query is scoped by org.

A change to a candidate is written by one guarded statement (see `write`, which takes a batch of them):
it stores the change, the audit row, the recomputed result and the outbox messages only if the
candidate's `revision` is still the one its state was read at, and the campaign is still open. Every
change bumps the revision, so a writer that raced another one writes nothing and reads again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg

from service.audit import store as audit
from service.webhooks import outbox_store as outbox

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

# A batch of guarded writes, one statement: $1 the writes as a JSON array of objects with the ROW columns
# (`i` numbers them; the audit row's columns as audit.entry gives them; the result's status, appointable,
# digest and standing, status null when the result did not change; the change's own fields, see Write);
# $2/$3/$4 their events as parallel arrays (the write's `i`, type, body). A write is done only where the
# candidate's revision is still the one it was scored at, its campaign still open, and neither held by
# another transaction; the others write nothing. Each write in a batch must be to a different candidate.
ROW = (("i", "integer"), ("kind", "text"), ("campaign_id", "uuid"), ("candidate_id", "uuid"), ("revision", "bigint"),
       *audit.TYPED_COLUMNS,
       ("status", "text"), ("appointable", "boolean"), ("digest", "text"), ("standing", "jsonb"),
       ("station_id", "text"), ("panellist_ref", "text"), ("marks", "jsonb"), ("evidence", "jsonb"),
       ("comment", "text"), ("criterion_id", "text"), ("mark", "integer"), ("reason", "text"),
       ("moderator_ref", "text"))
_EVENTS = ("(SELECT g.org_id, t.event_type, t.body, t.n FROM unnest($2::integer[], $3::text[], $4::bytea[])"
           " WITH ORDINALITY AS t (i, event_type, body, n) JOIN g USING (i))")
WRITE = (  # assembled from constants only
    "WITH w AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS w ("  # noqa: S608
    + ", ".join(f"{name} {type_}" for name, type_ in ROW) + ")),"
    # Nothing here waits for a row lock, since one write's wait would hold up the whole batch (and two
    # processes' batches could wait on each other): a campaign or candidate another transaction holds
    # (a finalisation, a locked write, another process's batch) is skipped, and its writes come back
    # `busy`, for their writers to do alone. The campaign's share lock keeps a finalisation from
    # committing between this check of `status` and this statement's commit.
    " open AS MATERIALIZED (SELECT id, org_id FROM campaigns WHERE id IN (SELECT campaign_id FROM w)"
    "  AND status = 'open' FOR SHARE SKIP LOCKED),"
    " seen AS (SELECT id, org_id FROM campaigns WHERE id IN (SELECT campaign_id FROM w) AND status = 'open'),"
    " locked AS MATERIALIZED (SELECT id FROM candidates WHERE id IN (SELECT candidate_id FROM w)"
    "  FOR NO KEY UPDATE SKIP LOCKED),"
    " guard AS (UPDATE candidates c SET revision = c.revision + 1 FROM w"
    "  WHERE c.id = w.candidate_id AND c.revision = w.revision AND c.campaign_id = w.campaign_id"
    "  AND c.id IN (SELECT id FROM locked) AND (w.campaign_id, w.org_id) IN (SELECT id, org_id FROM open)"
    "  RETURNING w.i),"
    " g AS (SELECT w.* FROM w JOIN guard USING (i)),"
    " scored AS (INSERT INTO scorecards (org_id, campaign_id, candidate_id, station_id, panellist_ref, marks,"
    "  evidence, comment) SELECT org_id, campaign_id, candidate_id, station_id, panellist_ref, marks,"
    "  coalesce(evidence, '{}'), comment FROM g WHERE kind = 'scorecard'"
    "  ON CONFLICT (candidate_id, station_id, panellist_ref) DO UPDATE SET marks = EXCLUDED.marks,"
    "  evidence = EXCLUDED.evidence, comment = EXCLUDED.comment, submitted_at = now()),"
    " moderated AS (INSERT INTO moderations (org_id, campaign_id, candidate_id, station_id, criterion_id, mark,"
    "  reason, moderator_ref) SELECT org_id, campaign_id, candidate_id, station_id, criterion_id, mark, reason,"
    "  moderator_ref FROM g WHERE kind = 'moderation'"
    "  ON CONFLICT (candidate_id, station_id, criterion_id) DO UPDATE SET mark = EXCLUDED.mark,"
    "  reason = EXCLUDED.reason, moderator_ref = EXCLUDED.moderator_ref, created_at = now()),"
    # A replaced scorecard is the audit row's `before` (read in the statement's snapshot, which the guard
    # proves current).
    " audited AS (INSERT INTO audit_events (" + audit.COLUMNS + ") SELECT "
    + ", ".join("coalesce(p.row, g.before)" if name == "before" else f"g.{name}" for name, _t in audit.TYPED_COLUMNS)
    + " FROM g LEFT JOIN LATERAL (SELECT row_to_json(s)::jsonb AS row FROM (SELECT marks, evidence, comment,"
    "  submitted_at FROM scorecards WHERE g.kind = 'scorecard' AND candidate_id = g.candidate_id"
    "  AND station_id = g.station_id AND panellist_ref = g.panellist_ref) AS s) AS p ON true ORDER BY g.i),"
    " result AS (INSERT INTO candidate_results (candidate_id, org_id, campaign_id, status, appointable, digest,"
    "  standing) SELECT candidate_id, org_id, campaign_id, status, appointable, digest, standing FROM g"
    "  WHERE status IS NOT NULL"
    "  ON CONFLICT (candidate_id) DO UPDATE SET status = EXCLUDED.status, appointable = EXCLUDED.appointable,"
    "  digest = EXCLUDED.digest, standing = EXCLUDED.standing, updated_at = now()),"
    " queued AS (INSERT INTO webhook_messages (" + outbox.QUEUE_COLUMNS + ") " + outbox.subscribers_of(_EVENTS)
    + " RETURNING 1),"
    " " + outbox.NOTIFIED +
    # Data-modifying CTEs always run; `notified`, a plain SELECT, runs only because it is read here.
    " SELECT w.i, o.id IS NOT NULL AS open, EXISTS (SELECT FROM guard WHERE guard.i = w.i) AS written,"
    "  CASE WHEN o.id IS NULL THEN (w.campaign_id, w.org_id) IN (SELECT id, org_id FROM seen)"
    "   ELSE w.candidate_id NOT IN (SELECT id FROM locked) END AS busy,"
    "  (SELECT count(*) FROM notified) AS woken"
    " FROM w LEFT JOIN open o ON o.id = w.campaign_id AND o.org_id = w.org_id ORDER BY w.i")


# Write and Written are named tuples: one of each is made per write, at a fraction of a dataclass's cost.
class Write(NamedTuple):
    """One change to a candidate, to be stored if the candidate is still at `revision`."""

    kind: str  # "scorecard", "moderation", or "none" (re-marking the result alone)
    campaign_id: uuid.UUID
    candidate_id: uuid.UUID
    revision: int
    audit_entry: tuple[Any, ...]  # audit.entry()
    # status, appointable, digest, standing; None when the result did not change
    result: tuple[str, bool | None, str, dict[str, Any]] | None
    events: tuple[list[str], list[bytes]]  # types and bodies
    change: dict[str, Any]  # scorecard: station_id, panellist_ref, marks, evidence, comment;
    #                         moderation: station_id, criterion_id, mark, reason, moderator_ref

    def row(self, i: int) -> dict[str, Any]:
        status, appointable, digest, standing = self.result or (None, None, None, None)
        return {"i": i, "kind": self.kind, "campaign_id": self.campaign_id, "candidate_id": self.candidate_id,
                "revision": self.revision, **dict(zip(audit.NAMES, self.audit_entry, strict=True)),
                "status": status, "appointable": appointable, "digest": digest, "standing": standing,
                **self.change}


class Written(NamedTuple):
    open: bool  # the campaign was still open (else nothing was written)
    written: bool  # the revision still held, and everything was written
    busy: bool = False  # another transaction held the campaign or the candidate: nothing was tried


async def state(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str
                ) -> asyncpg.Record | None:
    """The candidate's state (see STATE), or None when the campaign or the candidate is not the org's."""
    return await conn.fetchrow(STATE, org_id, campaign_id, ref)


async def lock(conn: asyncpg.Connection, org_id: uuid.UUID, campaign_id: uuid.UUID, ref: str) -> int | None:
    """Lock the candidate for the caller's transaction (and share-lock its campaign); its revision, or None."""
    return await conn.fetchval(LOCK, org_id, campaign_id, ref)


async def write(conn: asyncpg.Connection, writes: Sequence[Write]) -> list[Written]:
    """Store a batch of writes (each to a different candidate) in one statement; what became of each."""
    event_writes: list[int] = []
    types: list[str] = []
    bodies: list[bytes] = []
    for i, w in enumerate(writes):
        event_types, event_bodies = w.events
        event_writes += [i] * len(event_types)
        types += event_types
        bodies += event_bodies
    rows = await conn.fetch(WRITE, [w.row(i) for i, w in enumerate(writes)], event_writes, types, bodies)
    return [Written(r["open"], r["written"], r["busy"]) for r in rows]


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
