"""How the schema is laid out across the nodes of a distributed PostgreSQL (Citus): every table holding an
organisation's rows is distributed by `org_id`, all co-located, so that a request (which always names its
organisation) runs on one node; the few tables below are reference tables, copied whole to every node;
`schema_migrations` stays on the coordinator alone. `python -m service distribute` applies the plan and
`distribute --check` compares the layout with it."""

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
# Triggers that only refuse a change: Citus runs them on every node holding the table, which is safe for a
# trigger that raises an error and writes nothing. Any other trigger on a table to lay out stops the command
# (a trigger that notifies or writes cannot run inside Citus's two-phase commit).
GUARD_TRIGGERS = frozenset({"rubric_versions_no_update"})
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


@dataclass(frozen=True)
class Placement:
    """What Citus holds a table as: "distributed", "reference", "local" (in Citus's metadata, on the
    coordinator only), or "plain" (not in its metadata)."""
    table: str
    kind: str
    column: str | None = None
    colocation: int | None = None

    def __str__(self) -> str:
        if self.kind == "distributed":
            return f"{self.table}: distributed by {self.column} (co-location group {self.colocation})"
        if self.kind == "reference":
            return f"{self.table}: reference table"
        if self.kind == "local":
            return f"{self.table}: Citus local table (coordinator only)"
        return f"{self.table}: not laid out (coordinator only)"


class LayoutError(RuntimeError):
    """The database cannot be laid out as planned, or is not laid out as planned; the message says why."""


async def plan(conn: asyncpg.Connection) -> list[Step]:
    """Reference tables first, then every organisation table, each after the tables it refers to."""
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


async def layout(conn: asyncpg.Connection) -> dict[str, Placement]:
    """Every table of the public schema as Citus holds it now."""
    await _require_citus(conn)
    return {r["name"]: Placement(r["name"], r["kind"], r["column"], r["colocation"])
            for r in await conn.fetch(QUERIES["layout"])}


def deviations(steps: list[Step], now: dict[str, Placement]) -> list[str]:
    """How the layout differs from the plan: one line per table out of place; none when it is as planned."""
    anchor = now.get(_anchor(steps))
    found = [d for d in (_deviation(step, now, anchor) for step in steps) if d]
    for table in COORDINATOR_TABLES:
        if table in now and now[table].kind != "plain":
            found.append(f"{now[table]}, planned on the coordinator alone, outside Citus's metadata")
    return found


def _anchor(steps: list[Step]) -> str:
    """The first distributed table, which the others are co-located with."""
    return next(s.table for s in steps if s.kind == "distributed")


def _deviation(step: Step, now: dict[str, Placement], anchor: Placement | None) -> str | None:
    """How the step's table is out of place (None when in place). The others are co-located with the anchor
    once it is distributed."""
    placed = now.get(step.table)
    if placed is None:
        return f"{step.table}: missing"
    if step.kind == "reference":
        return None if placed.kind == "reference" else f"{placed}, planned as a reference table"
    if placed.kind != "distributed" or placed.column != DISTRIBUTION_COLUMN:
        return f"{placed}, planned as distributed by {DISTRIBUTION_COLUMN}"
    if anchor is not None and anchor.kind == "distributed" and placed.colocation != anchor.colocation:
        return f"{placed}, planned co-located with {anchor.table}"
    return None


async def apply(conn: asyncpg.Connection, steps: list[Step]) -> list[Step]:
    """Lay out the tables not laid out as planned (so running it again does nothing); the steps taken.

    Run in one transaction. Citus refuses to lay out a table that takes part in a foreign key with a table
    it does not hold the same way, and a table with triggers: the foreign keys of the tables to lay out are
    dropped first and made again at the end (checking every row again), and guard triggers likewise."""
    now = await layout(conn)
    anchor = _anchor(steps)
    todo = [s for s in steps if _deviation(s, now, now.get(anchor))]
    if not todo:
        return []
    wrong = [str(now[s.table]) for s in todo if now[s.table].kind in ("distributed", "reference")]
    if wrong:  # laid out otherwise by hand: changing it means moving its rows, which is not ours to decide
        raise LayoutError("laid out otherwise than planned: " + "; ".join(wrong) + ". Undo it with "
                          "undistribute_table() and run distribute again")
    names = [s.table for s in todo]
    triggers = await conn.fetch(QUERIES["triggers"], names)
    unknown = [f"{t['name']} on {t['table']}" for t in triggers if t["name"] not in GUARD_TRIGGERS]
    if unknown:
        raise LayoutError("Citus cannot hold a table with these triggers: " + ", ".join(unknown)
                          + ". Replace them (see docs/scale-out.md) and run distribute again")
    keys = await conn.fetch(QUERIES["foreign_keys_of"], names)
    # With a foreign key to a reference table, Citus runs the rest of the transaction over one connection
    # per node.
    await conn.execute(QUERIES["sequential"])
    for t in triggers:
        await conn.execute(f'DROP TRIGGER "{t["name"]}" ON "{t["table"]}"')  # names from the catalogue
    for key in keys:
        await conn.execute(f'ALTER TABLE "{key["table"]}" DROP CONSTRAINT "{key["name"]}"')
    for step in todo:
        if step.kind == "reference":
            await conn.fetchval(QUERIES["create_reference_table"], step.table)
        else:
            colocate = "none" if now[anchor].kind != "distributed" and step.table == anchor else anchor
            await conn.fetchval(QUERIES["create_distributed_table"], step.table, DISTRIBUTION_COLUMN, colocate)
    for key in keys:
        await conn.execute(f'ALTER TABLE "{key["table"]}" ADD CONSTRAINT "{key["name"]}" {key["definition"]}')
    if triggers:
        await conn.execute(QUERIES["allow_triggers"])
        for t in triggers:
            await conn.execute(t["definition"])
    return todo


async def is_laid_out(conn: asyncpg.Connection) -> bool:
    """Whether this is a Citus coordinator with the schema distributed (by `distribute`)."""
    return await conn.fetchval(QUERIES["citus_version"]) is not None and await conn.fetchval(QUERIES["laid_out"])


async def _require_citus(conn: asyncpg.Connection) -> None:
    if await conn.fetchval(QUERIES["citus_version"]) is None:
        raise LayoutError("the citus extension is not installed in this database: run `CREATE EXTENSION citus` "
                          "on the coordinator first")
