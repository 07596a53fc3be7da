"""Webhook commands: `worker` (the delivery process) and `sources` (inbound webhook sources)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from prometheus_client import start_http_server

from service import db
from service.audit import store as audit
from service.cli.support import existing_org, with_conn
from service.config import Config
from service.sealing import Sealer
from service.tenants.domain.callers import cli_caller
from service.web.metrics import Metrics
from service.webhooks import store
from service.webhooks.domain.signing import new_secret
from service.webhooks.secrets import seal_source_secret
from service.webhooks.worker import DEFAULT_CONCURRENCY, DEFAULT_LEASE, Worker, refresh_metrics

METRICS_REFRESH = 15.0


def add_commands(sub: Any) -> None:
    worker_p = sub.add_parser("worker", help="deliver outbound webhooks (run as many as needed)")
    worker_p.add_argument("--burst", action="store_true", help="deliver what is due now, then exit")
    worker_p.add_argument("--lease", type=float, default=DEFAULT_LEASE,
                          help="seconds a claimed message stays with this worker if it dies (default 60)")
    worker_p.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="deliveries in flight at once")
    worker_p.add_argument("--metrics-port", type=int, default=None,
                          help="serve Prometheus metrics of this worker on HOST:PORT")

    sources_p = sub.add_parser("sources", help="inbound webhook sources").add_subparsers(dest="action",
                                                                                        required=True)
    sc = sources_p.add_parser("create", help="create a source; prints its id, and the secret on the last line")
    sc.add_argument("--org", required=True, help="organisation code")
    sc.add_argument("--name", required=True)
    sc.add_argument("--description", default="")
    sl = sources_p.add_parser("list", help="list an organisation's sources")
    sl.add_argument("--org", required=True)


def worker(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_worker(config, args))


async def _worker(config: Config, args: argparse.Namespace) -> int:
    pool = await db.create_pool(config.require_database_url(), min_size=1, max_size=config.db_pool_max)
    metrics = Metrics()
    refresher: asyncio.Task[None] | None = None
    try:
        async with Worker.from_config(pool, config, metrics=metrics, lease=args.lease,
                                      concurrency=args.concurrency) as delivery:
            if args.burst:
                print(f"attempted {await delivery.run_burst()} delivery(ies)")
                return 0
            if args.metrics_port is not None:
                start_http_server(args.metrics_port, addr=config.host, registry=metrics.registry)
                refresher = asyncio.create_task(_refresh_forever(pool, metrics))
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, delivery.stop)
            await delivery.run()
            return 0
    finally:
        if refresher is not None:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
        await pool.close()


async def _refresh_forever(pool: Any, metrics: Metrics) -> None:
    while True:
        with contextlib.suppress(Exception):  # a scrape shows the last figures until the database answers
            await refresh_metrics(pool, metrics)
        await asyncio.sleep(METRICS_REFRESH)


def sources(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_sources(config, args))


async def _sources(config: Config, args: argparse.Namespace) -> int:
    async def work(conn: Any) -> tuple[Any, str] | None:
        org = await existing_org(conn, args.org)
        if args.action == "list":
            for row in await store.sources_page(conn, org["id"], after_seq=0, limit=10_000):
                print(f"{row['id']}\t{row['name']}\t{row['created_at']:%Y-%m-%d}")
            return None
        secret = new_secret()
        sealed = seal_source_secret(Sealer(config.secret_keys), org["id"], secret)
        row = await store.create_source(conn, org["id"], name=args.name, description=args.description,
                                        secret=sealed)
        await audit.record(conn, cli_caller(org["id"], org["code"]), "webhook_source.created", "webhook_source",
                           row["id"], after={"name": args.name, "description": args.description})
        return row["id"], secret
    made = await with_conn(config, work)
    if made is not None:  # printed once committed
        source_id, secret = made
        print(source_id)
        print(f"signed events go to POST {config.base_url}/v1/hooks/{source_id}")
        print("the signing secret is shown once:")
        print(secret)
    return 0


COMMANDS = {"worker": worker, "sources": sources}
