"""The guarded write of a change to a candidate: a stale read or a finalised campaign writes nothing, and
concurrent writers of one candidate are all kept whether they win optimistically or fall back to the lock."""

from __future__ import annotations

import asyncio
import uuid
from fractions import Fraction
from typing import Any

import asyncpg
import pytest

from service import db
from service.app import create_app
from service.recruitment import store as candidates
from service.recruitment import usecases as recruitment
from service.tenants.domain.callers import cli_caller
from tests.recruitment.recruitment_support import full_marks, new_campaign, new_candidate, st3
from tests.support.api import Api


async def snapshot(conn: asyncpg.Connection) -> tuple[Any, ...]:
    return tuple([await conn.fetchval(f"SELECT count(*) FROM {t}")  # noqa: S608 - fixed table names
                  for t in ("scorecards", "audit_events", "webhook_messages")]
                 + [await conn.fetch("SELECT * FROM candidate_results ORDER BY candidate_id")])


def card(org_id: uuid.UUID, state: asyncpg.Record, panellist: str = "late") -> candidates.CandidateWrite:
    return candidates.CandidateWrite(
        "scorecard", campaign_id=state["campaign_id"], candidate_id=state["id"], revision=state["revision"],
        audit_entry={"org_id": org_id, "actor": "test", "key_id": None, "action": "scorecard.submitted",
                     "object_type": "scorecard", "object_id": "x", "rubric": None, "before": None,
                     "after": {"marks": {}}, "request_id": None},
        result=("complete", True, "0" * 64, {}), events=([], []),
        change={"station_id": "interview", "panellist_ref": panellist, "marks": {"c": 1}, "evidence": {},
                "comment": None})


async def write_card(conn: asyncpg.Connection, org_id: uuid.UUID, state: asyncpg.Record) -> candidates.WriteOutcome:
    written, = await candidates.write(conn, [card(org_id, state)])
    return written


async def setup(api: Api, conn: asyncpg.Connection) -> tuple[dict[str, Any], dict[str, Any], uuid.UUID, str]:
    rubric, campaign, base = await new_candidate(api)
    org_id = await conn.fetchval("SELECT org_id FROM campaigns WHERE id = $1", uuid.UUID(campaign["id"]))
    return rubric, campaign, org_id, base


async def test_a_write_from_a_stale_read_writes_nothing(api: Api, conn) -> None:
    rubric, campaign, org_id, base = await setup(api, conn)
    station = rubric["stations"][0]["id"]
    state = await candidates.state(conn, org_id, uuid.UUID(campaign["id"]), "A-1")
    # Another writer gets in between this read and this write.
    assert (await api.put(f"{base}/scorecards/{station}/p1", {"marks": full_marks(rubric, station, 3)})).status == 201
    before = await snapshot(conn)
    assert await write_card(conn, org_id, state) == candidates.WriteOutcome(open=True, written=False)
    assert await snapshot(conn) == before
    fresh = await candidates.state(conn, org_id, uuid.UUID(campaign["id"]), "A-1")
    assert fresh["revision"] == state["revision"] + 1


async def test_in_one_batch_each_write_is_guarded_on_its_own(api: Api, conn) -> None:
    rubric, campaign, org_id, base = await setup(api, conn)
    campaign_id = uuid.UUID(campaign["id"])
    assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/A-2", {})).status == 201
    stale = await candidates.state(conn, org_id, campaign_id, "A-1")
    station = rubric["stations"][0]["id"]
    assert (await api.put(f"{base}/scorecards/{station}/p1", {"marks": full_marks(rubric, station, 3)})).status == 201
    fresh = await candidates.state(conn, org_id, campaign_id, "A-2")
    scorecards, audited, queued, _ = await snapshot(conn)
    assert await candidates.write(conn, [card(org_id, stale), card(org_id, fresh)]) == [
        candidates.WriteOutcome(open=True, written=False), candidates.WriteOutcome(open=True, written=True)]
    assert (await snapshot(conn))[:3] == (scorecards + 1, audited + 1, queued)
    late = await conn.fetch("SELECT c.candidate_ref FROM scorecards s"
                            " JOIN candidates c ON c.org_id = s.org_id AND c.id = s.candidate_id"
                            " WHERE s.panellist_ref = 'late'")
    assert [r["candidate_ref"] for r in late] == ["A-2"]


async def test_a_write_into_a_campaign_finalised_since_the_read_writes_nothing(api: Api, conn) -> None:
    _, campaign, org_id, _ = await setup(api, conn)
    state = await candidates.state(conn, org_id, uuid.UUID(campaign["id"]), "A-1")
    assert (await api.post(f"/v1/campaigns/{campaign['id']}/finalise")).status == 200
    before = await snapshot(conn)
    assert await write_card(conn, org_id, state) == candidates.WriteOutcome(open=False, written=False)
    assert await snapshot(conn) == before


