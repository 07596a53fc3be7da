"""A person's rights over what is held about them: the subject access export (what it shows is the rule of
domain/export.py), and the erasure of a rater's or respondent's links. A candidate's erasure from a
campaign is recruitment's (recruitment/erasure.py). Each runs in the caller's transaction with its audit row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from service.appraisals.html import render as render_appraisal
from service.appraisals.usecases import appraisal_json
from service.audit import store as audit
from service.jsontext import rfc3339
from service.pseudonyms import every_pseudonym
from service.recruitment import usecases as recruitment
from service.recruitment.changes import audit_name
from service.rubrics.catalogue import Catalogue
from service.subjects import store
from service.subjects.domain import export as rules
from service.tenants.domain.callers import Caller


async def export(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, secret_keys: Sequence[str],
                 subject_ref: str, now: datetime) -> dict[str, Any]:
    """Everything held about the subject in the caller's organisation, as one document; audited (counts)."""
    org_id = who.org_id
    appraisal_rows = await store.appraisals(conn, org_id, subject_ref)
    candidacy_rows = await store.candidacies(conn, org_id, subject_ref)
    names = {row["id"]: audit_name(row["campaign_id"], row["candidate_ref"]) for row in candidacy_rows}
    events = await store.audit_events(conn, org_id, appraisal_ids=[str(r["id"]) for r in appraisal_rows],
                                      candidacy_names=list(names.values()), subject_ref=subject_ref)
    document = {
        "subject_ref": subject_ref, "organisation": who.org_code, "generated_at": rfc3339(now),
        "appraisals": [_appraisal(row, events) for row in appraisal_rows],
        "candidacies": await _candidacies(conn, who, catalogue, candidacy_rows, names, events),
        "answered": [rules.answered(r, rfc3339(r["answered_at"]))
                     for r in await store.answered(conn, org_id, every_pseudonym(secret_keys, org_id, subject_ref))],
        "audit_events": [rules.subject_event(e, rfc3339(e["created_at"])) for e in events
                         if e["object_type"] == "subject"],
        "notes": list(rules.NOTES),
    }
    await audit.record(conn, who, "subject.exported", "subject", subject_ref, after=rules.counts(document))
    return document


def report_pages(document: dict[str, Any]) -> dict[str, str]:
    """The export's final 360 reports as HTML pages, by file name."""
    return {f"appraisal-{a['appraisal']['id']}.html": render_appraisal(a["report"]) for a in document["appraisals"]
            if a["report"] is not None}


def _appraisal(row: asyncpg.Record, events: list[asyncpg.Record]) -> dict[str, Any]:
    about = [rules.appraisal_event(e, rfc3339(e["created_at"])) for e in events
             if e["object_type"] == "appraisal" and e["object_id"] == str(row["id"])]
    return {"appraisal": appraisal_json(row), "report": row["report"] if row["status"] == "closed" else None,
            "events": [e for e in about if e is not None]}


async def _candidacies(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, rows: list[asyncpg.Record],
                       names: dict[Any, str], events: list[asyncpg.Record]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    cards = await store.scorecards(conn, who.org_id, ids)
    mods = await store.moderations(conn, who.org_id, ids)
    out = []
    for row in rows:
        name, assessors = names[row["id"]], rules.Assessors()
        scorecards = [rules.scorecard(c, assessors, rfc3339(c["submitted_at"])) for c in cards
                      if c["candidate_id"] == row["id"]]
        moderations = [rules.moderation(m, assessors, rfc3339(m["created_at"])) for m in mods
                       if m["candidate_id"] == row["id"]]
        result = await recruitment.current_result(conn, who, catalogue, row["campaign_id"], row["candidate_ref"])
        about = [rules.candidacy_event(e, name, assessors, rfc3339(e["created_at"])) for e in events
                 if e["object_type"] in ("candidate", "scorecard", "moderation")
                 and (e["object_id"] == name or e["object_id"].startswith(name + "/"))]
        out.append({
            "campaign": {"id": str(row["campaign_id"]), "reference": row["reference"], "title": row["title"],
                         "status": row["campaign_status"],
                         "finalised_at": rfc3339(row["finalised_at"]) if row["finalised_at"] else None},
            "candidate": recruitment.candidate_json(row), "scorecards": scorecards, "moderations": moderations,
            "result": rules.result(result, assessors), "events": about})
    return out


async def unlink(conn: asyncpg.Connection, who: Caller, secret_keys: Sequence[str], ref: str) -> dict[str, Any]:
    """Erase the links that tie `ref` to 360 and survey responses: forget which they answered, and withdraw
    their responses from open ones (a closed one's answers are tied to no one since its close). The answer is
    the same whatever was found, and so is the audit event: neither says whether the person answered
    anything. The reference is in no row afterwards."""
    keys = every_pseudonym(secret_keys, who.org_id, ref)
    for kind in ("appraisal", "survey"):
        await store.unlink(conn, who.org_id, keys, kind)
    await audit.record(conn, who, "subject.unlinked", "subject", str(who.org_id))
    return {"unlinked": True}
