"""Erasure: a rater's or respondent's links (closed appraisals' and surveys' answers have been tied to no one
since their close, so their reports do not change; open ones lose the response; which they answered is
forgotten), and a candidate deleted from
a campaign that is not finalised (rows, result and ranking; audit events keep no content or reference);
through the API and the command line."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.pseudonyms import pseudonym
from service.tenants.domain.tokens import SCOPES
from tests.cli.test_cli import run_cli
from tests.recruitment.recruitment_support import full_marks, new_campaign, st3
from tests.subjects.seeding import appraisal, rate
from tests.support.api import Api

SECRET = "test-secret-key-0123456789"  # the test config's SECRET_KEY
RATER = "GMC-7100001"  # rates colleagues and answers surveys


async def survey(api: Api, reference: str, respondents: list[str], items: list[str]) -> dict[str, Any]:
    made = (await api.post("/v1/surveys", {"reference": reference, "title": "t", "rubric_id": "engagement-survey"}))
    for n, ref in enumerate(respondents):
        body = {"unit": "Ward 9", "staff_group": "doctor", "answers": {i: 1 + (n + k) % 5 for k, i in enumerate(items)}}
        assert (await api.put(f"/v1/surveys/{made.json['id']}/responses/{ref}", body)).status == 201
    return made.json


async def reports(api: Api, closed_appraisal: str, closed_survey: str) -> list[str]:
    return [(await api.get(path)).text for path in (
        f"/v1/appraisals/{closed_appraisal}/report", f"/v1/appraisals/{closed_appraisal}/report.html",
        f"/v1/surveys/{closed_survey}/report", f"/v1/surveys/{closed_survey}/report.html",
        f"/v1/surveys/{closed_survey}/report.csv?by=staff_group")]


async def keyed(conn: asyncpg.Connection, org_id: Any, ref: str) -> list[str]:
    """What the person's pseudonym finds: responses, and the records that they answered."""
    key = pseudonym(SECRET, org_id, ref)
    return [r["t"] for r in await conn.fetch(
        "SELECT 'appraisal' AS t FROM appraisal_responses WHERE org_id = $1 AND rater_key = $2 UNION ALL "
        "SELECT 'survey' FROM survey_responses WHERE org_id = $1 AND respondent_key = $2 UNION ALL "
        "SELECT 'answered appraisal' FROM appraisal_participants WHERE org_id = $1 AND rater_key = $2 UNION ALL "
        "SELECT 'answered survey' FROM survey_participants WHERE org_id = $1 AND respondent_key = $2", org_id, key)]


