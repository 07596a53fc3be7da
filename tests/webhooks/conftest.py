"""Worker fixtures: an organisation with a webhooks key, a pool, workers on a short schedule, receivers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest

from service import db
from service.config import Config
from service.sealing import Sealer
from service.tenants.domain.callers import Caller
from service.webhooks import events
from service.webhooks.worker import Worker
from tests.support.api import Api
from tests.support.receiver import Receiver

ALLOWED = ("127.0.0.1", "localhost")


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await db.create_pool(database_url, min_size=1, max_size=8)
    yield created
    await created.close()


@pytest.fixture
def make_worker(pool: asyncpg.Pool, database_url: str, config: Config) -> Callable[..., Worker]:
    def make(**overrides: Any) -> Worker:
        use = overrides.pop("pool", pool)
        options: dict[str, Any] = {"sealer": Sealer(config.secret_keys), "allowed_hosts": ALLOWED,
                                   "schedule": (0, 0, 0), "dsn": database_url,
                                   "rand": lambda: 0.5, **overrides}
        return Worker(use, **options)
    return make


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.stop()


async def subscribe(manager: Api, url: str, event_types: tuple[str, ...] = ("campaign.finalised",)) -> dict:
    reply = await manager.post("/v1/webhook-endpoints", {"url": url, "events": list(event_types)})
    assert reply.status == 201, reply.text
    return reply.json


async def emit(conn: asyncpg.Connection, org: Caller, count: int = 1, event_type: str = "campaign.finalised",
               data: dict[str, Any] | None = None) -> list[uuid.UUID]:
    ids: list[uuid.UUID] = []
    async with conn.transaction():
        for n in range(count):
            ids += await events.emit(conn, org.org_id, event_type, data or {"campaign_id": f"c-{n}"})
    return ids


async def deliveries(manager: Api, endpoint: dict, **params: Any) -> list[dict]:
    reply = await manager.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", **params)
    assert reply.status == 200
    return reply.json["items"]
