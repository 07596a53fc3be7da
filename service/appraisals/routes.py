"""360 feedback over the API: appraisals, raters' responses, close, and the report as JSON and HTML."""

from __future__ import annotations

import uuid

from aiohttp import web

from service import db
from service.appraisals import store, usecases
from service.appraisals.html import render
from service.rubrics.catalogue import CATALOGUE
from service.web.appkeys import CONFIG, POOL
from service.web.auth import caller, requires
from service.web.bodies import read_json
from service.web.params import (
    created_cursor,
    created_position,
    decode_cursor,
    page_limit,
    paged,
    path_id,
    path_ref,
    query_text,
)
from service.web.responses import html_response, json_response

routes = web.RouteTableDef()
BASE = "/v1/appraisals/{appraisal_id}"


def appraisal_id(request: web.Request) -> uuid.UUID:
    return path_id(request, "appraisal_id", "appraisal")


@routes.post("/v1/appraisals")
@requires("appraisal:write")
async def create_appraisal(request: web.Request) -> web.Response:
    body = await read_json(request, "appraisal-create")
    async with db.transaction(request.app[POOL]) as conn:
        row = await usecases.open_appraisal(conn, caller(request), request.app[CATALOGUE], body)
    return json_response(usecases.appraisal_json(row), status=201, headers={"Location": f"/v1/appraisals/{row['id']}"})


@routes.get("/v1/appraisals")
@requires("appraisal:read")
async def list_appraisals(request: web.Request) -> web.Response:
    limit = page_limit(request)
    after = decode_cursor(request, created_position)
    rows = await store.page(request.app[POOL], caller(request).org_id, after=after, limit=limit + 1,
                            external_ref=query_text(request, "external_ref"))
    return json_response(paged(rows, limit, usecases.appraisal_json, created_cursor))


@routes.get(BASE)
@requires("appraisal:read")
async def get_appraisal(request: web.Request) -> web.Response:
    row = await usecases.appraisal_or_404(request.app[POOL], caller(request), appraisal_id(request))
    return json_response(usecases.appraisal_json(row))


@routes.put(BASE + "/responses/{rater_ref}")
@requires("appraisal:write")
async def put_response(request: web.Request) -> web.Response:
    body = await read_json(request, "appraisal-response-put")
    who, rater_ref = caller(request), path_ref(request, "rater_ref")
    async with db.transaction(request.app[POOL]) as conn:
        row = await usecases.appraisal_or_404(conn, who, appraisal_id(request), for_update=True)
        stored = await usecases.submit_response(conn, who, request.app[CATALOGUE], request.app[CONFIG].secret_keys,
                                                row, rater_ref, body)
    return json_response(stored, status=200 if stored["replaced"] else 201)


@routes.post(BASE + "/close")
@requires("appraisal:write")
async def close(request: web.Request) -> web.Response:
    async with db.transaction(request.app[POOL]) as conn:
        row, _ = await usecases.close(conn, caller(request), request.app[CATALOGUE], request.app[CONFIG].base_url,
                                      appraisal_id(request))
    return json_response(usecases.appraisal_json(row))


@routes.get(BASE + "/report")
@requires("appraisal:read")
async def get_report(request: web.Request) -> web.Response:
    _, report = await usecases.report(request.app[POOL], caller(request), request.app[CATALOGUE],
                                      appraisal_id(request))
    return json_response(report)


@routes.get(BASE + "/report.html")
@requires("appraisal:read")
async def get_report_html(request: web.Request) -> web.Response:
    _, report = await usecases.report(request.app[POOL], caller(request), request.app[CATALOGUE],
                                      appraisal_id(request))
    return html_response(render(report))
