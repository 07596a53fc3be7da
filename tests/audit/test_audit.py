"""The audit log: written with each change, readable by the organisation only, paged."""

from __future__ import annotations

from datetime import datetime, timedelta

from service.audit import store as audit
from service.tenants.domain.callers import Caller
from tests.recruitment.recruitment_support import full_marks, new_candidate
from tests.support.api import Api


async def test_audit_events_are_paged_and_scoped_to_the_org(client, conn, make_org, make_token) -> None:
    mine, theirs = await make_org("RXH"), await make_org("RYR")
    token = await make_token(["recruitment:read", "audit:read"], org=mine)
    for i in range(5):
        await audit.record(conn, mine, "test.thing", "campaign", f"t{i}", after={"i": i})
    await audit.record(conn, theirs, "test.thing", "campaign", "other-org")
    api = Api(client, token)

    first = await api.get("/v1/audit-events", limit=3, action="test.thing")
    assert [e["object_id"] for e in first.json["items"]] == ["t0", "t1", "t2"]
    assert first.json["next_cursor"]
    second = await api.get("/v1/audit-events", limit=3, action="test.thing",
                           cursor=first.json["next_cursor"])
    assert [e["object_id"] for e in second.json["items"]] == ["t3", "t4"]
    assert second.json["next_cursor"] is None
    assert second.json["items"][0]["after"] == {"i": 3}


async def test_key_creation_is_audited(client, make_token) -> None:
    token = await make_token(["audit:read"])
    assert (await Api(client, await make_token(["survey:read"])).get("/v1/audit-events")).status == 403
    reply = await Api(client, token).get("/v1/audit-events", action="api_key.created")
    [event] = reply.json["items"]
    assert event["actor"] == "cli"
    assert event["after"]["scopes"] == ["audit:read"]
    assert token not in reply.text


async def test_bad_paging_parameters_are_422_with_parameter_names(api: Api) -> None:
    reply = await api.get("/v1/audit-events", limit=0)
    assert reply.status == 422
    assert reply.json["errors"] == [{"parameter": "limit", "detail": "must be an integer from 1 to 200"}]
    reply = await api.get("/v1/audit-events", cursor="!!!")
    assert reply.status == 422
    assert reply.json["errors"][0]["parameter"] == "cursor"


def _unused(c: Caller) -> None:  # keeps the import honest for type checkers
    del c


async def test_newest_first_since_and_cursors_that_keep_their_order(client, conn, make_org, make_token) -> None:
    org = await make_org("RXH")
    api = Api(client, await make_token(["recruitment:read", "audit:read"], org=org))
    for i in range(5):
        await audit.record(conn, org, "test.thing", "campaign", f"t{i}")
    newest = await api.get("/v1/audit-events", limit=2, action="test.thing", order="newest_first")
    assert [e["object_id"] for e in newest.json["items"]] == ["t4", "t3"]
    rest = await api.get("/v1/audit-events", limit=5, action="test.thing", order="newest_first",
                         cursor=newest.json["next_cursor"])
    assert [e["object_id"] for e in rest.json["items"]] == ["t2", "t1", "t0"]
    mixed = await api.get("/v1/audit-events", cursor=newest.json["next_cursor"])
    assert mixed.status == 422 and mixed.json["errors"][0]["parameter"] == "cursor"

    third = newest.json["items"][1]["created_at"]  # t3's time: t3 and t4 were recorded at or after it
    an_hour_before = datetime.fromisoformat(third) - timedelta(hours=1)
    await conn.execute("UPDATE audit_events SET created_at = $2 WHERE org_id = $1 AND object_id IN ('t0', 't1', 't2')",
                       org.org_id, an_hour_before)
    since = await api.get("/v1/audit-events", action="test.thing", since=third)
    assert [e["object_id"] for e in since.json["items"]] == ["t3", "t4"]
    for bad in ("yesterday", "2026-03-01T09:00:00"):  # no offset: which clock?
        reply = await api.get("/v1/audit-events", since=bad)
        assert reply.status == 422 and reply.json["errors"][0]["parameter"] == "since"
    assert (await api.get("/v1/audit-events", order="sideways")).status == 422


async def test_a_candidates_events_name_it_as_the_api_does(api: Api) -> None:
    rubric, campaign, base = await new_candidate(api, ref="APP 7")
    station = rubric["stations"][0]
    await api.put(f"{base}/scorecards/{station['id']}/dr-a", {"marks": full_marks(rubric, station["id"], 3)})
    events = (await api.get("/v1/audit-events", order="newest_first", limit=2)).json["items"]
    assert [(e["action"], e["object_id"]) for e in events] == [
        ("scorecard.submitted", f"{campaign['id']}/APP%207/{station['id']}/dr-a"),
        ("candidate.created", f"{campaign['id']}/APP%207")]
