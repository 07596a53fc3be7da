"""A person's rights over the API: their subject access export (JSON, or a ZIP with the HTML reports) and
the erasure of their links as a rater or respondent."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from service import db
from service.rubrics.catalogue import CATALOGUE
from service.subjects import usecases
from service.subjects.domain.archive import archive
from service.web.appkeys import CONFIG, POOL
from service.web.auth import caller, requires
from service.web.params import negotiate, path_ref
from service.web.responses import json_response

routes = web.RouteTableDef()
BASE = "/v1/subjects/{subject_ref}"


@routes.get(BASE + "/export")
@requires("subjects:export")
async def export(request: web.Request) -> web.Response:
    kind = negotiate(request, ("application/json", "application/zip"), "The export")
    subject_ref = path_ref(request, "subject_ref")
    async with db.transaction(request.app[POOL], isolation="repeatable_read") as conn:
        document = await usecases.export(conn, caller(request), request.app[CATALOGUE],
                                         request.app[CONFIG].secret_keys, subject_ref, datetime.now(UTC))
    if kind == "application/json":
        return json_response(document)
    return web.Response(body=archive(document, usecases.report_pages(document)), content_type="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="subject-export.zip"'})


@routes.post(BASE + "/unlink")
@requires("subjects:erase")
async def unlink(request: web.Request) -> web.Response:
    subject_ref = path_ref(request, "subject_ref")
    async with db.transaction(request.app[POOL]) as conn:
        outcome = await usecases.unlink(conn, caller(request), request.app[CONFIG].secret_keys, subject_ref)
    return json_response(outcome)
