"""Two web processes and two delivery workers on one database, as replicas run in production. Two
organisations' scorecards and survey responses go to both web processes at once; each candidate is written
on one replica and read and written again on the other. Nothing acknowledged is lost, no result read or
computed on either replica misses a write made on the other, and every queued message is delivered once
(a duplicate could only follow a worker's death, and none dies here)."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from typing import Any

import aiohttp
import asyncpg

from service.tenants.domain.tokens import SCOPES
from tests.support.api import Api
from tests.support.receiver import Receiver
from tests.support.serving import delivering, served

ENV = {"WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "WEBHOOK_RETRY_SCHEDULE": "0"}
CANDIDATES = 12
PANELLISTS = 3
RESPONSES = 30
PINGS = 20


class Organisation:
    """One organisation's key on both replicas, and what each has acknowledged."""

    def __init__(self, label: str, sessions: list[aiohttp.ClientSession], token: str) -> None:
        self.label = label
        self.apis = [Api(session, token) for session in sessions]  # type: ignore[arg-type]
        self.marks: dict[tuple[str, str, str], int] = {}  # (candidate, station, panellist) -> mark acknowledged
        self.responses = 0

    async def prepare(self) -> None:
        api = self.apis[0]
        self.rubric = (await api.get("/v1/rubrics/st3-interview")).json
        self.campaign = (await api.post("/v1/campaigns", {"reference": f"{self.label}-R1", "title": "t",
                                                          "rubric_id": "st3-interview"})).json
        items = (await api.get("/v1/rubrics/engagement-survey")).json["items"]
        self.survey_answers = {i["id"]: 3 for i in items}
        self.survey = (await api.post("/v1/surveys", {"reference": f"{self.label}-S1", "title": "t",
                                                      "rubric_id": "engagement-survey"})).json
        for n in range(CANDIDATES):
            assert (await self.apis[n % 2].put(self.candidate(n), {})).status == 201

    def candidate(self, n: int) -> str:
        return f"/v1/campaigns/{self.campaign['id']}/candidates/{self.label}-C{n}"

    async def scorecard(self, replica: int, n: int, station: dict[str, Any], panellist: str, mark: int) -> None:
        reply = await self.apis[replica].put(f"{self.candidate(n)}/scorecards/{station['id']}/{panellist}",
                                             {"marks": dict.fromkeys(station["criteria"], mark)})
        assert reply.status in (200, 201), reply.text
        self.marks[(f"{self.label}-C{n}", station["id"], panellist)] = mark * len(station["criteria"])

    async def totals(self, replica: int, n: int) -> tuple[int, int]:
        """The candidate's raw total as its result shows it, and as the ranking (stored results) does."""
        reply = await self.apis[replica].get(f"{self.candidate(n)}/result")
        assert reply.status == 200, reply.text
        ranking = await self.apis[replica].get(f"/v1/campaigns/{self.campaign['id']}/ranking")
        [stored] = [i["raw_total"] for i in ranking.json["items"] if i["candidate_ref"] == f"{self.label}-C{n}"]
        return reply.json["raw_total"], stored

    def acknowledged_total(self, n: int) -> int:
        return sum(v for (ref, _s, _p), v in self.marks.items() if ref == f"{self.label}-C{n}")


async def test_two_web_and_two_delivery_replicas_lose_nothing_and_serve_nothing_stale(
        database_url: str, make_org, make_token, conn: asyncpg.Connection) -> None:
    receiver = await Receiver().start()
    rng = random.Random(2026)
    try:
        async with (served(database_url, **ENV) as one, served(database_url, **ENV) as two,
                    aiohttp.ClientSession(base_url=one.base) as first,
                    aiohttp.ClientSession(base_url=two.base) as second):
            orgs = [Organisation(label, [first, second], await make_token(SCOPES, org=await make_org(f"REP{n}")))
                    for n, label in enumerate(("ALPHA", "BRAVO"))]
            for org in orgs:
                await org.prepare()
                endpoint = (await org.apis[0].post("/v1/webhook-endpoints", {
                    "url": receiver.url, "events": ["campaign.finalised"]})).json
                org.endpoint_id = endpoint["id"]
            async with delivering(database_url, **ENV), delivering(database_url, **ENV):
                # a candidate written on the replicas in turn, each write read on the other: from the third on,
                # each replica last saw the candidate before the other's write
                stations = orgs[0].rubric["stations"]
                for org, n in itertools.product(orgs, range(3)):
                    for turn in range(4):
                        await org.scorecard(turn % 2, n, stations[0], f"p-{turn}", rng.randint(1, 5))
                        expected = org.acknowledged_total(n)
                        assert await org.totals(1 - turn % 2, n) == (expected, expected), (org.label, n, turn)

                # then everything at once, on both replicas: scorecards, responses, pings
                writes = [org.scorecard(rng.randrange(2), n, station, f"p-{p}", rng.randint(1, 5))
                          for org in orgs for n in range(CANDIDATES) for station in stations
                          for p in range(PANELLISTS)]

                async def respond(org: Organisation, n: int) -> None:
                    reply = await org.apis[n % 2].put(f"/v1/surveys/{org.survey['id']}/responses/{org.label}-r{n}",
                                                      {"unit": "ward", "staff_group": "doctor",
                                                       "answers": org.survey_answers})
                    assert reply.status in (200, 201), reply.text
                    org.responses += 1

                async def ping(org: Organisation, n: int) -> None:
                    reply = await org.apis[n % 2].post(f"/v1/webhook-endpoints/{org.endpoint_id}/ping")
                    assert reply.status == 202, reply.text

                work = writes + [respond(org, n) for org in orgs for n in range(RESPONSES)]
                work += [ping(org, n) for org in orgs for n in range(PINGS)]
                rng.shuffle(work)
                gate = asyncio.Semaphore(16)

                async def limited(job: Any) -> None:
                    async with gate:
                        await job

                await asyncio.gather(*(limited(job) for job in work))
                for org in orgs:
                    for n in range(CANDIDATES):
                        expected = org.acknowledged_total(n)
                        assert [await org.totals(r, n) for r in (0, 1)] == [(expected, expected)] * 2, (org.label, n)
                    finalised = await org.apis[1].post(f"/v1/campaigns/{org.campaign['id']}/finalise")
                    assert finalised.status == 200, finalised.text
                expected_messages = len(orgs) * (PINGS + 1)
                await receiver.wait_for(expected_messages, within=30)
                await asyncio.sleep(1.5)  # a duplicate would arrive within a poll or two
            workers = dict(Counter(r["worker"] for r in await conn.fetch("SELECT worker FROM webhook_attempts")))
    finally:
        await receiver.stop()

    scorecards = sum(len(org.marks) for org in orgs)
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == scorecards
    assert await conn.fetchval("SELECT count(*) FROM survey_responses") == sum(o.responses for o in orgs)
    ids = Counter(r.headers["webhook-id"] for r in receiver.received)
    stored = {str(r["id"]) for r in await conn.fetch("SELECT id FROM webhook_messages WHERE status = 'delivered'")}
    assert len(ids) == expected_messages and set(ids) == stored
    duplicates = {i: c for i, c in ids.items() if c > 1}
    assert not duplicates, duplicates
    print(f"replicas: 2 web, 2 workers; {scorecards} scorecards and {sum(o.responses for o in orgs)} responses "
          f"stored of as many acknowledged; {len(ids)} messages delivered once each (attempts by worker: "
          f"{workers}); no stale result on either replica")
