"""The layout on a real Citus cluster, as `distribute` leaves it: every organisation table distributed by
org_id in one co-location group, the reference tables copied to every node, nothing left on the coordinator
alone but the migrations' own table, and organisations' rows spread over both workers."""

from __future__ import annotations

import asyncpg
import pytest

from service.db import distribution
from tests.cli.test_cli import run_cli
from tests.recruitment.recruitment_support import new_campaign
from tests.support.api import Api

pytestmark = pytest.mark.citus


async def test_every_organisation_table_is_distributed_by_org_id_in_one_colocation_group(
        conn: asyncpg.Connection) -> None:
    tables = {r["relname"] for r in await conn.fetch(
        "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")}
    rows = await conn.fetch("SELECT table_name::text AS name, citus_table_type AS kind, distribution_column AS column,"
                            " colocation_id FROM citus_tables")
    held = {r["name"]: r for r in rows}
    assert set(held) == tables - set(distribution.COORDINATOR_TABLES)  # nothing else, and nothing `local`
    references = {t for t, r in held.items() if r["kind"] == "reference"}
    assert references == set(distribution.REFERENCE_TABLES)
    distributed = {t: r for t, r in held.items() if r["kind"] == "distributed"}
    assert set(distributed) == tables - references - set(distribution.COORDINATOR_TABLES)
    assert {r["column"] for r in distributed.values()} == {"org_id"}
    assert len({r["colocation_id"] for r in distributed.values()}) == 1
    assert "campaigns" in distributed and "scorecards" in distributed and "webhook_messages" in distributed


async def test_the_check_passes_and_a_second_run_changes_nothing(database_url: str) -> None:
    again = await run_cli(database_url, "distribute")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("0 table(s) laid out, 22 already were")
    check = await run_cli(database_url, "distribute", "--check")
    assert check.returncode == 0, check.stderr
    assert "scorecards: distributed by org_id (co-location group" in check.stdout
    assert check.stdout.strip().endswith("the layout is as planned (22 tables)")


async def test_a_table_a_migration_adds_fails_the_check_until_distribute_lays_it_out(
        database_url: str, conn: asyncpg.Connection) -> None:
    """A new organisation table referring to `organisations` is made a Citus local table by Citus itself
    (coordinator only); `distribute` distributes it, keeping its foreign key."""
    await conn.execute("CREATE TABLE notes (org_id uuid NOT NULL REFERENCES organisations (id), id uuid NOT NULL,"
                       " PRIMARY KEY (org_id, id))")
    check = await run_cli(database_url, "distribute", "--check")
    assert check.returncode == 2
    assert "notes: Citus local table (coordinator only), planned as distributed by org_id" in check.stderr
    fixed = await run_cli(database_url, "distribute")
    assert fixed.returncode == 0, fixed.stderr
    assert "notes: distributed by org_id, co-located with" in fixed.stdout
    assert (await run_cli(database_url, "distribute", "--check")).returncode == 0
    assert await conn.fetchval("SELECT count(*) FROM pg_constraint WHERE conrelid = 'notes'::regclass"
                               " AND contype = 'f'") == 1


async def test_a_trigger_citus_cannot_hold_stops_the_command_plainly(database_url: str,
                                                                     conn: asyncpg.Connection) -> None:
    await conn.execute("CREATE TABLE notes (org_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (org_id, id))")
    await conn.execute("CREATE FUNCTION notes_changed() RETURNS trigger LANGUAGE plpgsql AS"
                       " $$ BEGIN PERFORM pg_notify('notes', ''); RETURN NULL; END $$")
    await conn.execute("CREATE TRIGGER notes_changed AFTER INSERT ON notes EXECUTE FUNCTION notes_changed()")
    ran = await run_cli(database_url, "distribute")
    assert ran.returncode == 2
    assert "Citus cannot hold a table with these triggers: notes_changed on notes" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert await conn.fetchval("SELECT count(*) FROM citus_tables WHERE table_name = 'notes'::regclass") == 0


async def test_rows_of_twelve_organisations_are_spread_over_both_workers(make_token, client,
                                                                         conn: asyncpg.Connection) -> None:
    for n in range(12):
        await new_campaign(Api(client, await make_token()), f"SPREAD-{n}")
    orgs = [r["org_id"] for r in await conn.fetch("SELECT DISTINCT org_id FROM campaigns")]
    assert len(orgs) == 12
    ports = [await conn.fetchval("SELECT nodeport FROM citus_shards WHERE shardid ="
                                 " get_shard_id_for_distribution_column('campaigns', $1::uuid)", org) for org in orgs]
    coordinator = await conn.fetchval("SELECT nodeport FROM pg_dist_node WHERE groupid = 0")
    assert coordinator not in ports  # no shard of an organisation table on the coordinator
    assert len(set(ports)) == 2, ports
