"""Outbound webhook endpoints over the API, and `emit` writing the outbox in the caller's transaction.

No worker runs in these tests, so the URLs here are never contacted.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from service.tenants.domain.callers import Caller
from service.webhooks import events
from tests.support.api import Api

RECEIVER = "http://127.0.0.1:9/hooks"  # allow-listed in the test configuration; nothing is sent here


async def make_endpoint(api: Api, url: str = RECEIVER, events_: list[str] | None = None, **extra: Any) -> dict:
    reply = await api.post("/v1/webhook-endpoints", {"url": url, "events": events_ or ["campaign.finalised"],
                                                     **extra})
    assert reply.status == 201, reply.text
    return reply.json


async def emit(conn, org: Caller, event_type: str = "campaign.finalised", data: Any = None) -> list[uuid.UUID]:
    async with conn.transaction():
        return await events.emit(conn, org.org_id, event_type, data or {"campaign_id": "c-1"})


async def test_create_shows_the_secret_once_and_lists_without_it(manager: Api) -> None:
    created = await make_endpoint(manager, events_=["campaign.finalised", "candidate.moderation_required"],
                                  description="Trust ATS")
    assert re.match(r"^whsec_[A-Za-z0-9+/]{43}=$", created["secret"])
    assert created | {"id": None, "created_at": None, "secret": None} == {
        "id": None, "created_at": None, "secret": None, "url": RECEIVER, "description": "Trust ATS",
        "events": ["campaign.finalised", "candidate.moderation_required"], "status": "enabled",
        "disabled_reason": None, "disabled_at": None}
    listed = await manager.get("/v1/webhook-endpoints")
    one = await manager.get(f"/v1/webhook-endpoints/{created['id']}")
    assert [e["id"] for e in listed.json["items"]] == [created["id"]]
    for text in (listed.text, one.text):
        assert created["secret"] not in text and '"secret"' not in text


@pytest.mark.parametrize(("url", "reason"), [
    ("http://hr.invalid/hooks", "must use https"),
    ("https://127.0.0.2/hooks", "loopback"),
    ("https://[::1]/hooks", "loopback"),
    ("https://2130706433/hooks", "loopback"),
    ("https://0x7f000001/hooks", "loopback"),
    ("https://0177.0.0.1/hooks", "loopback"),
    ("https://10.0.0.1/hooks", "private"),
    ("https://169.254.169.254/latest/meta-data", "link-local"),
    ("https://100.64.0.1/", "carrier-grade NAT"),
    ("https://[fc00::1]/", "unique-local"),
    ("https://[::ffff:127.0.0.1]/", "IPv4-mapped"),
    ("https://user:secret@hr.invalid/hooks", "user name or password"),
    ("ftp://hr.invalid/hooks", "must use https"),
    ("hooks", "scheme and a host"),
])
async def test_refused_urls_are_422_naming_the_reason(manager: Api, url: str, reason: str) -> None:
    reply = await manager.post("/v1/webhook-endpoints", {"url": url, "events": ["campaign.finalised"]})
    assert reply.status == 422
    [error] = reply.json["errors"]
    assert error["pointer"] == "/url" and reason in error["detail"]


async def test_https_names_and_allow_listed_hosts_are_accepted(manager: Api) -> None:
    for url in ("https://hr.invalid/hooks?token=abc", "http://localhost:9/x", "http://127.0.0.1:9/x"):
        assert (await make_endpoint(manager, url))["url"] == url


async def test_events_must_be_known_and_subscribable(manager: Api) -> None:
    reply = await manager.post("/v1/webhook-endpoints", {
        "url": RECEIVER, "events": ["campaign.finalised", "campaign.deleted", "ping"]})
    assert reply.status == 422
    assert [e["pointer"] for e in reply.json["errors"]] == ["/events/1", "/events/2"]
    assert reply.json["errors"][0]["detail"] == (
        "is not an event type you can subscribe to; known: appraisal.report_ready, campaign.finalised, "
        "candidate.moderation_required, candidate.result.updated, survey.report_ready")
    for body in ({"url": RECEIVER, "events": []}, {"url": RECEIVER, "events": ["a", "a"]},
                 {"url": RECEIVER}, {"url": RECEIVER, "events": ["campaign.finalised"], "secret": "mine"}):
        assert (await manager.post("/v1/webhook-endpoints", body)).status == 422


async def test_scope_and_tenancy(manager: Api, client, make_token) -> None:
    endpoint = await make_endpoint(manager)
    reader = Api(client, await make_token(["recruitment:read"]))
    assert (await reader.get("/v1/webhook-endpoints")).status == 403
    assert (await reader.post("/v1/webhook-endpoints", {"url": RECEIVER, "events": ["ping"]})).status == 403
    other = Api(client, await make_token(["webhooks:manage"]))
    for path in (f"/v1/webhook-endpoints/{endpoint['id']}", f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"):
        assert (await other.get(path)).status == 404
    assert (await other.delete(f"/v1/webhook-endpoints/{endpoint['id']}")).status == 404
    assert (await other.post(f"/v1/webhook-endpoints/{endpoint['id']}/ping")).status == 404
    assert (await other.get("/v1/webhook-endpoints")).json["items"] == []


async def test_emit_writes_one_message_per_subscribed_enabled_endpoint_of_the_org(
        manager: Api, conn, org: Caller, client, make_token) -> None:
    wanted = await make_endpoint(manager, events_=["campaign.finalised", "candidate.result.updated"])
    other_events = await make_endpoint(manager, events_=["candidate.moderation_required"])
    deleted = await make_endpoint(manager)
    assert (await manager.delete(f"/v1/webhook-endpoints/{deleted['id']}")).status == 204
    await make_endpoint(Api(client, await make_token(["webhooks:manage"])))  # another organisation's

    [delivery_id] = await emit(conn, org, data={"campaign_id": "c-9", "ranking": []})
    page = (await manager.get(f"/v1/webhook-endpoints/{wanted['id']}/deliveries")).json
    [delivery] = page["items"]
    assert delivery["id"] == str(delivery_id)
    assert (delivery["event_type"], delivery["status"], delivery["attempt_count"], delivery["attempts"]) == (
        "campaign.finalised", "pending", 0, [])
    body = await conn.fetchval("SELECT body FROM webhook_messages WHERE id = $1", delivery_id)
    envelope = json.loads(body)
    assert envelope["type"] == "campaign.finalised" and envelope["data"] == {"campaign_id": "c-9", "ranking": []}
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", envelope["timestamp"])
    [only_other] = await emit(conn, org, "candidate.moderation_required")
    assert [d["id"] for d in (await manager.get(f"/v1/webhook-endpoints/{other_events['id']}/deliveries")
                              ).json["items"]] == [str(only_other)]


async def test_emit_commits_or_rolls_back_with_the_change(manager: Api, conn, org: Caller) -> None:
    await make_endpoint(manager)
    queued: list[uuid.UUID] = []

    async def failing_change() -> None:
        async with conn.transaction():
            queued.extend(await events.emit(conn, org.org_id, "campaign.finalised", {"x": 1}))
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert len(queued) == 1
    assert await conn.fetchval("SELECT count(*) FROM webhook_messages") == 0
    with pytest.raises(events.UnknownEvent):
        await events.emit(conn, org.org_id, "campaign.exploded", {})


async def test_delete_cancels_pending_deliveries(manager: Api, conn, org: Caller) -> None:
    endpoint = await make_endpoint(manager)
    [delivery_id] = await emit(conn, org)
    assert (await manager.delete(f"/v1/webhook-endpoints/{endpoint['id']}")).status == 204
    assert await conn.fetchval("SELECT status FROM webhook_messages WHERE id = $1", delivery_id) == "cancelled"
    assert (await manager.get(f"/v1/webhook-endpoints/{endpoint['id']}")).status == 404
    redo = await manager.post(f"/v1/webhook-deliveries/{delivery_id}/redeliver")
    assert redo.status == 409 and "disabled or deleted" in redo.json["detail"]


async def test_ping_queues_a_delivery_and_redeliver_refuses_pending_and_unknown(manager: Api, client,
                                                                                 make_token) -> None:
    endpoint = await make_endpoint(manager)
    queued = await manager.post(f"/v1/webhook-endpoints/{endpoint['id']}/ping")
    assert queued.status == 202
    assert (queued.json["event_type"], queued.json["status"]) == ("ping", "pending")
    pending = await manager.post(f"/v1/webhook-deliveries/{queued.json['id']}/redeliver")
    assert pending.status == 409 and "still pending" in pending.json["detail"]
    assert (await manager.post(f"/v1/webhook-deliveries/{uuid.uuid4()}/redeliver")).status == 404
    assert (await manager.post("/v1/webhook-deliveries/nope/redeliver")).status == 404
    other = Api(client, await make_token(["webhooks:manage"]))
    assert (await other.post(f"/v1/webhook-deliveries/{queued.json['id']}/redeliver")).status == 404
    [event] = (await manager.get("/v1/audit-events", action="webhook_endpoint.pinged")).json["items"]
    assert event["after"] == {"delivery_id": queued.json["id"]}


async def test_deliveries_are_paged_newest_first_and_filtered(manager: Api, conn, org: Caller) -> None:
    endpoint = await make_endpoint(manager)
    ids = [str(i) for _ in range(3) for i in await emit(conn, org)]
    path = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
    first = await manager.get(path, limit=2)
    second = await manager.get(path, limit=2, cursor=first.json["next_cursor"])
    assert [d["id"] for d in first.json["items"] + second.json["items"]] == ids[::-1]
    assert (await manager.get(path, status="dead")).json["items"] == []
    assert (await manager.get(path, status="lost")).status == 422


async def test_the_audit_log_keeps_the_url_without_its_query_string(manager: Api) -> None:
    await make_endpoint(manager, "https://hr.invalid/hooks?token=receiver-credential")
    [event] = (await manager.get("/v1/audit-events", action="webhook_endpoint.created")).json["items"]
    assert event["after"] == {"url": "https://hr.invalid/hooks", "events": ["campaign.finalised"]}


async def test_metrics_show_outbox_depth_and_age(manager: Api, conn, org: Caller, anon: Api) -> None:
    await make_endpoint(manager)
    await emit(conn, org)
    await emit(conn, org)
    await conn.execute("UPDATE webhook_messages SET created_at = now() - interval '90 seconds'")
    text = (await anon.get("/metrics")).text
    assert "webhook_outbox_pending 2.0" in text
    age = float(re.search(r"^webhook_outbox_oldest_pending_seconds (\S+)$", text, re.M).group(1))
    assert 89 < age < 150
