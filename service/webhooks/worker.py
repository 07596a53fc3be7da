"""The delivery worker: claims due outbox messages with a lease, sends them outside any transaction,
records every attempt, and settles each message (delivered, retry later, dead) by the pure schedule.

At least once: a message leaves `pending` only after an attempt is recorded by the worker holding its
claim. A worker that dies mid-send loses nothing (its lease runs out and another worker sends again,
with the same webhook-id and body); a graceful stop gives its claims back at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import aiohttp
import asyncpg
import structlog

from service.audit import store as audit
from service.config import DEFAULT_RETRY_SCHEDULE, Config
from service.db.listen import listen_forever
from service.sealing import Sealer, Unsealable
from service.tenants.domain.callers import worker_caller
from service.web.metrics import Metrics
from service.webhooks import store
from service.webhooks.domain import delivery, signing, ssrf
from service.webhooks.domain.delivery import Outcome
from service.webhooks.guarded_session import blocked_reason, delivery_session
from service.webhooks.jobs import Attempt, Job
from service.webhooks.secrets import open_endpoint_secret

log = structlog.get_logger("service.outbox")
DELIVERY_TIMEOUT = 15.0
DEFAULT_LEASE = 60.0
DEFAULT_CONCURRENCY = 32  # deliveries in flight per worker
EXCERPT_BYTES = 256


class Worker:
    """Use as `async with Worker(...) as worker:` then `await worker.run()` (until `stop()`),
    or `run_once()` / `run_burst()` to drive it step by step (tests, `worker --burst`)."""

    def __init__(self, pool: asyncpg.Pool, *, sealer: Sealer, allowed_hosts: Iterable[str] = (),
                 schedule: Sequence[float] = DEFAULT_RETRY_SCHEDULE, dsn: str | None = None,
                 metrics: Metrics | None = None, name: str | None = None, lease: float = DEFAULT_LEASE,
                 timeout: float = DELIVERY_TIMEOUT, concurrency: int = DEFAULT_CONCURRENCY, poll_interval: float = 1.0,
                 grace: float = 10.0, rand: Callable[[], float] = random.random) -> None:
        self.pool = pool
        self.sealer = sealer
        self.allowed_hosts = tuple(allowed_hosts)
        self.schedule = tuple(schedule)
        self.dsn = dsn
        self.metrics = metrics
        self.name = name or f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"
        self.lease = lease
        # A live worker always finishes (or gives up on) a send well inside its lease.
        self.timeout = min(timeout, lease / 2)
        self.concurrency = concurrency
        self.batch = max(1, concurrency // 4)
        self.poll_interval = poll_interval
        self.grace = grace
        self._rand = rand
        self._session: aiohttp.ClientSession | None = None
        # claimed, not yet settled: id -> (organisation, claim token)
        self._held: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False

    @classmethod
    def from_config(cls, pool: asyncpg.Pool, config: Config, **kwargs: object) -> Worker:
        return cls(pool, sealer=Sealer(config.secret_keys), allowed_hosts=config.webhook_allowed_hosts,
                   schedule=config.webhook_retry_schedule,
                   dsn=str(config.database_url) if config.database_url else None, **kwargs)  # type: ignore[arg-type]

    async def __aenter__(self) -> Worker:
        self._session = delivery_session(self.allowed_hosts, timeout=self.timeout, limit=self.concurrency)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- driving it -----------------------------------------------------------------------------

    async def run_once(self, limit: int | None = None) -> int:
        """Claim what is due now (up to `limit`), send it all, record it all; returns how many were sent."""
        jobs = await self._claim(limit or self.concurrency)
        await asyncio.gather(*(self._deliver(job) for job in jobs))
        return len(jobs)

    async def run_burst(self, max_rounds: int = 10_000) -> int:
        """Run until nothing is due (retries due at once are sent too); returns the number of attempts."""
        total = 0
        for _ in range(max_rounds):
            sent = await self.run_once()
            if not sent:
                break
            total += sent
        return total

    @property
    def stopping(self) -> bool:
        return self._stopping

    @property
    def in_flight(self) -> int:
        """Messages claimed by this worker and not yet settled."""
        return len(self._held)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stop(): woken by NOTIFY, polling as a fallback; then finish or give back in-flight work."""
        listener = asyncio.create_task(self._listen()) if self.dsn else None
        backoff = 0.5
        try:
            while not self._stopping:
                self._wake.clear()  # before claiming, so a NOTIFY that lands meanwhile is not lost
                free = self.concurrency - len(self._tasks)
                # Claim in batches once busy: one query per freed slot would cost more than the sends.
                if free >= self.batch or (free > 0 and not self._tasks):
                    try:
                        jobs = await self._claim(free)
                    except Exception as exc:  # any database trouble (asyncpg even raises InternalClientError
                        # on a connection killed mid-query): back off and carry on; a dead loop delivers nothing
                        log.warning("outbox_claim_failed", error=type(exc).__name__, retry_in=backoff)
                        await self._pause(backoff)
                        backoff = min(backoff * 2, 30.0)
                        continue
                    backoff = 0.5
                    for job in jobs:
                        self._spawn(job)
                    if jobs and len(jobs) == free:
                        continue  # more may be due; claim again as soon as slots free
                await self._pause(self.poll_interval)
        finally:
            if listener is not None:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
            await self._drain()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _spawn(self, job: Job) -> None:
        task = asyncio.create_task(self._deliver(job))
        self._tasks.add(task)

        def finished(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            self._wake.set()
            if not t.cancelled() and t.exception() is not None:  # its claim is given back on stop or expires
                log.error("outbox_delivery_crashed", delivery_id=str(job.id), error=type(t.exception()).__name__)
        task.add_done_callback(finished)

    async def _drain(self) -> None:
        """Graceful stop: let in-flight sends finish (up to `grace`), then give back every unsettled claim."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self.grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._held:
            claims = [(org_id, message_id, token) for message_id, (org_id, token) in self._held.items()]
            self._held.clear()
            try:
                released = await asyncio.shield(store.release(self.pool, claims))
            except Exception as exc:  # their leases run out instead
                log.warning("outbox_release_failed", count=len(claims), error=type(exc).__name__)
            else:
                log.info("outbox_released", count=released)

    async def _listen(self) -> None:
        """Wake on every commit that queued a message; polling covers the gaps while the listener is down."""
        assert self.dsn is not None
        await listen_forever(self.dsn, store.CHANNEL, self._wake.set, on_up=self._wake.set, on_down=lambda: None,
                             name="mlcf-worker")

    # -- one message ----------------------------------------------------------------------------

    async def _claim(self, limit: int) -> list[Job]:
        async with self.pool.acquire() as conn:
            rows = await store.claim(conn, limit=limit, lease=self.lease, worker=self.name)
        jobs = [Job(**{**dict(row), "secret": self._open(row)}) for row in rows]
        for job in jobs:
            self._held[job.id] = (job.org_id, job.claim_token)
        return jobs

    def _open(self, row: asyncpg.Record) -> str | None:
        try:
            return open_endpoint_secret(self.sealer, row["org_id"], row["secret"])
        except Unsealable as exc:
            log.error("endpoint_secret_unsealable", endpoint_id=str(row["endpoint_id"]), reason=str(exc))
            return None

    async def _deliver(self, job: Job) -> None:
        attempt = await self._send(job)
        await self._record(job, attempt)

    async def _send(self, job: Job) -> Attempt:
        if self._session is None:
            raise RuntimeError("use the worker as `async with Worker(...) as worker:`")
        started = datetime.now(UTC)
        clock = time.perf_counter()

        def done(outcome: Outcome, **fields: object) -> Attempt:
            return Attempt(outcome, started, round((time.perf_counter() - clock) * 1000, 2), **fields)  # type: ignore[arg-type]

        try:
            destination = ssrf.check_url(job.url, self.allowed_hosts)
        except ssrf.DestinationRefused as exc:
            return done(Outcome.BLOCKED, error=str(exc))
        if job.secret is None:  # retried on the schedule, so it goes once the key is configured again
            return done(Outcome.BLOCKED, error="not sent: the endpoint's signing secret does not open with "
                                               "SECRET_KEY or SECRET_KEY_PREVIOUS")
        headers = {"Content-Type": "application/json",
                   **signing.signed_headers(job.secret, str(job.id), int(time.time()), job.body)}
        try:
            async with self._session.post(destination.url, data=job.body, headers=headers,
                                          allow_redirects=False) as response:
                excerpt = (await response.content.read(EXCERPT_BYTES)).decode("utf-8", "replace")
                outcome = delivery.classify(response.status)
                return done(outcome, status=response.status, excerpt=excerpt or None,
                            error=None if outcome is Outcome.SUCCESS else f"HTTP {response.status}",
                            retry_after=delivery.parse_retry_after(response.headers.get("Retry-After"),
                                                                   datetime.now(UTC)))
        except TimeoutError:
            return done(Outcome.TIMEOUT, error=f"no response within {self.timeout:g} s")
        except (aiohttp.ClientError, OSError) as exc:
            reason = blocked_reason(exc)
            if reason:
                return done(Outcome.BLOCKED, error=reason)
            return done(Outcome.CONNECTION_ERROR, error=f"{type(exc).__name__}: {exc}"[:500])

    async def _record(self, job: Job, attempt: Attempt) -> None:
        decision = delivery.decide(attempt.outcome, job.attempts, self.schedule, self._rand(), attempt.retry_after)
        for pause in (0.2, 1.0, 3.0, None):
            try:
                async with self.pool.acquire() as conn, self._maybe_transaction(conn, decision):
                    settled = await store.record_attempt(
                        conn, message_id=job.id, org_id=job.org_id, token=job.claim_token, worker=self.name,
                        outcome=attempt.outcome.value, status_code=attempt.status, latency_ms=attempt.latency_ms,
                        error=attempt.error, excerpt=attempt.excerpt, attempted_at=attempt.started,
                        state=decision.state.value, delay=decision.delay)
                    if settled and decision.disable_endpoint:
                        await self._disable(conn, job)
                break
            except Exception as exc:
                if pause is None:  # give up: the lease runs out and the message is sent again
                    log.error("outbox_record_failed", delivery_id=str(job.id), error=type(exc).__name__)
                    return
                await asyncio.sleep(pause)
        self._held.pop(job.id, None)
        if self.metrics is not None:
            self.metrics.delivery_attempts.labels(attempt.outcome.value).inc()
        emit = log.debug if attempt.outcome is Outcome.SUCCESS else log.info
        emit("webhook_attempt", delivery_id=str(job.id), endpoint_id=str(job.endpoint_id), event_type=job.event_type,
             outcome=attempt.outcome.value, status=attempt.status, latency_ms=attempt.latency_ms,
             state=decision.state.value if settled else "lease_lost")

    @staticmethod
    def _maybe_transaction(conn: asyncpg.Connection,
                           decision: delivery.Decision) -> contextlib.AbstractAsyncContextManager[object]:
        # Recording is one atomic statement; only disabling an endpoint adds writes that must go with it.
        return conn.transaction() if decision.disable_endpoint else contextlib.nullcontext()

    async def _disable(self, conn: asyncpg.Connection, job: Job) -> None:
        reason = "the endpoint answered 410 Gone"
        if await store.disable(conn, job.org_id, job.endpoint_id, reason):
            await audit.record(conn, worker_caller(job.org_id), "webhook_endpoint.disabled", "webhook_endpoint",
                               job.endpoint_id, after={"reason": reason, "delivery_id": str(job.id)})


async def refresh_metrics(pool: asyncpg.Pool, metrics: Metrics) -> None:
    """Outbox depth and the age of its oldest pending message, from the database (any process can scrape)."""
    row = await store.stats(pool)
    metrics.outbox_pending.set(row["pending"])
    metrics.outbox_oldest_age.set(row["oldest_age"])
