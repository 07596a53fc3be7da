"""Writes from concurrent requests, stored a batch at a time: one statement and one commit for many.

Each commit costs PostgreSQL a WAL flush and each statement a round trip and an executor start; under
load most of a small write is that. A `Batcher` stores the items submitted while its lanes are busy
as the next batch, so at low load an item is stored at once and alone, and under load many share a
statement. An item's caller gets its own result only once its batch has committed.

While a batch is being stored, another lane starts one beside it only for a few items at least
(`overlap_min`): a lone item would otherwise take the free lane the moment it came, and under load the
lanes would take turns storing a full batch and a batch of one (half the statements, for a few items).
Fewer items wait for the next lane to free, or for `patience` seconds if the batches being stored take
that long (a stall), whichever comes first.

Two items with the same key (a candidate) are never in one batch, nor in two batches stored at the
same time: so batches of one process never wait on each other's row locks. The items of one batch share
a group (an organisation), so that each statement touches one organisation's rows (one shard when the
tables are distributed by organisation). If PostgreSQL refuses a
batch, each of its items is stored again alone, so one bad item fails its own caller only; if the
connection or the server fails, every item of the batch gets that error at once.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import asyncpg
import structlog

log = structlog.get_logger("service.batches")
T = TypeVar("T")
R = TypeVar("R")

DEFAULT_SIZE = 64  # items per batch at most
# Batches being stored at once, each on its own pooled connection: while one commits, the next is
# already being written.
DEFAULT_LANES = 2
DEFAULT_OVERLAP_MIN = 4  # items for a batch beside one being stored
DEFAULT_PATIENCE = 0.02  # seconds a few items wait for a lane before a batch of them starts anyway


class Batcher(Generic[T, R]):
    def __init__(self, pool: asyncpg.Pool, store: Callable[[asyncpg.Connection, list[T]], Awaitable[list[R]]],
                 key: Callable[[T], Hashable], *, group: Callable[[T], Hashable] = lambda _item: None,
                 size: int = DEFAULT_SIZE, lanes: int = DEFAULT_LANES,
                 overlap_min: int = DEFAULT_OVERLAP_MIN, patience: float = DEFAULT_PATIENCE) -> None:
        self.pool, self.store, self.key, self.group, self.size, self.lanes = pool, store, key, group, size, lanes
        self.overlap_min, self.patience = overlap_min, patience
        self._waiting: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._storing: set[Hashable] = set()  # keys of the items in batches being stored
        self._tasks: set[asyncio.Task[None]] = set()
        self._impatient: asyncio.TimerHandle | None = None  # starts a batch of a few items after `patience`

    async def submit(self, item: T) -> R:
        """Store the item with the next batch; its result once that batch has committed."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._start()
        return await future

    def _start(self, *, anyway: bool = False) -> None:
        while self._waiting and len(self._tasks) < self.lanes:
            if self._tasks and not anyway and len(self._waiting) < self.overlap_min:
                if self._impatient is None:
                    self._impatient = asyncio.get_running_loop().call_later(self.patience, self._lose_patience)
                return
            anyway = False
            batch = self._take()
            if not batch:
                return
            # A context of its own: the request that happens to start a batch is not the batch's.
            task = asyncio.get_running_loop().create_task(self._store(batch), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _lose_patience(self) -> None:
        self._impatient = None
        self._start(anyway=True)

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        later: list[tuple[T, asyncio.Future[R]]] = []
        group: Hashable = None
        while self._waiting and len(batch) < self.size:
            item, future = self._waiting.popleft()
            if future.done():  # its caller gave up before anything was written
                continue
            key = self.key(item)
            if key in self._storing or (batch and self.group(item) != group):
                later.append((item, future))
            else:
                self._storing.add(key)
                if not batch:
                    group = self.group(item)
                batch.append((item, future))
        self._waiting.extendleft(reversed(later))
        return batch

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._impatient is not None and not self._tasks:
            self._impatient.cancel()
            self._impatient = None
        self._start()

    async def _store(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            try:
                results = await self._store_items([item for item, _f in batch])
            except Exception as exc:
                if len(batch) == 1 or not _about_the_data(exc):
                    for _item, future in batch:
                        _settle(future, exception=exc)
                    return
                log.warning("batch_failed", items=len(batch), error=type(exc).__name__)
                for item, future in batch:
                    if future.done():  # its caller has gone: nothing of it was written
                        continue
                    try:
                        result, = await self._store_items([item])
                    except Exception as item_exc:
                        _settle(future, exception=item_exc)
                    else:
                        _settle(future, result=result)
                return
            for (_item, future), result in zip(batch, results, strict=True):
                _settle(future, result=result)
        finally:
            self._storing.difference_update(self.key(item) for item, _f in batch)
            for _item, future in batch:  # only when the task itself was cancelled (shutdown)
                future.cancel()

    async def _store_items(self, items: list[T]) -> list[R]:
        async with self.pool.acquire() as conn:
            return await self.store(conn, items)


def _about_the_data(exc: Exception) -> bool:
    """Whether PostgreSQL refused the statement for something in it (then one item may be to blame, and
    the others can be stored alone), rather than the connection or the server failing (then each would
    fail alike, and trying them one by one would only hold the lane)."""
    return isinstance(exc, asyncpg.PostgresError) and not isinstance(exc, asyncpg.PostgresConnectionError)


def _settle(future: asyncio.Future[R], *, result: R | None = None, exception: BaseException | None = None) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)  # type: ignore[arg-type]
