"""What every command shares: the error a user can fix, and one connection in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from service import db
from service.config import Config

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
