"""Batches of concurrent writes (service/batches.py), stored through a real PostgreSQL pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from service import db
from service.db.batches import Batcher

Item = tuple[str, int]  # (key, value)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(database_url, min_size=1, max_size=4)
    await pool.execute("CREATE TABLE batch_items (key text NOT NULL, value integer NOT NULL CHECK (value >= 0))")
    yield pool
    await pool.close()


class Recorder:
    """A store function that inserts a batch in one statement and records what it was given."""

    def __init__(self, pause: float = 0.0) -> None:
        self.batches: list[list[Item]] = []
        self.storing: set[str] = set()
        self.overlaps: list[str] = []
        self.pause = pause
        self.release: asyncio.Event | None = None
        self.at_once = self.most_at_once = 0
        self.held = ""  # the key whose batches wait for `release` (any key when empty)

    async def __call__(self, conn: asyncpg.Connection, items: list[Item]) -> list[int]:
        keys = [k for k, _v in items]
        self.overlaps += [k for k in keys if k in self.storing]
        self.storing.update(keys)
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        self.batches.append(items)
        try:
            if self.release is not None and (not self.held or self.held in keys):
                await self.release.wait()
            await asyncio.sleep(self.pause)
            rows = await conn.fetch("INSERT INTO batch_items SELECT * FROM unnest($1::text[], $2::integer[])"
                                    " RETURNING value * 10 AS stored", keys, [v for _k, v in items])
            return [r["stored"] for r in rows]
        finally:
            self.storing.difference_update(keys)
            self.at_once -= 1


async def stored(pool: asyncpg.Pool) -> list[tuple[str, int]]:
    return [tuple(r) for r in await pool.fetch("SELECT key, value FROM batch_items ORDER BY key, value")]


async def test_an_idle_batcher_stores_an_item_at_once_and_alone(pool) -> None:
    recorder = Recorder()
    batcher = Batcher(pool, recorder, key=lambda item: item[0])
    assert await batcher.submit(("a", 1)) == 10
    assert recorder.batches == [[("a", 1)]]
    assert await stored(pool) == [("a", 1)]


async def test_concurrent_items_share_batches_and_each_caller_gets_its_own_result(pool) -> None:
    recorder = Recorder(pause=0.01)
    batcher = Batcher(pool, recorder, key=lambda item: item[0], size=8, lanes=2)
    items = [(f"k{i}", i) for i in range(40)]
    results = await asyncio.gather(*(batcher.submit(item) for item in items))
    assert results == [v * 10 for _k, v in items]
    assert await stored(pool) == sorted(items)
    assert len(recorder.batches) < len(items)  # batched: fewer statements than items
    assert max(len(b) for b in recorder.batches) == 8
    assert sorted(i for b in recorder.batches for i in b) == sorted(items)


async def test_items_with_one_key_never_share_a_batch_nor_are_stored_at_once(pool) -> None:
    recorder = Recorder(pause=0.02)  # slow enough for batches to be stored side by side
    batcher = Batcher(pool, recorder, key=lambda item: item[0], size=16, lanes=3)
    items = [(f"k{i % 3}", i) for i in range(30)]
    await asyncio.gather(*(batcher.submit(item) for item in items))
    assert all(len({k for k, _v in b}) == len(b) for b in recorder.batches)
    assert recorder.overlaps == []
    assert recorder.most_at_once > 1
    assert len(await stored(pool)) == 30


async def test_a_batch_holds_items_of_one_group_only_and_no_group_waits_behind_another(pool) -> None:
    recorder = Recorder(pause=0.01)
    batcher = Batcher(pool, recorder, key=lambda item: item[0], group=lambda item: item[1] % 3, size=16, lanes=2)
    items = [(f"k{i}", i) for i in range(60)]  # three groups, interleaved
    results = await asyncio.gather(*(batcher.submit(item) for item in items))
    assert results == [v * 10 for _k, v in items]
    assert all(len({v % 3 for _k, v in b}) == 1 for b in recorder.batches), recorder.batches
    assert max(len(b) for b in recorder.batches) > 1  # still batched
    firsts = [b[0][1] for b in recorder.batches]
    assert firsts == sorted(firsts)  # each batch starts from the item that has waited longest


async def test_a_failing_batch_is_stored_again_item_by_item_and_only_the_bad_item_fails(pool) -> None:
    recorder = Recorder(pause=0.01)
    batcher = Batcher(pool, recorder, key=lambda item: item[0], size=16)
    items = [(f"k{i}", -1 if i == 5 else i) for i in range(12)]
    outcomes = await asyncio.gather(*(batcher.submit(item) for item in items), return_exceptions=True)
    assert isinstance(outcomes[5], asyncpg.CheckViolationError)
    assert [o for i, o in enumerate(outcomes) if i != 5] == [v * 10 for k, v in items if k != "k5"]
    assert await stored(pool) == sorted(item for item in items if item[0] != "k5")


async def test_a_caller_that_gives_up_while_waiting_has_nothing_stored(pool) -> None:
    recorder = Recorder()
    recorder.release = asyncio.Event()
    batcher = Batcher(pool, recorder, key=lambda item: item[0], lanes=1)
    first = asyncio.create_task(batcher.submit(("a", 1)))
    await asyncio.sleep(0.05)  # the first batch is being stored (and waits)
    waiting = asyncio.create_task(batcher.submit(("b", 2)))
    await asyncio.sleep(0.01)
    waiting.cancel()
    recorder.release.set()
    assert await first == 10
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.05)
    assert recorder.batches == [[("a", 1)]]
    assert await stored(pool) == [("a", 1)]


async def test_a_stalled_batch_holds_up_a_few_items_only_for_the_patience(pool) -> None:
    recorder = Recorder()
    recorder.release, recorder.held = asyncio.Event(), "slow"
    batcher = Batcher(pool, recorder, key=lambda item: item[0], lanes=2, patience=0.05)
    slow = asyncio.create_task(batcher.submit(("slow", 1)))
    await asyncio.sleep(0.01)
    started = asyncio.get_running_loop().time()
    try:
        assert await asyncio.wait_for(batcher.submit(("other", 2)), 5) == 20
        assert asyncio.get_running_loop().time() - started >= 0.04  # it waited for a lane, then went anyway
        assert not slow.done()
    finally:
        recorder.release.set()
    assert await slow == 10


async def test_beside_a_batch_being_stored_a_lone_item_waits_for_the_next_batch(pool) -> None:
    """Not a batch of one in the other lane: the item goes with those that come while the lane is busy."""
    recorder = Recorder()
    recorder.release = asyncio.Event()
    batcher = Batcher(pool, recorder, key=lambda item: item[0], lanes=2, overlap_min=4, patience=5)
    first = asyncio.create_task(batcher.submit(("a", 1)))
    await asyncio.sleep(0.02)
    later = [asyncio.create_task(batcher.submit((key, 2))) for key in ("b", "c")]
    await asyncio.sleep(0.05)
    try:
        assert recorder.batches == [[("a", 1)]]  # b and c wait: the other lane is free, but they are too few
    finally:
        recorder.release.set()
    assert await first == 10 and [await t for t in later] == [20, 20]
    assert recorder.batches == [[("a", 1)], [("b", 2), ("c", 2)]]


async def test_enough_waiting_items_start_a_batch_beside_the_one_being_stored(pool) -> None:
    recorder = Recorder()
    recorder.release, recorder.held = asyncio.Event(), "a"
    batcher = Batcher(pool, recorder, key=lambda item: item[0], lanes=2, overlap_min=4, patience=5)
    first = asyncio.create_task(batcher.submit(("a", 1)))
    await asyncio.sleep(0.02)
    try:
        assert await asyncio.wait_for(asyncio.gather(*(batcher.submit((f"k{i}", i)) for i in range(4))), 5) == \
            [0, 10, 20, 30]
        assert recorder.batches[1] == [(f"k{i}", i) for i in range(4)] and not first.done()
    finally:
        recorder.release.set()
    assert await first == 10


async def test_a_failed_connection_fails_the_whole_batch_at_once(pool) -> None:
    """Stored one by one, each item would fail alike: every caller gets the error, and no retries hold the lane."""
    calls: list[int] = []

    async def broken(conn: asyncpg.Connection, items: list[Item]) -> list[int]:
        calls.append(len(items))
        await asyncio.sleep(0.01)
        raise ConnectionResetError("the server went away")

    batcher = Batcher(pool, broken, key=lambda item: item[0], lanes=1)
    outcomes = await asyncio.gather(*(batcher.submit((f"k{i}", i)) for i in range(6)), return_exceptions=True)
    assert all(isinstance(o, ConnectionResetError) for o in outcomes)
    assert calls == [1, 5]  # the first alone (the lane was free), then the rest as one batch: no retries
