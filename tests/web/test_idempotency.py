"""Idempotency-Key on POST: one effect, the stored answer on repeat, 422 on reuse, 409 while in flight."""

from __future__ import annotations

import asyncio

from aiohttp import web

from service.app import create_app
from service.audit import store as audit
from service.web.appkeys import POOL
from service.web.auth import caller
from service.web.bodies import read_json
from service.web.responses import json_response


async def _client(config, aiohttp_client):
    gate = asyncio.Event()

    async def create_thing(request: web.Request) -> web.Response:
        body = await read_json(request)
        if body.get("slow"):
            await gate.wait()
        async with request.app[POOL].acquire() as conn:
            await audit.record(conn, caller(request), "thing.created", "thing", body.get("name", "?"))
            count = await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'thing.created'")
        return json_response({"name": body.get("name"), "count": count}, status=201)

    app = create_app(config)
    app.router.add_post("/v1/things", create_thing)
    return await aiohttp_client(app), gate


async def test_repeat_with_same_body_replays_without_second_effect(config, aiohttp_client, make_token) -> None:
    client, _ = await _client(config, aiohttp_client)
    headers = {"Authorization": f"Bearer {await make_token()}", "Idempotency-Key": "k-1"}
    first = await client.post("/v1/things", json={"name": "a"}, headers=headers)
    again = await client.post("/v1/things", json={"name": "a"}, headers=headers)
    assert first.status == again.status == 201
    assert await first.json() == await again.json() == {"name": "a", "count": 1}
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await client.post("/v1/things", json={"name": "a"}, headers={**headers, "Idempotency-Key": "k-2"})
    assert (await other.json())["count"] == 2
    await client.close()


async def test_same_key_different_body_is_422(config, aiohttp_client, make_token) -> None:
    client, _ = await _client(config, aiohttp_client)
    headers = {"Authorization": f"Bearer {await make_token()}", "Idempotency-Key": "k-1"}
    await client.post("/v1/things", json={"name": "a"}, headers=headers)
    reused = await client.post("/v1/things", json={"name": "b"}, headers=headers)
    assert reused.status == 422
    assert (await reused.json())["errors"][0]["parameter"] == "Idempotency-Key"
    await client.close()


async def test_concurrent_duplicate_is_409(config, aiohttp_client, make_token) -> None:
    client, gate = await _client(config, aiohttp_client)
    headers = {"Authorization": f"Bearer {await make_token()}", "Idempotency-Key": "k-slow"}
    first = asyncio.create_task(client.post("/v1/things", json={"name": "s", "slow": True}, headers=headers))
    await asyncio.sleep(0.2)
    racing = await client.post("/v1/things", json={"name": "s", "slow": True}, headers=headers)
    assert racing.status == 409
    gate.set()
    assert (await first).status == 201
    await client.close()


async def test_keys_are_per_organisation(config, aiohttp_client, make_token) -> None:
    client, _ = await _client(config, aiohttp_client)
    for _ in range(2):
        token = await make_token()
        reply = await client.post("/v1/things", json={"name": "x"},
                                  headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "shared"})
        assert reply.status == 201
        assert "Idempotent-Replayed" not in reply.headers
    await client.close()
