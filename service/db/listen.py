"""One LISTEN connection held for the life of a process: reconnects with backoff, tells when it is up or down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg
import structlog

log = structlog.get_logger("service.listen")
HEARTBEAT = 30.0  # a query this often, so a half-open connection is noticed


async def listen_forever(dsn: str, channel: str, on_notify: Callable[[], None], *, on_up: Callable[[], None],
                         on_down: Callable[[], None], name: str, heartbeat: float = HEARTBEAT) -> None:
    """LISTEN on `channel` until cancelled. `on_up` runs once the listener is in place (anything committed
    while nobody listened must be caught up on there); `on_down` as soon as the connection is lost, or
    when a heartbeat query (every `heartbeat` seconds) gets no answer in time."""
    backoff = 0.5
    while True:
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(dsn, server_settings={"application_name": name})
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            await conn.add_listener(channel, lambda *_args: on_notify())
            on_up()
            backoff = 0.5
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), heartbeat)
                except TimeoutError:
                    await conn.fetchval("SELECT 1", timeout=min(heartbeat, 5.0))
            log.warning("listen_lost", channel=channel, error="connection closed", retry_in=backoff)
        except Exception as exc:
            log.warning("listen_lost", channel=channel, error=type(exc).__name__, retry_in=backoff)
        finally:
            on_down()
            if conn is not None:
                conn.terminate()
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, 30.0)
