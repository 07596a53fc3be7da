"""Migrations written after the tables were distributed apply cleanly on the cluster: their statements are
sent one at a time (Citus passes some DDL on to the shards as the text it was sent), what one changes on a
distributed table reaches every shard, and a table one adds is distributed before the next one runs, which
may then refer to it."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest

from service.db import migrate
from tests.recruitment.recruitment_support import full_marks, new_candidate
from tests.support.api import Api

pytestmark = pytest.mark.citus

LATER = """-- A later migration: a column, its index and a check on a distributed table, and a comment.
ALTER TABLE scorecards ADD COLUMN reviewed_by text;
CREATE INDEX scorecards_reviewed_idx ON scorecards (org_id, reviewed_by) WHERE reviewed_by IS NOT NULL;
ALTER TABLE scorecards ADD CONSTRAINT scorecards_reviewed_by_length CHECK (length(reviewed_by) <= 200);
COMMENT ON COLUMN scorecards.reviewed_by IS 'who reviewed the scorecard';
"""
NEW_TABLE = """CREATE TABLE candidate_notes (
    org_id uuid NOT NULL REFERENCES organisations (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    candidate_id uuid NOT NULL,
    note text NOT NULL,
    PRIMARY KEY (org_id, id)
);
"""
ITS_KEY = """ALTER TABLE candidate_notes ADD CONSTRAINT candidate_notes_candidate_fkey
    FOREIGN KEY (org_id, candidate_id) REFERENCES candidates (org_id, id) ON DELETE CASCADE;
"""


async def test_a_migration_altering_a_distributed_table_applies_on_every_shard(
        tmp_path: Path, conn: asyncpg.Connection, api: Api) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, folder)
    latest = max(m.version for m in migrate.discover())
    (folder / f"{latest + 1:04d}_scorecard_reviewers.sql").write_text(LATER)
    (folder / f"{latest + 2:04d}_candidate_notes.sql").write_text(NEW_TABLE)
    (folder / f"{latest + 3:04d}_candidate_notes_key.sql").write_text(ITS_KEY)

    assert await migrate.migrate(conn, folder) == [latest + 1, latest + 2, latest + 3]
    assert await conn.fetchval("SELECT citus_table_type || ' ' || distribution_column FROM citus_tables"
                               " WHERE table_name = 'candidate_notes'::regclass") == "distributed org_id"

    shards = await conn.fetch("SELECT result FROM run_command_on_shards('scorecards', $$SELECT count(*) FROM"
                              " pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'reviewed_by'$$)")
    assert len(shards) > 1 and {r["result"] for r in shards} == {"1"}
    indexes = await conn.fetch("SELECT result FROM run_command_on_shards('scorecards', $$SELECT count(*) FROM"
                               " pg_index WHERE indrelid = '%s'::regclass$$)")
    assert len({r["result"] for r in indexes}) == 1  # every shard has the same indexes, the new one included
    # The service writes to the altered table as before, and the check holds on the shards.
    rubric, _campaign, base = await new_candidate(api)
    station = rubric["stations"][0]["id"]
    put = await api.put(f"{base}/scorecards/{station}/p1", {"marks": full_marks(rubric, station, 3)})
    assert put.status == 201, put.text
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("UPDATE scorecards SET reviewed_by = repeat('x', 201)"
                           " WHERE org_id = (SELECT org_id FROM scorecards LIMIT 1)")
