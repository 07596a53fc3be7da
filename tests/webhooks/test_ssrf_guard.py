"""The SSRF guard when connecting, with listeners on loopback addresses that are not allow-listed.

Every URL here names a loopback address, so even a broken guard could only reach these listeners;
each listener then proves that nothing arrived. The endpoints are written straight to the database,
as if they had been created before the policy tightened, so the worker's own checks are what is tested.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from service.tenants.domain.callers import Caller
from service.webhooks import store
from service.webhooks.domain.signing import new_secret
from service.webhooks.guarded_session import BlockedAddress, delivery_session
from tests.support.receiver import Listener
from tests.webhooks.conftest import emit

ONLY_127_0_0_1 = ("127.0.0.1",)


@pytest.fixture
async def listeners() -> AsyncIterator[dict[str, Listener]]:
    v4 = await Listener("127.0.0.1").start()
    started = {"127.0.0.1": v4, "::1": await Listener("::1", v4.port).start(),
               "127.0.0.2": await Listener("127.0.0.2", v4.port).start()}
    yield started
    for listener in started.values():
        await listener.stop()


async def endpoint_at(conn, org: Caller, url: str) -> None:
    await store.create_endpoint(conn, org.org_id, url=url, events=["campaign.finalised"], description="",
                                secret=new_secret())


@pytest.mark.parametrize(("template", "reason"), [
    ("https://127.0.0.2:{port}/hooks", "127.0.0.2 is a loopback address"),
    ("http://127.0.0.2:{port}/hooks", "127.0.0.2 is a loopback address"),
    ("http://localhost:{port}/hooks", "must use https"),
    ("https://[::1]:{port}/hooks", "::1 is a loopback address"),
    ("http://2130706433:{port}/hooks", "127.0.0.1 is a loopback address"),
    ("https://0x7f000001:{port}/hooks", "127.0.0.1 is a loopback address"),
    ("https://0177.0.0.1:{port}/hooks", "127.0.0.1 is a loopback address"),
    ("https://127.1:{port}/hooks", "127.0.0.1 is a loopback address"),
    ("https://[::ffff:127.0.0.1]:{port}/hooks", "IPv4-mapped"),
    ("https://localhost:{port}/hooks", "localhost resolves only to addresses webhooks may not reach"),
])
async def test_refused_destinations_are_never_connected_to(
        conn, org, make_worker, listeners, template: str, reason: str) -> None:
    await endpoint_at(conn, org, template.format(port=listeners["127.0.0.1"].port))
    await emit(conn, org)
    async with make_worker(allowed_hosts=ONLY_127_0_0_1) as worker:
        assert await worker.run_burst() == 4
    attempts = await conn.fetch("SELECT outcome, error FROM webhook_attempts ORDER BY attempt_no")
    assert [a["outcome"] for a in attempts] == ["blocked"] * 4
    assert reason in attempts[0]["error"]
    assert "127.0.0.1 is" not in attempts[0]["error"] or "localhost" not in template  # no internal DNS answers
    assert await conn.fetchval("SELECT status FROM webhook_messages") == "dead"
    assert {host: listener.connections for host, listener in listeners.items()} == {
        "127.0.0.1": 0, "::1": 0, "127.0.0.2": 0}


async def test_the_same_worker_reaches_an_allow_listed_host(conn, org, make_worker, listeners) -> None:
    """The control: these listeners do see a connection when the destination is allowed."""
    await endpoint_at(conn, org, f"http://localhost:{listeners['127.0.0.1'].port}/hooks")
    await emit(conn, org)
    async with make_worker(allowed_hosts=("localhost",)) as worker:
        await worker.run_once()
    assert listeners["127.0.0.1"].connections == 1
    assert await conn.fetchval("SELECT outcome FROM webhook_attempts") == "connection_error"  # it never answers


async def test_the_resolver_filters_the_addresses_aiohttp_would_dial(listeners) -> None:
    port = listeners["127.0.0.1"].port
    async with delivery_session(ONLY_127_0_0_1, timeout=5, limit=4) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as caught:
            await session.post(f"http://localhost:{port}/")
        assert isinstance(caught.value.os_error, BlockedAddress)
    async with delivery_session(("localhost",), timeout=5, limit=4) as session:
        with pytest.raises(aiohttp.ClientError):  # allowed: connects, and the listener hangs up
            await session.post(f"http://localhost:{port}/")
    assert listeners["127.0.0.1"].connections == 1
