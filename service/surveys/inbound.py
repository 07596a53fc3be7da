"""Survey responses as inbound webhook events: survey.response.submitted, keyed by the survey's `reference`,
does what the API's response PUT does, in the transaction that records the event's receipt."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.rubrics.catalogue import CATALOGUE
from service.surveys import store, usecases
from service.web.appkeys import CONFIG
from service.webhooks.inbound import HookContext, NotYet, inbound_event


@inbound_event("survey.response.submitted", schema="events/survey-response-submitted")
async def response_submitted(conn: asyncpg.Connection, ctx: HookContext, data: dict[str, Any]) -> dict[str, Any]:
    found = await store.by_reference(conn, ctx.org_id, data["survey_reference"])
    if found is None:
        # Surveys are created over the API; a platform may send responses before it is: not kept, retried.
        raise NotYet("No survey with this reference exists yet; the event will be taken when it is retried "
                     "after the survey is created")
    row = await usecases.survey_or_404(conn, ctx.caller, found["id"], for_update=True)
    body = {k: data[k] for k in ("unit", "staff_group", "answers")}
    stored = await usecases.submit_response(conn, ctx.caller, ctx.app[CATALOGUE], ctx.app[CONFIG].secret_keys, row,
                                            data["respondent_ref"], body, pointer="/data")
    return {"survey_id": stored["survey_id"], "replaced": stored["replaced"]}
