"""360 feedback as inbound webhook events, keyed by the platform's `external_ref`: appraisal.opened,
feedback.submitted and appraisal.closed do what the API's create, response PUT and close do, in the
transaction that records the event's receipt."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.appraisals import store, usecases
from service.rubrics.catalogue import CATALOGUE
from service.web.appkeys import CONFIG
from service.webhooks.inbound import HookContext, NotYet, inbound_event


async def _by_external_ref(conn: asyncpg.Connection, ctx: HookContext, external_ref: str) -> asyncpg.Record:
    """The appraisal the event names, locked for the change. One not opened yet is not an error the sender
    must fix: events can arrive out of order, so the answer is not kept and the sender's retry is tried again."""
    row = await store.by_external_ref(conn, ctx.org_id, external_ref)
    if row is None:
        raise NotYet("No appraisal with this external_ref has been opened yet; the event will be taken when "
                     "it is retried after appraisal.opened")
    return await usecases.appraisal_or_404(conn, ctx.caller, row["id"], for_update=True)


@inbound_event("appraisal.opened", schema="events/appraisal-opened")
async def appraisal_opened(conn: asyncpg.Connection, ctx: HookContext, data: dict[str, Any]) -> dict[str, Any]:
    row = await usecases.open_appraisal(conn, ctx.caller, ctx.app[CATALOGUE], data, pointer="/data")
    return {"appraisal": usecases.appraisal_json(row)}


@inbound_event("feedback.submitted", schema="events/feedback-submitted")
async def feedback_submitted(conn: asyncpg.Connection, ctx: HookContext, data: dict[str, Any]) -> dict[str, Any]:
    row = await _by_external_ref(conn, ctx, data["external_ref"])
    body = {k: v for k, v in data.items() if k in ("group", "answers", "comments")}
    stored = await usecases.submit_response(conn, ctx.caller, ctx.app[CATALOGUE], ctx.app[CONFIG].secret_keys, row,
                                            data["rater_ref"], body, pointer="/data")
    return {"appraisal_id": stored["appraisal_id"], "group": stored["group"], "replaced": stored["replaced"]}


@inbound_event("appraisal.closed", schema="events/appraisal-closed")
async def appraisal_closed(conn: asyncpg.Connection, ctx: HookContext, data: dict[str, Any]) -> dict[str, Any]:
    row = await _by_external_ref(conn, ctx, data["external_ref"])
    closed, _ = await usecases.close(conn, ctx.caller, ctx.app[CATALOGUE], ctx.app[CONFIG].base_url, row["id"])
    return {"appraisal": usecases.appraisal_json(closed)}
