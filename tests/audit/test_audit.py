"""The audit log: written with each change, readable by the organisation only, paged."""

from __future__ import annotations

from service.audit import store as audit
from service.tenants.domain.callers import Caller
from tests.support.api import Api


async def test_audit_events_are_paged_and_scoped_to_the_org(client, conn, make_org, make_token) -> None:
    mine, theirs = await make_org("RXH"), await make_org("RYR")
    token = await make_token(["recruitment:read"], org=mine)
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
    token = await make_token(["survey:read"])
    reply = await Api(client, token).get("/v1/audit-events", action="api_key.created")
    [event] = reply.json["items"]
    assert event["actor"] == "cli"
    assert event["after"]["scopes"] == ["survey:read"]
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
