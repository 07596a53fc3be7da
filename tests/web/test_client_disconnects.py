"""A client that goes away in the middle of its body is counted as such: no database outage is logged or
counted (a 499 in the request metrics, `client_disconnected` in the log), and the next request is served."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from tests.support.serving import served


async def test_a_client_leaving_mid_body_is_not_a_database_outage(database_url: str, make_token) -> None:
    token = await make_token(["recruitment:write", "recruitment:read", "rubrics:read"])
    async with served(database_url, LOG_LEVEL="DEBUG") as server:
        for _ in range(3):
            _, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(("POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          f"Authorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n").encode()
                         + b'{"reference": "half')
            await writer.drain()
            await asyncio.sleep(0.3)
            writer.transport.abort()  # gone, without the rest of its body
        await asyncio.sleep(0.5)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{server.base}/metrics") as r:
                metrics = await r.text()
            async with http.get(f"{server.base}/readyz") as r:
                assert r.status == 200
    lines = [json.loads(line) for line in bytes(server.log).decode().splitlines() if line.startswith("{")]
    events = [line.get("event") for line in lines]
    assert events.count("client_disconnected") == 3
    assert "database_unavailable" not in events
    assert 'status="499"' in metrics and 'status="503"' not in metrics
