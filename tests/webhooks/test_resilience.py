"""At least once: worker crashes (lease expiry), two workers, graceful stop, NOTIFY and polling, lost connections."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
import time
from collections import Counter

import aiohttp
import pytest
from aiohttp import web

from service import db
from service.app import create_app
from service.config import ROOT
from service.webhooks import WORKER
from tests.conftest import SECRET_KEY
from tests.support.api import Api
from tests.support.receiver import Receiver, closed_port
from tests.support.waiting import eventually
from tests.webhooks.conftest import deliveries, emit, subscribe


def hang_until(release: asyncio.Event):
    async def answer() -> web.Response:
        await release.wait()
        return web.Response(text="late")
    return answer


@pytest.mark.slow
async def test_a_worker_killed_mid_delivery_is_covered_by_another_after_its_lease(
        manager, conn, org, database_url, make_worker, receiver: Receiver) -> None:
    release = asyncio.Event()
    receiver.script = [hang_until(release)]
    endpoint = await subscribe(manager, receiver.url)
    [delivery_id] = await emit(conn, org)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
           "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
           "WEBHOOK_RETRY_SCHEDULE": "0,0,0", "LOG_FORMAT": "console"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "service", "worker", "--lease", "3",
                                                cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    try:
        await receiver.wait_for(1, within=30)  # the doomed worker's request is in flight
        proc.kill()
        await proc.wait()
        async with make_worker() as rescuer:
            assert await rescuer.run_burst() == 0  # still leased to the dead worker
            claimed_until = await conn.fetchval("SELECT claimed_until FROM webhook_messages")
            assert claimed_until is not None
            assert await eventually(rescuer.run_burst, within=10, every=0.2) == 1
    finally:
        release.set()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(delivery_id)
    assert first.body == second.body
    [listed] = await deliveries(manager, endpoint)
    assert listed["status"] == "delivered"
    assert [(a["attempt_no"], a["outcome"]) for a in listed["attempts"]] == [(1, "success")]


async def test_two_workers_on_one_database_never_send_the_same_attempt_twice(
        manager, conn, org, database_url, make_worker, receiver: Receiver) -> None:
    await subscribe(manager, receiver.url)
    ids = await emit(conn, org, count=200)
    other_pool = await db.create_pool(database_url, min_size=1, max_size=4)
    try:
        async with make_worker(concurrency=8, name="w1") as one, \
                make_worker(pool=other_pool, concurrency=8, name="w2") as two:
            sent = await asyncio.gather(one.run_burst(), two.run_burst())
    finally:
        await other_pool.close()
    assert sum(sent) == 200
    seen = Counter(r.headers["webhook-id"] for r in receiver.received)
    assert set(seen) == {str(i) for i in ids} and set(seen.values()) == {1}
    by_worker = dict(await conn.fetch("SELECT worker, count(*) FROM webhook_attempts GROUP BY worker"))
    assert sum(by_worker.values()) == 200
    assert await conn.fetchval("SELECT count(*) FROM webhook_messages WHERE status = 'delivered'") == 200


async def test_a_graceful_stop_gives_claimed_messages_back_at_once(
        manager, conn, org, make_worker, receiver: Receiver) -> None:
    release = asyncio.Event()
    receiver.script = [hang_until(release)]
    endpoint = await subscribe(manager, receiver.url)
    await emit(conn, org)
    try:
        async with make_worker(grace=0.2) as worker:  # the default 60 s lease would block a rescuer
            running = asyncio.create_task(worker.run())
            await receiver.wait_for(1)
            worker.stop()
            await asyncio.wait_for(running, 5)
        row = await conn.fetchrow("SELECT status, claimed_until, claim_token, total_attempts FROM webhook_messages")
        assert dict(row) == {"status": "pending", "claimed_until": None, "claim_token": None, "total_attempts": 0}
        async with make_worker() as rescuer:
            assert await rescuer.run_burst() == 1
    finally:
        release.set()
    [listed] = await deliveries(manager, endpoint)
    assert listed["status"] == "delivered" and len(receiver.received) == 2


async def test_notify_wakes_a_running_worker_at_once(manager, conn, org, make_worker, receiver: Receiver) -> None:
    await subscribe(manager, receiver.url)
    async with make_worker(poll_interval=60) as worker:  # only a NOTIFY can wake it in time
        running = asyncio.create_task(worker.run())
        await asyncio.sleep(0.3)  # let it LISTEN
        started = time.monotonic()
        await emit(conn, org)
        await receiver.wait_for(1, within=5)
        assert time.monotonic() - started < 2
        worker.stop()
        await running


async def test_polling_delivers_without_notify(manager, conn, org, make_worker, receiver: Receiver) -> None:
    await subscribe(manager, receiver.url)
    async with make_worker(dsn=None, poll_interval=0.2) as worker:  # no LISTEN connection at all
        running = asyncio.create_task(worker.run())
        await emit(conn, org)
        await receiver.wait_for(1, within=5)
        worker.stop()
        await running


async def test_deliveries_continue_after_the_database_drops_every_connection(
        manager, conn, org, make_worker, receiver: Receiver, database_url: str) -> None:
    await subscribe(manager, receiver.url)
    async with make_worker(poll_interval=0.3) as worker:
        running = asyncio.create_task(worker.run())
        await emit(conn, org)
        await receiver.wait_for(1)
        for round_ in range(1, 4):
            dropped = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")
            assert dropped >= 2  # the LISTEN connection and the pool's
            await emit(conn, org)
            await receiver.wait_for(1 + round_, within=15)
            assert not running.done()  # the loop outlives whatever the dying connections raise
        worker.stop()
        await running
    assert await conn.fetchval("SELECT count(*) FROM webhook_messages WHERE status = 'delivered'") == 4


async def test_make_run_delivers_in_process_and_stops_with_the_app(
        config, aiohttp_client, make_token, org, conn, receiver: Receiver) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(config, run_worker=True)))
    manager = Api(client, await make_token(["webhooks:manage"], org=org))
    endpoint = await subscribe(manager, receiver.url)
    queued = await manager.post(f"/v1/webhook-endpoints/{endpoint['id']}/ping")
    await receiver.wait_for(1, within=5)
    assert receiver.received[0].headers["webhook-id"] == queued.json["id"]
    worker = client.app[WORKER]
    await client.close()
    assert worker.stopping and worker.in_flight == 0
    status = await eventually(lambda: conn.fetchval("SELECT status FROM webhook_messages"))
    assert status == "delivered"


async def test_worker_burst_on_the_command_line(manager, conn, org, database_url, receiver: Receiver) -> None:
    await subscribe(manager, receiver.url)
    await emit(conn, org, count=3)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
           "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
           "LOG_FORMAT": "console"}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "service", "worker", "--burst", cwd=ROOT,
                                                env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip() == "attempted 3 delivery(ies)"
    assert len(receiver.received) == 3


@pytest.mark.slow
async def test_sigterm_lets_the_worker_process_finish_in_flight_work_and_exit(
        manager, conn, org, database_url, receiver: Receiver) -> None:
    async def slow() -> web.Response:
        await asyncio.sleep(1.0)
        return web.Response(text="took a while")
    receiver.script = [slow]
    endpoint = await subscribe(manager, receiver.url)
    await emit(conn, org)
    metrics_port = closed_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
           "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "HOST": "127.0.0.1",
           "LOG_FORMAT": "console"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "worker", "--metrics-port", str(metrics_port), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        await receiver.wait_for(1, within=30)
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{metrics_port}/metrics") as reply:
            assert "webhook_outbox_pending" in await reply.text()
        proc.send_signal(signal.SIGTERM)  # mid-request: the answer is still a second away
        _, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    [listed] = await deliveries(manager, endpoint)
    assert listed["status"] == "delivered"
    assert listed["attempts"][0]["response_excerpt"] == "took a while"


async def test_a_receiver_down_for_a_while_gets_every_message_once_it_is_back(manager, conn, org,
                                                                             make_worker) -> None:
    port = closed_port()
    endpoint = await subscribe(manager, f"http://127.0.0.1:{port}/hooks")
    ids = {str(i) for i in await emit(conn, org, count=30)}
    async with make_worker(schedule=(0.3,) * 30, poll_interval=0.2) as worker:
        running = asyncio.create_task(worker.run())
        try:
            await asyncio.sleep(2.0)  # down: every attempt so far is a refused connection
            failed = await conn.fetchval("SELECT count(*) FROM webhook_attempts WHERE outcome = 'connection_error'")
            receiver = await Receiver(port=port).start()
            try:
                assert await eventually(lambda: conn.fetchval(
                    "SELECT count(*) = 30 FROM webhook_messages WHERE status = 'delivered'"), within=20)
            finally:
                await receiver.stop()
        finally:
            worker.stop()
            await running
    assert failed >= 30
    assert {r.headers["webhook-id"] for r in receiver.received} == ids
    listed = await deliveries(manager, endpoint, limit=100)
    assert {d["status"] for d in listed} == {"delivered"}
    print(f"receiver down: {failed} refused attempts, then all {len(ids)} messages delivered "
          f"({len(receiver.received)} requests)")
