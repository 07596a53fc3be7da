"""Forward-only numbered SQL migrations, applied once each under an advisory lock."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import sqlparse

from service.config import ROOT
from service.db import distribution

MIGRATIONS_DIR = ROOT / "migrations"
ADVISORY_LOCK_KEY = 7_301_955_214  # arbitrary, constant: "mlcf migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    """The migrations directory and the database disagree."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str
    checksum: str = field(init=False)  # SHA-256 of `sql`, computed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "checksum", hashlib.sha256(self.sql.encode()).hexdigest())

    def statements(self) -> list[str]:
        """The file's statements, to send one at a time: on Citus a DDL command is passed on to every shard,
        and some are passed on as the text they were sent in, which must then hold that command alone."""
        return [s for s in sqlparse.split(self.sql) if sqlparse.format(s, strip_comments=True).strip()]


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_case.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version} is used twice")
        found[version] = Migration(version, match.group(2), path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


async def applied(conn: asyncpg.Connection) -> dict[int, str]:
    exists = await conn.fetchval("SELECT to_regclass('public.schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    return {r["version"]: r["checksum"] for r in rows}


def check(migrations: list[Migration], done: dict[int, str]) -> list[Migration]:
    """The migrations still to apply; raises if an applied file changed or vanished."""
    known = {m.version: m for m in migrations}
    for version, checksum in sorted(done.items()):
        if version not in known:
            raise MigrationError(f"migration {version:04d} is applied but its file is missing")
        if known[version].checksum != checksum:
            raise MigrationError(
                f"migration {version:04d}_{known[version].name}.sql was changed after it was "
                "applied; add a new migration instead")
    return [m for m in migrations if m.version not in done]


async def migrate(conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply pending migrations; safe when many processes start at once. Returns versions applied."""
    migrations = discover(directory)
    await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())")
        pending = check(migrations, await applied(conn))
        # On a distributed database, each migration's new tables are laid out before the next one runs (which
        # may then refer to them).
        laid_out = await distribution.is_laid_out(conn)
        for migration in pending:
            async with conn.transaction():
                for statement in migration.statements():
                    await conn.execute(statement)
                if laid_out:
                    await distribution.apply(conn, await distribution.plan(conn))
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version, migration.name, migration.checksum)
        return [m.version for m in pending]
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)


async def pending_count(conn: asyncpg.Connection, migrations: list[Migration]) -> int:
    """How many of `migrations` (as discover() found them) the database has not applied."""
    return len(check(migrations, await applied(conn)))
