"""Rubrics: the catalogue of published versions, validation of a draft, and reload without downtime."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from service.audit import store as audit
from service.rubrics import store
from service.rubrics.catalogue import CATALOGUE, Catalogue, ReloadRefused, RubricVersion, version_conflict
from service.rubrics.domain.model import DEFAULTS
from service.rubrics.domain.yaml_source import Issue
from service.web.appkeys import POOL
from service.web.auth import caller, requires
from service.web.bodies import read_body
from service.web.params import query_choice
from service.web.problems import FieldError, NotFound, UnsupportedMediaType, ValidationFailed
from service.web.responses import json_response

routes = web.RouteTableDef()
PURPOSES = tuple(DEFAULTS)  # the purposes a rubric can have
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def summary(v: RubricVersion) -> dict[str, Any]:
    return {"id": v.id, "version": v.version, "title": v.title, "purpose": v.purpose, "framework": v.framework,
            "hash": v.hash}


def full(v: RubricVersion) -> dict[str, Any]:
    return {**v.document, "hash": v.hash}


@routes.get("/v1/rubrics")
@requires("rubrics:read")
async def list_rubrics(request: web.Request) -> web.Response:
    versions = await request.app[CATALOGUE].all_latest(request.app[POOL])
    purpose = query_choice(request, "purpose", PURPOSES)
    items = [summary(v) for v in versions if purpose is None or v.purpose == purpose]
    return json_response({"items": items, "next_cursor": None})


@routes.get("/v1/rubrics/{rubric_id}")
@requires("rubrics:read")
async def get_rubric(request: web.Request) -> web.Response:
    rubric_id = request.match_info["rubric_id"]
    found = await request.app[CATALOGUE].latest(request.app[POOL], rubric_id)
    if found is None:
        raise NotFound("No rubric with this id; see /v1/rubrics")
    return json_response(full(found))


@routes.get("/v1/rubrics/{rubric_id}/versions/{version}")
@requires("rubrics:read")
async def get_rubric_version(request: web.Request) -> web.Response:
    rubric_id, raw_version = request.match_info["rubric_id"], request.match_info["version"]
    found = None
    if raw_version.isascii() and raw_version.isdigit() and len(raw_version) < 10:  # "²" is a digit, not a number
        found = await request.app[CATALOGUE].version(request.app[POOL], rubric_id, int(raw_version))
    if found is None:
        raise NotFound("No such version of this rubric; GET /v1/rubrics/{rubric_id} gives the latest")
    return json_response(full(found))


def issue_dict(issue: Issue, file: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"line": issue.line, "column": issue.column, "pointer": issue.pointer,
                           "message": issue.message}
    if file is not None:
        out["file"] = file
    return out


@routes.post("/v1/rubrics/validate")
@requires("rubrics:read")
async def validate_rubric(request: web.Request) -> web.Response:
    if request.content_type not in YAML_TYPES:
        raise UnsupportedMediaType(f"Send the rubric as application/yaml, not {request.content_type or 'nothing'}")
    catalogue: Catalogue = request.app[CATALOGUE]
    rubric, issues = catalogue.check_text(await read_body(request))
    if rubric is not None:
        stored = await store.stored_hash(request.app[POOL], rubric.id, rubric.version)
        if stored is not None and stored != rubric.hash:
            issues = [version_conflict(rubric)]
    body: dict[str, Any] = {"valid": not issues, "errors": [issue_dict(i) for i in issues]}
    if rubric is not None and not issues:
        body["rubric"] = {"id": rubric.id, "version": rubric.version, "hash": rubric.hash}
    return json_response(body)


@routes.post("/v1/admin/rubrics/reload")
@requires("rubrics:admin")
async def reload_rubrics(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    catalogue: Catalogue = request.app[CATALOGUE]
    who = caller(request)

    async def audited(conn: Any, published: list[RubricVersion]) -> None:
        for version in published:
            await audit.record(conn, who, "rubric.published", "rubric", f"{version.id}@{version.version}",
                               rubric=version.pin)
    try:
        published = await catalogue.reload(pool, on_publish=audited)
    except ReloadRefused as refused:
        raise ValidationFailed(
            f"Nothing was reloaded: {len(refused.lines)} problem(s) in the rubric files",
            errors=[FieldError(line) for line in refused.lines],
            extra={"issues": [issue_dict(i, f) for f, i in refused.named_issues]}) from None
    current = await request.app[CATALOGUE].all_latest(pool)
    return json_response({"published": [v.pin for v in published], "rubrics": [summary(v) for v in current]})
