"""`retention`: each organisation's retention periods (`show`, `set`), and applying them (`run`)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from service import db
from service.audit import store as audit
from service.cli.support import CommandError, existing_org, run_async, with_conn
from service.config import Config
from service.retention import store, usecases
from service.retention.domain.policy import BY_NAME, KINDS, SETTABLE, Policy
from service.tenants.domain.callers import cli_caller


def _days(raw: str) -> int | None:
    if raw == "default":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise argparse.ArgumentTypeError("a whole number of days (at least 1), or `default`")
    return int(raw)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("retention", help="retention periods, and removing what has had its time")
    actions = p.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="remove what each organisation's periods say has had its time")
    run.add_argument("--dry-run", action="store_true", help="count what would be removed; change nothing")
    run.add_argument("--org", help="only this organisation (code)")
    run.add_argument("--batch-size", type=int, default=usecases.DEFAULT_BATCH,
                     help=f"objects removed per transaction (default {usecases.DEFAULT_BATCH})")
    show = actions.add_parser("show", help="an organisation's periods")
    show.add_argument("--org", required=True)
    change = actions.add_parser("set", help="change an organisation's periods (days, or `default`)")
    change.add_argument("--org", required=True)
    for kind in SETTABLE:
        change.add_argument(f"--{kind.name.replace('_', '-')}-days", dest=kind.name, type=_days,
                            default=argparse.SUPPRESS, metavar="DAYS",
                            help=f"{kind.what} (default: {kind.default_days or 'kept'})")


async def _retention(config: Config, args: argparse.Namespace) -> int:
    if args.action == "run":
        return await _run(config, args)

    async def work(conn: Any) -> int:
        org = await existing_org(conn, args.org)
        policy = await store.policy(conn, org["id"])
        if args.action == "set":
            changed = {kind.name: getattr(args, kind.name) for kind in SETTABLE if hasattr(args, kind.name)}
            if not changed:
                raise CommandError("give at least one period to set, e.g. --closed-appraisals-days 2190")
            before = policy
            policy = Policy({**policy.days, **changed})
            await store.set_policy(conn, org["id"], policy)
            await audit.record(conn, cli_caller(org["id"], org["code"]), "retention.policy_changed", "organisation",
                               org["id"], before=before.days, after=policy.days)
        for kind in KINDS:
            days = policy.period(kind)
            source = "set" if policy.days.get(kind.name) is not None else "default" if kind.settable else "fixed"
            print(f"{kind.name}\t{f'{days} days' if days else 'kept'} ({source}) after {kind.counted_from}")
        return 0
    return await with_conn(config, work)


async def _run(config: Config, args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    pool = await db.create_pool(config.require_database_url(), min_size=1, max_size=2)
    try:
        removals = await usecases.run(pool, datetime.now(UTC), dry_run=args.dry_run,
                                      org_code=args.org.upper() if args.org else None, batch=args.batch_size)
    finally:
        await pool.close()
    verb = "would remove" if args.dry_run else "removed"
    for r in removals:
        print(f"{r.org_code}\t{verb} {r.objects} {BY_NAME[r.kind].what} from before "
              f"{r.before:%Y-%m-%d} ({r.rows} rows with them)")
    print(f"retention: {verb} {sum(r.objects for r in removals)} objects and {sum(r.rows for r in removals)} rows "
          f"belonging to them{' (dry run: nothing changed)' if args.dry_run else ''}")
    return 0


COMMANDS = {"retention": run_async(_retention)}
