"""Helpers for recruitment API tests."""

from __future__ import annotations

from typing import Any

from tests.support.api import Api


async def st3(api: Api) -> dict[str, Any]:
    return (await api.get("/v1/rubrics/st3-interview")).json


async def new_campaign(api: Api, reference: str = "ST3-2026-R1", rubric_id: str = "st3-interview") -> dict[str, Any]:
    reply = await api.post("/v1/campaigns", {"reference": reference, "title": "ST3 Medicine 2026 round 1",
                                             "rubric_id": rubric_id})
    assert reply.status == 201, reply.text
    return reply.json


def full_marks(rubric: dict[str, Any], station_id: str, mark: int) -> dict[str, int]:
    station = next(s for s in rubric["stations"] if s["id"] == station_id)
    return dict.fromkeys(station["criteria"], mark)
