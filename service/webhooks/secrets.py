"""Signing secrets at rest: each sealed for its own row's table and organisation (service/sealing.py),
opened only to sign a delivery or verify a hook, and shown to a caller once, when made."""

from __future__ import annotations

import uuid

import asyncpg
import structlog
from aiohttp import web

from service.sealing import PREFIX, Sealer, Unsealable
from service.webhooks import store

log = structlog.get_logger("service.webhooks")
TABLES = ("webhook_endpoints", "webhook_sources")
SEALER = web.AppKey("sealer", Sealer)  # made from SECRET_KEY and SECRET_KEY_PREVIOUS by webhooks.setup


def context(table: str, org_id: uuid.UUID) -> bytes:
    """What a sealed secret is bound to: a value copied to another table or organisation does not open."""
    return table.encode() + b":" + org_id.bytes


def seal_endpoint_secret(sealer: Sealer, org_id: uuid.UUID, secret: str) -> str:
    return sealer.seal(secret, context("webhook_endpoints", org_id))


def open_endpoint_secret(sealer: Sealer, org_id: uuid.UUID, stored: str) -> str:
    return sealer.open(stored, context("webhook_endpoints", org_id))


def seal_source_secret(sealer: Sealer, org_id: uuid.UUID, secret: str) -> str:
    return sealer.seal(secret, context("webhook_sources", org_id))


def open_source_secret(sealer: Sealer, org_id: uuid.UUID, stored: str) -> str:
    return sealer.open(stored, context("webhook_sources", org_id))


async def reseal(pool: asyncpg.Pool, sealer: Sealer) -> dict[str, int]:
    """Seal again under the current key every secret that is not sealed under it (one kept in plaintext
    from before sealing, or one sealed under a previous SECRET_KEY); how many per table. Safe to run from
    many processes at once: a row is only written if it still holds what was read."""
    current = f"{PREFIX}{sealer.current}:"
    done = dict.fromkeys(TABLES, 0)
    async with pool.acquire() as conn:
        for table in TABLES:
            for row in await store.secrets_to_reseal(conn, table, current):
                try:
                    plaintext = sealer.open(row["secret"], context(table, row["org_id"]))
                except Unsealable as exc:
                    log.error("secret_not_resealed", table=table, id=str(row["id"]), reason=str(exc))
                    continue
                sealed = sealer.seal(plaintext, context(table, row["org_id"]))
                done[table] += await store.reseal_secret(conn, table, row["org_id"], row["id"], row["secret"], sealed)
    return done

