"""Delivering to a real receiver on 127.0.0.1: signatures, retries, dead letters, 410, Retry-After, redirects."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiohttp import web
from standardwebhooks import Webhook

from service.web.metrics import Metrics
from tests.support.receiver import Listener, Receiver, closed_port
from tests.webhooks.conftest import deliveries, emit, subscribe


async def test_a_delivery_is_signed_so_the_standardwebhooks_package_verifies_it(
        manager, conn, org, make_worker, receiver: Receiver) -> None:
    endpoint = await subscribe(manager, receiver.url)
    [delivery_id] = await emit(conn, org, data={"campaign_id": "c-7", "ranking": [{"rank": 1}]})
    async with make_worker() as worker:
        assert await worker.run_burst() == 1
    [got] = receiver.received
    payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert payload["type"] == "campaign.finalised"
    assert payload["data"] == {"campaign_id": "c-7", "ranking": [{"rank": 1}]}
    assert got.headers["webhook-id"] == str(delivery_id)
    assert got.headers["content-type"] == "application/json"
    assert got.path == "/hooks"
    [listed] = await deliveries(manager, endpoint)
    assert (listed["status"], listed["attempt_count"], listed["last_status"]) == ("delivered", 1, 200)
    assert listed["delivered_at"] and listed["next_attempt_at"] is None
    [attempt] = listed["attempts"]
    assert (attempt["attempt_no"], attempt["outcome"], attempt["status_code"], attempt["error"]) == (
        1, "success", 200, None)
    assert attempt["response_excerpt"] == "ok"


async def test_two_500s_then_200_is_delivered_on_the_third_attempt_with_the_same_id_and_bytes(
        manager, conn, org, make_worker, receiver: Receiver) -> None:
    receiver.script = [web.Response(status=500, text="boom"), web.Response(status=500)]
    endpoint = await subscribe(manager, receiver.url)
    [delivery_id] = await emit(conn, org)
    async with make_worker() as worker:
        assert await worker.run_burst() == 3
    assert len(receiver.received) == 3
    assert {r.headers["webhook-id"] for r in receiver.received} == {str(delivery_id)}
    assert len({r.body for r in receiver.received}) == 1
    for got in receiver.received:
        Webhook(endpoint["secret"]).verify(got.body, got.headers)
    [listed] = await deliveries(manager, endpoint)
    assert listed["status"] == "delivered"
    assert [(a["attempt_no"], a["outcome"], a["status_code"]) for a in listed["attempts"]] == [
        (1, "http_error", 500), (2, "http_error", 500), (3, "success", 200)]
    assert listed["attempts"][0]["error"] == "HTTP 500" and listed["attempts"][0]["response_excerpt"] == "boom"


async def test_a_receiver_that_is_down_is_retried_on_the_schedule_then_dead(
        manager, conn, org, make_worker) -> None:
    endpoint = await subscribe(manager, f"http://127.0.0.1:{closed_port()}/hooks")
    await emit(conn, org)
    metrics = Metrics()
    async with make_worker(metrics=metrics) as worker:
        assert await worker.run_burst() == 4  # the first attempt and three retries (schedule 0,0,0)
    [listed] = await deliveries(manager, endpoint, status="dead")
    assert [a["outcome"] for a in listed["attempts"]] == ["connection_error"] * 4
    assert "Cannot connect" in listed["attempts"][0]["error"]
    assert metrics.registry.get_sample_value("webhook_delivery_attempts_total", {"outcome": "connection_error"}) == 4
    async with make_worker() as worker:
        assert await worker.run_burst() == 0  # dead stays dead


async def test_the_schedule_spaces_retries_with_jitter(manager, conn, org, make_worker) -> None:
    await subscribe(manager, f"http://127.0.0.1:{closed_port()}/hooks")
    [delivery_id] = await emit(conn, org)
    async with make_worker(schedule=(600, 3600), rand=lambda: 0.0) as worker:
        assert await worker.run_burst() == 1  # the retry is not due yet
    wait = await conn.fetchval("SELECT extract(epoch FROM next_attempt_at - last_attempt_at) FROM webhook_messages"
                               " WHERE id = $1", delivery_id)
    assert 475 < wait < 485  # 600 s shrunk by the full 20 % jitter (rand = 0)


async def test_410_gone_disables_the_endpoint_and_cancels_what_is_pending(
        manager, conn, org, make_worker, receiver: Receiver) -> None:
    receiver.script = [web.Response(status=410)]
    endpoint = await subscribe(manager, receiver.url)
    first, second = await emit(conn, org, count=2)
    async with make_worker() as worker:
        assert await worker.run_once(limit=1) == 1
        assert await worker.run_burst() == 0
    state = (await manager.get(f"/v1/webhook-endpoints/{endpoint['id']}")).json
    assert (state["status"], state["disabled_reason"]) == ("disabled", "the endpoint answered 410 Gone")
    listed = {d["id"]: d for d in await deliveries(manager, endpoint)}
    assert (listed[str(first)]["status"], listed[str(first)]["attempts"][0]["outcome"]) == ("dead", "gone")
    assert (listed[str(second)]["status"], listed[str(second)]["attempts"]) == ("cancelled", [])
    assert await emit(conn, org) == []
    assert (await manager.post(f"/v1/webhook-endpoints/{endpoint['id']}/ping")).status == 409
    assert (await manager.post(f"/v1/webhook-deliveries/{first}/redeliver")).status == 409
    [audited] = (await manager.get("/v1/audit-events", action="webhook_endpoint.disabled")).json["items"]
    assert audited["actor"] == "webhook-worker" and audited["object_id"] == endpoint["id"]
    assert len(receiver.received) == 1


async def test_retry_after_in_seconds_or_as_a_date_is_honoured(
        manager, conn, org, make_worker, receiver: Receiver) -> None:
    in_90s = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    receiver.script = [web.Response(status=503, headers={"Retry-After": "120"}),
                       web.Response(status=429, headers={"Retry-After": in_90s})]
    await subscribe(manager, receiver.url)
    first, second = await emit(conn, org, count=2)
    async with make_worker() as worker:
        assert await worker.run_once(limit=1) == 1
        assert await worker.run_once(limit=1) == 1
        assert await worker.run_burst() == 0  # both wait although the schedule says retry at once
    rows = {r["id"]: r for r in await conn.fetch(
        "SELECT id, status, extract(epoch FROM next_attempt_at - now()) AS wait FROM webhook_messages")}
    assert rows[first]["status"] == rows[second]["status"] == "pending"
    assert 110 < rows[first]["wait"] <= 120
    assert 78 < rows[second]["wait"] <= 90
    assert len(receiver.received) == 2


async def test_a_redirect_is_a_failure_and_is_never_followed(
        manager, conn, org, make_worker, receiver: Receiver) -> None:
    elsewhere = await Receiver().start()            # allow-listed: a followed redirect would land here
    hidden = await Listener("127.0.0.2").start()    # not allow-listed: nor here
    try:
        receiver.script = [web.Response(status=307, headers={"Location": elsewhere.url}),
                           web.Response(status=302, headers={"Location": f"http://127.0.0.2:{hidden.port}/"}),
                           web.Response(status=301, headers={"Location": f"http://127.0.0.2:{hidden.port}/"}),
                           web.Response(status=308, headers={"Location": elsewhere.url})]
        endpoint = await subscribe(manager, receiver.url)
        await emit(conn, org)
        async with make_worker() as worker:
            assert await worker.run_burst() == 4
        [listed] = await deliveries(manager, endpoint)
        assert listed["status"] == "dead"
        assert [(a["outcome"], a["status_code"]) for a in listed["attempts"]] == [
            ("redirect", 307), ("redirect", 302), ("redirect", 301), ("redirect", 308)]
        assert len(receiver.received) == 4
        assert elsewhere.received == [] and hidden.connections == 0
    finally:
        await elsewhere.stop()
        await hidden.stop()


async def test_redeliver_sends_the_same_message_again(manager, conn, org, make_worker, receiver: Receiver) -> None:
    endpoint = await subscribe(manager, receiver.url)
    [delivery_id] = await emit(conn, org)
    async with make_worker() as worker:
        await worker.run_burst()
        again = await manager.post(f"/v1/webhook-deliveries/{delivery_id}/redeliver")
        assert again.status == 202 and again.json["status"] == "pending"
        assert [a["attempt_no"] for a in again.json["attempts"]] == [1]
        assert await worker.run_burst() == 1
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery_id)
    assert first.body == second.body
    [listed] = await deliveries(manager, endpoint)
    assert (listed["status"], [a["attempt_no"] for a in listed["attempts"]]) == ("delivered", [1, 2])


async def test_ping_reaches_the_endpoint_whatever_it_subscribes_to(
        manager, make_worker, receiver: Receiver) -> None:
    endpoint = await subscribe(manager, receiver.url, ("candidate.moderation_required",))
    queued = await manager.post(f"/v1/webhook-endpoints/{endpoint['id']}/ping")
    async with make_worker() as worker:
        assert await worker.run_burst() == 1
    [got] = receiver.received
    body = json.loads(got.body)
    assert (body["type"], got.headers["webhook-id"]) == ("ping", queued.json["id"])
    assert body["data"] == {"message": "Test event from the MLCF assessment service"}
