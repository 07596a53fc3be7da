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


async def new_candidate(api: Api, ref: str = "A-1") -> tuple[dict[str, Any], dict[str, Any], str]:
    """An st3-interview campaign with one candidate: (rubric, campaign, the candidate's path)."""
    rubric = await st3(api)
    campaign = await new_campaign(api)
    base = f"/v1/campaigns/{campaign['id']}/candidates/{ref}"
    reply = await api.put(base, {})
    assert reply.status == 201, reply.text
    return rubric, campaign, base


def full_marks(rubric: dict[str, Any], station_id: str, mark: int) -> dict[str, int]:
    station = next(s for s in rubric["stations"] if s["id"] == station_id)
    return dict.fromkeys(station["criteria"], mark)
