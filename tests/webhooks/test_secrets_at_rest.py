"""Signing secrets are sealed at rest, bound to their row's table and organisation, still sign and verify,
survive a change of SECRET_KEY (the old one in SECRET_KEY_PREVIOUS) by being sealed again at start-up,
and a rater who answered under the old key is still recognised afterwards."""

from __future__ import annotations

import dataclasses

import asyncpg
import pytest
from standardwebhooks import Webhook

from service.app import create_app
from service.config import Config, Secret
from service.pseudonyms import pseudonym
from service.sealing import PREFIX, Sealer, Unsealable
from tests.conftest import SECRET_KEY
from tests.support.api import Api
from tests.support.receiver import Receiver
from tests.webhooks.conftest import emit, subscribe
from tests.webhooks.test_hooks import envelope, hook, make_source

NEW_KEY = "the-new-secret-key-9876543210"


def test_a_sealed_value_opens_only_with_its_key_and_where_it_was_sealed() -> None:
    sealer = Sealer([SECRET_KEY])
    sealed = sealer.seal("whsec_abc", b"webhook_endpoints:org-1")
    assert sealed.startswith(f"{PREFIX}{sealer.current}:") and "whsec_abc" not in sealed
    assert sealer.seal("whsec_abc", b"webhook_endpoints:org-1") != sealed  # a fresh nonce each time
    assert sealer.open(sealed, b"webhook_endpoints:org-1") == "whsec_abc"
    with pytest.raises(Unsealable, match="another row"):
        sealer.open(sealed, b"webhook_endpoints:org-2")
    tampered = sealed[:-6] + ("AAAA" if sealed[-6:-2] != "AAAA" else "BBBB") + sealed[-2:]
    with pytest.raises(Unsealable):
        sealer.open(tampered, b"webhook_endpoints:org-1")
    with pytest.raises(Unsealable, match="neither SECRET_KEY nor in SECRET_KEY_PREVIOUS"):
        Sealer([NEW_KEY]).open(sealed, b"webhook_endpoints:org-1")
    rotated = Sealer([NEW_KEY, SECRET_KEY])
    assert rotated.open(sealed, b"webhook_endpoints:org-1") == "whsec_abc"
    assert not rotated.is_current(sealed) and rotated.current != sealer.current


async def stored(conn: asyncpg.Connection, table: str, row_id: str) -> str:
    return await conn.fetchval(f"SELECT secret FROM {table} WHERE id = $1::uuid", row_id)  # noqa: S608


async def test_secrets_are_stored_sealed_and_still_sign_and_verify(manager: Api, anon: Api, conn, org, make_token,
                                                                   make_worker, receiver: Receiver) -> None:
    endpoint = await subscribe(manager, receiver.url)
    source = await make_source(manager)
    for table, row in (("webhook_endpoints", endpoint), ("webhook_sources", source)):
        value = await stored(conn, table, row["id"])
        assert value.startswith(PREFIX) and row["secret"] not in value and row["secret"][6:] not in value
    await emit(conn, org)
    async with make_worker() as worker:
        assert await worker.run_burst() == 1
    Webhook(endpoint["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)
    assert (await hook(anon, source, envelope("ping"))).status == 200
    # a sealed secret copied into another organisation's row does not open there
    other = await make_source(Api(manager.client, await make_token(["webhooks:manage"])))
    await conn.execute("UPDATE webhook_sources SET secret = $1 WHERE id = $2::uuid",
                       await stored(conn, "webhook_sources", source["id"]), other["id"])
    assert (await hook(anon, {**other, "secret": source["secret"]}, envelope("ping"))).status == 503


async def test_a_new_secret_key_reseals_at_start_up_and_keeps_everything_working(
        manager: Api, anon: Api, conn, org, config: Config, aiohttp_client, make_worker, receiver: Receiver,
        make_token) -> None:
    endpoint = await subscribe(manager, receiver.url)
    source = await make_source(manager)
    legacy = await make_source(manager, "Kept in plaintext before sealing existed")
    await conn.execute("UPDATE webhook_sources SET secret = $1 WHERE id = $2::uuid", legacy["secret"], legacy["id"])
    writer = manager.with_token(await make_token(org=org))
    items = [i["id"] for i in (await writer.get("/v1/rubrics/mlcf-360")).json["items"]]
    appraisal = (await writer.post("/v1/appraisals", {"subject_ref": "s", "rubric_id": "mlcf-360", "cycle": "c"})).json
    answer = {"group": "peer", "answers": dict.fromkeys(items, 4)}
    assert (await writer.put(f"/v1/appraisals/{appraisal['id']}/responses/rater-9", answer)).status == 201

    rotated = dataclasses.replace(config, secret_key=Secret(NEW_KEY), secret_key_previous=(Secret(SECRET_KEY),))
    client = await aiohttp_client(create_app(rotated))  # start-up seals every secret under the new key
    new = Sealer(rotated.secret_keys)
    for table, row_id in (("webhook_endpoints", endpoint["id"]), ("webhook_sources", source["id"]),
                          ("webhook_sources", legacy["id"])):
        assert new.is_current(await stored(conn, table, row_id)), table
    for s in (source, legacy):
        assert (await hook(Api(client), s, envelope("ping"))).status == 200
    await emit(conn, org)
    async with make_worker(sealer=Sealer([NEW_KEY])) as worker:  # the old key is no longer needed
        assert await worker.run_burst() == 1
    Webhook(endpoint["secret"]).verify(receiver.received[-1].body, receiver.received[-1].headers)
    # the rater who answered under the old key is recognised, and moved to the new pseudonym
    again = await Api(client, writer.token).put(f"/v1/appraisals/{appraisal['id']}/responses/rater-9", answer)
    assert (again.status, again.json["replaced"]) == (200, True)
    keys = [bytes(k) for k in await conn.fetchval(
        "SELECT array_agg(rater_key) FROM appraisal_responses WHERE appraisal_id = $1::uuid", appraisal["id"])]
    assert keys == [pseudonym(NEW_KEY, org.org_id, "rater-9")]


async def test_without_the_old_key_nothing_is_signed_with_a_guess(manager: Api, conn, org, config: Config,
                                                                  aiohttp_client, make_worker,
                                                                  receiver: Receiver) -> None:
    await subscribe(manager, receiver.url)
    source = await make_source(manager)
    forgotten = dataclasses.replace(config, secret_key=Secret(NEW_KEY))
    client = await aiohttp_client(create_app(forgotten))
    assert (await hook(Api(client), source, envelope("ping"))).status == 503
    await emit(conn, org)
    async with make_worker(sealer=Sealer([NEW_KEY])) as worker:
        await worker.run_once()
    assert receiver.received == []
    error = await conn.fetchval("SELECT error FROM webhook_attempts ORDER BY attempted_at DESC LIMIT 1")
    assert "does not open with SECRET_KEY or SECRET_KEY_PREVIOUS" in error
