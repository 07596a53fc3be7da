"""The contract the service serves stands alone: /openapi.json and /openapi.yaml hold every schema they
use, so a validator or a generator pointed at the running service needs nothing from the repository."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from openapi_spec_validator import validate
from referencing.exceptions import Unresolvable

from service.config import ROOT
from service.web.contract import bundle
from service.webhooks import events, inbound
from tests.support.api import Api


def references(node: object) -> list[str]:
    if isinstance(node, dict):
        return [*([node["$ref"]] if isinstance(node.get("$ref"), str) else []),
                *(r for value in node.values() for r in references(value))]
    if isinstance(node, list):
        return [r for item in node for r in references(item)]
    return []


def resolve(document: dict, ref: str) -> object:
    node: object = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]  # type: ignore[index]
    return node


async def test_the_served_json_is_a_valid_document_with_no_reference_outside_itself(anon: Api) -> None:
    reply = await anon.get("/openapi.json")
    assert reply.content_type == "application/json"
    document = json.loads(reply.text)
    refs = references(document)
    assert refs and all(r.startswith("#/") for r in refs), [r for r in refs if not r.startswith("#/")]
    for ref in refs:  # each one points at something in the document
        resolve(document, ref)
    validate(document)  # no base URI: only what was served is read
    served_yaml = yaml.safe_load((await anon.get("/openapi.yaml")).text)
    assert served_yaml == document


async def test_the_core_writes_have_their_request_schemas_inlined(anon: Api) -> None:
    document = json.loads((await anon.get("/openapi.json")).text)
    schemas = document["components"]["schemas"]
    files = {"CampaignCreate": "campaign-create", "CandidatePut": "candidate-put", "ScorecardPut": "scorecard-put",
             "ModerationCreate": "moderation-create", "WebhookEnvelope": "webhook-envelope",
             "WebhookSourceCreate": "webhook-source-create", "WebhookEndpointCreate": "webhook-endpoint-create"}
    for name, file in files.items():
        source = json.loads((ROOT / "schemas" / f"{file}.json").read_text())
        inlined = schemas[name]
        assert "$id" not in inlined and "$schema" not in inlined and "title" not in inlined
        assert inlined["description"].startswith(source["title"])
        assert {k: v for k, v in inlined.items() if k != "description"} == {
            k: v for k, v in source.items() if k not in ("$id", "$schema", "title", "description")}
    body = document["paths"]["/v1/campaigns/{campaign_id}/candidates/{candidate_ref}/scorecards/{station_id}/"
                              "{panellist_ref}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ScorecardPut"}


def test_a_file_schema_with_internal_references_is_rewritten_to_its_new_place(tmp_path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "thing-create.json").write_text(json.dumps({
        "$id": "https://example.test/thing.json", "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "properties": {"size": {"$ref": "#/$defs/size"}, "other": {"$ref": "other.json"}},
        "$defs": {"size": {"type": "integer"}}}))
    (tmp_path / "schemas" / "other.json").write_text(json.dumps({"type": "string"}))
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/t": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "schemas/thing-create.json"}}}}, "responses": {"204": {"description": "ok"}}}}},
        "components": {"schemas": {"Local": {"type": "object"}}}}))
    document = bundle(tmp_path / "openapi.yaml")
    thing = document["components"]["schemas"]["ThingCreate"]
    assert thing["properties"]["size"] == {"$ref": "#/components/schemas/ThingCreate/$defs/size"}
    assert thing["properties"]["other"] == {"$ref": "#/components/schemas/Other"}
    assert document["components"]["schemas"]["Other"] == {"type": "string"}
    assert resolve(document, thing["properties"]["size"]["$ref"]) == {"type": "integer"}
    validate(document)


def test_only_json_files_beside_the_contract_are_read(tmp_path) -> None:
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {"Outside": {"$ref": "../secrets.json"}}}}))
    (tmp_path.parent / "secrets.json").write_text("{}")
    with pytest.raises(Unresolvable) as refused:
        bundle(tmp_path / "openapi.yaml")
    assert "not a JSON Schema file beside the contract" in str(refused.value.__cause__.__cause__)


def backticked(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)+|ping)`", text))


def test_the_documented_event_types_are_the_ones_the_service_has() -> None:
    contract = bundle()
    subscribe = contract["paths"]["/v1/webhook-endpoints"]["post"]["description"]
    assert backticked(subscribe.split("Events you can subscribe to:")[1].split(";")[0]) == set(events.subscribable())
    assert set(contract["components"]["schemas"]["OutboundEnvelope"]["properties"]["type"]["enum"]) == set(
        events.OUTBOUND_EVENTS)
    receive = contract["paths"]["/v1/hooks/{source_id}"]["post"]["description"]
    assert backticked(receive.split("Accepted types:")[1].split(". Any other")[0]) == set(inbound.DEFAULT.names())
