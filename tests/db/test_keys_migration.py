"""Migration 9 (keys that lead with org_id) rebuilds constraints only: a database holding rows of two
organisations before it holds the same rows after, and the rebuilt keys still refuse what the old ones did."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest

from service import db
from service.db import embedded, migrate
from service.db.migrate import MIGRATIONS_DIR
from tests.support import database

SEED = """
INSERT INTO organisations (id, code, name) VALUES ($1, 'MIGA', 'A'), ($2, 'MIGB', 'B');
INSERT INTO rubric_versions (rubric_id, version, hash, purpose, framework, title, written, document, source)
VALUES ('r', 1, 'h', 'recruitment', 'mlcf', 't', '{}', '{}', 'id: r');
INSERT INTO campaigns (id, org_id, reference, title, rubric_id, rubric_version, rubric_hash)
SELECT gen_random_uuid(), o, 'REF', 't', 'r', 1, 'h' FROM unnest(ARRAY[$1, $2]::uuid[]) AS o;
INSERT INTO candidates (org_id, campaign_id, candidate_ref) SELECT org_id, id, 'C-1' FROM campaigns;
INSERT INTO scorecards (org_id, campaign_id, candidate_id, station_id, panellist_ref, marks)
SELECT org_id, campaign_id, id, 's1', 'p1', '{"a": 3}' FROM candidates;
INSERT INTO moderations (org_id, campaign_id, candidate_id, station_id, criterion_id, mark, reason, moderator_ref)
SELECT org_id, campaign_id, id, 's1', 'a', 4, 'why', 'chair' FROM candidates;
INSERT INTO candidate_results (candidate_id, org_id, campaign_id, status, digest, standing)
SELECT id, org_id, campaign_id, 'complete', 'd', '{}' FROM candidates;
INSERT INTO webhook_sources (org_id, name, secret) SELECT id, 'platform', 's' FROM organisations;
INSERT INTO webhook_receipts (org_id, source_id, webhook_id, body_sha256, outcome)
SELECT org_id, id, 'msg_1', '\\x00', 'accepted' FROM webhook_sources;
INSERT INTO webhook_endpoints (org_id, url, events, secret)
SELECT id, 'https://hr.example/hooks', ARRAY['ping'], 's' FROM organisations;
INSERT INTO webhook_messages (org_id, endpoint_id, event_type, body)
SELECT org_id, id, 'ping', '\\x7b7d' FROM webhook_endpoints;
INSERT INTO webhook_attempts (org_id, message_id, attempt_no, worker, outcome, latency_ms, attempted_at)
SELECT org_id, id, 1, 'w', 'success', 1.5, now() FROM webhook_messages;
INSERT INTO audit_events (org_id, actor, action, object_type, object_id)
SELECT org_id, 'cli', 'candidate.created', 'candidate', id::text FROM candidates;
"""


async def rows(conn: asyncpg.Connection) -> dict[str, list[str]]:
    tables = [r[0] for r in await conn.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
        "AND relname <> 'schema_migrations' ORDER BY 1")]
    return {t: [r[0] for r in await conn.fetch(f"SELECT t::text FROM {t} t ORDER BY 1")]  # noqa: S608
            for t in tables}


@pytest.fixture
async def before_keys(pg_server: str, tmp_path):
    """An empty database migrated up to migration 8, and a folder of migrations 1-9."""
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name.split("_", 1)[0]) <= 8:
            shutil.copy(path, tmp_path / path.name)
    name = await database.create_empty(pg_server, f"mlcf_t_{uuid.uuid4().hex[:12]}")
    conn = await db.connect(embedded.with_database(pg_server, name))
    try:
        assert await migrate.migrate(conn, tmp_path) == list(range(1, 9))
        [ninth] = MIGRATIONS_DIR.glob("0009_*.sql")
        shutil.copy(ninth, tmp_path / ninth.name)  # the folder now ends at migration 9
        yield conn, tmp_path
    finally:
        await conn.close()
        await database.drop(pg_server, name)


async def test_the_keys_migration_keeps_every_row(before_keys: tuple[asyncpg.Connection, Path]) -> None:
    conn, folder = before_keys
    await conn.execute(SEED.replace("$1", f"'{uuid.uuid4()}'").replace("$2", f"'{uuid.uuid4()}'"))
    held = await rows(conn)
    assert await migrate.migrate(conn, folder) == [9]
    assert await rows(conn) == held
    assert sum(map(len, held.values())) >= 25
    pkey = await conn.fetchval("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'scorecards_pkey'")
    assert pkey == "PRIMARY KEY (org_id, candidate_id, station_id, panellist_ref)"
    card = await conn.fetchrow("SELECT org_id, campaign_id, candidate_id FROM scorecards LIMIT 1")
    with pytest.raises(asyncpg.UniqueViolationError):
        await conn.execute("INSERT INTO scorecards (org_id, campaign_id, candidate_id, station_id, panellist_ref, "
                           "marks) VALUES ($1, $2, $3, 's1', 'p1', '{}')", *card)
    other = await conn.fetchval("SELECT id FROM organisations WHERE id <> $1 LIMIT 1", card["org_id"])
    with pytest.raises(asyncpg.ForeignKeyViolationError):  # another organisation's candidate: no such row
        await conn.execute("INSERT INTO scorecards (org_id, campaign_id, candidate_id, station_id, panellist_ref, "
                           "marks) VALUES ($1, $2, $3, 's2', 'p1', '{}')", other, card["campaign_id"],
                           card["candidate_id"])