@pytest.mark.parametrize("optimistic_attempts", [recruitment.OPTIMISTIC_ATTEMPTS, 1, 0])
async def test_concurrent_writers_of_one_candidate_are_all_kept(api: Api, conn, monkeypatch,
                                                                optimistic_attempts: int) -> None:
    """0: every writer takes the lock; 1: every writer that loses a race takes it; the default mixes both."""
    monkeypatch.setattr(recruitment, "OPTIMISTIC_ATTEMPTS", optimistic_attempts)
    rubric, _, _, base = await setup(api, conn)
    cards = [(s["id"], f"p{p}", 2 + (p + i) % 4) for i, s in enumerate(rubric["stations"]) for p in range(5)]
    replies = await asyncio.gather(*(api.put(f"{base}/scorecards/{s}/{p}", {"marks": full_marks(rubric, s, mark)})
                                     for s, p, mark in cards))
    assert [r.status for r in replies] == [201] * len(cards)
    result = (await api.get(base + "/result")).json
    assert result["raw_total"] == sum(mark * len(full_marks(rubric, s, 0)) for s, _, mark in cards)
    assert all(len(c["marks"]) == 5 for s in result["stations"] for c in s["criteria"])
    audited = await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'scorecard.submitted'")
    assert audited == len(cards)
    revision = await conn.fetchval("SELECT revision FROM candidates WHERE candidate_ref = 'A-1'")
    assert revision == len(cards) + 1  # one bump per scorecard and one for the candidate's creation


async def test_a_state_kept_by_one_process_is_not_written_from_once_another_changed_it(
        api: Api, conn, config, aiohttp_client, make_token) -> None:
    """Two web processes on one database: each keeps the states it wrote; the guard makes a kept state
    that another process has since changed be read again, so the stored standing counts every scorecard."""
    rubric, campaign, org_id, base = await setup(api, conn)
    code = await conn.fetchval("SELECT code FROM organisations WHERE id = $1", org_id)
    org = cli_caller(org_id, code)
    other = Api(await aiohttp_client(create_app(config)), await make_token(org=org))
    station = rubric["stations"][0]["id"]
    for who, panellist, mark in ((api, "p1", 2), (other, "p2", 3), (api, "p3", 4), (other, "p1", 5)):
        assert (await who.put(f"{base}/scorecards/{station}/{panellist}",
                              {"marks": full_marks(rubric, station, mark)})).status in (200, 201)
    result = (await api.get(base + "/result")).json
    assert result["raw_total"] == (5 + 3 + 4) * len(full_marks(rubric, station, 0))
    [ranked] = (await other.get(f"/v1/campaigns/{campaign['id']}/ranking")).json["items"]
    assert ranked["raw_total"] == result["raw_total"]
    assert ranked["station_scores"] == {s["station_id"]: s["score"] for s in result["stations"]}


async def test_a_scorecard_waits_for_any_change_of_its_campaign_and_sees_it(api: Api, conn, database_url) -> None:
    """Not only finalise's own lock: whatever transaction changes the campaign row, a scorecard write
    waits for it and then finds the campaign finalised (409, nothing stored)."""
    rubric, campaign, _, base = await setup(api, conn)
    station = rubric["stations"][0]["id"]
    other = await asyncpg.connect(database_url)
    try:
        finalising = other.transaction()
        await finalising.start()
        await other.execute("UPDATE campaigns SET status = 'finalised', finalised_at = now() WHERE id = $1",
                            uuid.UUID(campaign["id"]))
        put = asyncio.ensure_future(api.put(f"{base}/scorecards/{station}/p1",
                                            {"marks": full_marks(rubric, station, 3)}))
        await asyncio.sleep(0.5)
        assert not put.done()  # waiting on the campaign row
        before = await snapshot(conn)
        await finalising.commit()
        reply = await put
    finally:
        await other.close()
    assert reply.status == 409
    assert await snapshot(conn) == before


async def test_the_ranking_follows_a_composite_change_too_small_to_show(api: Api, conn) -> None:
    """The rendered composite has 4 decimal places; the ranking sorts (and breaks ties) on the exact one."""
    campaign = await new_campaign(api, "AAC-2", "consultant-aac")
    aac = (await api.get("/v1/rubrics/consultant-aac")).json
    base = f"/v1/campaigns/{campaign['id']}/candidates/C-1"
    assert (await api.put(base, {"components": {"shortlisting": 80}})).status == 201
    for station in aac["stations"]:
        for p in range(station["panellists"]):
            await api.put(f"{base}/scorecards/{station['id']}/m{p}", {"marks": full_marks(aac, station["id"], 4)})
    shown = (await api.get(base + "/result")).json["composite"]
    assert (await api.put(base, {"components": {"shortlisting": 80.00001}})).status == 200
    assert (await api.get(base + "/result")).json["composite"] == shown
    standing = await conn.fetchval("SELECT standing FROM candidate_results")
    assert Fraction(standing["exact"]["composite"]) == Fraction(4, 5) * 80 + Fraction(1, 5) * Fraction("80.00001")


