"""POST /v1/hooks/{source_id}: Standard Webhooks verification, exactly-once effects, recorded receipts."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog
from standardwebhooks import Webhook

from service.app import create_app
from service.audit import store as audit
from service.log import configure_logging
from service.web.problems import NotFound
from service.webhooks.inbound import INBOUND_EVENTS, HookContext
from tests.support.api import Api

SECRET_RE = r"^whsec_[A-Za-z0-9+/]+=*$"


def signed(secret: str, body: bytes, msg_id: str | None = None, at: datetime | None = None) -> dict[str, str]:
    """Headers as a sending platform builds them with the reference `standardwebhooks` package."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
            "Content-Type": "application/json"}


def envelope(event_type: str = "ping", data: Any = None, **extra: Any) -> bytes:
    return json.dumps({"type": event_type, "timestamp": "2026-03-01T09:00:00Z",
                       "data": {} if data is None else data, **extra}).encode()


async def make_source(api: Api, name: str = "Appraisal platform") -> dict[str, Any]:
    reply = await api.post("/v1/webhook-sources", {"name": name})
    assert reply.status == 201, reply.text
    return reply.json


async def hook(anon: Api, source: dict[str, Any], body: bytes, headers: dict[str, str] | None = None, **kw: Any):
    return await anon.request("POST", f"/v1/hooks/{source['id']}", data=body,
                              headers=headers if headers is not None else signed(source["secret"], body, **kw),
                              token=None)


async def effects(conn, action: str = "test.effect") -> int:
    return await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = $1", action)


# -- an app with test-only event types whose handlers have a real effect -----------------------------

