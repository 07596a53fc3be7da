"""Organisations are sealed from each other, for every operation the served contract lists (so that a new
endpoint cannot be missed): another organisation's object is 404 whether read or written, never a 409 or
422 that would tell it exists; lists, reports and audit events show none of its data; its stored rows are
unchanged; and each operation's scope is enforced (403 with every other scope)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import asyncpg

from service.tenants.domain.callers import Caller
from service.tenants.domain.tokens import SCOPES
from tests.recruitment.recruitment_support import full_marks, new_campaign, st3
from tests.support.api import Api, Reply
from tests.support.openapi import spec
from tests.webhooks.test_hooks import envelope, signed

METHODS = ("get", "put", "post", "delete", "patch")
# Path parameters that name an object of one organisation; an operation with one of them is "about" an object.
OWNED = {"campaign_id", "appraisal_id", "survey_id", "earlier_id", "endpoint_id", "source_id", "delivery_id"}
HOOK = ("post", "/v1/hooks/{source_id}")  # signed by the source's secret, not by an API key


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, item in spec()["paths"].items() for method, op in item.items()
            if method in METHODS]


def required_scope(op: dict[str, Any]) -> str | None:
    [requirement] = op.get("security") or [{"bearer": []}]
    scopes = requirement.get("bearer", [])
    return scopes[0] if scopes else None


class Tenant:
    """One organisation holding one object of every kind, with the values a request about each needs."""

    def __init__(self, api: Api, org: Caller, label: str) -> None:
        self.api, self.org, self.label = api, org, label
        self.params: dict[str, str] = {}
        self.bodies: dict[tuple[str, str], Callable[[], Any]] = {}
        self.markers: list[str] = []  # texts that are this organisation's alone

    async def populate(self, survey_items: list[str], appraisal_items: list[str]) -> None:
        api, label = self.api, self.label
        rubric = await st3(api)
        campaign = await new_campaign(api, f"{label}-ROUND-1")
        base = f"/v1/campaigns/{campaign['id']}/candidates/{label}-CAND-1"
        station = rubric["stations"][0]
        criterion = station["criteria"][0]
        marks = full_marks(rubric, station["id"], 3)
        assert (await api.put(base, {"display_name": f"Dr {label} Private"})).status == 201
        assert (await api.put(f"{base}/scorecards/{station['id']}/{label}-panel-1",
                              {"marks": marks, "comment": f"{label} panel remark"})).status == 201
        moderation = {"station_id": station["id"], "criterion_id": criterion, "mark": 4,
                      "reason": f"{label} moderation reason", "moderator_ref": f"{label}-chair"}
        assert (await api.post(f"{base}/moderations", moderation)).status == 201
        appraisal = (await api.post("/v1/appraisals", {"subject_ref": f"{label}-GMC-7", "rubric_id": "mlcf-360",
                                                       "cycle": "2026-27", "external_ref": f"{label}-APP"})).json
        response_360 = {"group": "peer", "answers": dict.fromkeys(appraisal_items, 4),
                        "comments": {"general": f"{label} rater comment"}}
        assert (await api.put(f"/v1/appraisals/{appraisal['id']}/responses/{label}-rater-1", response_360)
                ).status == 201
        earlier = (await api.post("/v1/surveys", {"reference": f"{label}-MES-0", "title": "t",
                                                  "rubric_id": "engagement-survey"})).json
        assert (await api.post(f"/v1/surveys/{earlier['id']}/close")).status == 200
        survey = (await api.post("/v1/surveys", {"reference": f"{label}-MES-1", "title": "t",
                                                 "rubric_id": "engagement-survey"})).json
        survey_response = {"unit": f"{label} unit", "staff_group": "doctor",
                           "answers": dict.fromkeys(survey_items, 3)}
        assert (await api.put(f"/v1/surveys/{survey['id']}/responses/{label}-resp-1", survey_response)).status == 201
        endpoint = (await api.post("/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks",
                                                             "events": ["campaign.finalised"]})).json
        delivery = (await api.post(f"/v1/webhook-endpoints/{endpoint['id']}/ping")).json
        source = (await api.post("/v1/webhook-sources", {"name": f"{label} platform"})).json
        self.source_secret, self.endpoint_secret = source["secret"], endpoint["secret"]
        frameworks = (await api.get("/v1/frameworks")).json["items"]
        self.params = {
            "campaign_id": campaign["id"], "candidate_ref": f"{label}-CAND-1", "station_id": station["id"],
            "panellist_ref": f"{label}-panel-1", "appraisal_id": appraisal["id"], "rater_ref": f"{label}-rater-1",
            "survey_id": survey["id"], "respondent_ref": f"{label}-resp-1", "earlier_id": earlier["id"],
            "subject_ref": f"{label}-CAND-1",
            "endpoint_id": endpoint["id"], "delivery_id": delivery["id"], "source_id": source["id"],
            "framework_id": frameworks[0]["id"], "rubric_id": "st3-interview", "version": str(rubric["version"]),
        }
        fresh = itertools.count(2)
        hook_body = envelope("ping", {"message": f"{label} hook"})
        self.bodies = {
            ("post", "/v1/campaigns"): lambda: {"reference": f"{label}-ROUND-{next(fresh)}", "title": "t",
                                                "rubric_id": "st3-interview"},
            ("put", "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}"): lambda: {"display_name": "Dr Other"},
            ("put", "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}/scorecards/{station_id}/{panellist_ref}"):
                lambda: {"marks": full_marks(rubric, station["id"], 1)},
            ("post", "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}/moderations"):
                lambda: {**moderation, "mark": 1},
            ("post", "/v1/appraisals"): lambda: {"subject_ref": "s", "rubric_id": "mlcf-360", "cycle": "c",
                                                 "external_ref": f"{label}-APP-{next(fresh)}"},
            ("put", "/v1/appraisals/{appraisal_id}/responses/{rater_ref}"): lambda: {**response_360, "group": "other"},
            ("post", "/v1/surveys"): lambda: {"reference": f"{label}-MES-{next(fresh)}", "title": "t",
                                              "rubric_id": "engagement-survey"},
            ("put", "/v1/surveys/{survey_id}/responses/{respondent_ref}"): lambda: {**survey_response, "unit": "x"},
            ("post", "/v1/webhook-endpoints"): lambda: {"url": "http://127.0.0.1:9/other",
                                                        "events": ["campaign.finalised"]},
            ("post", "/v1/webhook-sources"): lambda: {"name": f"{label} platform {next(fresh)}"},
            ("post", "/v1/rubrics/validate"): lambda: "id: x\n",
            HOOK: lambda: hook_body,
        }
        self.markers = [v for k, v in self.params.items() if k not in ("framework_id", "rubric_id", "version",
                                                                         "station_id")]
        self.markers += [f"Dr {label} Private", f"{label} panel remark", f"{label} moderation reason",
                         f"{label}-chair", f"{label}-GMC-7", f"{label} rater comment", f"{label} unit",
                         f"{label} hook", campaign["reference"]]

    def path(self, template: str, params: dict[str, str]) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], template)

    async def call(self, method: str, template: str, params: dict[str, str], bodies: Tenant,
                   api: Api | None = None) -> Reply:
        """`api` (this tenant's by default) calls `template` filled from `params`, with `bodies`' body."""
        api = api or self.api
        path = self.path(template, params)
        make = bodies.bodies.get((method, template))
        body = make() if make else None
        if isinstance(body, bytes):  # an inbound hook, signed with this tenant's source secret
            return await api.request("POST", path, data=body, headers=signed(self.source_secret, body), token=None)
        if isinstance(body, str):
            return await api.request(method.upper(), path, data=body, headers={"Content-Type": "application/yaml"})
        return await api.request(method.upper(), path, json_body=body)


async def snapshot(conn: asyncpg.Connection, org_id: Any) -> dict[str, str]:
    """Every row an organisation has, table by table, as one digest each."""
    tables = await conn.fetch("SELECT table_name FROM information_schema.columns WHERE column_name = 'org_id' "
                              "AND table_schema = 'public' ORDER BY 1")
    out = {}
    for (table,) in tables:
        out[table] = await conn.fetchval(
            f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') "  # noqa: S608
            f"FROM {table} t WHERE org_id = $1", org_id)
    return out


async def test_every_operation_keeps_each_organisation_to_itself(client, make_org, make_token,
                                                                 conn: asyncpg.Connection) -> None:
    orgs = [await make_org(f"ISO{n}") for n in (1, 2)]
    tenants = [Tenant(Api(client, await make_token(SCOPES, org=org)), org, label) for org, label in
               zip(orgs, ("ALPHA", "BRAVO"), strict=True)]
    survey_items = [i["id"] for i in (await tenants[0].api.get("/v1/rubrics/engagement-survey")).json["items"]]
    appraisal_items = [i["id"] for i in (await tenants[0].api.get("/v1/rubrics/mlcf-360")).json["items"]]
    for tenant in tenants:
        await tenant.populate(survey_items, appraisal_items)
    ops = operations()
    for method, template, op in ops:
        assert "requestBody" not in op or (method, template) in tenants[0].bodies, (
            f"{method.upper()} {template} takes a body: give it one in Tenant.populate")
        for name in re.findall(r"\{(\w+)\}", template):
            assert name in tenants[0].params, f"{template}: no value for {{{name}}} in Tenant.populate"

    crossed = own = 0
    for caller, owner in (tenants, tenants[::-1]):
        before = await snapshot(conn, owner.org.org_id)
        for method, template, _ in ops:
            names = set(re.findall(r"\{(\w+)\}", template))
            if names & OWNED:  # about one object: the owner's, asked for by the other organisation
                reply = await caller.call(method, template, owner.params, owner)
                expected = 401 if (method, template) == HOOK else 404  # the other's secret signs nothing here
                assert reply.status == expected, (method, template, reply.status, reply.text[:300])
                crossed += 1
            else:  # the caller's own collections and the shared catalogue
                reply = await caller.call(method, template, caller.params, caller)
                creates = method == "post" and template.count("/") == 2 and template != "/v1/hooks"
                assert reply.status == (201 if creates else 200), (method, template, reply.status, reply.text[:300])
                own += 1
            asked = caller.path(template, owner.params if names & OWNED else caller.params)
            leaked = [m for m in owner.markers if m in reply.text and m not in asked]  # `instance` is the path
            assert not leaked, (caller.label, method, template, leaked)
        # nothing the other organisation did touched a row of the owner's
        assert await snapshot(conn, owner.org.org_id) == before, caller.label

    # names are unique within an organisation only: the other's names are free to use
    caller, owner = tenants
    for path, body in (("/v1/campaigns", {"reference": "BRAVO-ROUND-1", "title": "t", "rubric_id": "st3-interview"}),
                       ("/v1/appraisals", {"subject_ref": "s", "rubric_id": "mlcf-360", "cycle": "c",
                                           "external_ref": "BRAVO-APP"}),
                       ("/v1/surveys", {"reference": "BRAVO-MES-1", "title": "t", "rubric_id": "engagement-survey"}),
                       ("/v1/webhook-sources", {"name": "BRAVO platform"})):
        reply = await caller.api.post(path, body)
        assert reply.status == 201 and reply.json["id"] not in owner.params.values(), (path, reply.text)

    refused = 0
    lacking = {scope: Api(client, await make_token([s for s in SCOPES if s != scope], org=owner.org))
               for scope in SCOPES}
    before = await snapshot(conn, owner.org.org_id)
    for method, template, op in ops:
        scope = required_scope(op)
        if scope is None or (method, template) == HOOK:
            continue
        reply = await owner.call(method, template, owner.params, owner, api=lacking[scope])
        assert reply.status == 403 and reply.json["required_scope"] == scope, (method, template, reply.text[:200])
        refused += 1
    assert await snapshot(conn, owner.org.org_id) == before
    print(f"tenant isolation: {len(ops)} operations x 2 organisations; {crossed} requests for the other's "
          f"objects refused (404), {own} collection and catalogue requests showing none of the other's data; "
          f"{refused} operations refused without their scope (403)")
