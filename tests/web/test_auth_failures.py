"""Guessing API keys: failed authentications are throttled per client address (AUTH_FAILURES_PER_MINUTE,
AUTH_FAILURES_BURST), on by default; once an address has used its allowance it gets a 429 problem with
Retry-After before any look-up of the key, and a valid key from another address is not affected."""

from __future__ import annotations

import asyncio
import dataclasses

from service.app import create_app
from service.config import Config
from service.tenants.key_cache import KEYS
from service.web.rate_limit import RateLimiter
from tests.support.api import Api


def test_the_throttle_is_on_by_default() -> None:
    config = Config.from_env({})
    assert (config.auth_failures_per_minute, config.auth_failures_burst) == (30, 10)
    assert Config.from_env({"AUTH_FAILURES_PER_MINUTE": "0"}).auth_failures_per_minute == 0


async def test_wrong_keys_from_one_address_are_refused_after_the_burst(config: Config, aiohttp_client,
                                                                       make_token) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(config, auth_failures_per_minute=6,
                                                                 auth_failures_burst=3)))
    guesser = Api(client, "mlcf_not-a-real-key")
    statuses = [(await guesser.get("/v1/whoami")).status for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    refused = await guesser.get("/v1/whoami")
    assert refused.content_type == "application/problem+json" and int(refused.headers["Retry-After"]) >= 1
    assert refused.json["limit"] == {"failed_authentications_per_minute": 6, "burst": 3}
    assert "mlcf_not-a-real-key" not in refused.text
    no_header = await client.get("/v1/whoami")  # without a key at all: the same address, the same allowance
    assert no_header.status == 429
    # A key not yet known to the process waits like any other; one it holds (a client behind the same proxy
    # that has been working all along) still passes.
    assert (await Api(client, await make_token()).get("/v1/whoami")).status == 429


async def test_a_key_the_process_knows_passes_while_its_address_is_throttled(config: Config, aiohttp_client,
                                                                              make_token) -> None:
    app = create_app(dataclasses.replace(config, auth_failures_per_minute=6, auth_failures_burst=1,
                                         api_key_cache_seconds=60))
    client = await aiohttp_client(app)
    good = Api(client, await make_token())
    for _ in range(50):  # the key cache follows changes only once its listener is up
        if app[KEYS].live:
            break
        await asyncio.sleep(0.1)
    assert (await good.get("/v1/whoami")).status == 200
    assert (await Api(client, "mlcf_wrong").get("/v1/whoami")).status == 401
    assert (await Api(client, "mlcf_wrong").get("/v1/whoami")).status == 429
    assert (await good.get("/v1/whoami")).status == 200


def test_buckets_refill_and_are_kept_per_address_within_a_bound() -> None:
    now = [0.0]
    limiter = RateLimiter(60, 2, clock=lambda: now[0], max_keys=3)
    for _ in range(2):
        assert limiter.blocked("10.0.0.1") == 0
        limiter.charge("10.0.0.1")
    assert limiter.blocked("10.0.0.1") == 1
    assert limiter.blocked("10.0.0.2") == 0  # another address is not affected
    now[0] += 1.0
    assert limiter.blocked("10.0.0.1") == 0  # a token a second comes back
    for address in ("a", "b", "c"):
        limiter.charge(address)
        limiter.charge(address)
    assert limiter.blocked("10.0.0.1") == 0  # its bucket was the longest unused of more than three: dropped
