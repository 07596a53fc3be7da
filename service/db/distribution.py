"""How the schema is laid out across the nodes of a distributed PostgreSQL (Citus): every table holding an
organisation's rows is distributed by `org_id`, all co-located, so that a request (which always names its
organisation) runs on one node; the few tables below are reference tables, copied whole to every node;
`schema_migrations` stays on the coordinator alone. `python -m service distribute` applies the plan."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from service.db import queries

QUERIES = queries.load(__file__, "distribution.sql")
DISTRIBUTION_COLUMN = "org_id"
# Shared by every organisation, or looked up before the organisation is known: an API key by its hash, an
# inbound webhook source by the id in its URL. Small, and rarely written.
REFERENCE_TABLES = ("organisations", "rubric_versions", "api_keys", "webhook_sources")
COORDINATOR_TABLES = ("schema_migrations",)
# Named queries that read across organisations by design, locking nothing (a distributed engine runs them
# on every shard): which organisations have deliveries due, the outbox gauges, and the start-up search for
# endpoint secrets to seal again. Every other query of an organisation's table filters on org_id.
ACROSS_ORGANISATIONS = ("due_organisations", "stats", "webhook_endpoints_to_reseal")


@dataclass(frozen=True)
class Step:
    table: str
    kind: str  # "reference" or "distributed"
    colocate_with: str | None = None  # the first distributed table, for the others

    def __str__(self) -> str:
        if self.kind == "reference":
            return f"{self.table}: reference table"
        if self.colocate_with == self.table:
            return f"{self.table}: distributed by {DISTRIBUTION_COLUMN}"
        return f"{self.table}: distributed by {DISTRIBUTION_COLUMN}, co-located with {self.colocate_with}"


async def plan(conn: asyncpg.Connection) -> list[Step]:
    """Reference tables first, then every organisation table, each after the tables it refers to (a foreign
    key can only be distributed once what it references is)."""
    tables = [r["name"] for r in await conn.fetch(QUERIES["organisation_tables"], DISTRIBUTION_COLUMN)]
    refers = {(r["referencing"], r["referenced"]) for r in await conn.fetch(QUERIES["foreign_keys"])}
    steps = [Step(t, "reference") for t in _dependency_order(list(REFERENCE_TABLES), refers)]
    distributed = _dependency_order([t for t in tables if t not in REFERENCE_TABLES], refers)
    return steps + [Step(t, "distributed", distributed[0]) for t in distributed]


def _dependency_order(tables: list[str], refers: set[tuple[str, str]]) -> list[str]:
    ordered: list[str] = []
    waiting = sorted(tables)
    while waiting:
        ready = [t for t in waiting if not any((t, other) in refers for other in waiting if other != t)]
        if not ready:
            raise ValueError(f"foreign keys between {', '.join(waiting)} form a cycle")
        ordered += ready
        waiting = [t for t in waiting if t not in ready]
    return ordered


class NotCitus(RuntimeError):
    """The database is not a Citus coordinator."""


async def apply(conn: asyncpg.Connection, steps: list[Step]) -> list[Step]:
    """Distribute the tables not distributed yet (so running it again does nothing); the steps taken."""
    if await conn.fetchval(QUERIES["citus_version"]) is None:
        raise NotCitus("the citus extension is not installed in this database: run `CREATE EXTENSION citus` on "
                       "the coordinator first")
    taken = []
    for step in steps:
        if await conn.fetchval(QUERIES["is_distributed"], step.table):
            continue
        if step.kind == "reference":
            await conn.fetchval(QUERIES["create_reference_table"], step.table)
        else:
            colocate = "none" if step.colocate_with == step.table else step.colocate_with
            await conn.fetchval(QUERIES["create_distributed_table"], step.table, DISTRIBUTION_COLUMN, colocate)
        taken.append(step)
    return taken
