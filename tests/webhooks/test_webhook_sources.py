"""Inbound webhook sources: created over the API or the CLI (secret shown once), listed, deleted, per org."""

from __future__ import annotations

import json
import re

from tests.cli.test_cli import run_cli
from tests.support.api import Api
from tests.webhooks.test_hooks import envelope, hook, make_source, signed


async def test_create_shows_the_secret_once(api: Api, config) -> None:
    created = await make_source(api, "Appraisal platform")
    assert re.match(r"^whsec_[A-Za-z0-9+/]{43}=$", created["secret"])
    assert created["hook_url"] == f"{config.base_url}/v1/hooks/{created['id']}"
    listed = (await api.get("/v1/webhook-sources")).json
    assert [s["id"] for s in listed["items"]] == [created["id"]]
    one = await api.get(f"/v1/webhook-sources/{created['id']}")
    for reply in (json.dumps(listed), one.text):
        assert created["secret"] not in reply and "secret" not in reply
    [event] = (await api.get("/v1/audit-events", action="webhook_source.created")).json["items"]
    assert created["secret"] not in json.dumps(event)


async def test_an_idempotent_replay_of_a_create_never_holds_the_secret(api: Api, conn) -> None:
    """Neither the stored replay nor its answer keeps a source's or an endpoint's signing secret."""
    for path, body in (("/v1/webhook-sources", {"name": "Replayed"}),
                       ("/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/h", "events": ["campaign.finalised"]})):
        first = await api.post(path, body, headers={"Idempotency-Key": f"create {path}"})
        again = await api.post(path, body, headers={"Idempotency-Key": f"create {path}"})
        assert first.status == again.status == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert first.json["secret"].startswith("whsec_")
        assert again.json == {k: v for k, v in first.json.items() if k != "secret"}
        stored = await conn.fetchval("SELECT body FROM idempotency_keys WHERE key = $1", f"create {path}")
        assert first.json["secret"].encode() not in stored and b"secret" not in stored


async def test_names_are_unique_per_organisation_and_reusable_after_delete(api: Api, client, make_token) -> None:
    first = await make_source(api, "Platform")
    duplicate = await api.post("/v1/webhook-sources", {"name": "Platform"})
    assert duplicate.status == 409 and "already exists" in duplicate.json["detail"]
    elsewhere = await Api(client, await make_token(["webhooks:manage"])).post("/v1/webhook-sources",
                                                                              {"name": "Platform"})
    assert elsewhere.status == 201
    assert (await api.delete(f"/v1/webhook-sources/{first['id']}")).status == 204
    assert (await api.get(f"/v1/webhook-sources/{first['id']}")).status == 404
    assert (await api.delete(f"/v1/webhook-sources/{first['id']}")).status == 404
    assert (await api.post("/v1/webhook-sources", {"name": "Platform"})).status == 201


async def test_validation_scope_and_tenancy(api: Api, client, make_token) -> None:
    bad = await api.post("/v1/webhook-sources", {"name": "", "colour": "red"})
    assert bad.status == 422
    assert sorted(e["pointer"] for e in bad.json["errors"]) == ["/colour", "/name"]
    reader = Api(client, await make_token(["appraisal:read"]))
    assert (await reader.get("/v1/webhook-sources")).status == 403
    source = await make_source(api)
    other = Api(client, await make_token(["webhooks:manage"]))
    for path in (f"/v1/webhook-sources/{source['id']}", f"/v1/webhook-sources/{source['id']}/receipts"):
        assert (await other.get(path)).status == 404
    assert (await other.delete(f"/v1/webhook-sources/{source['id']}")).status == 404
    assert (await api.get("/v1/webhook-sources/not-a-uuid")).status == 404
    assert (await api.get(f"/v1/webhook-sources/{source['id']}/receipts", outcome="maybe")).status == 422


async def test_sources_and_receipts_are_paged(api: Api, anon: Api) -> None:
    sources = [await make_source(api, f"Platform {i}") for i in range(3)]
    page = await api.get("/v1/webhook-sources", limit=2)
    rest = await api.get("/v1/webhook-sources", limit=2, cursor=page.json["next_cursor"])
    assert [s["id"] for s in page.json["items"] + rest.json["items"]] == [s["id"] for s in sources]
    assert rest.json["next_cursor"] is None
    for i in range(3):
        assert (await hook(anon, sources[0], envelope(), msg_id=f"msg_{i}")).status == 200
    receipts = f"/v1/webhook-sources/{sources[0]['id']}/receipts"
    newest = await api.get(receipts, limit=2)
    older = await api.get(receipts, limit=2, cursor=newest.json["next_cursor"])
    assert [r["webhook_id"] for r in newest.json["items"] + older.json["items"]] == ["msg_2", "msg_1", "msg_0"]


async def test_sources_create_on_the_cli_prints_the_secret_last(database_url, client, anon: Api) -> None:
    assert (await run_cli(database_url, "orgs", "create", "RXH", "--name", "Trust")).returncode == 0
    made = await run_cli(database_url, "sources", "create", "--org", "rxh", "--name", "Appraisal platform")
    assert made.returncode == 0, made.stderr
    lines = made.stdout.strip().splitlines()
    source = {"id": lines[0], "secret": lines[-1]}
    assert source["secret"].startswith("whsec_")
    assert source["secret"] not in made.stderr
    body = envelope()
    assert (await hook(anon, source, body, signed(source["secret"], body))).json == {"pong": True}
    listed = await run_cli(database_url, "sources", "list", "--org", "RXH")
    assert listed.stdout.startswith(source["id"] + "\tAppraisal platform")
    again = await run_cli(database_url, "sources", "create", "--org", "RXH", "--name", "Appraisal platform")
    assert again.returncode == 2 and "already exists" in again.stderr
    nowhere = await run_cli(database_url, "sources", "create", "--org", "ZZZ", "--name", "x")
    assert nowhere.returncode == 2 and "no organisation ZZZ" in nowhere.stderr
