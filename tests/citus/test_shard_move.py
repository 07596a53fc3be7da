"""Moving an organisation to the other worker while it is being written to: every acknowledged scorecard and
survey response is stored, the service answers only 2xx (or 503, which tells the client to try again), and
afterwards the organisation's rows are all on the new node."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import asyncpg
import pytest

from tests.recruitment.recruitment_support import full_marks, new_campaign, st3
from tests.support.api import Api
from tests.surveys.test_surveys_api import answer, item_ids, new_survey

pytestmark = pytest.mark.citus

WRITERS = 4  # concurrent clients of each kind
CANDIDATES = 8


@dataclass
class Load:
    statuses: dict[int, int] = field(default_factory=dict)
    scorecards: set[tuple[str, str]] = field(default_factory=set)  # (candidate, panellist) acknowledged
    responses: set[str] = field(default_factory=set)
    during_move: int = 0  # writes acknowledged while the move ran

    def saw(self, status: int) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def test_an_organisation_moved_under_load_loses_nothing(api: Api, conn: asyncpg.Connection) -> None:
    rubric = await st3(api)
    station = rubric["stations"][0]["id"]
    campaign = await new_campaign(api, "MOVE-1")
    for n in range(CANDIDATES):
        assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/C-{n}", {})).status == 201
    survey = await new_survey(api, "MOVE-MES")
    items = await item_ids(api)
    org_id = await conn.fetchval("SELECT org_id FROM campaigns WHERE id = $1", uuid.UUID(campaign["id"]))
    shard = await conn.fetchval("SELECT get_shard_id_for_distribution_column('campaigns', $1::uuid)", org_id)
    source = await conn.fetchrow("SELECT nodename, nodeport FROM citus_shards WHERE shardid = $1", shard)
    target = await conn.fetchrow("SELECT nodename, nodeport FROM pg_dist_node WHERE groupid > 0 AND nodeport <> $1",
                                 source["nodeport"])

    load, moving, stop = Load(), asyncio.Event(), asyncio.Event()

    async def scorecards(writer: int) -> None:
        n = 0
        while not stop.is_set():
            candidate, panellist = f"C-{n % CANDIDATES}", f"w{writer}-{n}"
            reply = await api.put(f"/v1/campaigns/{campaign['id']}/candidates/{candidate}/scorecards/{station}/"
                                  f"{panellist}", {"marks": full_marks(rubric, station, 1 + n % 4)})
            load.saw(reply.status)
            if reply.status in (200, 201):
                load.scorecards.add((candidate, panellist))
                load.during_move += moving.is_set()
            n += 1

    async def responses(writer: int) -> None:
        n = 0
        while not stop.is_set():
            ref = f"R{writer}-{n}"
            reply = await answer(api, survey, ref, "Ward 1", "Consultant", dict.fromkeys(items, 1 + n % 5))
            load.saw(reply.status)
            if reply.status in (200, 201):
                load.responses.add(ref)
                load.during_move += moving.is_set()
            n += 1

    writers = [asyncio.create_task(scorecards(w)) for w in range(WRITERS)]
    writers += [asyncio.create_task(responses(w)) for w in range(WRITERS)]
    try:
        await asyncio.sleep(1)  # the load is going before the move starts
        moving.set()
        started = time.monotonic()
        # Every shard co-located with it (the organisation's other tables) moves with it, by logical
        # replication: writes go on while the rows are copied, and wait only for the switch-over.
        await conn.execute("SELECT citus_move_shard_placement($1, $2, $3, $4, $5,"
                           " shard_transfer_mode => 'force_logical')",
                           shard, source["nodename"], source["nodeport"], target["nodename"], target["nodeport"])
        moved_in = time.monotonic() - started
        moving.clear()
        await asyncio.sleep(1)  # and goes on after it
    finally:
        stop.set()
        await asyncio.gather(*writers)

    assert set(load.statuses) <= {200, 201, 503}, load.statuses
    assert load.during_move > 0, "no write was acknowledged while the move ran"
    now_at = await conn.fetch("SELECT DISTINCT nodeport FROM citus_shards WHERE colocation_id ="
                              " (SELECT colocation_id FROM citus_tables WHERE table_name = 'campaigns'::regclass)"
                              " AND shardid IN (SELECT get_shard_id_for_distribution_column(table_name, $1::uuid)"
                              "                  FROM citus_tables WHERE citus_table_type = 'distributed')", org_id)
    assert [r["nodeport"] for r in now_at] == [target["nodeport"]]
    stored = {(r["candidate_ref"], r["panellist_ref"]) for r in await conn.fetch(
        "SELECT c.candidate_ref, s.panellist_ref FROM scorecards s"
        " JOIN candidates c ON c.org_id = s.org_id AND c.id = s.candidate_id WHERE s.org_id = $1", org_id)}
    # Every acknowledged write is stored; a write answered 503 may have been stored too (its client retries).
    unsure = load.statuses.get(503, 0)
    assert load.scorecards <= stored and len(stored) - len(load.scorecards) <= unsure
    answered = await conn.fetchval("SELECT count(*) FROM survey_responses WHERE org_id = $1", org_id)
    assert len(load.responses) <= answered <= len(load.responses) + unsure
    # Read on the new node itself, the shards hold everything.
    worker = await asyncpg.connect(host=target["nodename"], port=target["nodeport"], user="postgres",
                                   database=await conn.fetchval("SELECT current_database()"))
    try:
        shard_of = await conn.fetchval("SELECT get_shard_id_for_distribution_column('scorecards', $1::uuid)", org_id)
        on_node = await worker.fetchval(f"SELECT count(*) FROM scorecards_{shard_of} WHERE org_id = $1",  # noqa: S608
                                        org_id)  # the shard's table, named by its id
    finally:
        await worker.close()
    assert on_node == len(stored)
    print(f"moved in {moved_in:.2f} s under load: {sum(load.statuses.values())} writes answered {load.statuses}, "
          f"{load.during_move} acknowledged during the move, {len(stored)} scorecards and {answered} responses stored")
