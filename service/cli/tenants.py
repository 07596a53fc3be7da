"""`orgs` and `keys`: organisations and their API keys, for an operator at the server."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from service.audit import store as audit
from service.cli.support import CommandError, existing_org, run_async, with_conn
from service.config import Config
from service.tenants import store as orgs
from service.tenants.domain.callers import cli_caller
from service.tenants.domain.tokens import SCOPES, parse_scopes
from service.tenants.usecases import create_key


def add_commands(sub: Any) -> None:
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
        org = await existing_org(conn, args.org)
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


COMMANDS = {"orgs": run_async(_orgs), "keys": run_async(_keys)}
