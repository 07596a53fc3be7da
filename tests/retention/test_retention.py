"""Retention on seeded data of several ages, with a clock of the test's own: two organisations, one on the
default periods and one with its own; a dry run counts and changes nothing, a run (one object per
transaction) removes exactly what has had its time with everything that belongs to it, audits it, and a
second run removes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from service import db
from service.retention import store, usecases
from service.retention.domain.policy import Policy
from service.tenants.domain.tokens import SCOPES
from tests.cli.test_cli import run_cli
from tests.contract.test_tenant_isolation import Tenant
from tests.recruitment.recruitment_support import new_campaign
from tests.support.api import Api
from tests.webhooks.test_hooks import envelope, signed

# The run's clock. It is the test's, but near the database's own: the audit events retention writes (at the
# database's now()) must not look older than the periods.
NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
TABLES = ("appraisals", "appraisal_responses", "surveys", "survey_responses", "campaigns", "candidates",
          "scorecards", "moderations", "candidate_results", "webhook_messages", "webhook_receipts",
          "idempotency_keys")


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


async def counts(conn: asyncpg.Connection, org_id) -> dict[str, int]:
    out = {t: await conn.fetchval(f"SELECT count(*) FROM {t} WHERE org_id = $1", org_id)  # noqa: S608
           for t in TABLES}
    out["audit_events"] = await conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE org_id = $1 AND action <> 'retention.removed'", org_id)
    return out


async def seed(tenant: Tenant, conn: asyncpg.Connection, survey_items, appraisal_items) -> None:
    """One of each, then aged: what has had its time under the default periods, and what has not."""
    api, org_id = tenant.api, tenant.org.org_id
    await tenant.populate(survey_items, appraisal_items)
    params = tenant.params
    assert (await api.post(f"/v1/campaigns/{params['campaign_id']}/finalise")).status == 200
    assert (await api.post(f"/v1/appraisals/{params['appraisal_id']}/close")).status == 200
    assert (await api.post(f"/v1/surveys/{params['survey_id']}/close")).status == 200
    recent_campaign = await new_campaign(api, f"{tenant.label}-RECENT")
    assert (await api.post(f"/v1/campaigns/{recent_campaign['id']}/finalise")).status == 200
    recent = (await api.post("/v1/appraisals", {"subject_ref": "s", "rubric_id": "mlcf-360", "cycle": "c",
                                                "external_ref": f"{tenant.label}-RECENT"})).json
    assert (await api.post(f"/v1/appraisals/{recent['id']}/close")).status == 200
    hook = envelope("ping", {})
    assert (await api.request("POST", f"/v1/hooks/{params['source_id']}", data=hook,
                              headers=signed(tenant.source_secret, hook), token=None)).status == 200
    assert (await api.request("POST", "/v1/webhook-sources", json_body={"name": f"{tenant.label} again"},
                              headers={"Idempotency-Key": "once"})).status == 201
    assert (await api.post(f"/v1/webhook-endpoints/{params['endpoint_id']}/ping")).status == 202  # stays pending
    ages = [
        ("UPDATE appraisals SET closed_at = $2 WHERE org_id = $1 AND id = $3", ago(days=7 * 365),
         params["appraisal_id"]),
        ("UPDATE appraisals SET closed_at = $2 WHERE org_id = $1 AND id = $3", ago(days=2 * 365), recent["id"]),
        ("UPDATE surveys SET closed_at = $2 WHERE org_id = $1 AND id = $3", ago(days=7 * 365), params["survey_id"]),
        ("UPDATE surveys SET closed_at = $2 WHERE org_id = $1 AND id = $3", ago(days=30), params["earlier_id"]),
        ("UPDATE campaigns SET finalised_at = $2 WHERE org_id = $1 AND id = $3", ago(days=400),
         params["campaign_id"]),
        ("UPDATE campaigns SET finalised_at = $2 WHERE org_id = $1 AND id = $3", ago(days=100),
         recent_campaign["id"]),
        ("UPDATE webhook_messages SET status = 'delivered', created_at = $2 WHERE org_id = $1 AND id = $3",
         ago(days=91), params["delivery_id"]),
    ]
    for sql, at, object_id in ages:
        assert await conn.execute(sql, org_id, at, object_id) == "UPDATE 1"
    await conn.execute("UPDATE webhook_messages SET created_at = $2 WHERE org_id = $1 AND status = 'pending'",
                       org_id, ago(days=200))
    await conn.execute("UPDATE webhook_receipts SET received_at = $2 WHERE org_id = $1", org_id, ago(days=91))
    await conn.execute("UPDATE idempotency_keys SET created_at = $2 WHERE org_id = $1", org_id, ago(days=3))
    await conn.execute("UPDATE audit_events SET created_at = $2 WHERE org_id = $1", org_id, ago(days=40))
    await conn.execute("UPDATE audit_events SET created_at = $2 WHERE org_id = $1 AND action LIKE 'survey.%'",
                       org_id, ago(days=10))


@pytest.fixture
async def pool(database_url: str):
    pool = await db.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_retention_removes_what_has_had_its_time_and_nothing_else(client, make_org, make_token, pool,
                                                                          database_url: str,
                                                                          conn: asyncpg.Connection) -> None:
    orgs = [await make_org(code) for code in ("RETA", "RETB")]
    tenants = [Tenant(Api(client, await make_token(SCOPES, org=org)), org, label)
               for org, label in zip(orgs, ("ALPHA", "BRAVO"), strict=True)]
    survey_items = [i["id"] for i in (await tenants[0].api.get("/v1/rubrics/engagement-survey")).json["items"]]
    appraisal_items = [i["id"] for i in (await tenants[0].api.get("/v1/rubrics/mlcf-360")).json["items"]]
    for tenant in tenants:
        await seed(tenant, conn, survey_items, appraisal_items)
    # BRAVO keeps closed appraisals one year, and audit events 30 days
    await store.set_policy(conn, orgs[1].org_id, Policy({"closed_appraisals": 365, "audit_events": 30}))
    before = [await counts(conn, org.org_id) for org in orgs]
    surveyed = await conn.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 AND action LIKE 'survey.%'",
                                   orgs[1].org_id)

    planned = await usecases.run(pool, NOW, dry_run=True)
    assert [await counts(conn, org.org_id) for org in orgs] == before
    by_kind = {(r.org_code, r.kind): (r.objects, r.rows) for r in planned}
    expected = {}
    for code, removed_appraisals in (("RETA", 1), ("RETB", 2)):
        expected |= {
            # the old one had one response, and the record that its rater answered
            (code, "closed_appraisals"): (removed_appraisals, 2),
            (code, "closed_surveys"): (1, 2),
            (code, "webhook_records"): (2, 0),  # the delivered message and the receipt (no attempts made)
            (code, "idempotency_records"): (1, 0),
        }
    expected[("RETB", "audit_events")] = (before[1]["audit_events"] - surveyed, 0)
    # the old campaign's candidate with its scorecard, moderation and result (the recent one has none)
    campaign_rows = before[0]["candidates"] + before[0]["scorecards"] + before[0]["moderations"] + \
        before[0]["candidate_results"]
    expected[("RETA", "finalised_campaigns")] = expected[("RETB", "finalised_campaigns")] = (1, campaign_rows)
    assert by_kind == expected

    done = await usecases.run(pool, NOW, batch=1)
    assert {(r.org_code, r.kind): (r.objects, r.rows) for r in done} == expected
    after = [await counts(conn, org.org_id) for org in orgs]
    for org_before, org_after, appraisals_left in ((before[0], after[0], 1), (before[1], after[1], 0)):
        assert org_after["appraisals"] == appraisals_left and org_after["appraisal_responses"] == 0
        assert (org_after["surveys"], org_after["survey_responses"]) == (1, 0)  # the recent one, unanswered
        assert (org_after["campaigns"], org_after["candidates"], org_after["scorecards"]) == (1, 0, 0)
        # the delivered message went; those still pending stay, however old
        assert org_after["webhook_messages"] == org_before["webhook_messages"] - 1
        assert (org_after["webhook_receipts"], org_after["idempotency_keys"]) == (0, 0)
    assert await conn.fetchval("SELECT count(*) FROM webhook_messages WHERE status <> 'pending'") == 0
    assert after[0]["audit_events"] == before[0]["audit_events"]  # kept: ALPHA set no period
    assert after[1]["audit_events"] == surveyed
    audited = await conn.fetch("SELECT org_id, after FROM audit_events WHERE action = 'retention.removed'")
    assert sum(a["after"]["objects"] for a in audited) == sum(objects for objects, _rows in expected.values())

    assert await usecases.run(pool, NOW) == []  # nothing more: it is idempotent
    ran = await run_cli(database_url, "retention", "run", "--dry-run")
    assert ran.returncode == 0, ran.stderr
    assert "dry run: nothing changed" in ran.stdout
    print(f"retention: {len(done)} kinds removed over 2 organisations, "
          f"{sum(r.objects for r in done)} objects and {sum(r.rows for r in done)} rows; a second run removed none")


async def test_periods_are_set_shown_and_audited_from_the_command_line(database_url: str, make_org,
                                                                       conn: asyncpg.Connection) -> None:
    org = await make_org("RETC")
    changed = await run_cli(database_url, "retention", "set", "--org", "RETC", "--closed-appraisals-days", "3650",
                            "--audit-events-days", "2555")
    assert changed.returncode == 0, changed.stderr
    lines = dict(line.split("\t", 1) for line in changed.stdout.strip().splitlines())
    assert lines["closed_appraisals"].startswith("3650 days (set)")
    assert lines["finalised_campaigns"].startswith("365 days (default)")
    assert lines["audit_events"].startswith("2555 days (set)")
    back = await run_cli(database_url, "retention", "set", "--org", "RETC", "--audit-events-days", "default")
    assert dict(line.split("\t", 1) for line in back.stdout.strip().splitlines())["audit_events"].startswith("kept")
    refused = await run_cli(database_url, "retention", "set", "--org", "RETC", "--closed-surveys-days", "0")
    assert refused.returncode == 2 and "at least 1" in refused.stderr
    assert await conn.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 "
                               "AND action = 'retention.policy_changed'", org.org_id) == 2
