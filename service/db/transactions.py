"""Transactions, and the constraint violations an integrator can cause, named by constraint."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import asyncpg

Kind = Literal["conflict", "invalid"]
# Constraint name -> what it means to the caller. Keep names in sync with migrations/.
KNOWN_CONSTRAINTS: dict[str, tuple[Kind, str]] = {
    "organisations_code_key": ("conflict", "An organisation with this code already exists"),
    "organisations_code_format": ("invalid", "The code must be 2-12 capital letters or digits (an ODS code)"),
    "webhook_sources_org_name_key": ("conflict", "A webhook source with this name already exists"),
}


# What a lost or refused database connection raises: the server shut it (pg_terminate_backend, a restart,
# a crash), it is gone, it could not be made, or asyncpg's state for it broke mid-operation.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError, asyncpg.OperatorInterventionError, asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError, ConnectionError)


class ConstraintViolation(Exception):
    """A write broke a constraint the caller can fix (the web edge answers 409 or 422, the CLI an error)."""

    def __init__(self, kind: Kind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


@asynccontextmanager
async def transaction(pool: asyncpg.Pool, *, isolation: str | None = None) -> AsyncIterator[asyncpg.Connection]:
    """A connection inside one transaction (`isolation`: asyncpg's name of a level, e.g. "repeatable_read", for
    one snapshot over many reads); known constraint violations become ConstraintViolation."""
    async with pool.acquire() as conn:
        try:
            async with conn.transaction(isolation=isolation):
                yield conn
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise translate(exc) from exc


def translate(exc: asyncpg.IntegrityConstraintViolationError) -> Exception:
    """The ConstraintViolation of a known constraint; any other violation unchanged (a bug, answered 500)."""
    known = KNOWN_CONSTRAINTS.get(_constraint(exc))
    return ConstraintViolation(*known) if known else exc


_NAMED = re.compile(r'constraint "([^"]+)"')
_SHARD_SUFFIX = re.compile(r"_\d+$")


def _constraint(exc: asyncpg.IntegrityConstraintViolationError) -> str:
    """The violated constraint's name. Citus passes on a worker's error without the field that names it,
    and names a shard's copy of a constraint with the shard's id appended: read from its message then."""
    name = getattr(exc, "constraint_name", None)
    if name:
        return name
    found = _NAMED.search(getattr(exc, "message", "") or "")
    if not found:
        return ""
    return found.group(1) if found.group(1) in KNOWN_CONSTRAINTS else _SHARD_SUFFIX.sub("", found.group(1))