async def test_unlinking_keeps_closed_reports_identical_and_finds_the_person_nowhere(
        client, make_org, make_token, conn: asyncpg.Connection) -> None:
    org = await make_org()
    api = Api(client, await make_token(SCOPES, org=org))
    items = [i["id"] for i in (await api.get("/v1/rubrics/mlcf-360")).json["items"]]
    closed = await appraisal(api, "GMC-7100009", "APP-CLOSED")
    await rate(api, closed["id"], "GMC-7100009", "self", items, 3, "self view")
    await rate(api, closed["id"], "SUP-1", "supervisor", items, 4, "supervisor view")
    for n, rater in enumerate([RATER, "PEER-2", "PEER-3", "PEER-4"]):
        await rate(api, closed["id"], rater, "peer", items, 2 + n, f"peer view {n}")
    assert (await api.post(f"/v1/appraisals/{closed['id']}/close")).status == 200
    still_open = await appraisal(api, "GMC-7100008", "APP-OPEN")
    await rate(api, still_open["id"], RATER, "peer", items, 5, "open view")
    await rate(api, still_open["id"], "PEER-5", "peer", items, 1)
    survey_items = [i["id"] for i in (await api.get("/v1/rubrics/engagement-survey")).json["items"]]
    closed_survey = await survey(api, "MES-CLOSED", [RATER, *(f"R-{n}" for n in range(6))], survey_items)
    assert (await api.post(f"/v1/surveys/{closed_survey['id']}/close")).status == 200
    await survey(api, "MES-OPEN", [RATER, "R-9"], survey_items)
    before = await reports(api, closed["id"], closed_survey["id"])
    # The closed ones' answers were unlinked at close: only the open ones' responses are found by the person,
    # and the records that they answered all four.
    assert sorted(await keyed(conn, org.org_id, RATER)) == [
        "answered appraisal", "answered appraisal", "answered survey", "answered survey", "appraisal", "survey"]
    assert len((await api.get(f"/v1/subjects/{RATER}/export")).json["answered"]) == 4

    reply = await api.post(f"/v1/subjects/{RATER}/unlink", headers={"Idempotency-Key": "erase-1"})
    assert reply.status == 200, reply.text
    assert reply.json == {"unlinked": True}
    assert await reports(api, closed["id"], closed_survey["id"]) == before  # byte for byte
    assert await keyed(conn, org.org_id, RATER) == []
    counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t} WHERE org_id = $1", org.org_id)  # noqa: S608
              for t in ("appraisal_responses", "survey_responses")}
    assert counts == {"appraisal_responses": 6 + 1, "survey_responses": 7 + 1}  # closed kept, open withdrawn
    assert (await api.get(f"/v1/subjects/{RATER}/export")).json["answered"] == []

    # the reference is kept nowhere: not in the audit log, not in the stored idempotent request
    stored = await conn.fetch("SELECT path, body FROM idempotency_keys WHERE org_id = $1", org.org_id)
    assert stored and all(RATER not in r["path"] and RATER.encode() not in r["body"] for r in stored)
    # (the exports made before are a record of that request: they name the person, and count nothing of theirs
    # that is anonymous)
    audit = await conn.fetch("SELECT action, object_id, after::text FROM audit_events WHERE org_id = $1", org.org_id)
    others = [r for r in audit if r["action"] != "subject.exported"]
    assert not [r for r in others if RATER in r["object_id"] + (r["after"] or "")]
    assert not [r for r in audit if r["action"] == "subject.exported" and "survey" in r["after"]]
    [event] = [r for r in audit if r["action"] == "subject.unlinked"]
    assert (event["object_id"], event["after"]) == (str(org.org_id), None)  # says nothing of what was found

    # answering again: a closed one still refuses; an open one takes a new response (theirs was withdrawn)
    body = {"group": "peer", "answers": dict.fromkeys(items, 3)}
    assert (await api.put(f"/v1/appraisals/{closed['id']}/responses/{RATER}", body)).status == 409
    assert (await api.put(f"/v1/appraisals/{still_open['id']}/responses/{RATER}", body)).status == 201
    again = await api.post(f"/v1/subjects/{RATER}/unlink")
    nothing = await api.post(f"/v1/subjects/{RATER}/unlink")
    assert again.json == nothing.json == reply.json  # the same answer, whatever was found
    assert await keyed(conn, org.org_id, RATER) == []
    assert await reports(api, closed["id"], closed_survey["id"]) == before


async def ranked(api: Api, campaign_id: str) -> list[tuple[str, int | None]]:
    items = (await api.get(f"/v1/campaigns/{campaign_id}/ranking")).json["items"]
    return [(i["candidate_ref"], i["rank"]) for i in items]


