"""Candidates of a campaign: create/update, panellists' scorecards, moderations, results."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import recruitment
from ..domain.recruitment import Scorecard
from ..errors import FieldError, NotFound, ValidationFailed
from ..http import caller, json_response, read_json, requires, rfc3339
from ..state import CATALOGUE, CONFIG, POOL
from ..store import audit
from ..store import campaigns as store
from .campaigns import campaign_id

routes = web.RouteTableDef()
BASE = "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}"
MAX_REF = 200


def ref(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not 1 <= len(value) <= MAX_REF:
        raise ValidationFailed(f"{name} must be 1-{MAX_REF} characters",
                               errors=[FieldError(f"must be 1-{MAX_REF} characters", parameter=name)])
    return value


def candidate_json(row: Any) -> dict[str, Any]:
    return {"candidate_ref": row["candidate_ref"], "display_name": row["display_name"],
            "components": row["components"], "created_at": rfc3339(row["created_at"]),
            "updated_at": rfc3339(row["updated_at"])}


@routes.put(BASE)
@requires("recruitment:write")
async def put_candidate(request: web.Request) -> web.Response:
    body = await read_json(request, "candidate-put")
    who, candidate_ref = caller(request), ref(request, "candidate_ref")
    pool = request.app[POOL]
    async with pool.acquire() as conn, conn.transaction():
        campaign = await recruitment.open_campaign(conn, who, campaign_id(request))
        version, rubric = await recruitment.pinned(request.app[CATALOGUE], conn, campaign)
        unknown = sorted(set(body.get("components", {})) - set(rubric.components))
        if unknown:
            known = ", ".join(rubric.components) or "none"
            raise ValidationFailed("Unknown components", errors=[
                FieldError(f"is not a component of rubric {version.id} (known: {known})", pointer=f"/components/{c}")
                for c in unknown])
        row, created = await store.upsert_candidate(conn, who.org_id, campaign["id"], candidate_ref,
                                                    display_name=body.get("display_name"),
                                                    components=body.get("components"))
        await audit.record(conn, who, "candidate.created" if created else "candidate.updated", "candidate", row["id"],
                           rubric=version.pin, after={"candidate_ref": candidate_ref, **body})
        await recruitment.recompute(conn, who, campaign, row, version, rubric, request.app[CONFIG].base_url)
    return json_response(candidate_json(row), status=201 if created else 200)


@routes.put(BASE + "/scorecards/{station_id}/{panellist_ref}")
@requires("recruitment:write")
async def put_scorecard(request: web.Request) -> web.Response:
    body = await read_json(request, "scorecard-put")
    who = caller(request)
    candidate_ref, station_id = ref(request, "candidate_ref"), ref(request, "station_id")
    panellist_ref = ref(request, "panellist_ref")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        campaign, candidate = await recruitment.locked_candidate(conn, who, campaign_id(request), candidate_ref)
        version, rubric = await recruitment.pinned(request.app[CATALOGUE], conn, campaign)
        station = rubric.station(station_id)
        if station is None:
            raise ValidationFailed(f"Station {station_id!r} is not in rubric {version.id}", errors=[FieldError(
                f"is not a station of {version.id} (stations: {', '.join(s.id for s in rubric.stations)})",
                parameter="station_id")])
        check_marks(body, station.criteria, rubric.scale_min, rubric.scale_max)
        state = await store.put_scorecard(conn, who.org_id, campaign["id"], candidate["id"], station_id,
                                          panellist_ref, marks=body["marks"], evidence=body.get("evidence", {}),
                                          comment=body.get("comment"))
        previous = state["previous"]
        await audit.record(conn, who, "scorecard.replaced" if previous else "scorecard.submitted", "scorecard",
                           f"{candidate['id']}/{station_id}/{panellist_ref}", rubric=version.pin,
                           before=previous, after=body)
        result = await recruitment.recompute(conn, who, campaign, candidate, version, rubric,
                                             request.app[CONFIG].base_url, state=state,
                                             written=Scorecard(station_id, panellist_ref, body["marks"]))
    return json_response({"candidate_ref": candidate_ref, "station_id": station_id, "panellist_ref": panellist_ref,
                          "marks": body["marks"], "evidence": body.get("evidence", {}),
                          "comment": body.get("comment"), "result_status": result.status},
                         status=200 if previous else 201)


def check_marks(body: dict[str, Any], criteria: tuple[str, ...], low: int, high: int) -> None:
    errors = [FieldError("is required: every criterion of the station must be marked", pointer=f"/marks/{c}")
              for c in criteria if c not in body["marks"]]
    errors += [FieldError(f"is not a criterion of this station (criteria: {', '.join(criteria)})",
                          pointer=f"/marks/{c}") for c in body["marks"] if c not in criteria]
    errors += [FieldError(f"must be from {low} to {high} (got {m})", pointer=f"/marks/{c}")
               for c, m in body["marks"].items() if c in criteria and not low <= m <= high]
    errors += [FieldError("is not a criterion of this station", pointer=f"/evidence/{c}")
               for c in body.get("evidence", {}) if c not in criteria]
    if errors:
        raise ValidationFailed("The scorecard is not valid for this station", errors=errors)


@routes.post(BASE + "/moderations")
@requires("recruitment:write")
async def moderate(request: web.Request) -> web.Response:
    body = await read_json(request, "moderation-create")
    who, candidate_ref = caller(request), ref(request, "candidate_ref")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        campaign, candidate = await recruitment.locked_candidate(conn, who, campaign_id(request), candidate_ref)
        version, rubric = await recruitment.pinned(request.app[CATALOGUE], conn, campaign)
        station = rubric.station(body["station_id"])
        errors = []
        if station is None:
            errors.append(FieldError(f"is not a station of {version.id}", pointer="/station_id"))
        elif body["criterion_id"] not in station.criteria:
            errors.append(FieldError(f"is not a criterion of station {station.id}", pointer="/criterion_id"))
        if not rubric.scale_min <= body["mark"] <= rubric.scale_max:
            errors.append(FieldError(f"must be from {rubric.scale_min} to {rubric.scale_max}", pointer="/mark"))
        if errors:
            raise ValidationFailed("The moderation is not valid for this rubric", errors=errors)
        previous = await store.put_moderation(conn, who.org_id, campaign["id"], candidate["id"], **body)
        before = await store.stored_result(conn, candidate["id"])
        await audit.record(conn, who, "moderation.recorded", "moderation",
                           f"{candidate['id']}/{body['station_id']}/{body['criterion_id']}", rubric=version.pin,
                           before={"moderation": previous,
                                   "aggregate": _aggregate(before, body)},
                           after={"moderation": body})
        result = await recruitment.recompute(conn, who, campaign, candidate, version, rubric,
                                             request.app[CONFIG].base_url)
    return json_response({**body, "candidate_ref": candidate_ref, "result_status": result.status}, status=201)


def _aggregate(stored: Any, body: dict[str, Any]) -> Any:
    if stored is None:
        return None
    for station in stored["result"]["stations"]:
        if station["station_id"] == body["station_id"]:
            for criterion in station["criteria"]:
                if criterion["criterion_id"] == body["criterion_id"]:
                    return criterion["aggregate"]
    return None


@routes.get(BASE + "/result")
@requires("recruitment:read")
async def get_result(request: web.Request) -> web.Response:
    who, candidate_ref = caller(request), ref(request, "candidate_ref")
    result = await store.result_of(request.app[POOL], who.org_id, campaign_id(request), candidate_ref)
    if result is None:
        raise NotFound("No such candidate in this campaign")
    return json_response(result)
