"""360 feedback over the API: appraisals, responses, refusals, close, reports, privacy of raters."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.pseudonyms import pseudonym
from tests.support.api import Api

SECRET = "test-secret-key-0123456789"  # the test config's SECRET_KEY


async def items(api: Api) -> list[str]:
    rubric = (await api.get("/v1/rubrics/mlcf-360")).json
    return [i["id"] for i in rubric["items"]]


def answers(ids: list[str], mark: int | None) -> dict[str, int | None]:
    return dict.fromkeys(ids, mark)


async def new_appraisal(api: Api, external_ref: str | None = "APP-1") -> dict[str, Any]:
    body = {"subject_ref": "GMC-1234567", "rubric_id": "mlcf-360", "cycle": "2026-27"}
    if external_ref:
        body["external_ref"] = external_ref
    reply = await api.post("/v1/appraisals", body)
    assert reply.status == 201, reply.text
    return reply.json


async def test_an_appraisal_pins_its_rubric_and_external_ref_is_unique(api: Api) -> None:
    rubric = (await api.get("/v1/rubrics/mlcf-360")).json
    appraisal = await new_appraisal(api)
    assert appraisal["rubric"] == {"id": "mlcf-360", "version": rubric["version"], "hash": rubric["hash"]}
    assert (appraisal["status"], appraisal["external_ref"], appraisal["closed_at"]) == ("open", "APP-1", None)
    again = await api.post("/v1/appraisals", {"subject_ref": "x", "rubric_id": "mlcf-360", "cycle": "c",
                                              "external_ref": "APP-1"})
    assert (again.status, again.json["id"]) == (409, appraisal["id"])
    assert (await api.get(f"/v1/appraisals/{appraisal['id']}")).json == appraisal
    found = (await api.get("/v1/appraisals", external_ref="APP-1")).json
    assert [a["id"] for a in found["items"]] == [appraisal["id"]]
    assert (await api.get("/v1/appraisals", external_ref="nope")).json["items"] == []
    second = await new_appraisal(api, None)
    page = (await api.get("/v1/appraisals", limit=1)).json
    rest = (await api.get("/v1/appraisals", limit=1, cursor=page["next_cursor"])).json
    assert [a["id"] for a in page["items"] + rest["items"]] == [appraisal["id"], second["id"]]
    assert rest["next_cursor"] is None


async def test_an_appraisal_needs_a_published_360_rubric(api: Api) -> None:
    base = {"subject_ref": "s", "cycle": "c"}
    missing = await api.post("/v1/appraisals", {**base, "rubric_id": "nope"})
    assert (missing.status, missing.json["errors"][0]["pointer"]) == (422, "/rubric_id")
    wrong = await api.post("/v1/appraisals", {**base, "rubric_id": "st3-interview"})
    assert (wrong.status, wrong.json["errors"][0]["pointer"]) == (422, "/rubric_id")
    extra = await api.post("/v1/appraisals", {**base, "rubric_id": "mlcf-360", "x": 1})
    assert (extra.status, extra.json["errors"]) == (422, [{"pointer": "/x", "detail": "is not a known field"}])


async def test_responses_replace_and_refusals_store_nothing(api: Api, conn: asyncpg.Connection) -> None:
    ids = await items(api)
    appraisal = await new_appraisal(api)
    base = f"/v1/appraisals/{appraisal['id']}/responses"
    first = await api.put(f"{base}/rater-007", {"group": "peer", "answers": answers(ids, 4),
                                                "comments": {"general": "Kind and careful"}})
    assert first.status == 201
    assert "rater-007" not in first.text
    assert (first.json["group"], first.json["replaced"]) == ("peer", False)
    second = await api.put(f"{base}/rater-007", {"group": "other", "answers": answers(ids, None)})
    assert (second.status, second.json["replaced"]) == (200, True)
    org_id = await conn.fetchval("SELECT org_id FROM appraisals")
    rows = await conn.fetch("SELECT rater_key, group_id, comments FROM appraisal_responses")
    assert [(bytes(r["rater_key"]), r["group_id"], r["comments"]) for r in rows] == [
        (pseudonym(SECRET, org_id, "rater-007"), "other", {})]

    async def refused(ref: str, body: Any, status: int, pointers: list[str]) -> None:
        reply = await api.put(f"{base}/{ref}", body)
        assert reply.status == status, reply.text
        assert [e.get("pointer", e.get("parameter")) for e in reply.json.get("errors", [])] == pointers
        assert "Secret comment" not in reply.text

    await api.put(f"{base}/me", {"group": "self", "answers": answers(ids, 3)})
    await refused("me-again", {"group": "self", "answers": answers(ids, 3)}, 422, ["/group"])
    await refused("x", {"group": "nurses", "answers": answers(ids, 3)}, 422, ["/group"])
    await refused("x", {"group": "peer", "answers": {**answers(ids, 3), ids[0]: 6}}, 422, [f"/answers/{ids[0]}"])
    await refused("x", {"group": "peer", "answers": {**answers(ids, 3), "zz": 1}}, 422, ["/answers/zz"])
    await refused("x", {"group": "peer", "answers": answers(ids[1:], 3)}, 422, [f"/answers/{ids[0]}"])
    await refused("x", {"group": "peer", "answers": answers(ids, 3), "comments": {"q": "Secret comment"}}, 422,
                  ["/comments/q"])
    await refused("x", {"group": "peer", "answers": {**answers(ids, 3), ids[0]: 2.5}}, 422, [f"/answers/{ids[0]}"])
    await refused("x" * 201, {"group": "peer", "answers": answers(ids, 3)}, 422, ["rater_ref"])
    named = await api.put(f"{base}/dr-who", {"group": "nurses", "answers": answers(ids, 3)})
    assert named.json["instance"] == f"/v1/appraisals/{appraisal['id']}/responses/{{rater_ref}}"
    assert "dr-who" not in named.text
    assert await conn.fetchval("SELECT count(*) FROM appraisal_responses") == 2

    closed = await api.post(f"/v1/appraisals/{appraisal['id']}/close")
    assert (closed.status, closed.json["status"]) == (200, "closed")
    await refused("late", {"group": "peer", "answers": answers(ids, 3)}, 409, [])
    assert (await api.post(f"/v1/appraisals/{appraisal['id']}/close")).status == 409
    assert await conn.fetchval("SELECT count(*) FROM appraisal_responses") == 2


async def test_no_report_exists_while_open_only_progress_and_the_final_one_is_frozen_at_close(
        api: Api, conn: asyncpg.Connection) -> None:
    ids = await items(api)
    appraisal = await new_appraisal(api)
    base = f"/v1/appraisals/{appraisal['id']}"
    await api.put(f"{base}/responses/me", {"group": "self", "answers": answers(ids, 5)})
    await api.put(f"{base}/responses/boss", {"group": "supervisor", "answers": answers(ids, 4),
                                            "comments": {"general": "Reliable"}})
    for n in range(2):
        await api.put(f"{base}/responses/peer-{n}", {"group": "peer", "answers": answers(ids, 3 + n % 2)})
    for path in ("report", "report.html"):
        early = await api.get(f"{base}/{path}")
        assert (early.status, early.content_type) == (409, "application/problem+json")
        assert early.json["type"].endswith("/report-not-released")
        # Progress only: how many came, and per group a yes or no, never a count or a figure.
        assert early.json["progress"] == {"responses": 4, "groups": {
            "self": {"minimum_reached": True}, "supervisor": {"minimum_reached": True},
            "peer": {"minimum_reached": False}, "direct_report": {"minimum_reached": False},
            "other": {"minimum_reached": False}}}
        assert "Reliable" not in early.text and "boss" not in early.text
    await api.put(f"{base}/responses/peer-2", {"group": "peer", "answers": answers(ids, 3)})
    assert (await api.get(f"{base}/report")).json["progress"]["groups"]["peer"] == {"minimum_reached": True}

    closed = await api.post(f"{base}/close")
    assert closed.status == 200
    report = (await api.get(f"{base}/report")).json
    assert report["status"] == "final"
    assert report["raters"]["peer"] == {"count": 3, "shown": True, "label": "Peers"}
    # others pools the supervisor (4) and three peers (3, 4, 3) on every item: 14 / 4 = 3.5
    assert report["overall"]["others"]["mean"] == 3.5
    assert report["overall"]["gap"] == 1.5 and report["agreement"] == "over_estimator"
    assert report["comments"] == [{"text": "Reliable", "group": "supervisor", "item_id": None}]
    html = await api.get(f"{base}/report.html")
    assert html.status == 200 and html.content_type == "text/html"
    assert "Final report" in html.text and "boss" not in html.text and "peer-1" not in html.text
    # The frozen report is what is read back, whatever happens to the responses afterwards.
    await conn.execute("UPDATE appraisal_responses SET answers = '{}'::jsonb")
    assert (await api.get(f"{base}/report")).json == report
    # Closing unlinked every response: no key a rater reference leads to, no submission time of its own.
    rows = await conn.fetch("SELECT rater_key, submitted_at FROM appraisal_responses")
    keys = {r["rater_key"] for r in await conn.fetch("SELECT rater_key FROM appraisal_participants")}
    assert len(rows) == 5 and not keys & {r["rater_key"] for r in rows}
    assert {r["submitted_at"] for r in rows} == {await conn.fetchval("SELECT closed_at FROM appraisals")}
    events = await conn.fetch("SELECT action, after FROM audit_events WHERE object_type = 'appraisal' ORDER BY seq")
    assert [e["action"] for e in events] == ["appraisal.opened"] + ["appraisal.response_added"] * 5 + [
        "appraisal.closed"]
    # A response's event says that one came: not its group, counts or comments.
    assert all(e["after"] is None for e in events if e["action"] == "appraisal.response_added")


async def test_scopes_and_other_organisations(api: Api, client, make_token) -> None:
    appraisal = await new_appraisal(api)
    other = Api(client, await make_token())
    assert (await other.get(f"/v1/appraisals/{appraisal['id']}")).status == 404
    assert (await other.get(f"/v1/appraisals/{appraisal['id']}/report")).status == 404
    assert (await other.put(f"/v1/appraisals/{appraisal['id']}/responses/r", {"group": "peer", "answers": {}})
            ).status == 404
    assert (await other.post(f"/v1/appraisals/{appraisal['id']}/close")).status == 404
    assert (await other.get("/v1/appraisals", external_ref="APP-1")).json["items"] == []
    reader = Api(client, await make_token(["appraisal:read"]))
    assert (await reader.post("/v1/appraisals", {"subject_ref": "s", "rubric_id": "mlcf-360", "cycle": "c"})
            ).status == 403
    recruiter = Api(client, await make_token(["recruitment:read"]))
    assert (await recruiter.get("/v1/appraisals")).status == 403
