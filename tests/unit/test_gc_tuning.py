"""The server's garbage-collection tuning (service/cli.py)."""

from __future__ import annotations

import gc

from service.cli import GC_YOUNG_THRESHOLD, tune_garbage_collection


async def test_start_up_objects_are_frozen_and_the_young_generation_collected_less_often() -> None:
    before = gc.get_threshold()
    try:
        gc.unfreeze()
        await tune_garbage_collection(None)  # type: ignore[arg-type]
        assert gc.get_freeze_count() > 1000
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
