"""`serve`, `migrate` and `dev`: the web process, the schema, and everything `make run` needs."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
from pathlib import Path
from typing import Any

import structlog
from aiohttp import web

from service import db
from service.app import create_app
from service.cli.support import run_async
from service.config import ROOT, Config
from service.db import embedded, migrate
from service.rubrics import handle_reload_signal
from service.tenants import store as orgs
from service.tenants.domain.tokens import SCOPES, hash_token
from service.tenants.usecases import create_key
from service.web import server

DEV_DIR = ROOT / ".data"
DEV_ORG = "DEV"


def add_commands(sub: Any) -> None:
    sub.add_parser("serve", help="serve the HTTP API (web process)")
    sub.add_parser("migrate", help="apply pending database migrations")
    dev_p = sub.add_parser("dev", help="embedded database + migrations + dev key + API + worker")
    dev_p.add_argument("--data-dir", type=Path, default=DEV_DIR)


SHUTDOWN_TIMEOUT_S = 30  # how long requests in flight may take to finish after SIGTERM
GC_YOUNG_THRESHOLD = 20_000  # allocations between collections of the youngest generation (Python's default: 700)


async def tune_garbage_collection(app: web.Application) -> None:
    """What start-up made (modules, schemas, rubrics) lives as long as the process: keep it out of the
    collector's full passes, which would otherwise walk all of it and pause requests for it. A request
    allocates thousands of short-lived objects, freed by reference counting; collecting the youngest
    generation every 700 allocations would walk the objects of the requests in flight many times a
    request, so it is done less often (cycles are still collected)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def serve(config: Config, args: argparse.Namespace) -> int:
    config.require_database_url()
    if config.secret_key == Config.secret_key:
        structlog.get_logger("service.serve").warning(
            "secret_key_not_set", detail="SECRET_KEY is the development value: rater and respondent pseudonyms are "
                                         "only as secret as that value; set a long random SECRET_KEY")
    app = create_app(config)
    handle_reload_signal(app)
    app.on_startup.append(tune_garbage_collection)
    server.run(app, config.host, config.port, shutdown_timeout=SHUTDOWN_TIMEOUT_S)
    return 0


async def _migrate(config: Config, args: argparse.Namespace) -> int:
    conn = await db.connect(config.require_database_url())
    try:
        done = await migrate.migrate(conn)
    finally:
        await conn.close()
    print(f"applied {len(done)} migration(s)" + (f": {', '.join(map(str, done))}" if done else ""))
    return 0


def dev(config: Config, args: argparse.Namespace) -> int:
    """`make run`: everything a developer needs, on an embedded database unless DATABASE_URL is set."""
    data_dir: Path = args.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    overrides: dict[str, Any] = {"run_worker": True}
    if not config.database_url:
        base = embedded.start(data_dir / "pg")
        overrides["database_url"] = asyncio.run(embedded.ensure_database(base, "mlcf"))
    if not config.webhook_allowed_hosts:
        overrides["webhook_allowed_hosts"] = ("127.0.0.1", "localhost")
    config = dataclasses.replace(config, **overrides)
    key_file = data_dir / "dev-api-key"
    known = key_file.read_text().strip() if key_file.exists() else None
    token = asyncio.run(_dev_setup(config, known))
    if token != known:
        key_file.write_text(token + "\n")
        key_file.chmod(0o600)
    print(f"MLCF assessment service on {config.base_url}", flush=True)
    print(f"API docs:  {config.base_url}/docs", flush=True)
    print(f"DATABASE_URL={config.database_url}", flush=True)
    print(f"Dev API key (all scopes, organisation {DEV_ORG}): {token}", flush=True)
    print(f"Try: curl -H 'Authorization: Bearer {token}' {config.base_url}/v1/whoami", flush=True)
    return serve(config, args)


async def _dev_setup(config: Config, known: str | None) -> str:
    """Migrate, ensure the DEV organisation, and return a working key (the known one if still valid)."""
    conn = await db.connect(config.require_database_url())
    try:
        await migrate.migrate(conn)
        async with conn.transaction():
            org = await orgs.org_by_code(conn, DEV_ORG)
            if org is None:
                org = await orgs.create_org(conn, DEV_ORG, "Development organisation")
            if known and await orgs.key_by_hash(conn, hash_token(known)):
                return known
            return await create_key(conn, org["id"], DEV_ORG, list(SCOPES), "development key")
    finally:
        await conn.close()


COMMANDS = {"serve": serve, "migrate": run_async(_migrate), "dev": dev}
