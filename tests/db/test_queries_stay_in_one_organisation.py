"""Every named query of the service (all its `.sql` files but the distribution plan's) touches one
organisation's rows: planned generically (parameters unknown), each scan of an organisation table filters on
`org_id` equal to a parameter, so a distributed engine sharding by organisation routes the query to one
shard. The few reads across organisations by design are named in service/db/distribution.py."""

from __future__ import annotations

import json
import re
from typing import Any

import asyncpg
import pytest

from service.config import ROOT
from service.db import queries
from service.db.distribution import ACROSS_ORGANISATIONS, COORDINATOR_TABLES, REFERENCE_TABLES

CONDITIONS = ("Index Cond", "Filter", "Recheck Cond", "Join Filter", "Hash Cond", "Merge Cond", "TID Cond")
ONE_ORGANISATION = re.compile(r"\borg_id = \$\d+")


CATALOGUE_ONLY = ROOT / "service" / "db" / "distribution.sql"  # reads pg_catalog and calls Citus: no rows of ours


def named_queries() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(set((ROOT / "service").rglob("*.sql")) - {CATALOGUE_ONLY}):
        for name, sql in queries.parse(path.read_text(encoding="utf-8"), str(path)).items():
            found[f"{path.relative_to(ROOT)}:{name}"] = sql
    return found


def scans(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(table, its conditions) of every scan of a table in the plan; a bitmap scan's index conditions count."""
    found = []
    if "Relation Name" in node and node["Node Type"] != "ModifyTable":
        conditions = [str(node.get(key, "")) for key in CONDITIONS]
        conditions += [json.dumps(child) for child in node.get("Plans", []) if child["Node Type"].startswith("Bitmap")]
        found.append((node["Relation Name"], " ".join(conditions)))
    for child in node.get("Plans", []):
        found += scans(child)
    return found


async def tables_beyond_one_organisation(conn: asyncpg.Connection, sql: str) -> list[str]:
    """The organisation tables a generic plan of the query scans without fixing org_id."""
    statement = await conn.prepare(sql)
    arguments = len(statement.get_parameters())
    await conn.execute(f"PREPARE probe AS {sql}")
    try:
        nulls = f"({', '.join(['NULL'] * arguments)})" if arguments else ""
        [plan] = await conn.fetchval(f"EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE probe{nulls}")  # json decoded
    finally:
        await conn.execute("DEALLOCATE probe")
    shared = REFERENCE_TABLES + COORDINATOR_TABLES
    return sorted({table for table, conditions in scans(plan["Plan"])
                   if table not in shared and not ONE_ORGANISATION.search(conditions)})


@pytest.mark.plain_postgres(reason="reads plain PostgreSQL's plans; on Citus a query's plan is the cluster's")
async def test_every_query_touches_one_organisation(conn: asyncpg.Connection) -> None:
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    # the check itself: a lookup by id alone is caught, the same with org_id is not
    assert await tables_beyond_one_organisation(conn, "SELECT * FROM candidates WHERE id = $1") == ["candidates"]
    assert await tables_beyond_one_organisation(conn, "SELECT * FROM candidates c JOIN scorecards s ON "
                                                "s.org_id = c.org_id AND s.candidate_id = c.id "
                                                "WHERE c.org_id = $1 AND c.id = $2") == []
    found = named_queries()
    across = {key: await tables_beyond_one_organisation(conn, sql) for key, sql in found.items()}
    beyond = {key: tables for key, tables in across.items() if tables and key.rsplit(":", 1)[1]
              not in ACROSS_ORGANISATIONS}
    assert not beyond, beyond
    by_design = sorted(key.rsplit(":", 1)[1] for key, tables in across.items() if tables)
    assert by_design == sorted(ACROSS_ORGANISATIONS), "a query named as reading across organisations no longer does"
    print(f"queries: {len(found)} named queries planned; {len(found) - len(by_design)} touch one organisation, "
          f"{len(by_design)} read across organisations by design ({', '.join(by_design)})")
