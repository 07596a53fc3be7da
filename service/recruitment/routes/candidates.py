"""Candidates of a campaign: create/update, panellists' scorecards, moderations, results."""

from __future__ import annotations

from collections.abc import Awaitable

from aiohttp import web

from service import db
from service.recruitment import changes, erasure, store, usecases
from service.recruitment.routes.campaigns import campaign_id
from service.recruitment.usecases import CANDIDATE_STATES, CANDIDATE_WRITES
from service.rubrics.catalogue import CATALOGUE
from service.web.appkeys import CONFIG, POOL
from service.web.auth import caller, requires
from service.web.bodies import read_json
from service.web.params import path_ref
from service.web.problems import FieldError, ValidationFailed
from service.web.responses import json_response

routes = web.RouteTableDef()
BASE = "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}"


@routes.put(BASE)
@requires("recruitment:write")
async def put_candidate(request: web.Request) -> web.Response:
    body = await read_json(request, "candidate-put")
    who, candidate_ref = caller(request), path_ref(request, "candidate_ref")
    catalogue = request.app[CATALOGUE]
    async with db.transaction(request.app[POOL]) as conn:
        campaign = await usecases.open_campaign(conn, who, campaign_id(request))
        version, rubric = await usecases.pinned_rubric(catalogue, conn, campaign)
        unknown = sorted(set(body.get("components", {})) - set(rubric.components))
        if unknown:
            known = ", ".join(rubric.components) or "none"
            raise ValidationFailed("Unknown components", errors=[
                FieldError(f"is not a component of rubric {version.id} (known: {known})", pointer=f"/components/{c}")
                for c in unknown])
        row, created = await store.upsert(conn, who.org_id, campaign["id"], candidate_ref,
                                          display_name=body.get("display_name"), components=body.get("components"))
        state = await usecases.read_state(conn, who, campaign["id"], candidate_ref)
        await usecases.score_and_write(conn, who, catalogue, request.app[CONFIG].base_url, state,
                                       changes.CandidateFieldsSaved(created, body), usecases.write_alone(conn))
    request.app[CANDIDATE_STATES].forget((who.org_id, campaign["id"], candidate_ref))
    return json_response(usecases.candidate_json(row), status=201 if created else 200)


@routes.delete(BASE)
@requires("subjects:erase")
async def erase_candidate(request: web.Request) -> web.Response:
    who, campaign, candidate_ref = caller(request), campaign_id(request), path_ref(request, "candidate_ref")
    async with db.transaction(request.app[POOL]) as conn:
        await erasure.erase_candidate(conn, who, campaign, candidate_ref)
    request.app[CANDIDATE_STATES].forget((who.org_id, campaign, candidate_ref))
    return web.Response(status=204)


def apply(request: web.Request, candidate_ref: str, change: changes.Change) -> Awaitable[usecases.AppliedChange]:
    app = request.app
    return usecases.change_candidate(app[POOL], app[CANDIDATE_WRITES], caller(request), app[CATALOGUE],
                                     app[CANDIDATE_STATES], app[CONFIG].base_url, campaign_id(request),
                                     candidate_ref, change)


@routes.put(BASE + "/scorecards/{station_id}/{panellist_ref}")
@requires("recruitment:write")
async def put_scorecard(request: web.Request) -> web.Response:
    body = await read_json(request, "scorecard-put")
    candidate_ref, station_id = path_ref(request, "candidate_ref"), path_ref(request, "station_id")
    panellist_ref = path_ref(request, "panellist_ref")
    card = changes.ScorecardPut(station_id, panellist_ref, body)
    applied = await apply(request, candidate_ref, card)
    return json_response({"candidate_ref": candidate_ref, "station_id": station_id, "panellist_ref": panellist_ref,
                          "marks": body["marks"], "evidence": body.get("evidence", {}),
                          "comment": body.get("comment"), "result_status": applied.result.status},
                         status=200 if card.replaces(applied.before) else 201)


@routes.post(BASE + "/moderations")
@requires("recruitment:write")
async def moderate(request: web.Request) -> web.Response:
    body = await read_json(request, "moderation-create")
    candidate_ref = path_ref(request, "candidate_ref")
    applied = await apply(request, candidate_ref, changes.ModerationPost(body))
    return json_response({**body, "candidate_ref": candidate_ref, "result_status": applied.result.status}, status=201)


@routes.get(BASE + "/result")
@requires("recruitment:read")
async def get_result(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        result = await usecases.current_result(conn, caller(request), request.app[CATALOGUE], campaign_id(request),
                                               path_ref(request, "candidate_ref"))
    return json_response(result)
