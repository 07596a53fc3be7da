"""Requests per API key: a token bucket per key in each web process, 429 with Retry-After when empty."""

from __future__ import annotations

import dataclasses
import uuid

from service.app import create_app
from service.web.rate_limit import RateLimiter
from tests.support.api import Api


def test_a_bucket_lets_a_burst_through_then_refills_at_the_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=6, burst=3, clock=lambda: now[0])  # one request every 10 s
    key, other = uuid.uuid4(), uuid.uuid4()
    assert [limiter.wait(key) for _ in range(3)] == [0, 0, 0]
    assert limiter.wait(key) == 10
    assert limiter.wait(other) == 0  # each key has its own bucket
    now[0] += 4
    assert limiter.wait(key) == 6  # 0.4 of a request refilled, 0.6 to go
    now[0] += 6
    assert (limiter.wait(key), limiter.wait(key)) == (0, 10)
    now[0] += 3600
    assert [limiter.wait(key) for _ in range(4)] == [0, 0, 0, 10]  # never more than the burst saved up


async def test_a_key_over_its_limit_gets_429_with_retry_after_and_others_go_on(config, aiohttp_client,
                                                                                make_token) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(config, rate_limit_per_minute=3)))
    busy, calm = Api(client, await make_token()), Api(client, await make_token())
    assert [(await busy.get("/v1/whoami")).status for _ in range(3)] == [200, 200, 200]
    refused = await busy.get("/v1/audit-events")
    assert refused.status == 429 and refused.content_type == "application/problem+json"
    assert refused.headers["Retry-After"] == "20"
    assert refused.json["limit"] == {"requests_per_minute": 3, "burst": 3}
    assert busy.token not in refused.text
    assert (await calm.get("/v1/whoami")).status == 200
    assert (await Api(client, "mlcf_not-a-key").get("/v1/whoami")).status == 401


async def test_no_limit_unless_configured(api: Api) -> None:
    assert {(await api.get("/v1/whoami")).status for _ in range(50)} == {200}