async def test_a_candidate_is_erased_from_an_open_campaign_and_the_ranking(client, make_org, make_token,
                                                                           conn: asyncpg.Connection) -> None:
    org = await make_org()
    api = Api(client, await make_token(SCOPES, org=org))
    rubric = await st3(api)
    campaign = await new_campaign(api, "ERASE-R1")
    base = f"/v1/campaigns/{campaign['id']}/candidates"
    for ref, mark in (("CAND-GONE", 5), ("CAND-B", 4), ("CAND-C", 3)):
        assert (await api.put(f"{base}/{ref}", {"display_name": f"Dr {ref}"})).status == 201
        for station in rubric["stations"]:
            for panellist in ("P-1", "P-2"):
                reply = await api.put(f"{base}/{ref}/scorecards/{station['id']}/{panellist}",
                                      {"marks": full_marks(rubric, station["id"], mark), "comment": f"on {ref}"})
                assert reply.status == 201, reply.text
    station = rubric["stations"][0]
    assert (await api.post(f"{base}/CAND-GONE/moderations", {
        "station_id": station["id"], "criterion_id": station["criteria"][0], "mark": 5, "reason": "agreed",
        "moderator_ref": "CHAIR"})).status == 201
    assert await ranked(api, campaign["id"]) == [("CAND-GONE", 1), ("CAND-B", 2), ("CAND-C", 3)]
    gone = await conn.fetchval("SELECT id FROM candidates WHERE org_id = $1 AND candidate_ref = 'CAND-GONE'",
                               org.org_id)
    erasure_key = Api(client, await make_token(["subjects:erase"], org=org))
    assert (await api.delete(f"{base}/CAND-GONE", token=await make_token(["recruitment:write"], org=org))
            ).status == 403
    assert (await erasure_key.delete(f"{base}/CAND-NOBODY")).status == 404
    assert (await erasure_key.delete(f"{base}/CAND-GONE")).status == 204

    assert await ranked(api, campaign["id"]) == [("CAND-B", 1), ("CAND-C", 2)]
    assert (await api.get(f"{base}/CAND-GONE/result")).status == 404
    for table in ("candidates", "scorecards", "moderations", "candidate_results"):
        column = "id" if table == "candidates" else "candidate_id"
        assert await conn.fetchval(f"SELECT count(*) FROM {table} WHERE org_id = $1 AND {column} = $2",  # noqa: S608
                                   org.org_id, gone) == 0, table
    audit = await conn.fetch("SELECT action, object_type, object_id, before, after FROM audit_events "
                             "WHERE org_id = $1 AND object_type IN ('candidate', 'scorecard', 'moderation')",
                             org.org_id)
    assert not [r for r in audit if "CAND-GONE" in r["object_id"] or "CAND-GONE" in str(r["after"])]
    erased = [r for r in audit if "/erased-" in r["object_id"]]
    [name] = {r["object_id"].split("/")[1] for r in erased}
    assert len(erased) == 1 + 2 * len(rubric["stations"]) + 1 + 1  # created, scorecards, moderation, erased
    assert all(r["before"] is None and r["after"] is None for r in erased if r["action"] != "candidate.erased")
    [done] = [r for r in erased if r["action"] == "candidate.erased"]
    assert done["object_id"].split("/")[1] == name
    assert done["after"] == {"moderations": 1, "scorecards": 2 * len(rubric["stations"])}
    assert len([r for r in audit if "CAND-B" in r["object_id"]]) == 1 + 2 * len(rubric["stations"])  # untouched

    # the reference is free again, for a new candidate with nothing of the old one (no cached state)
    assert (await api.put(f"{base}/CAND-GONE", {})).status == 201
    assert (await api.get(f"{base}/CAND-GONE/result")).json["stations"][0]["scorecards"] == 0
    assert (await api.post(f"/v1/campaigns/{campaign['id']}/finalise")).status == 200
    refused = await erasure_key.delete(f"{base}/CAND-B")
    assert refused.status == 409
    assert await ranked(api, campaign["id"]) == [("CAND-B", 1), ("CAND-C", 2), ("CAND-GONE", None)]


async def test_the_command_line_erases_as_the_api_does(client, make_org, make_token, database_url: str,
                                                       conn: asyncpg.Connection) -> None:
    org = await make_org("ERAS")
    api = Api(client, await make_token(SCOPES, org=org))
    items = [i["id"] for i in (await api.get("/v1/rubrics/mlcf-360")).json["items"]]
    made = await appraisal(api, "GMC-7100007", "APP-CLI")
    await rate(api, made["id"], RATER, "peer", items, 4)
    campaign = await new_campaign(api, "CLI-R1")
    assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/CAND-CLI", {})).status == 201
    unlinked = await run_cli(database_url, "subjects", "unlink", "--org", "eras", "--ref", RATER)
    assert unlinked.returncode == 0, unlinked.stderr
    assert RATER not in unlinked.stdout and unlinked.stdout.startswith("unlinked:")
    assert await keyed(conn, org.org_id, RATER) == []
    assert await conn.fetchval("SELECT count(*) FROM appraisal_responses WHERE org_id = $1", org.org_id) == 0
    erased = await run_cli(database_url, "subjects", "erase-candidate", "--org", "ERAS", "--campaign", campaign["id"],
                     "--ref", "CAND-CLI")
    assert erased.returncode == 0, erased.stderr
    assert (await api.get(f"/v1/campaigns/{campaign['id']}/candidates/CAND-CLI/result")).status == 404
    missing = await run_cli(database_url, "subjects", "erase-candidate", "--org", "ERAS", "--campaign", campaign["id"],
                      "--ref", "CAND-CLI")
    assert (missing.returncode, missing.stderr.strip()) == (2, "error: No such candidate in this campaign")
    unknown = await run_cli(database_url, "subjects", "unlink", "--org", "NOPE", "--ref", RATER)
    assert unknown.returncode == 2 and "no organisation NOPE" in unknown.stderr
