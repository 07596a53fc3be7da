"""Applying retention: for each organisation, each kind of record whose period has run out is removed a
batch at a time, each batch in a transaction of its own (short row locks, never a table's), then one audit
event says what was removed. Running it again removes nothing more; a dry run counts and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from service import db
from service.audit import store as audit
from service.retention import store
from service.tenants import store as orgs
from service.tenants.domain.callers import Caller, SystemCaller

log = structlog.get_logger("service.retention")
DEFAULT_BATCH = 100  # objects (an appraisal, a campaign) per transaction, with their rows


@dataclass(frozen=True)
class Removal:
    org_code: str
    kind: str
    before: datetime  # records counted from before this moment
    objects: int
    rows: int  # the rows that belonged to them (responses, scorecards, attempts)


async def run(pool: asyncpg.Pool, now: datetime, *, dry_run: bool = False, org_code: str | None = None,
              batch: int = DEFAULT_BATCH) -> list[Removal]:
    """What was removed (or, in a dry run, would be), per organisation and kind; kinds with nothing omitted."""
    removals = []
    for org in await orgs.list_orgs(pool):
        if org_code is not None and org["code"] != org_code:
            continue
        policy = await store.policy(pool, org["id"])
        for kind, before in policy.cutoffs(now).items():
            if before is None:  # kept
                continue
            if dry_run:
                objects, rows = await store.count(pool, kind, org["id"], before)
            else:
                who = SystemCaller(org["id"], org["code"], None, frozenset(), "retention")
                objects, rows = await _remove(pool, who, kind, before, batch)
            if objects:
                removals.append(Removal(org["code"], kind, before, objects, rows))
    if not dry_run:
        log.info("retention_applied", removed={f"{r.org_code}.{r.kind}": r.objects for r in removals})
    return removals


async def _remove(pool: asyncpg.Pool, who: Caller, kind: str, before: datetime, batch: int) -> tuple[int, int]:
    objects = rows = 0
    while True:
        async with db.transaction(pool) as conn:
            taken, taken_rows = await store.remove_batch(conn, kind, who.org_id, before, batch)
        objects, rows = objects + taken, rows + taken_rows
        if taken < batch:
            break
    if objects:  # one event for the kind (an event per batch would itself be among the audit events removed)
        async with db.transaction(pool) as conn:
            await audit.record(conn, who, "retention.removed", "organisation", who.org_id,
                               after={"kind": kind, "before": before.isoformat(), "objects": objects, "rows": rows})
    return objects, rows

