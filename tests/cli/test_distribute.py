"""`python -m service distribute`: the plan read from the catalogue (reference tables first, then every
organisation table after the tables it refers to, all co-located), and a plain PostgreSQL refused plainly."""

from __future__ import annotations

import asyncpg
import pytest

from service.db import distribution
from tests.cli.test_cli import run_cli
from tests.db.test_keys_lead_with_org import FOREIGN_KEYS


async def test_the_dry_run_lays_out_every_table_in_dependency_order(database_url: str,
                                                                    conn: asyncpg.Connection) -> None:
    ran = await run_cli(database_url, "distribute", "--dry-run")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.strip().splitlines()
    order = [line.split(":", 1)[0] for line in lines]
    tables = {r[0] for r in await conn.fetch("SELECT relname FROM pg_class WHERE relkind = 'r' "
                                             "AND relnamespace = 'public'::regnamespace")}
    assert set(order) == tables - set(distribution.COORDINATOR_TABLES)
    assert order[:len(distribution.REFERENCE_TABLES)] == list(distribution.REFERENCE_TABLES)
    for row in await conn.fetch(FOREIGN_KEYS):  # what a table refers to is laid out before it
        if row["table_name"] != row["referenced"]:
            assert order.index(row["referenced"]) < order.index(row["table_name"]), row["conname"]
    first, *others = lines[len(distribution.REFERENCE_TABLES):]
    first_table = first.split(":", 1)[0]
    assert first == f"{first_table}: distributed by org_id"
    assert others and all(line.endswith(f"distributed by org_id, co-located with {first_table}") for line in others)


@pytest.mark.plain_postgres(reason="needs a database without the citus extension")
async def test_without_citus_it_changes_nothing_and_says_why(database_url: str) -> None:
    for args in ((), ("--check",)):
        ran = await run_cli(database_url, "distribute", *args)
        assert ran.returncode == 2
        assert "the citus extension is not installed" in ran.stderr and "Traceback" not in ran.stderr
