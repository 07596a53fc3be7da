"""Survey responses through signed inbound events, end to end: survey.response.submitted adds and replaces
responses (the same report as over the API), out-of-order, duplicate and refused events, survey.report_ready
reaches a real receiver on close, and no respondent reference is stored or returned."""

from __future__ import annotations

import json
import random
from typing import Any

import asyncpg
from standardwebhooks import Webhook

from tests.support.api import Api
from tests.support.receiver import Receiver
from tests.webhooks.conftest import make_worker, pool, receiver, subscribe  # noqa: F401  (fixtures)
from tests.webhooks.test_hooks import envelope, hook, make_source, signed

UNITS = ["Surgery"] * 6 + ["Medicine"] * 5 + ["Theatres"] * 2


def responses(ids: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(7)
    return [{"respondent_ref": f"RESP-{n:03d}", "unit": unit, "staff_group": rng.choice(["doctor", "manager"]),
             "answers": {i: rng.randint(1, 5) for i in ids if rng.random() > 0.1}} for n, unit in enumerate(UNITS)]


async def item_ids(api: Api) -> list[str]:
    return [i["id"] for i in (await api.get("/v1/rubrics/engagement-survey")).json["items"]]


class Platform:
    """A survey platform sending signed events to one source."""

    def __init__(self, anon: Api, source: dict[str, Any]) -> None:
        self.anon, self.source = anon, source

    async def send(self, data: dict[str, Any], msg_id: str | None = None) -> Any:
        body = envelope("survey.response.submitted", data)
        return await hook(self.anon, self.source, body, signed(self.source["secret"], body, msg_id=msg_id))


async def new_survey(api: Api, reference: str) -> dict[str, Any]:
    reply = await api.post("/v1/surveys", {"reference": reference, "title": "t", "rubric_id": "engagement-survey"})
    assert reply.status == 201, reply.text
    return reply.json


async def test_events_build_the_same_report_as_the_api_and_report_ready_is_delivered(
        api: Api, anon: Api, conn: asyncpg.Connection, make_worker, receiver: Receiver) -> None:  # noqa: F811
    endpoint = await subscribe(api, receiver.url, ("survey.report_ready",))
    platform = Platform(anon, await make_source(api))
    ids = await item_ids(api)
    by_events, by_api = await new_survey(api, "EV-2026"), await new_survey(api, "API-2026")
    for r in responses(ids):
        reply = await platform.send({"survey_reference": "EV-2026", **r})
        assert (reply.status, reply.json) == (200, {"survey_id": by_events["id"], "replaced": False}), reply.text
        stored = await api.put(f"/v1/surveys/{by_api['id']}/responses/{r['respondent_ref']}",
                               {k: v for k, v in r.items() if k != "respondent_ref"})
        assert stored.status == 201
    for survey in (by_events, by_api):
        assert (await api.post(f"/v1/surveys/{survey['id']}/close")).status == 200
    for by in ("unit", "staff_group"):
        from_events = (await api.get(f"/v1/surveys/{by_events['id']}/report", by=by)).json
        from_api = (await api.get(f"/v1/surveys/{by_api['id']}/report", by=by)).json
        assert from_events["overall"]["shown"] is True

        def comparable(report: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in report.items() if k not in ("survey_id", "reference")}
        assert comparable(from_events) == comparable(from_api)

    async with make_worker() as worker:
        assert await worker.run_burst() == 2  # one per closed survey
    delivered = [Webhook(endpoint["secret"]).verify(got.body, got.headers) for got in receiver.received]
    ready = next(d for d in delivered if d["data"]["survey_id"] == by_events["id"])
    assert ready["type"] == "survey.report_ready"
    assert set(ready["data"]) == {"survey_id", "reference", "status", "report_url", "report_html_url",
                                  "report_csv_url"}
    assert (ready["data"]["reference"], ready["data"]["status"]) == ("EV-2026", "closed")
    assert ready["data"]["report_url"].endswith(f"/v1/surveys/{by_events['id']}/report")

    audit = (await api.get("/v1/audit-events", limit=200)).json["items"]
    stored_rows = await conn.fetch("SELECT respondent_key::text AS k, unit, answers::text AS a FROM survey_responses")
    receipts = await conn.fetch("SELECT encode(response_body, 'escape') AS body FROM webhook_receipts")
    everything = json.dumps(audit) + json.dumps([dict(r) for r in stored_rows]) + json.dumps(
        [dict(r) for r in receipts])
    assert "RESP-0" not in everything
    assert "Surgery" not in json.dumps(audit)  # the audit says a response came, not from where


async def test_out_of_order_duplicate_and_refused_events(api: Api, anon: Api, conn: asyncpg.Connection) -> None:
    platform = Platform(anon, await make_source(api))
    ids = await item_ids(api)
    first, second = responses(ids)[:2]
    early = await platform.send({"survey_reference": "LATE", **first}, msg_id="msg_early")
    assert early.status == 409
    assert "LATE" not in early.text and "RESP" not in early.text
    assert await conn.fetchval("SELECT count(*) FROM webhook_receipts") == 0  # not recorded: it will be retried
    survey = await new_survey(api, "LATE")
    retried = await platform.send({"survey_reference": "LATE", **first}, msg_id="msg_early")
    assert retried.status == 200, retried.text
    replayed = await platform.send({"survey_reference": "LATE", **first}, msg_id="msg_early")
    assert (replayed.status, replayed.headers.get("Idempotent-Replayed")) == (200, "true")
    again = await platform.send({"survey_reference": "LATE", **first, "unit": "Medicine"})
    assert (again.status, again.json["replaced"]) == (200, True)
    assert await conn.fetchval("SELECT count(*) FROM survey_responses") == 1

    bad = await platform.send({"survey_reference": "LATE", **second, "answers": {ids[0]: 9, "zz": 1}},
                              msg_id="msg_bad")
    assert (bad.status, sorted(e["pointer"] for e in bad.json["errors"])) == (
        422, [f"/data/answers/{ids[0]}", "/data/answers/zz"])
    assert (await platform.send({"survey_reference": "LATE", **second, "answers": {ids[0]: 9, "zz": 1}},
                                msg_id="msg_bad")).text == bad.text
    missing = await platform.send({"survey_reference": "LATE", "respondent_ref": "R", "answers": {}})
    assert (missing.status, sorted(e["pointer"] for e in missing.json["errors"])) == (
        422, ["/data/staff_group", "/data/unit"])
    assert await conn.fetchval("SELECT count(*) FROM survey_responses") == 1

    assert (await api.post(f"/v1/surveys/{survey['id']}/close")).status == 200
    late = await platform.send({"survey_reference": "LATE", **second})
    assert late.status == 409
    assert await conn.fetchval("SELECT count(*) FROM survey_responses") == 1
