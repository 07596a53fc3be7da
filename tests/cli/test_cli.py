"""The command line against a real database: orgs, keys (token on the last line), migrate."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg

from service.config import ROOT
from service.db import embedded, migrate
from tests.conftest import SECRET_KEY
from tests.support import database
from tests.support.api import Api
from tests.support.waiting import eventually


async def run_cli(database_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "LOG_FORMAT": "console", **extra}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


async def test_org_and_key_from_the_cli_work_against_the_api(client, database_url) -> None:
    made = await run_cli(database_url, "orgs", "create", "RXH", "--name", "Brighton NHS Trust")
    assert made.returncode == 0, made.stderr
    key = await run_cli(database_url, "keys", "create", "--org", "RXH",
                        "--scopes", "recruitment:read,recruitment:write", "--name", "ATS")
    assert key.returncode == 0, key.stderr
    token = key.stdout.strip().splitlines()[-1]
    assert token.startswith("mlcf_") and len(token) > 40

    me = await Api(client, token).get("/v1/whoami")
    assert me.json == {"org": "RXH", "key_id": me.json["key_id"],
                       "scopes": ["recruitment:read", "recruitment:write"]}
    assert token not in key.stderr

    revoked = await run_cli(database_url, "keys", "revoke", me.json["key_id"])
    assert revoked.returncode == 0, revoked.stderr
    # The web process kept the key; the revocation's notification makes it forget (within milliseconds).
    assert await eventually(lambda: refused(Api(client, token)), within=2)


async def refused(api: Api) -> bool:
    return (await api.get("/v1/whoami")).status == 401


async def test_cli_errors_are_plain_and_nonzero(database_url) -> None:
    dup = await run_cli(database_url, "orgs", "create", "RXH", "--name", "A")
    assert dup.returncode == 0
    again = await run_cli(database_url, "orgs", "create", "RXH", "--name", "B")
    assert again.returncode == 2 and "already exists" in again.stderr
    bad_scope = await run_cli(database_url, "keys", "create", "--org", "RXH", "--scopes", "root")
    assert bad_scope.returncode == 2 and "unknown scope(s): root" in bad_scope.stderr
    no_org = await run_cli(database_url, "keys", "create", "--org", "ZZZ", "--scopes", "survey:read")
    assert no_org.returncode == 2 and "no organisation ZZZ" in no_org.stderr
    bad_code = await run_cli(database_url, "orgs", "create", "not an ods code", "--name", "C")
    assert bad_code.returncode == 2 and "ODS code" in bad_code.stderr


async def test_missing_database_url_is_named(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.run([sys.executable, "-m", "service", "migrate"], cwd=ROOT, env=env,  # noqa: ASYNC221
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "DATABASE_URL is not set" in proc.stderr


async def test_two_concurrent_migrates_apply_each_migration_once(pg_server: str) -> None:
    name = f"mlcf_mig_{os.getpid()}"
    await database.drop(pg_server, name)
    url = await embedded.ensure_database(pg_server, name)
    try:
        first, second = await asyncio.gather(run_cli(url, "migrate"), run_cli(url, "migrate"))
        assert first.returncode == 0, first.stderr
        assert second.returncode == 0, second.stderr
        counts = sorted(int(r.stdout.split()[1]) for r in (first, second))
        total = len(migrate.discover())
        assert counts == [0, total], (first.stdout, second.stdout)
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        finally:
            await conn.close()
        assert [r["version"] for r in rows] == [m.version for m in migrate.discover()]
    finally:
        await database.drop(pg_server, name)
