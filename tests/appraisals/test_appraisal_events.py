"""360 feedback through signed inbound events, end to end: events open an appraisal, add responses and close
it; appraisal.report_ready reaches a real receiver; the report equals the one the API builds from the same
answers; out-of-order, duplicate and refused events; no rater reference stored or returned."""

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

GROUPS = ["self", "supervisor", "peer", "peer", "peer", "peer", "direct_report", "direct_report", "other", "other",
          "peer", "supervisor"]


async def item_ids(api: Api) -> list[str]:
    return [i["id"] for i in (await api.get("/v1/rubrics/mlcf-360")).json["items"]]


def responses(ids: list[str]) -> list[dict[str, Any]]:
    rng = random.Random(360)
    out = []
    for n, group in enumerate(GROUPS):
        answers = {i: None if rng.random() < 0.1 else rng.randint(1, 5) for i in ids}
        comments = {"general": f"Comment {n} from the {group} group"} if n % 3 == 0 else {ids[n]: f"On item {n}"}
        out.append({"rater_ref": f"RATER-{n:03d}", "group": group, "answers": answers, "comments": comments})
    return out


class Platform:
    """An appraisal platform sending signed events to one source."""

    def __init__(self, anon: Api, source: dict[str, Any]) -> None:
        self.anon, self.source = anon, source

    async def send(self, event_type: str, data: dict[str, Any], msg_id: str | None = None) -> Any:
        body = envelope(event_type, data)
        return await hook(self.anon, self.source, body, signed(self.source["secret"], body, msg_id=msg_id))


async def test_events_build_the_same_report_as_the_api_and_report_ready_is_delivered(
        api: Api, anon: Api, conn: asyncpg.Connection, make_worker, receiver: Receiver) -> None:  # noqa: F811
    endpoint = await subscribe(api, receiver.url, ("appraisal.report_ready",))
    platform = Platform(anon, await make_source(api))
    ids = await item_ids(api)
    opened = await platform.send("appraisal.opened", {"external_ref": "EV-1", "subject_ref": "GMC-1111111",
                                                      "rubric_id": "mlcf-360", "cycle": "2026-27"})
    assert opened.status == 200, opened.text
    for r in responses(ids):
        reply = await platform.send("feedback.submitted", {"external_ref": "EV-1", **r})
        assert (reply.status, reply.json["replaced"]) == (200, False), reply.text
        assert r["rater_ref"] not in reply.text
    closed = await platform.send("appraisal.closed", {"external_ref": "EV-1"})
    assert (closed.status, closed.json["appraisal"]["status"]) == (200, "closed")
    [by_events] = (await api.get("/v1/appraisals", external_ref="EV-1")).json["items"]
    assert by_events["status"] == "closed"

    by_api = (await api.post("/v1/appraisals", {"subject_ref": "GMC-1111111", "rubric_id": "mlcf-360",
                                                "cycle": "2026-27"})).json
    for r in responses(ids):
        reply = await api.put(f"/v1/appraisals/{by_api['id']}/responses/{r['rater_ref']}",
                              {k: v for k, v in r.items() if k != "rater_ref"})
        assert reply.status == 201
    assert (await api.post(f"/v1/appraisals/{by_api['id']}/close")).status == 200

    from_events = (await api.get(f"/v1/appraisals/{by_events['id']}/report")).json
    from_api = (await api.get(f"/v1/appraisals/{by_api['id']}/report")).json
    assert from_events["raters"]["other_colleagues"]["shown"] is True  # 2 direct reports + 2 others pooled

    def comparable(report: dict[str, Any]) -> dict[str, Any]:
        # The comments' order is shuffled with the appraisal id as seed; everything else must be equal.
        return {**report, "appraisal_id": None, "comments": sorted(report["comments"], key=json.dumps)}
    assert comparable(from_events) == comparable(from_api)

    async with make_worker() as worker:
        assert await worker.run_burst() == 2  # one per closed appraisal
    delivered = [Webhook(endpoint["secret"]).verify(got.body, got.headers) for got in receiver.received]
    ready = next(d for d in delivered if d["data"]["appraisal_id"] == by_events["id"])
    assert ready["type"] == "appraisal.report_ready"
    assert set(ready["data"]) == {"appraisal_id", "external_ref", "status", "report_url", "report_html_url"}
    assert (ready["data"]["external_ref"], ready["data"]["status"]) == ("EV-1", "closed")
    assert ready["data"]["report_url"].endswith(f"/v1/appraisals/{by_events['id']}/report")

    audit = (await api.get("/v1/audit-events", limit=200)).json["items"]
    stored = await conn.fetch("SELECT rater_key::text AS k, answers::text AS a, comments::text AS c "
                              "FROM appraisal_responses")
    receipts = await conn.fetch("SELECT encode(response_body, 'escape') AS body FROM webhook_receipts")
    everything = json.dumps(audit) + json.dumps([dict(r) for r in stored]) + json.dumps([dict(r) for r in receipts])
    assert "RATER-0" not in everything


async def test_out_of_order_duplicate_and_refused_events(api: Api, anon: Api, conn: asyncpg.Connection) -> None:
    platform = Platform(anon, await make_source(api))
    ids = await item_ids(api)
    first, second = responses(ids)[:2]
    early = await platform.send("feedback.submitted", {"external_ref": "EV-2", **first}, msg_id="msg_early")
    assert early.status == 409
    assert await conn.fetchval("SELECT count(*) FROM webhook_receipts") == 0  # not recorded: it will be retried
    await platform.send("appraisal.opened", {"external_ref": "EV-2", "subject_ref": "s", "rubric_id": "mlcf-360",
                                             "cycle": "c"})
    retried = await platform.send("feedback.submitted", {"external_ref": "EV-2", **first}, msg_id="msg_early")
    assert retried.status == 200, retried.text
    replayed = await platform.send("feedback.submitted", {"external_ref": "EV-2", **first}, msg_id="msg_early")
    assert (replayed.status, replayed.headers.get("Idempotent-Replayed")) == (200, "true")
    assert await conn.fetchval("SELECT count(*) FROM appraisal_responses") == 1

    second_self = {**second, "group": "self"}  # `first` is the self rater: self takes one
    full = await platform.send("feedback.submitted", {"external_ref": "EV-2", **second_self}, msg_id="msg_full")
    assert (full.status, [e["pointer"] for e in full.json["errors"]]) == (422, ["/data/group"])
    again = await platform.send("feedback.submitted", {"external_ref": "EV-2", **second_self}, msg_id="msg_full")
    assert (again.status, again.text) == (422, full.text)
    unknown = await platform.send("feedback.submitted", {
        "external_ref": "EV-2", **second, "answers": {**second["answers"], "zz": 3}})
    assert (unknown.status, [e["pointer"] for e in unknown.json["errors"]]) == (422, ["/data/answers/zz"])
    assert await conn.fetchval("SELECT count(*) FROM appraisal_responses") == 1

    assert (await platform.send("appraisal.closed", {"external_ref": "EV-2"})).status == 200
    late = await platform.send("feedback.submitted", {"external_ref": "EV-2", **second})
    assert late.status == 409
    reopened = await platform.send("appraisal.opened", {"external_ref": "EV-2", "subject_ref": "s",
                                                        "rubric_id": "mlcf-360", "cycle": "c"})
    assert reopened.status == 409
    assert await conn.fetchval("SELECT count(*) FROM appraisal_responses") == 1
