"""The subject access export of a seeded doctor, field by field: everything held about them in their
organisation, as JSON and as a ZIP with the HTML reports; no rater, panellist or moderator reference, no
other doctor's or organisation's data; every export audited."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import asyncpg

from service.pseudonyms import pseudonym
from service.tenants.domain.tokens import SCOPES
from tests.subjects.seeding import DOCTOR, MODERATOR, PANELLISTS, seed
from tests.support.api import Api
from tests.support.openapi import check_response

SECRET = "test-secret-key-0123456789"  # the test config's SECRET_KEY
EXPORT = f"/v1/subjects/{DOCTOR}/export"


def relabelled(result: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """The result as the API gives it, with each panellist and moderator reference (the marks' keys, the
    moderations' moderator_ref) replaced by its assessor label."""
    text = json.dumps(result)
    for ref, label in labels.items():
        text = text.replace(json.dumps(ref), json.dumps(label))
    return json.loads(text)


async def test_the_export_of_a_seeded_doctor_holds_their_data_and_no_one_elses(client, make_org, make_token,
                                                                               conn: asyncpg.Connection) -> None:
    org = await make_org("SARA")
    api = Api(client, await make_token(SCOPES, org=org))
    s = await seed(api, Api(client, await make_token(SCOPES)))
    reply = await api.get(EXPORT)
    assert reply.status == 200, reply.text
    export = reply.json
    assert list(export) == ["subject_ref", "organisation", "generated_at", "appraisals", "candidacies",
                            "answered", "audit_events", "notes"]
    assert (export["subject_ref"], export["organisation"], export["audit_events"]) == (DOCTOR, "SARA", [])

    # appraisals: the closed one with its final report exactly as served, the open one without a report
    closed, still_open = export["appraisals"]
    assert closed["appraisal"] == (await api.get(f"/v1/appraisals/{s.closed['id']}")).json
    assert closed["report"] == (await api.get(f"/v1/appraisals/{s.closed['id']}/report")).json
    assert closed["report"]["status"] == "final" and closed["report"]["comments"]
    assert [(e["action"], e["appraisal_id"]) for e in closed["events"]] == [
        ("appraisal.opened", s.closed["id"]), ("appraisal.closed", s.closed["id"])]
    assert closed["events"][1]["after"] == {"status": "closed", "valid": closed["report"]["validity"]["valid"]}
    assert still_open["appraisal"]["id"] == s.still_open["id"] and still_open["report"] is None
    assert [e["action"] for e in still_open["events"]] == ["appraisal.opened"]

    # the candidacy: campaign, the candidate's (rectified) fields, scorecards, moderation, result, events
    [candidacy] = export["candidacies"]
    assert candidacy["campaign"] == {k: s.campaign[k] for k in ("id", "reference", "title", "status", "finalised_at")}
    assert candidacy["candidate"] == s.candidate
    assert candidacy["candidate"]["display_name"] == "Dr Seeded Doctor (rectified)"
    labels = {}
    for card in candidacy["scorecards"]:
        [panellist] = [p for (station, p), body in s.scorecards.items()
                       if station == card["station_id"] and body["comment"] == card["comment"]]
        labels.setdefault(panellist, card["assessor"])
        sent = s.scorecards[(card["station_id"], panellist)]
        assert (card["marks"], card["evidence"], card["assessor"]) == (sent["marks"], sent["evidence"],
                                                                        labels[panellist])
    assert len(candidacy["scorecards"]) == len(s.scorecards) and sorted(labels.values()) == ["assessor-1",
                                                                                             "assessor-2"]
    [moderation] = candidacy["moderations"]
    labels[MODERATOR] = "assessor-3"
    assert {k: v for k, v in moderation.items() if k != "created_at"} == {
        **{k: v for k, v in s.moderation.items() if k != "moderator_ref"}, "assessor": "assessor-3"}
    served = (await api.get(f"/v1/campaigns/{s.campaign['id']}/candidates/{DOCTOR}/result")).json
    assert candidacy["result"] == relabelled(served, labels)
    actions = [e["action"] for e in candidacy["events"]]
    assert actions == ["candidate.created", "candidate.updated", *["scorecard.submitted"] * 4, "moderation.recorded"]
    scorecard_events = [e for e in candidacy["events"] if e["action"] == "scorecard.submitted"]
    assert {(e["station_id"], e["assessor"]) for e in scorecard_events} == {
        (station, labels[p]) for station, p in s.scorecards}
    assert candidacy["events"][-1]["after"] == {"moderation": {**s.moderation, "moderator_ref": "assessor-3"}}

    # what the doctor answered, as a rater and a respondent: which and when, never the answers
    assert [{k: a[k] for k in ("kind", "id", "status")} for a in export["answered"]] == [
        {"kind": "appraisal", "id": s.closed["id"], "status": "closed"},  # their own self-assessment
        {"kind": "appraisal", "id": s.colleagues["id"], "status": "open"},
        {"kind": "survey", "id": s.survey["id"], "status": "open"}]
    assert all(set(a) == {"kind", "id", "status", "answered_at"} for a in export["answered"])

    # nobody else's data, no reference of a rater, panellist or moderator, no pseudonym
    leaked = [text for text in s.foreign if text in reply.text]
    assert not leaked, leaked
    assert pseudonym(SECRET, org.org_id, DOCTOR).hex() not in reply.text
    assert all(p not in reply.text for p in (*PANELLISTS, MODERATOR))

    # audited with counts, seen in the next export and by keys holding subjects:export only
    again = (await api.get(EXPORT)).json
    assert [(e["action"], e["after"]) for e in again["audit_events"]] == [
        ("subject.exported", {"appraisals": 2, "candidacies": 1})]
    auditor = Api(client, await make_token(["audit:read"], org=org))
    events = (await auditor.get("/v1/audit-events", action="subject.exported")).json["items"]
    assert [(e["object_type"], e["object_id"]) for e in events] == [("subject", DOCTOR)] * 2
    without = Api(client, await make_token([x for x in SCOPES if x != "audit:read"], org=org))
    assert (await without.get("/v1/audit-events", action="subject.exported")).status == 403
    assert (await Api(client, await make_token(["audit:read"], org=org)).get(EXPORT)).status == 403

    # nothing at all for a reference the organisation holds nothing about
    empty = (await api.get("/v1/subjects/GMC-0000000/export")).json
    assert (empty["appraisals"], empty["candidacies"], empty["answered"]) == ([], [], [])


async def test_the_export_as_a_zip_holds_the_document_and_each_final_report_page(client, make_org,
                                                                                 make_token) -> None:
    org = await make_org()
    api = Api(client, await make_token(SCOPES, org=org))
    s = await seed(api, Api(client, await make_token(SCOPES)))
    async with client.get(EXPORT, headers={"Authorization": f"Bearer {api.token}",
                                           "Accept": "application/zip"}) as resp:
        assert resp.status == 200
        body = await resp.read()
        check_response("GET", EXPORT, resp.status, resp.content_type, "")
        assert resp.headers["Content-Disposition"] == 'attachment; filename="subject-export.zip"'
    archive = zipfile.ZipFile(io.BytesIO(body))
    page = f"reports/appraisal-{s.closed['id']}.html"
    assert archive.namelist() == ["README.txt", "export.json", page]
    document = json.loads(archive.read("export.json"))
    served = (await api.get(EXPORT)).json
    assert {**document, "generated_at": None, "audit_events": None} == {
        **served, "generated_at": None, "audit_events": None}
    html = (await api.get(f"/v1/appraisals/{s.closed['id']}/report.html")).text
    assert archive.read(page).decode() == html
    assert all(text.encode() not in body for text in s.foreign)
    refused = await api.get(EXPORT, headers={"Accept": "text/csv"})
    assert refused.status == 406 and "application/zip" in refused.json["detail"]
