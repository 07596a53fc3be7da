"""What every command shares: an error a user can fix, one connection in one transaction, coroutine commands."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from service import db
from service.config import Config
from service.tenants import store as orgs

T = TypeVar("T")


class CommandError(RuntimeError):
    """A command failed for a reason the user can fix; printed without a traceback."""


async def with_conn(config: Config, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work` on a fresh connection inside one transaction (constraint violations become CommandErrors)."""
    conn = await db.connect(config.require_database_url())
    try:
        async with conn.transaction():
            return await work(conn)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise CommandError(str(db.translate(exc))) from None
    finally:
        await conn.close()


async def existing_org(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    """The organisation with this code (any case), or a CommandError that says how to create it."""
    org = await orgs.org_by_code(conn, code.upper())
    if org is None:
        raise CommandError(f"no organisation {code.upper()}; create it with `orgs create`")
    return org


def run_async(coro_fn: Callable[..., Awaitable[Any]]) -> Callable[[Config, argparse.Namespace], int]:
    def command(config: Config, args: argparse.Namespace) -> int:
        return asyncio.run(coro_fn(config, args)) or 0
    return command
