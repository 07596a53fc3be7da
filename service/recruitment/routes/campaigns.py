"""Recruitment campaigns: create, list, read, rank, check reliability, finalise."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from aiohttp import web

from service import db
from service.audit import store as audit
from service.jsontext import rfc3339
from service.numbers import json_number
from service.recruitment import store, usecases
from service.recruitment.domain.reliability import krippendorff_interval, panellist_stats
from service.recruitment.domain.render import ranking_csv
from service.rubrics.catalogue import CATALOGUE
from service.web.appkeys import POOL
from service.web.auth import caller, requires
from service.web.bodies import read_json
from service.web.params import (
    created_cursor,
    created_position,
    decode_cursor,
    negotiate,
    page_limit,
    paged,
    path_id,
)
from service.web.problems import Conflict
from service.web.responses import json_response
from service.webhooks.events import emit

routes = web.RouteTableDef()


def campaign_id(request: web.Request) -> uuid.UUID:
    return path_id(request, "campaign_id", "campaign")


def campaign_json(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "reference": row["reference"], "title": row["title"],
            "rubric": {"id": row["rubric_id"], "version": row["rubric_version"], "hash": row["rubric_hash"]},
            "status": row["status"], "created_at": rfc3339(row["created_at"]),
            "finalised_at": rfc3339(row["finalised_at"]) if row["finalised_at"] else None}


async def existing_campaign(request: web.Request) -> asyncpg.Record:
    return await usecases.campaign_or_404(request.app[POOL], caller(request), campaign_id(request))


@routes.post("/v1/campaigns")
@requires("recruitment:write")
async def create_campaign(request: web.Request) -> web.Response:
    body = await read_json(request, "campaign-create")
    who = caller(request)
    catalogue = request.app[CATALOGUE]
    pool = request.app[POOL]
    version = await catalogue.requested(pool, body, "recruitment")
    async with db.transaction(pool) as conn:
        row = await store.create_campaign(conn, who.org_id, reference=body["reference"], title=body["title"],
                                          rubric_id=version.id, rubric_version=version.version,
                                          rubric_hash=version.hash)
        if row is None:
            existing = await store.campaign_by_reference(conn, who.org_id, body["reference"])
            raise Conflict("A campaign with this reference already exists", extra={"id": str(existing["id"])})
        await audit.record(conn, who, "campaign.created", "campaign", row["id"], rubric=version.pin,
                           after={"reference": row["reference"], "title": row["title"]})
    return json_response(campaign_json(row), status=201,
                         headers={"Location": f"/v1/campaigns/{row['id']}"})


@routes.get("/v1/campaigns")
@requires("recruitment:read")
async def list_campaigns(request: web.Request) -> web.Response:
    limit = page_limit(request)
    after = decode_cursor(request, created_position)
    rows = await store.campaigns_page(request.app[POOL], caller(request).org_id, after=after, limit=limit + 1)
    return json_response(paged(rows, limit, campaign_json, created_cursor))


@routes.get("/v1/campaigns/{campaign_id}")
@requires("recruitment:read")
async def get_campaign(request: web.Request) -> web.Response:
    return json_response(campaign_json(await existing_campaign(request)))


@routes.get("/v1/campaigns/{campaign_id}/ranking")
@requires("recruitment:read")
async def get_ranking(request: web.Request) -> web.Response:
    kind = negotiate(request, ("application/json", "text/csv"), "The ranking")
    campaign = await existing_campaign(request)
    pool = request.app[POOL]
    _, rubric = await usecases.pinned_rubric(request.app[CATALOGUE], pool, campaign)
    items = usecases.ranking_items(await store.campaign_standings(pool, caller(request).org_id, campaign["id"]),
                                   rubric)
    if kind == "text/csv":
        return web.Response(text=ranking_csv(items, [s.id for s in rubric.stations]), content_type="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="ranking-{campaign["id"]}.csv"'})
    return json_response({"campaign_id": str(campaign["id"]), "status": campaign["status"], "items": items})


@routes.post("/v1/campaigns/{campaign_id}/finalise")
@requires("recruitment:write")
async def finalise(request: web.Request) -> web.Response:
    who = caller(request)
    async with db.transaction(request.app[POOL]) as conn:
        campaign = await usecases.campaign_or_404(conn, who, campaign_id(request), lock="update")
        if campaign["status"] == "finalised":
            raise Conflict("The campaign is already finalised")
        row = await store.finalise(conn, who.org_id, campaign["id"])
        _, rubric = await usecases.pinned_rubric(request.app[CATALOGUE], conn, campaign)
        items = usecases.ranking_items(await store.campaign_standings(conn, who.org_id, campaign["id"]), rubric)
        body = campaign_json(row)
        await emit(conn, who.org_id, "campaign.finalised", {**body, "ranking": items})
        await audit.record(conn, who, "campaign.finalised", "campaign", row["id"],
                           rubric=body["rubric"], before={"status": "open"}, after={"status": "finalised"})
    return json_response({**body, "ranking": items})


@routes.get("/v1/campaigns/{campaign_id}/reliability")
@requires("recruitment:read")
async def reliability(request: web.Request) -> web.Response:
    campaign = await existing_campaign(request)
    units: dict[tuple[str, str, str], dict[str, int]] = {}
    for row in await store.campaign_marks(request.app[POOL], caller(request).org_id, campaign["id"]):
        for criterion, mark in row["marks"].items():
            units.setdefault((row["candidate_ref"], row["station_id"], criterion), {})[row["panellist_ref"]] = mark
    alpha = krippendorff_interval(units)
    return json_response({
        "alpha": json_number(alpha.alpha), "units": alpha.units, "pairable_values": alpha.pairable_values,
        "panellists": [{"panellist_ref": p.panellist_ref, "marks": p.marks, "severity": json_number(p.severity),
                        "non_discriminating": p.non_discriminating} for p in panellist_stats(units)],
    })
