"""The server's garbage-collection tuning (service/cli/serve.py): start-up objects left out of collections,
young objects collected less often, and reference cycles still collected."""

from __future__ import annotations

import gc
import weakref

from service.cli.serve import tune_garbage_collection


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


async def test_start_up_objects_are_frozen_and_cycles_made_later_are_still_collected() -> None:
    before = gc.get_threshold()
    started_with = _Node()  # made before the tuning: part of what start-up leaves
    try:
        gc.unfreeze()
        await tune_garbage_collection(None)  # type: ignore[arg-type]
        assert gc.get_freeze_count() > 1000
        assert not any(o is started_with for o in gc.get_objects())  # frozen: no collection walks it
        assert gc.get_threshold()[0] > before[0]  # the youngest generation is collected less often
        made = [_cycle() for _ in range(100)]
        assert all(ref() is not None for ref in made)  # reference counting alone can't free a cycle
        gc.collect()
        assert all(ref() is None for ref in made)  # the collector still does
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
