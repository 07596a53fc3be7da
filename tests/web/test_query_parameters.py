"""One rule for what a request may send: a query parameter the operation does not take is refused
(422 naming it), as an unknown body field is, so a typo never pages silently at the default."""

from __future__ import annotations

from service.web.contract import bundle, query_parameters
from tests.support.api import Api


async def test_a_misspelt_query_parameter_is_422_naming_it_and_what_the_operation_takes(api: Api) -> None:
    reply = await api.get("/v1/audit-events?limt=5")
    assert reply.status == 422
    assert reply.json["errors"] == [{"parameter": "limt",
                                     "detail": "is not a query parameter of this operation (it takes: action, "
                                               "cursor, limit, order, since)"}]
    assert (await api.get("/v1/audit-events?limit=5&action=campaign.created")).status == 200


async def test_an_operation_without_query_parameters_takes_none_and_values_are_not_echoed(api: Api) -> None:
    secret = "Dr Smith said the candidate was rude" * 3
    reply = await api.get(f"/v1/whoami?note={secret}")
    assert reply.status == 422
    assert reply.json["errors"][0]["detail"].endswith("(it takes: none)")
    assert secret not in reply.text


async def test_outside_v1_probes_and_the_docs_page_take_any_query(anon: Api) -> None:
    for path in ("/healthz?probe=1", "/docs?x=1", "/openapi.json?cache-buster=2"):
        assert (await anon.get(path)).status == 200, path


def test_every_documented_query_parameter_is_known_to_the_gateway() -> None:
    taken = query_parameters(bundle())
    assert taken["GET", "/v1/audit-events"] == {"limit", "cursor", "action", "order", "since"}
    assert taken["HEAD", "/v1/audit-events"] == taken["GET", "/v1/audit-events"]
    assert taken["PUT", "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}"] == frozenset()
