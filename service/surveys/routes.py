"""Engagement surveys over the API: surveys, respondents' responses, close, the report as JSON, HTML and CSV,
and the trend between two closed surveys."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from service import db
from service.rubrics.catalogue import CATALOGUE
from service.surveys import store, usecases
from service.surveys.csv_report import report_csv
from service.surveys.domain.report import BREAKDOWNS
from service.surveys.html import render
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
    query_choice,
    query_text,
)
from service.web.responses import html_response, json_response

routes = web.RouteTableDef()
BASE = "/v1/surveys/{survey_id}"


def survey_id(request: web.Request, name: str = "survey_id") -> uuid.UUID:
    return path_id(request, name, "survey")


def breakdown(request: web.Request) -> str:
    """?by=unit (the default) or staff_group."""
    return query_choice(request, "by", BREAKDOWNS) or "unit"


@routes.post("/v1/surveys")
@requires("survey:write")
async def create_survey(request: web.Request) -> web.Response:
    body = await read_json(request, "survey-create")
    async with db.transaction(request.app[POOL]) as conn:
        row = await usecases.create_survey(conn, caller(request), request.app[CATALOGUE], body)
    return json_response(usecases.survey_json(row), status=201, headers={"Location": f"/v1/surveys/{row['id']}"})


@routes.get("/v1/surveys")
@requires("survey:read")
async def list_surveys(request: web.Request) -> web.Response:
    limit = page_limit(request)
    after = decode_cursor(request, created_position)
    rows = await store.page(request.app[POOL], caller(request).org_id, after=after, limit=limit + 1,
                            reference=query_text(request, "reference"))
    return json_response(paged(rows, limit, usecases.survey_json, created_cursor))


@routes.get(BASE)
@requires("survey:read")
async def get_survey(request: web.Request) -> web.Response:
    row = await usecases.survey_or_404(request.app[POOL], caller(request), survey_id(request))
    return json_response(usecases.survey_json(row))


@routes.put(BASE + "/responses/{respondent_ref}")
@requires("survey:write")
async def put_response(request: web.Request) -> web.Response:
    body = await read_json(request, "survey-response-put")
    who, respondent_ref = caller(request), path_ref(request, "respondent_ref")
    async with db.transaction(request.app[POOL]) as conn:
        row = await usecases.survey_or_404(conn, who, survey_id(request), for_update=True)
        stored = await usecases.submit_response(conn, who, request.app[CATALOGUE], request.app[CONFIG].secret_keys,
                                                row, respondent_ref, body)
    return json_response(stored, status=200 if stored["replaced"] else 201)


@routes.post(BASE + "/close")
@requires("survey:write")
async def close(request: web.Request) -> web.Response:
    async with db.transaction(request.app[POOL]) as conn:
        row = await usecases.close(conn, caller(request), request.app[CATALOGUE], request.app[CONFIG].base_url,
                                   survey_id(request))
    return json_response(usecases.survey_json(row))


async def _report(request: web.Request) -> dict[str, Any]:
    by = breakdown(request)
    return await usecases.report(request.app[POOL], caller(request), request.app[CATALOGUE], survey_id(request), by)


@routes.get(BASE + "/report")
@requires("survey:read")
async def get_report(request: web.Request) -> web.Response:
    return json_response(await _report(request))


@routes.get(BASE + "/report.html")
@requires("survey:read")
async def get_report_html(request: web.Request) -> web.Response:
    return html_response(render(await _report(request)))


@routes.get(BASE + "/report.csv")
@requires("survey:read")
async def get_report_csv(request: web.Request) -> web.Response:
    report = await _report(request)
    return web.Response(text=report_csv(report), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="survey-{report["survey_id"]}-'
                                                        f'{report["by"]}.csv"'})


@routes.get(BASE + "/compare/{earlier_id}")
@requires("survey:read")
async def compare(request: web.Request) -> web.Response:
    by = breakdown(request)
    trend = await usecases.trend(request.app[POOL], caller(request), request.app[CATALOGUE], survey_id(request),
                                 survey_id(request, "earlier_id"), by)
    return json_response(trend)
