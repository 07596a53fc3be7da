"""Nothing personal or secret in any log line. A web process and a delivery worker of their own, at DEBUG, are
driven through every operation of the served contract for two organisations (each one's own objects and the
other's), inbound hooks carrying 360 feedback, outbound deliveries, the bad requests the service refuses and
requests its HTTP parser refuses; then every line they wrote is read: each must be one JSON object, and
none may hold an API key, a webhook secret, the service's key, a raw candidate, panellist, moderator,
subject, rater or respondent reference, or any comment, evidence, reason or name text."""

from __future__ import annotations

import io
import json
import re
import signal

import aiohttp

from service.tenants.domain.tokens import SCOPES
from tests.cli.test_cli import run_cli
from tests.conftest import SECRET_KEY
from tests.contract.test_tenant_isolation import Tenant, operations
from tests.recruitment.recruitment_support import full_marks
from tests.support.api import Api
from tests.support.receiver import Receiver
from tests.support.serving import served
from tests.web.test_bad_input_memory import api_requests
from tests.web.test_parser_refusals import BAD_REQUESTS, exchange_at
from tests.webhooks.test_hooks import envelope, signed

ENV = {"LOG_LEVEL": "DEBUG", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "WEBHOOK_RETRY_SCHEDULE": "0"}


def secrets_and_personal_data(tenant: Tenant, token: str) -> list[str]:
    label, params = tenant.label, tenant.params
    return [token, tenant.source_secret, tenant.endpoint_secret, SECRET_KEY,
            *(params[name] for name in ("candidate_ref", "panellist_ref", "rater_ref", "respondent_ref")),
            f"{label}-GMC-7", f"{label}-chair", f"Dr {label} Private", f"{label} panel remark",
            f"{label} moderation reason", f"{label} rater comment", f"{label} hook", f"{label} evidence",
            f"{label}-hook-rater", f"{label} hook comment"]


async def drive(tenant: Tenant, other: Tenant, token: str, port: int, receiver_url: str) -> int:
    """Every kind of request this organisation can make; how many were made."""
    api, label, params = tenant.api, tenant.label, tenant.params
    rubric = (await api.get("/v1/rubrics/st3-interview")).json
    station = rubric["stations"][0]
    scorecard = {"marks": full_marks(rubric, station["id"], 2), "comment": f"{label} panel remark",
                 "evidence": {station["criteria"][0]: f"{label} evidence"}}
    path = f"/v1/campaigns/{params['campaign_id']}/candidates/{params['candidate_ref']}"
    assert (await api.put(f"{path}/scorecards/{station['id']}/{params['panellist_ref']}", scorecard)).status == 200
    assert (await api.post("/v1/webhook-endpoints", {
        "url": receiver_url, "events": ["campaign.finalised", "candidate.moderation_required"]})).status == 201
    items = [i["id"] for i in (await api.get("/v1/rubrics/mlcf-360")).json["items"]]
    hook = envelope("feedback.submitted", {"external_ref": f"{label}-APP", "rater_ref": f"{label}-hook-rater",
                                           "group": "peer", "answers": dict.fromkeys(items, 3),
                                           "comments": {"general": f"{label} hook comment"}})
    reply = await api.request("POST", f"/v1/hooks/{params['source_id']}", data=hook,
                              headers=signed(tenant.source_secret, hook), token=None)
    assert reply.status in (200, 202), reply.text
    made = 4
    for method, template, _ in operations():
        for owner in (other, tenant):  # the other's objects first, while they all still exist
            await tenant.call(method, template, owner.params, owner)
            made += 1
    for method, target, headers, body in api_requests(token):
        await api.request(method, target, data=io.BytesIO(body), headers=headers, token=None, check=False)
        made += 1
    for raw in BAD_REQUESTS.values():
        await exchange_at(port, raw.encode("latin-1"))
        made += 1
    for line in (f"Authorization: Bearer {token} {'a' * 9000}",
                 f"X-Panellist: {params['panellist_ref']}{'b' * 9000}"):
        await exchange_at(port, f"GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n{line}\r\n\r\n".encode())
        made += 1
    await exchange_at(port, f"GET {path}?{'c' * 9000} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return made + 1


async def deliver(database_url: str) -> bytes:
    """The delivery worker's log after it has sent what is due."""
    ran = await run_cli(database_url, "worker", "--burst", LOG_FORMAT="json", **ENV)
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stderr.encode()


async def test_no_log_line_holds_a_secret_a_reference_or_a_text(database_url: str, make_org, make_token) -> None:
    receiver = await Receiver().start()
    try:
        async with served(database_url, **ENV) as server, aiohttp.ClientSession(base_url=server.base) as http:
            orgs = [await make_org(f"LOG{n}") for n in (1, 2)]
            tokens = [await make_token(SCOPES, org=org) for org in orgs]
            tenants = [Tenant(Api(http, token), org, label)  # type: ignore[arg-type]
                       for org, token, label in zip(orgs, tokens, ("ALPHA", "BRAVO"), strict=True)]
            survey_items = [i["id"] for i in (await tenants[0].api.get("/v1/rubrics/engagement-survey")).json["items"]]
            appraisal_items = [i["id"] for i in (await tenants[0].api.get("/v1/rubrics/mlcf-360")).json["items"]]
            for tenant in tenants:
                await tenant.populate(survey_items, appraisal_items)
            made = 0
            for (tenant, token), other in zip(zip(tenants, tokens, strict=True), tenants[::-1], strict=True):
                made += await drive(tenant, other, token, server.port, receiver.url)
            worker_log = await deliver(database_url)
            server.proc.send_signal(signal.SIGTERM)
            web_log = await server.exited()
    finally:
        await receiver.stop()
    assert receiver.received, "nothing was delivered: the worker's log would say too little"
    forbidden = [text for tenant, token in zip(tenants, tokens, strict=True)
                 for text in secrets_and_personal_data(tenant, token)]
    lines = [line for log in (web_log, worker_log) for line in log.decode().splitlines() if line.strip()]
    not_json = [line[:200] for line in lines if not _one_json_object(line)]
    assert not not_json, not_json[:5]
    hits = [(text, line[:300]) for line in lines for text in forbidden if text in line]
    assert any(re.search(r'"event":\s*"request"', line) for line in lines)
    print(f"log hygiene: {made} requests and {len(receiver.received)} deliveries; {len(lines)} log lines "
          f"scanned for {len(forbidden)} secrets and personal texts; {len(hits)} hits")
    assert not hits, hits[:5]


def _one_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False
