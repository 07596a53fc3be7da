"""`distribute`: lay the schema out on a Citus coordinator (reference and distributed tables), or check it."""

from __future__ import annotations

import argparse
from typing import Any

from service import db
from service.cli.support import CommandError, run_async
from service.config import Config
from service.db import distribution, migrate


def add_commands(sub: Any) -> None:
    p = sub.add_parser("distribute", help="distribute the tables by organisation on a Citus coordinator")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the plan without changing anything")
    mode.add_argument("--check", action="store_true",
                      help="print the layout and fail unless it is the planned one (changes nothing)")


async def _distribute(config: Config, args: argparse.Namespace) -> int:
    conn = await db.connect(config.require_database_url())
    try:
        if await migrate.pending_count(conn, migrate.discover()):
            raise CommandError("migrations are pending: run `python -m service migrate` first")
        steps = await distribution.plan(conn)
        if args.dry_run:
            for step in steps:
                print(step)
            return 0
        try:
            if not args.check:
                async with conn.transaction():
                    taken = await distribution.apply(conn, steps)
                for step in taken:
                    print(step)
                print(f"distribute: {len(taken)} table(s) laid out, {len(steps) - len(taken)} already were")
            now = await distribution.layout(conn)
        except distribution.LayoutError as exc:
            raise CommandError(str(exc)) from None
    finally:
        await conn.close()
    if args.check:
        for table in sorted(now):
            print(now[table])
    wrong = distribution.deviations(steps, now)
    if wrong:
        raise CommandError("the layout is not the planned one:\n  " + "\n  ".join(wrong))
    if args.check:
        print(f"distribute: the layout is as planned ({len(steps)} tables)")
    return 0


COMMANDS = {"distribute": run_async(_distribute)}
