"""Recruitment over the API: campaigns, candidates, scorecards, moderation, events, bad input, concurrency."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg

from tests.recruitment.recruitment_support import full_marks, new_campaign, new_candidate, st3
from tests.support.api import Api


async def test_campaign_pins_the_rubric_and_reference_is_unique(api: Api) -> None:
    rubric = await st3(api)
    campaign = await new_campaign(api)
    assert campaign["rubric"] == {"id": "st3-interview", "version": rubric["version"], "hash": rubric["hash"]}
    assert campaign["status"] == "open"
    again = await api.post("/v1/campaigns", {"reference": "ST3-2026-R1", "title": "x", "rubric_id": "st3-interview"})
    assert again.status == 409
    assert again.json["id"] == campaign["id"]
    assert (await api.get(f"/v1/campaigns/{campaign['id']}")).json == campaign
    assert [c["id"] for c in (await api.get("/v1/campaigns")).json["items"]] == [campaign["id"]]


async def test_campaign_needs_a_published_recruitment_rubric(api: Api) -> None:
    missing = await api.post("/v1/campaigns", {"reference": "a", "title": "t", "rubric_id": "nope"})
    assert (missing.status, missing.json["errors"][0]["pointer"]) == (422, "/rubric_id")
    wrong = await api.post("/v1/campaigns", {"reference": "a", "title": "t", "rubric_id": "mlcf-360"})
    assert (wrong.status, wrong.json["errors"][0]["pointer"]) == (422, "/rubric_id")
    version = await api.post("/v1/campaigns", {"reference": "a", "title": "t", "rubric_id": "st3-interview",
                                                "rubric_version": 99})
    assert (version.status, version.json["errors"][0]["pointer"]) == (422, "/rubric_version")
    extra = await api.post("/v1/campaigns", {"reference": "a", "title": "t", "rubric_id": "st3-interview", "x": 1})
    assert (extra.status, extra.json["errors"]) == (422, [{"pointer": "/x", "detail": "is not a known field"}])


async def test_another_organisations_campaign_is_404(api: Api, client, make_token) -> None:
    campaign = await new_campaign(api)
    other = Api(client, await make_token())
    assert (await other.get(f"/v1/campaigns/{campaign['id']}")).status == 404
    reply = await other.put(f"/v1/campaigns/{campaign['id']}/candidates/c1", {})
    assert reply.status == 404
    assert (await api.get("/v1/campaigns/not-a-uuid")).status == 404


async def test_scorecards_build_the_result_and_replacement_is_audited(api: Api) -> None:
    rubric = await st3(api)
    campaign = await new_campaign(api)
    base = f"/v1/campaigns/{campaign['id']}/candidates/A-1001"
    created = await api.put(base, {"display_name": "Candidate One"})
    assert created.status == 201
    assert (await api.put(base, {})).json["display_name"] == "Candidate One"
    result = (await api.get(base + "/result")).json
    assert (result["status"], result["appointable"], result["raw_total"]) == ("incomplete", None, 0)

    station = rubric["stations"][0]["id"]
    first = await api.put(f"{base}/scorecards/{station}/dr-smith", {"marks": full_marks(rubric, station, 3)})
    assert first.status == 201
    replaced = await api.put(f"{base}/scorecards/{station}/dr-smith", {"marks": full_marks(rubric, station, 4),
                                                                       "comment": "Revised after notes"})
    assert replaced.status == 200
    result = (await api.get(base + "/result")).json
    criteria = result["stations"][0]["criteria"]
    assert all(c["marks"] == {"dr-smith": 4} for c in criteria)
    events = (await api.get("/v1/audit-events", action="scorecard.replaced")).json["items"]
    assert events[0]["before"]["marks"] == full_marks(rubric, station, 3)
    assert events[0]["after"]["marks"] == full_marks(rubric, station, 4)
    assert events[0]["rubric"]["id"] == "st3-interview"


async def count_rows(conn: asyncpg.Connection) -> tuple[int, int, int]:
    return (await conn.fetchval("SELECT count(*) FROM scorecards"),
            await conn.fetchval("SELECT count(*) FROM moderations"),
            await conn.fetchval("SELECT count(*) FROM audit_events"))


async def test_bad_scorecards_are_refused_with_pointers_and_nothing_is_stored(api: Api, conn) -> None:
    rubric, campaign, base = await new_candidate(api)
    station = rubric["stations"][0]
    first, second = station["criteria"][0], station["criteria"][1]
    url = f"{base}/scorecards/{station['id']}/p1"
    before = await count_rows(conn)
    result_before = (await api.get(base + "/result")).json

    outside = await api.put(url, {"marks": {**full_marks(rubric, station["id"], 3), first: 6}})
    assert outside.status == 422
    assert outside.json["errors"] == [{"pointer": f"/marks/{first}", "detail": "must be from 1 to 5 (got 6)"}]

    missing = dict(full_marks(rubric, station["id"], 3))
    del missing[second]
    reply = await api.put(url, {"marks": missing})
    assert (reply.status, reply.json["errors"][0]["pointer"]) == (422, f"/marks/{second}")

    unknown = await api.put(url, {"marks": {**full_marks(rubric, station["id"], 3), "charisma": 5}})
    assert (unknown.status, unknown.json["errors"][0]["pointer"]) == (422, "/marks/charisma")

    not_int = await api.put(url, {"marks": {**full_marks(rubric, station["id"], 3), first: 3.5}})
    assert (not_int.status, not_int.json["errors"][0]["pointer"]) == (422, f"/marks/{first}")

    bad_station = await api.put(f"{base}/scorecards/karaoke/p1", {"marks": {"x": 1}})
    assert bad_station.status == 422
    assert bad_station.json["errors"][0]["parameter"] == "station_id"

    no_candidate = await api.put(f"/v1/campaigns/{campaign['id']}/candidates/ghost/scorecards/{station['id']}/p1",
                                 {"marks": full_marks(rubric, station["id"], 3)})
    assert no_candidate.status == 404

    assert await count_rows(conn) == before
    assert (await api.get(base + "/result")).json == result_before


async def test_finalised_campaign_refuses_changes_and_stores_nothing(api: Api, conn) -> None:
    rubric, campaign, base = await new_candidate(api)
    done = await api.post(f"/v1/campaigns/{campaign['id']}/finalise")
    assert (done.status, done.json["status"]) == (200, "finalised")
    before = await count_rows(conn)
    station = rubric["stations"][0]["id"]
    reply = await api.put(f"{base}/scorecards/{station}/p1", {"marks": full_marks(rubric, station, 3)})
    assert reply.status == 409
    criterion = rubric["stations"][0]["criteria"][0]
    moderation = await api.post(f"{base}/moderations", {"station_id": station, "criterion_id": criterion,
                                                        "mark": 3, "reason": "r", "moderator_ref": "chair"})
    assert moderation.status == 409
    assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/B-2", {})).status == 409
    never_created = f"/v1/campaigns/{campaign['id']}/candidates/B-2/scorecards/{station}/p1"
    assert (await api.put(never_created, {"marks": full_marks(rubric, station, 3)})).status == 409
    assert (await api.post(f"/v1/campaigns/{campaign['id']}/finalise")).status == 409
    assert await count_rows(conn) == before


async def register_endpoint(api: Api) -> str:
    reply = await api.post("/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks", "events": [
        "candidate.result.updated", "candidate.moderation_required", "campaign.finalised"]})
    assert reply.status == 201, reply.text
    return reply.json["id"]


async def messages(conn: asyncpg.Connection) -> list[tuple[str, Any]]:
    import json
    rows = await conn.fetch("SELECT event_type, body FROM webhook_messages ORDER BY seq")
    return [(r["event_type"], json.loads(r["body"])["data"]) for r in rows]


async def test_moderation_flow_and_events(api: Api, conn) -> None:
    rubric = await st3(api)
    await register_endpoint(api)
    campaign = await new_campaign(api)
    base = f"/v1/campaigns/{campaign['id']}/candidates/A-7"
    await api.put(base, {})
    for station in rubric["stations"]:
        await api.put(f"{base}/scorecards/{station['id']}/p1", {"marks": full_marks(rubric, station["id"], 4)})
        await api.put(f"{base}/scorecards/{station['id']}/p2", {"marks": full_marks(rubric, station["id"], 4)})
    assert (await api.get(base + "/result")).json["status"] == "complete"
    sent = await messages(conn)
    assert [t for t, _ in sent] == ["candidate.result.updated"] * 8
    assert sent[0][1]["result_url"].endswith(f"/v1/campaigns/{campaign['id']}/candidates/A-7/result")

    # An identical resubmission changes nothing, so no event.
    first = rubric["stations"][0]
    await api.put(f"{base}/scorecards/{first['id']}/p2", {"marks": full_marks(rubric, first["id"], 4)})
    assert len(await messages(conn)) == 8

    criterion = first["criteria"][0]
    await api.put(f"{base}/scorecards/{first['id']}/p2", {"marks": {**full_marks(rubric, first["id"], 4),
                                                                    criterion: 2}})
    result = (await api.get(base + "/result")).json
    assert result["status"] == "needs_moderation"
    flagged = result["stations"][0]["criteria"][0]
    assert (flagged["flagged"], flagged["aggregate"]) == (True, 3)
    assert [t for t, _ in (await messages(conn))[8:]] == ["candidate.result.updated",
                                                          "candidate.moderation_required"]

    moderated = await api.post(f"{base}/moderations", {"station_id": first["id"], "criterion_id": criterion,
                                                       "mark": 4, "reason": "Panel agreed after discussion",
                                                       "moderator_ref": "chair-1"})
    assert moderated.status == 201
    result = (await api.get(base + "/result")).json
    cleared = result["stations"][0]["criteria"][0]
    assert (cleared["flagged"], cleared["moderated"], cleared["aggregate"]) == (False, True, 4)
    assert cleared["moderation"] == {"mark": 4, "reason": "Panel agreed after discussion", "moderator_ref": "chair-1"}
    assert result["status"] == "complete"
    # A scorecard after the moderation is scored with it: the stored standing the ranking reads stays complete.
    assert (await api.put(f"{base}/scorecards/{first['id']}/p3",
                          {"marks": full_marks(rubric, first["id"], 4)})).json["result_status"] == "complete"
    standing = (await api.get(f"/v1/campaigns/{campaign['id']}/ranking")).json["items"][0]
    assert (standing["status"], standing["rank"]) == ("complete", 1)
    audit = (await api.get("/v1/audit-events", action="moderation.recorded")).json["items"]
    assert audit[0]["before"] == {"moderation": None, "aggregate": 3}
    assert audit[0]["after"]["moderation"]["mark"] == 4

    bad = await api.post(f"{base}/moderations", {"station_id": "nope", "criterion_id": criterion, "mark": 9,
                                                 "reason": "r", "moderator_ref": "m"})
    assert bad.status == 422
    assert [e["pointer"] for e in bad.json["errors"]] == ["/station_id", "/mark"]

    final = await api.post(f"/v1/campaigns/{campaign['id']}/finalise")
    event_type, data = (await messages(conn))[-1]
    assert event_type == "campaign.finalised"
    assert data["ranking"] == final.json["ranking"]
    assert data["ranking"][0]["candidate_ref"] == "A-7"


async def test_concurrent_scorecards_for_one_candidate_are_all_kept(api: Api) -> None:
    rubric, _, base = await new_candidate(api, "A-9")
    puts = [api.put(f"{base}/scorecards/{s['id']}/{p}", {"marks": full_marks(rubric, s["id"], 3)})
            for s in rubric["stations"] for p in ("p1", "p2", "p3")]
    replies = await asyncio.gather(*puts)
    assert all(r.status == 201 for r in replies)
    result = (await api.get(base + "/result")).json
    assert result["status"] == "complete"
    assert all(len(c["marks"]) == 3 for s in result["stations"] for c in s["criteria"])
    assert result["raw_total"] == 3 * 3 * sum(len(s["criteria"]) for s in rubric["stations"])


async def test_components_must_be_known_and_count_in_the_composite(api: Api) -> None:
    campaign = await new_campaign(api, "AAC-1", "consultant-aac")
    base = f"/v1/campaigns/{campaign['id']}/candidates/C-1"
    bad = await api.put(base, {"components": {"application": 50}})
    assert (bad.status, bad.json["errors"][0]["pointer"]) == (422, "/components/application")
    out_of_range = await api.put(base, {"components": {"shortlisting": 101}})
    assert (out_of_range.status, out_of_range.json["errors"][0]["pointer"]) == (422, "/components/shortlisting")
    assert (await api.put(base, {"components": {"shortlisting": 80}})).status == 201
    aac = (await api.get("/v1/rubrics/consultant-aac")).json
    for station in aac["stations"]:
        for p in range(station["panellists"]):
            await api.put(f"{base}/scorecards/{station['id']}/m{p}", {"marks": full_marks(aac, station["id"], 4)})
    result = (await api.get(base + "/result")).json
    assert (result["status"], result["percent"]) == ("complete", 80)
    assert result["composite"] == 80  # 0.8 × 80 + 0.2 × 80


async def test_ranking_as_csv_and_reliability(api: Api) -> None:
    rubric = await st3(api)
    campaign = await new_campaign(api)
    for ref, mark in (("=HYPERLINK(1)", 4), ("B", 5), ("C", 4)):
        base = f"/v1/campaigns/{campaign['id']}/candidates/{ref}"
        await api.put(base, {})
        for station in rubric["stations"]:
            for p in ("p1", "p2"):
                await api.put(f"{base}/scorecards/{station['id']}/{p}", {"marks": full_marks(rubric, station["id"],
                                                                                              mark)})
    ranking = (await api.get(f"/v1/campaigns/{campaign['id']}/ranking")).json["items"]
    assert [(i["rank"], i["candidate_ref"]) for i in ranking] == [(1, "B"), (2, "=HYPERLINK(1)"), (2, "C")]
    order = [s["id"] for s in rubric["stations"]]  # not the order stored jsonb would give (shortest key first)
    assert order != sorted(order, key=lambda s: (len(s), s))
    assert all(list(i["station_scores"]) == order for i in ranking)
    result = (await api.get(f"/v1/campaigns/{campaign['id']}/candidates/B/result")).json
    assert [s["station_id"] for s in result["stations"]] == order
    csv_reply = await api.get(f"/v1/campaigns/{campaign['id']}/ranking", headers={"Accept": "text/csv"})
    assert csv_reply.content_type == "text/csv"
    lines = csv_reply.text.splitlines()
    columns = ",".join(f"station:{s}" for s in order)
    assert lines[0].startswith(f"rank,candidate_ref,composite,percent,raw_total,{columns},")
    assert lines[1].startswith("1,B,100,100,")
    assert lines[2].startswith("2,'=HYPERLINK(1),80,80,")
    assert (await api.get(f"/v1/campaigns/{campaign['id']}/ranking", headers={"Accept": "image/png"})).status == 406

    reliability = (await api.get(f"/v1/campaigns/{campaign['id']}/reliability")).json
    criteria = sum(len(s["criteria"]) for s in rubric["stations"])
    assert (reliability["units"], reliability["pairable_values"]) == (3 * criteria, 6 * criteria)
    assert reliability["alpha"] == 1  # both panellists always agree, and candidates differ
    assert [p["panellist_ref"] for p in reliability["panellists"]] == ["p1", "p2"]
    assert all(p["severity"] == 0 and p["non_discriminating"] is False for p in reliability["panellists"])


async def test_a_mark_written_4_0_is_the_mark_4_as_the_published_schema_says(api: Api, conn) -> None:
    rubric, _, base = await new_candidate(api)
    station = rubric["stations"][0]
    criteria = station["criteria"]
    body = '{"marks": {' + ", ".join(f'"{c}": {m}' for c, m in zip(criteria, ("4.0", "3", "5e0"), strict=False)) + "}}"
    reply = await api.put(f"{base}/scorecards/{station['id']}/p1", data=body,
                          headers={"Content-Type": "application/json"})
    assert reply.status == 201, reply.text
    expected = dict(zip(criteria, (4, 3, 5), strict=False))
    assert reply.json["marks"] == expected and all(type(m) is int for m in reply.json["marks"].values())
    stored = await conn.fetchval("SELECT marks::text FROM scorecards")
    assert json.loads(stored) == expected and "." not in stored
    result = (await api.get(base + "/result")).json
    assert result["stations"][0]["criteria"][0]["marks"] == {"p1": 4}
