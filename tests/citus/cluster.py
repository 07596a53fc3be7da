"""A Citus cluster on loopback for `make test-citus`: a coordinator and two workers, each a PostgreSQL server
with `shared_preload_libraries = citus` and its data under .data/citus/.

    python -m tests.citus.cluster up      # initialise (first time) and start the three servers
    python -m tests.citus.cluster down    # stop them
    python -m tests.citus.cluster env     # the variables the test suite reads to use the cluster
    python -m tests.citus.cluster database NAME   # NAME on every node, with citus, the workers registered

The servers are the machine's own PostgreSQL (`pg_config --bindir`, or PG_CONFIG's), with the citus
extension installed in it (tests/citus/build-citus.sh). PostgreSQL refuses to run as root: run by root, the
servers run as the `postgres` user (CITUS_OS_USER to choose another). Ports: CITUS_PORT (9700) for the
coordinator, the next two for the workers.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from service import db
from service.config import ROOT
from service.db import distribution, embedded, migrate

DATA = ROOT / ".data" / "citus"
HOST = "127.0.0.1"
# A test cluster: nothing here needs to survive a crash of the machine, so nothing waits for the disk. Shard
# moves copy by logical replication (wal_level, slots, senders); writes across nodes commit in two phases.
SETTINGS = {
    "shared_preload_libraries": "'citus'",
    "listen_addresses": f"'{HOST}'",
    "max_connections": "300",
    "max_prepared_transactions": "200",
    "wal_level": "logical",
    "max_replication_slots": "20",
    "max_wal_senders": "20",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "128MB",
    "citus.shard_count": "8",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",  # no statement text (it may carry a test's data) in the server log
}


@dataclass(frozen=True)
class Node:
    name: str
    port: int

    @property
    def data(self) -> Path:
        return DATA / self.name

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"


def nodes() -> list[Node]:
    base = int(os.environ.get("CITUS_PORT", "9700"))
    return [Node("coordinator", base), Node("worker-1", base + 1), Node("worker-2", base + 2)]


def _bindir() -> Path:
    pg_config = os.environ.get("PG_CONFIG") or shutil.which("pg_config")
    if not pg_config:
        sys.exit("cluster: pg_config not found (PostgreSQL is needed, with the citus extension installed)")
    return Path(subprocess.run([pg_config, "--bindir"], check=True, capture_output=True, text=True).stdout.strip())


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", os.environ.get("CITUS_OS_USER", "postgres"), "--", *argv]


def _run(argv: list[str]) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"cluster: {' '.join(argv[:2])} failed:\n{done.stdout}{done.stderr}")


def _initialise(node: Node, bindir: Path) -> None:
    node.data.parent.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # the server user must own its data directory and reach it
        user = pwd.getpwnam(os.environ.get("CITUS_OS_USER", "postgres"))
        node.data.mkdir(mode=0o700, exist_ok=True)
        os.chown(node.data, user.pw_uid, user.pw_gid)
        for parent in node.data.parents:
            if parent == Path("/"):
                break
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)  # traversable, not listable
    _run([str(bindir / "initdb"), "-D", str(node.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
          "--no-sync", "--locale=C"])
    with (node.data / "postgresql.conf").open("a") as conf:
        conf.write("\n# test cluster (tests/citus/cluster.py)\n")
        for key, value in {**SETTINGS, "port": str(node.port), "unix_socket_directories": f"'{node.data}'"}.items():
            conf.write(f"{key} = {value}\n")


def _running(node: Node, bindir: Path) -> bool:
    return subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "status", "-D", str(node.data)]),
                          capture_output=True).returncode == 0


def up() -> None:
    bindir = _bindir()
    for node in nodes():
        if not (node.data / "PG_VERSION").exists():
            _initialise(node, bindir)
        if not _running(node, bindir):
            _run([str(bindir / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(node.data),
                  "-l", str(node.data / "server.log")])
        print(f"cluster: {node.name} at {HOST}:{node.port}")


def down() -> None:
    bindir = _bindir()
    for node in nodes():
        if (node.data / "PG_VERSION").exists() and _running(node, bindir):
            _run([str(bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(node.data)])
            print(f"cluster: {node.name} stopped")


async def create_database(coordinator: str, workers: list[str], name: str) -> str:
    """Create database `name` on every node with the citus extension, and register the nodes in the
    coordinator's copy (a Citus cluster is per database); returns the coordinator's DSN for it."""
    for dsn in [coordinator, *workers]:
        url = await embedded.ensure_database(dsn, name)
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
        finally:
            await conn.close()
    url = embedded.with_database(coordinator, name)
    conn = await asyncpg.connect(url)
    try:
        here = urlsplit(coordinator)
        await conn.execute("SELECT citus_set_coordinator_host($1, $2)", here.hostname, here.port or 5432)
        for worker in map(urlsplit, workers):
            await conn.execute("SELECT citus_add_node($1, $2)", worker.hostname, worker.port or 5432)
    finally:
        await conn.close()
    return url


async def distributed_database(coordinator: str, workers: list[str], name: str) -> str:
    """create_database, then the service's schema migrated and laid out on it; the coordinator's DSN."""
    url = await create_database(coordinator, workers, name)
    conn = await db.connect(url)
    try:
        await migrate.migrate(conn)
        async with conn.transaction():
            await distribution.apply(conn, await distribution.plan(conn))
    finally:
        await conn.close()
    return url


def env() -> None:
    coordinator, *workers = nodes()
    print(f"TEST_DATABASE_URL={coordinator.dsn()}")
    print(f"TEST_CITUS_WORKERS={','.join(w.dsn() for w in workers)}")


def database(name: str) -> None:
    coordinator, *workers = nodes()
    print(asyncio.run(create_database(coordinator.dsn(), [w.dsn() for w in workers], name)))


if __name__ == "__main__":
    commands = {"up": up, "down": down, "env": env}
    if len(sys.argv) == 3 and sys.argv[1] == "database":
        database(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] in commands:
        commands[sys.argv[1]]()
    else:
        sys.exit(f"usage: python -m tests.citus.cluster {{{','.join(commands)}}} | database NAME")
