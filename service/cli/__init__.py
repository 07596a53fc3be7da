"""The command-line interface; each command reads the configuration once and reports plainly."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from service import db
from service.app import create_app
from service.audit import store as audit
from service.cli import webhooks as cli_webhooks
from service.cli.support import CommandError, with_conn
from service.config import ROOT, Config, ConfigError
from service.db import embedded, migrate
from service.log import configure_logging
from service.rubrics import handle_reload_signal
from service.rubrics.files import RubricChecker, validate_paths
from service.tenants import store as orgs
from service.tenants.domain.callers import cli_caller
from service.tenants.domain.tokens import SCOPES, hash_token, new_token, parse_scopes, token_prefix
from service.web.validation import SchemaRegistry

DEV_DIR = ROOT / ".data"
DEV_ORG = "DEV"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the HTTP API (web process)")
    sub.add_parser("migrate", help="apply pending database migrations")
    dev = sub.add_parser("dev", help="embedded database + migrations + dev key + API + worker")
    dev.add_argument("--data-dir", type=Path, default=DEV_DIR)

    orgs_p = sub.add_parser("orgs", help="organisations").add_subparsers(dest="action", required=True)
    create = orgs_p.add_parser("create", help="create an organisation")
    create.add_argument("code", help="ODS code, e.g. RXH")
    create.add_argument("--name", required=True)
    orgs_p.add_parser("list", help="list organisations")

    keys_p = sub.add_parser("keys", help="API keys").add_subparsers(dest="action", required=True)
    kc = keys_p.add_parser("create", help="create a key; the token is the last line of stdout")
    kc.add_argument("--org", required=True, help="organisation code")
    kc.add_argument("--scopes", required=True, help=f"comma-separated: {','.join(SCOPES)}")
    kc.add_argument("--name", default="")
    kr = keys_p.add_parser("revoke", help="revoke a key")
    kr.add_argument("key_id", type=uuid.UUID)
    kl = keys_p.add_parser("list", help="list an organisation's keys")
    kl.add_argument("--org", required=True)

    rubrics_p = sub.add_parser("rubrics", help="rubric files").add_subparsers(dest="action", required=True)
    rv = rubrics_p.add_parser("validate", help="check rubric files; prints file:line:col: message per problem")
    rv.add_argument("paths", nargs="*", type=Path,
                    help="rubric directories or files (default: RUBRICS_DIR); frameworks come from the directory")
    cli_webhooks.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = Config.from_env()
        configure_logging(config.log_level, config.log_format, cache_loggers=args.command in ("serve", "dev"))
        command = COMMANDS[args.command]
        return command(config, args) or 0
    except (ConfigError, CommandError, migrate.MigrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(coro_fn: Callable[..., Awaitable[Any]]) -> Callable[[Config, argparse.Namespace], int]:
    def command(config: Config, args: argparse.Namespace) -> int:
        return asyncio.run(coro_fn(config, args)) or 0
    return command


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
    app = create_app(config)
    handle_reload_signal(app)
    app.on_startup.append(tune_garbage_collection)
    web.run_app(app, host=config.host, port=config.port, access_log=None,
                print=None, shutdown_timeout=30)
    return 0


async def _migrate(config: Config, args: argparse.Namespace) -> int:
    conn = await db.connect(config.require_database_url())
    try:
        done = await migrate.migrate(conn)
    finally:
        await conn.close()
    print(f"applied {len(done)} migration(s)" + (f": {', '.join(map(str, done))}" if done else ""))
    return 0


async def _orgs(config: Config, args: argparse.Namespace) -> int:
    async def work(conn: Any) -> int:
        if args.action == "list":
            for row in await orgs.list_orgs(conn):
                print(f"{row['code']}\t{row['id']}\t{row['name']}")
            return 0
        code = args.code.upper()
        row = await orgs.create_org(conn, code, args.name)
        await audit.record(conn, cli_caller(row["id"], code), "organisation.created", "organisation",
                           row["id"], after={"code": code, "name": args.name})
        print(row["id"])
        return 0
    return await with_conn(config, work)


async def _keys(config: Config, args: argparse.Namespace) -> int:
    async def work(conn: Any) -> int:
        if args.action == "revoke":
            row = await orgs.revoke_key(conn, args.key_id)
            if row is None:
                raise CommandError(f"no active key {args.key_id}")
            who = cli_caller(row["org_id"], row["org_code"])
            await audit.record(conn, who, "api_key.revoked", "api_key", row["id"])
            print(f"revoked {row['id']}")
            return 0
        org = await orgs.org_by_code(conn, args.org.upper())
        if org is None:
            raise CommandError(f"no organisation {args.org.upper()}; create it with `orgs create`")
        if args.action == "list":
            for k in await orgs.list_keys(conn, org["id"]):
                state = "revoked" if k["revoked_at"] else "active"
                print(f"{k['id']}\t{k['token_prefix']}…\t{state}\t{','.join(k['scopes'])}\t{k['name']}")
            return 0
        try:
            scopes = parse_scopes(args.scopes)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        token = await create_key(conn, org["id"], org["code"], scopes, args.name)
        print(f"created key for {org['code']} with scopes {','.join(scopes)}; the token is shown once:")
        print(token)
        return 0
    return await with_conn(config, work)


async def create_key(conn: Any, org_id: uuid.UUID, org_code: str, scopes: list[str], name: str) -> str:
    token = new_token()
    row = await orgs.create_key(conn, org_id, name=name, prefix=token_prefix(token),
                                token_hash=hash_token(token), scopes=scopes)
    await audit.record(conn, cli_caller(org_id, org_code), "api_key.created", "api_key", row["id"],
                       after={"name": name, "scopes": scopes, "prefix": row["token_prefix"]})
    return token


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


def rubrics(config: Config, args: argparse.Namespace) -> int:
    """`rubrics validate`: exit 0 when every file is valid, 1 with one line per problem otherwise."""
    checker = RubricChecker(SchemaRegistry())
    loaded = validate_paths(checker, args.paths or [config.rubrics_dir], config.rubrics_dir)
    for line in loaded.lines(Path.cwd()):
        print(line)
    if not loaded.valid:
        print(f"{len(loaded.issues)} problem(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(loaded.rubrics)} rubric(s), {len(loaded.frameworks)} framework(s) valid", file=sys.stderr)
    return 0


COMMANDS: dict[str, Callable[[Config, argparse.Namespace], int]] = {
    "serve": serve,
    "migrate": _run(_migrate),
    "dev": dev,
    "orgs": _run(_orgs),
    "keys": _run(_keys),
    "rubrics": rubrics,
    **cli_webhooks.COMMANDS,
}
