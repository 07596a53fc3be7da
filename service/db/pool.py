"""PostgreSQL pool, transactions, and translation of constraint violations into problems."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from service.jsontext import dumps, dumps_bytes
from service.web.problems import Conflict, Problem, ValidationFailed

# Constraint name -> the problem an integrator sees. Keep names in sync with migrations/.
CONSTRAINT_PROBLEMS: dict[str, tuple[type[Problem], str]] = {
    "organisations_code_key": (Conflict, "An organisation with this code already exists"),
    "organisations_code_format": (ValidationFailed, "The code must be 2-12 capital letters or digits (an ODS code)"),
    "webhook_sources_org_name_key": (Conflict, "A webhook source with this name already exists"),
}


_JSONB_VERSION = b"\x01"  # jsonb's binary format: a version byte, then the JSON text


def _jsonb_out(value: Any) -> bytes:
    return _JSONB_VERSION + dumps_bytes(value)


def _jsonb_in(data: bytes) -> Any:
    return json.loads(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("json", encoder=dumps, decoder=json.loads, schema="pg_catalog")
    # jsonb values travel as UTF-8 bytes both ways: no str is made of a written value, nor of a read one.
    await conn.set_type_codec("jsonb", encoder=_jsonb_out, decoder=_jsonb_in, schema="pg_catalog", format="binary")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool connections carry no session state (no SET, LISTEN or session advisory locks), so the
    default reset query on every release would only add a round trip; an unfinished transaction is
    still rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session,
        server_settings={"application_name": "mlcf-assessment"},
    )


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn, server_settings={"application_name": "mlcf-assessment"})
    await _init_connection(conn)
    return conn


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside one transaction; constraint violations become problems."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction():
                yield conn
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise translate(exc) from exc


def translate(exc: asyncpg.IntegrityConstraintViolationError) -> Exception:
    name = getattr(exc, "constraint_name", None) or ""
    if name in CONSTRAINT_PROBLEMS:
        cls, detail = CONSTRAINT_PROBLEMS[name]
        return cls(detail)
    return exc