async def test_a_campaign_held_by_another_transaction_holds_up_only_its_own_writes(
        api: Api, conn, client, make_token, database_url) -> None:
    """A batch never waits for a row lock: while one campaign is held (as by a finalisation), its writes
    wait for it on their own, and another organisation's writes go through at once."""
    rubric = await st3(api)
    station = rubric["stations"][0]["id"]
    held = await new_campaign(api, "HELD")
    for ref in ("A-1", "A-2"):
        assert (await api.put(f"/v1/campaigns/{held['id']}/candidates/{ref}", {})).status == 201
    other = Api(client, await make_token())  # another organisation
    free = await new_campaign(other, "FREE")
    assert (await other.put(f"/v1/campaigns/{free['id']}/candidates/B-1", {})).status == 201
    blocker = await asyncpg.connect(database_url)
    try:
        holding = blocker.transaction()
        await holding.start()
        held_id = uuid.UUID(held["id"])
        held_org = await blocker.fetchval("SELECT org_id FROM campaigns WHERE id = $1", held_id)
        await blocker.execute("SELECT FROM campaigns WHERE org_id = $1 AND id = $2 FOR UPDATE", held_org, held_id)
        waiting = [asyncio.ensure_future(api.put(f"/v1/campaigns/{held['id']}/candidates/{ref}/scorecards/"
                                                 f"{station}/p1", {"marks": full_marks(rubric, station, 3)}))
                   for ref in ("A-1", "A-2")]
        await asyncio.sleep(0.2)
        through = await asyncio.wait_for(other.put(f"/v1/campaigns/{free['id']}/candidates/B-1/scorecards/"
                                                   f"{station}/p1", {"marks": full_marks(rubric, station, 4)}), 2)
        assert through.status == 201
        assert not any(w.done() for w in waiting)
        await holding.rollback()
    finally:
        await blocker.close()
    assert [(await w).status for w in waiting] == [201, 201]
    assert await conn.fetchval("SELECT count(*) FROM scorecards WHERE panellist_ref = 'p1'") == 3


async def test_batches_of_two_processes_never_wait_on_each_other(api: Api, conn, database_url) -> None:
    """A batch holding candidates X and Y while another asks for Y and X: the second neither waits nor
    deadlocks; its writes come back busy, for their writers to do alone."""
    _, campaign, org_id, _ = await setup(api, conn)
    assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/A-2", {})).status == 201
    x, y = [await candidates.state(conn, org_id, uuid.UUID(campaign["id"]), ref) for ref in ("A-1", "A-2")]
    first = await db.connect(database_url)
    second = await db.connect(database_url)
    try:
        async with first.transaction():
            assert await candidates.write(first, [card(org_id, x), card(org_id, y)]) == [
                candidates.WriteOutcome(open=True, written=True)] * 2
            busy = await asyncio.wait_for(candidates.write(second, [card(org_id, y, "p9"), card(org_id, x, "p9")]), 2)
        assert busy == [candidates.WriteOutcome(open=True, written=False, busy=True)] * 2
    finally:
        await first.close()
        await second.close()
    assert await conn.fetchval("SELECT count(*) FROM scorecards WHERE panellist_ref = 'p9'") == 0


async def test_simultaneous_scorecards_for_many_candidates_are_all_kept_with_current_standings(
        api: Api, conn) -> None:
    """Many panels at once (the writes go in shared batches): every scorecard, audit row and standing."""
    rubric = await st3(api)
    campaign = await new_campaign(api, "MANY")
    refs = [f"C-{n}" for n in range(12)]
    for ref in refs:
        assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/{ref}", {})).status == 201
    cards = [(ref, s["id"], f"p{p}", 1 + (n + p + i) % 5) for n, ref in enumerate(refs)
             for i, s in enumerate(rubric["stations"]) for p in range(2)]
    replies = await asyncio.gather(*(
        api.put(f"/v1/campaigns/{campaign['id']}/candidates/{ref}/scorecards/{s}/{p}",
                {"marks": full_marks(rubric, s, mark)}) for ref, s, p, mark in cards))
    assert [r.status for r in replies] == [201] * len(cards)
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == len(cards)
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE action = 'scorecard.submitted'") == len(cards)
    ranked = {i["candidate_ref"]: i for i in (await api.get(f"/v1/campaigns/{campaign['id']}/ranking")).json["items"]}
    for ref in refs:
        result = (await api.get(f"/v1/campaigns/{campaign['id']}/candidates/{ref}/result")).json
        assert result["raw_total"] == sum(mark * len(full_marks(rubric, s, 0)) for r, s, _, mark in cards if r == ref)
        assert (ranked[ref]["raw_total"], ranked[ref]["status"]) == (result["raw_total"], result["status"])
        assert ranked[ref]["station_scores"] == {s["station_id"]: s["score"] for s in result["stations"]}
