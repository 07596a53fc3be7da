"""After every migration, the catalogue shows a schema that can be distributed by organisation: each table is
an organisation table (with org_id), a reference table or the coordinator's own; every primary key, unique
constraint and unique index of an organisation table leads with org_id; every foreign key between
organisation tables carries org_id on both sides (a row and the rows it refers to live on one shard)."""

from __future__ import annotations

import asyncpg

from service.db.distribution import COORDINATOR_TABLES, DISTRIBUTION_COLUMN, REFERENCE_TABLES

TABLES = """
SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1
                          AND NOT a.attisdropped) AS has_org
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1
"""
# Every unique index (those behind primary keys and unique constraints included), its columns in order.
UNIQUE_INDEXES = """
SELECT t.relname AS table_name, i.relname AS index_name,
       array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns
  FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
 WHERE t.relnamespace = 'public'::regnamespace AND x.indisunique
"""
FOREIGN_KEYS = """
SELECT f.conname, t.relname AS table_name, r.relname AS referenced,
       array(SELECT a.attname FROM unnest(f.conkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[] AS columns,
       array(SELECT a.attname FROM unnest(f.confkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = f.confrelid AND a.attnum = k.attnum ORDER BY k.n
             )::text[] AS referenced_columns
  FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid
 WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace
"""


async def test_every_key_of_an_organisation_table_leads_with_org_id(conn: asyncpg.Connection) -> None:
    tables = {row["relname"]: row["has_org"] for row in await conn.fetch(TABLES, DISTRIBUTION_COLUMN)}
    unplaced = [t for t, has_org in tables.items()
                if not has_org and t not in REFERENCE_TABLES + COORDINATOR_TABLES]
    assert not unplaced, f"tables with no org_id that are not reference tables: {unplaced}"
    distributed = {t for t, has_org in tables.items() if has_org and t not in REFERENCE_TABLES}
    assert {"campaigns", "candidates", "scorecards", "appraisal_responses", "webhook_messages"} <= distributed

    keys = [row for row in await conn.fetch(UNIQUE_INDEXES) if row["table_name"] in distributed]
    not_leading = [(k["table_name"], k["index_name"], k["columns"]) for k in keys
                   if k["columns"][:1] != [DISTRIBUTION_COLUMN]]
    assert not not_leading, not_leading
    assert {k["table_name"] for k in keys if k["index_name"].endswith("_pkey")} == distributed, "a table lacks a key"

    foreign = [f for f in await conn.fetch(FOREIGN_KEYS) if f["table_name"] in distributed]
    between = [f for f in foreign if f["referenced"] in distributed]
    lacking = [(f["conname"], f["columns"], f["referenced_columns"]) for f in between
               if _org_position(f["columns"]) is None
               or _org_position(f["columns"]) != _org_position(f["referenced_columns"])]
    assert not lacking, lacking
    assert len(between) >= 11  # the recruitment, outbox, 360 and survey chains
    print(f"keys: {len(distributed)} organisation tables, {len(keys)} unique keys all leading with org_id, "
          f"{len(between)} foreign keys between them all carrying it; reference tables {list(REFERENCE_TABLES)}")


def _org_position(columns: list[str]) -> int | None:
    return columns.index(DISTRIBUTION_COLUMN) if DISTRIBUTION_COLUMN in columns else None