@pytest.fixture
async def effect_client(config, aiohttp_client):
    failures = {"left": 0}

    async def effect(conn, ctx: HookContext, data: dict[str, Any]) -> dict[str, Any]:
        await audit.record(conn, ctx.caller, "test.effect", "thing", ctx.webhook_id, after=data)
        await asyncio.sleep(0.05)  # hold the transaction open so duplicates really overlap it
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the domain failed half way")
        if data.get("message") == "missing":
            raise NotFound("No appraisal with this external_ref")
        return {"effects": await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'test.effect'")}

    app = create_app(config)
    app[INBOUND_EVENTS].register("test.effect", "events/ping", effect)
    client = await aiohttp_client(app)
    client.failures = failures
    yield client
    await client.close()


# -- the tests ------------------------------------------------------------------------------------

async def test_a_signed_ping_is_accepted_and_recorded(api: Api, anon: Api, conn) -> None:
    source = await make_source(api)
    body = envelope("ping", {"message": "hello"})
    reply = await hook(anon, source, body, msg_id="msg_first")
    assert (reply.status, reply.json) == (200, {"pong": True})

    [receipt] = (await api.get(f"/v1/webhook-sources/{source['id']}/receipts")).json["items"]
    assert receipt | {"id": None, "received_at": None} == {
        "id": None, "received_at": None, "webhook_id": "msg_first", "event_type": "ping",
        "outcome": "accepted", "status": 200, "reason": None}
    [event] = (await api.get("/v1/audit-events", action="webhook.accepted")).json["items"]
    assert event["actor"] == f"webhook-source:{source['id']}"
    assert event["object_id"] == receipt["id"]
    assert 'webhook_receipts_total{outcome="accepted"} 1.0' in (await anon.get("/metrics")).text


async def test_a_repeat_gets_the_original_answer_without_a_second_effect(effect_client, make_token, conn) -> None:
    api, anon = Api(effect_client, await make_token()), Api(effect_client)
    source = await make_source(api)
    body = envelope("test.effect", {"message": "once"})
    headers = signed(source["secret"], body, msg_id="msg_dup")
    first = await hook(anon, source, body, headers)
    later = signed(source["secret"], body, msg_id="msg_dup")  # the sender re-signs its retry
    again = await hook(anon, source, body, later)
    assert (first.status, first.json) == (200, {"effects": 1})
    assert (again.status, again.text) == (first.status, first.text)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await effects(conn) == 1
    reused = envelope("test.effect", {"message": "a different message under the same id"})
    other = await hook(anon, source, reused, signed(source["secret"], reused, msg_id="msg_dup"))
    assert (other.status, other.text) == (first.status, first.text)  # the first message stands
    assert await effects(conn) == 1


async def test_one_hundred_concurrent_duplicates_have_exactly_one_effect(effect_client, make_token, conn) -> None:
    api, anon = Api(effect_client, await make_token()), Api(effect_client)
    source = await make_source(api)
    body = envelope("test.effect", {"message": "race"})
    headers = signed(source["secret"], body, msg_id="msg_race")
    replies = await asyncio.gather(*(hook(anon, source, body, headers) for _ in range(100)))
    assert {(r.status, r.text) for r in replies} == {(200, '{"effects":1}')}
    assert sum("Idempotent-Replayed" not in r.headers for r in replies) == 1
    assert await effects(conn) == 1
    receipts = (await api.get(f"/v1/webhook-sources/{source['id']}/receipts")).json["items"]
    assert [r["webhook_id"] for r in receipts] == ["msg_race"]


@pytest.mark.parametrize(("change", "detail"), [
    ({"webhook-signature": "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="}, "no valid v1 signature"),
    ({"webhook-signature": ""}, "missing header(s): webhook-signature"),
    ({"webhook-id": ""}, "missing header(s): webhook-id"),
    ({"webhook-timestamp": "yesterday"}, "whole seconds"),
])
async def test_bad_or_missing_signatures_are_401_and_leave_no_trace(api: Api, anon: Api, conn, change, detail) -> None:
    source = await make_source(api)
    body = envelope()
    headers = {**signed(source["secret"], body, msg_id="msg_1"), **change}
    reply = await hook(anon, source, body, headers)
    assert reply.status == 401 and detail in reply.json["detail"]
    assert await conn.fetchval("SELECT count(*) FROM webhook_receipts") == 0
    # A forged request cannot take the webhook-id away from the real sender.
    real = await hook(anon, source, body, msg_id="msg_1")
    assert real.status == 200 and "Idempotent-Replayed" not in real.headers


async def test_tampered_body_other_secret_and_stale_or_future_timestamps_are_401(api: Api, anon: Api) -> None:
    source = await make_source(api)
    other = await make_source(api, "Another platform")
    body = envelope("ping", {"message": "a"})
    headers = signed(source["secret"], body)
    assert (await hook(anon, source, envelope("ping", {"message": "b"}), headers)).status == 401
    assert (await hook(anon, source, body, signed(other["secret"], body))).status == 401
    # Timestamps are whole seconds, and a slow machine takes a while between here and the check: 10 s
    # beyond the 5 minutes on either side keeps the test about the tolerance, not the clock.
    now = time.time()
    stale = await hook(anon, source, body, at=datetime.fromtimestamp(now - 310, UTC))
    future = await hook(anon, source, body, at=datetime.fromtimestamp(now + 310, UTC))
    assert (stale.status, future.status) == (401, 401)
    assert "more than 5 minutes old" in stale.json["detail"]
    assert "in the future" in future.json["detail"]
    assert (await hook(anon, source, body, at=datetime.fromtimestamp(now - 240, UTC))).status == 200


async def test_unknown_deleted_or_malformed_sources_are_404(api: Api, anon: Api) -> None:
    source = await make_source(api)
    body = envelope()
    ghost = {"id": str(uuid.uuid4()), "secret": source["secret"]}
    assert (await hook(anon, ghost, body)).status == 404
    assert (await hook(anon, {"id": "not-a-uuid", "secret": source["secret"]}, body)).status == 404
    assert (await api.delete(f"/v1/webhook-sources/{source['id']}")).status == 204
    assert (await hook(anon, source, body)).status == 404


async def test_unknown_type_is_422_recorded_and_replayed(api: Api, anon: Api) -> None:
    source = await make_source(api)
    body = envelope("appraisal.reopened")
    headers = signed(source["secret"], body, msg_id="msg_unknown")
    first = await hook(anon, source, body, headers)
    assert first.status == 422
    known = "appraisal.closed, appraisal.opened, feedback.submitted, ping, survey.response.submitted"
    assert first.json["errors"] == [{"pointer": "/type", "detail": f"must be one of: {known}"}]
    assert "appraisal.reopened" not in first.text  # the type sent is not repeated
    again = await hook(anon, source, body, signed(source["secret"], body, msg_id="msg_unknown"))
    assert (again.status, again.text) == (422, first.text)
    [receipt] = (await api.get(f"/v1/webhook-sources/{source['id']}/receipts", outcome="rejected")).json["items"]
    assert (receipt["event_type"], receipt["status"]) == ("appraisal.reopened", 422)
    assert "not an event type" in receipt["reason"]
    assert (await api.get(f"/v1/webhook-sources/{source['id']}/receipts", outcome="accepted")).json["items"] == []


async def test_invalid_data_is_422_with_pointers_and_never_reaches_the_handler(effect_client, make_token,
                                                                               conn) -> None:
    api, anon = Api(effect_client, await make_token()), Api(effect_client)
    source = await make_source(api)
    body = envelope("test.effect", {"message": 5, "extra": True})
    first = await hook(anon, source, body, msg_id="msg_bad")
    assert first.status == 422
    assert sorted(e["pointer"] for e in first.json["errors"]) == ["/data/extra", "/data/message"]
    again = await hook(anon, source, body, msg_id="msg_bad")
    assert (again.status, again.text) == (422, first.text)
    assert await effects(conn) == 0


@pytest.mark.parametrize(("body", "status", "pointer"), [
    (b'{"type": "ping", "timestamp": "2026-03-01T09:00:00Z"}', 422, "/data"),
    (b'{"type": "ping", "timestamp": "yesterday", "data": {}}', 422, "/timestamp"),
    (b'{"type": "ping", "timestamp": "2026-03-01T09:00:00Z", "data": {}, "id": 1}', 422, "/id"),
    (b'{"type": "ping", ', 400, None),
])
async def test_bad_envelopes_are_refused_and_recorded(api: Api, anon: Api, body, status, pointer) -> None:
    source = await make_source(api)
    reply = await hook(anon, source, body)
    assert reply.status == status
    if pointer:
        assert [e["pointer"] for e in reply.json["errors"]] == [pointer]
    [receipt] = (await api.get(f"/v1/webhook-sources/{source['id']}/receipts")).json["items"]
    assert (receipt["outcome"], receipt["status"], receipt["event_type"]) == ("rejected", status, None)


async def test_json_only(api: Api, anon: Api) -> None:
    source = await make_source(api)
    body = envelope()
    reply = await hook(anon, source, body, {**signed(source["secret"], body), "Content-Type": "text/plain"})
    assert reply.status == 415


async def test_a_refusal_from_the_handler_rolls_back_its_effect_but_is_recorded(effect_client, make_token,
                                                                                conn) -> None:
    api, anon = Api(effect_client, await make_token()), Api(effect_client)
    source = await make_source(api)
    body = envelope("test.effect", {"message": "missing"})
    first = await hook(anon, source, body, msg_id="msg_404")
    assert first.status == 404 and first.json["detail"] == "No appraisal with this external_ref"
    assert await effects(conn) == 0
    again = await hook(anon, source, body, msg_id="msg_404")
    assert (again.status, again.text) == (404, first.text)
    [receipt] = (await api.get(f"/v1/webhook-sources/{source['id']}/receipts")).json["items"]
    assert (receipt["outcome"], receipt["status"]) == ("rejected", 404)


async def test_a_server_error_records_nothing_so_the_senders_retry_is_processed(effect_client, make_token,
                                                                                conn) -> None:
    api, anon = Api(effect_client, await make_token()), Api(effect_client)
    source = await make_source(api)
    effect_client.failures["left"] = 1
    body = envelope("test.effect", {"message": "retry me"})
    failed = await hook(anon, source, body, msg_id="msg_500")
    assert failed.status == 500 and "the domain failed" not in failed.text
    assert await effects(conn) == 0
    assert (await api.get(f"/v1/webhook-sources/{source['id']}/receipts")).json["items"] == []
    retried = await hook(anon, source, body, msg_id="msg_500")
    assert (retried.status, retried.json) == (200, {"effects": 1})


@pytest.fixture
def reset_logging():
    yield
    structlog.reset_defaults()  # the configured stream is pytest's capture, closed after this test


async def test_hooks_ignore_api_keys_and_logs_hold_no_secrets(api: Api, anon: Api, capsys, reset_logging) -> None:
    configure_logging("INFO", "json")
    source = await make_source(api)
    body = envelope("ping", {"message": "private text"})
    headers = signed(source["secret"], body)
    reply = await anon.request("POST", f"/v1/hooks/{source['id']}", data=body,
                               headers={**headers, "Authorization": "Bearer not-a-key"}, token=None)
    assert reply.status == 200
    err = capsys.readouterr().err
    assert '"event": "webhook_received"' in err or '"event":"webhook_received"' in err
    for secret in (source["secret"], headers["webhook-signature"], "private text"):
        assert secret not in err


@pytest.mark.parametrize(("body", "status"), [
    (b'{"type": "ping", "timestamp": "2026-03-01T09:00:00Z", "data": {"n": ' + b"9" * 5000 + b"}}", 400),
    (b'{"type": "ping", "timestamp": "2026-03-01T09:00:00Z", "data": {"\\ud800": 1}}', 422),
])
async def test_a_hostile_but_signed_event_gets_a_recorded_4xx_and_its_retry_the_same(api: Api, anon: Api, body,
                                                                                      status) -> None:
    source = await make_source(api)
    first = await hook(anon, source, body, msg_id="msg_hostile")
    assert (first.status, first.content_type) == (status, "application/problem+json")
    retry = await hook(anon, source, body, msg_id="msg_hostile")  # the sender's retry: the same answer, replayed
    assert (retry.status, retry.text, retry.headers.get("Idempotent-Replayed")) == (status, first.text, "true")
    [receipt] = (await api.get(f"/v1/webhook-sources/{source['id']}/receipts")).json["items"]
    assert (receipt["outcome"], receipt["status"]) == ("rejected", status)
