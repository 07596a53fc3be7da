"""Writes sent at a live app by many concurrent callers while the database misbehaves, and what must hold after:
every answer a success or a 503 problem with Retry-After, every acknowledged write stored as sent, no write
half-stored (each scorecard with its audit row, each survey response with its own), and service back soon."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from service.pseudonyms import pseudonym
from service.tenants.domain.callers import Caller
from tests.conftest import SECRET_KEY
from tests.recruitment.recruitment_support import full_marks, new_campaign, st3
from tests.support.api import Api

CANDIDATES = 20
WRITERS = 16


@dataclass
class Load:
    api: Api
    org: Caller
    rubric: dict[str, Any] = field(default_factory=dict)
    campaign: dict[str, Any] = field(default_factory=dict)
    survey: dict[str, Any] = field(default_factory=dict)
    survey_items: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    scorecards: dict[str, dict[str, int]] = field(default_factory=dict)  # acknowledged: panellist -> marks
    responses: dict[str, str] = field(default_factory=dict)  # acknowledged: respondent -> unit
    unexpected: list[str] = field(default_factory=list)

    async def prepare(self) -> None:
        self.rubric = await st3(self.api)
        self.campaign = await new_campaign(self.api, "FAULTS")
        for n in range(CANDIDATES):
            assert (await self.api.put(self._candidate(n), {})).status == 201
        self.survey = (await self.api.post("/v1/surveys", {"reference": "FAULTS", "title": "t",
                                                           "rubric_id": "engagement-survey"})).json
        self.survey_items = [i["id"] for i in (await self.api.get("/v1/rubrics/engagement-survey")).json["items"]]

    def _candidate(self, n: int) -> str:
        return f"/v1/campaigns/{self.campaign['id']}/candidates/C-{n % CANDIDATES}"

    async def write(self, n: int) -> int:
        """Write number n (each a new scorecard or a new survey response); returns the status."""
        if n % 2:
            station = self.rubric["stations"][n % len(self.rubric["stations"])]["id"]
            marks = full_marks(self.rubric, station, 1 + n % 4)
            reply = await self.api.put(f"{self._candidate(n)}/scorecards/{station}/p-{n}", {"marks": marks})
            if reply.status in (200, 201):
                self.scorecards[f"p-{n}"] = marks
        else:
            unit = f"unit-{n % 5}"
            reply = await self.api.put(f"/v1/surveys/{self.survey['id']}/responses/r-{n}",
                                       {"unit": unit, "staff_group": "doctor",
                                        "answers": dict.fromkeys(self.survey_items, 1 + n % 5)})
            if reply.status in (200, 201):
                self.responses[f"r-{n}"] = unit
        self.statuses[reply.status] += 1
        if reply.status == 503:
            if reply.headers.get("Retry-After") != "1" or reply.content_type != "application/problem+json":
                self.unexpected.append(f"503 without Retry-After or problem: {reply.headers} {reply.text[:200]}")
        elif reply.status not in (200, 201):
            self.unexpected.append(f"{reply.status}: {reply.text[:300]}")
        return reply.status

    async def run(self, stop: asyncio.Event) -> None:
        numbers = itertools.count()

        async def writer() -> None:
            while not stop.is_set():
                await self.write(next(numbers))

        await asyncio.gather(*(writer() for _ in range(WRITERS)))

    async def recovery_seconds(self, within: float = 120) -> float:
        """Seconds until a write succeeds again (writes keep coming until one does; only a service that never
        recovers reaches `within`)."""
        started = time.monotonic()
        n = 10**6
        while time.monotonic() - started < within:
            if await self.write(n) in (200, 201):
                return time.monotonic() - started
            n += 2
            await asyncio.sleep(0.05)
        raise AssertionError(f"no write succeeded within {within} s")

    async def check_stored(self, conn: asyncpg.Connection) -> int:
        """Every acknowledged write is stored as sent and nothing is half-stored; returns the writes lost."""
        stored = {r["panellist_ref"]: dict(r["marks"]) for r in await conn.fetch(
            "SELECT panellist_ref, marks FROM scorecards WHERE org_id = $1", self.org.org_id)}
        lost = [p for p, marks in self.scorecards.items() if stored.get(p) != marks]
        units = {bytes(r["respondent_key"]): r["unit"] for r in await conn.fetch(
            "SELECT respondent_key, unit FROM survey_responses WHERE org_id = $1", self.org.org_id)}
        lost += [r for r, unit in self.responses.items()
                 if units.get(pseudonym(SECRET_KEY, self.org.org_id, r)) != unit]
        audited = await conn.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = ANY($2)",
                                      self.org.org_id, ["scorecard.submitted", "scorecard.replaced"])
        assert audited == len(stored), f"{len(stored)} scorecards but {audited} audit rows: a write was half-stored"
        responded = await conn.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = $2",
                                        self.org.org_id, "survey.response_added")
        assert responded == len(units), f"{len(units)} responses but {responded} audit rows"
        results = await conn.fetchval("SELECT count(*) FROM candidate_results WHERE org_id = $1", self.org.org_id)
        assert results == CANDIDATES
        return len(lost)
