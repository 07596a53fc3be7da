"""Erasing a candidate from a campaign that is not finalised: their row, scorecards, moderations and result
go (the ranking no longer has them), and the audit events about them keep only what was done, when and by
which key, under a name that no longer carries their reference. A finalised campaign is a decision made,
kept for its retention period, and is refused (409)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from service.audit import store as audit
from service.recruitment import store
from service.recruitment.changes import audit_name
from service.recruitment.usecases import open_campaign
from service.tenants.domain.callers import Caller
from service.web.problems import NotFound


async def erase_candidate(conn: asyncpg.Connection, who: Caller, campaign_id: uuid.UUID, ref: str) -> dict[str, Any]:
    """Erase the candidate in the caller's transaction: 404 when not there, 409 once the campaign is finalised."""
    campaign = await open_campaign(conn, who, campaign_id)
    if await store.lock(conn, who.org_id, campaign["id"], ref) is None:
        raise NotFound("No such candidate in this campaign")
    erased = f"{campaign['id']}/erased-{uuid.uuid4()}"
    removed = dict(await store.erase(conn, who.org_id, campaign["id"], ref, audit_name(campaign["id"], ref), erased))
    await audit.record(conn, who, "candidate.erased", "candidate", erased, after=removed)
    return removed
