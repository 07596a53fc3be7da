"""360 use cases, shared by the API and the inbound webhook events: open an appraisal, store a rater's
response, close with the final report (unlinking every response from its rater), and read the report.
Each write runs in the caller's transaction
with its audit row (and, on close, its outbox message)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import asyncpg

from service.appraisals import store
from service.appraisals.domain.model import FeedbackRubric, Response, answer_issues
from service.appraisals.domain.report import Appraisal, build_report
from service.audit import store as audit
from service.disclosure.gate import not_released
from service.jsontext import rfc3339
from service.pseudonyms import earlier_pseudonyms, pseudonym
from service.rubrics.catalogue import Catalogue, RubricVersion
from service.tenants.domain.callers import Caller
from service.web.problems import Conflict, FieldError, NotFound, Problem, ValidationFailed
from service.webhooks.events import emit

CLOSED = "The appraisal is closed; its responses can't change"
Connection = asyncpg.Connection | asyncpg.Pool


def appraisal_json(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "external_ref": row["external_ref"], "subject_ref": row["subject_ref"],
            "cycle": row["cycle"],
            "rubric": {"id": row["rubric_id"], "version": row["rubric_version"], "hash": row["rubric_hash"]},
            "status": row["status"], "created_at": rfc3339(row["created_at"]),
            "closed_at": rfc3339(row["closed_at"]) if row["closed_at"] else None}


async def pinned_rubric(catalogue: Catalogue, conn: Connection, row: asyncpg.Record
                        ) -> tuple[RubricVersion, FeedbackRubric]:
    """The rubric version an appraisal pins, and the rubric its answers and report are read by."""
    version = await catalogue.pinned(conn, row)
    return version, version.model(FeedbackRubric.from_document)


async def open_appraisal(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, body: dict[str, Any], *,
                         pointer: str = "") -> asyncpg.Record:
    """Create the appraisal (409 with the existing id when its external_ref is taken)."""
    version = await catalogue.requested(conn, body, "appraisal_360", pointer=pointer)
    row = await store.create(conn, who.org_id, external_ref=body.get("external_ref"), subject_ref=body["subject_ref"],
                             cycle=body["cycle"], rubric=version.pin)
    if row is None:
        existing = await store.by_external_ref(conn, who.org_id, body["external_ref"])
        raise Conflict("An appraisal with this external_ref already exists", extra={"id": str(existing["id"])})
    await audit.record(conn, who, "appraisal.opened", "appraisal", row["id"], rubric=version.pin,
                       after={"external_ref": row["external_ref"], "cycle": row["cycle"]})
    return row


async def appraisal_or_404(conn: Connection, who: Caller, appraisal_id: uuid.UUID, *,
                           for_update: bool = False) -> asyncpg.Record:
    row = await store.appraisal(conn, who.org_id, appraisal_id, for_update=for_update)
    if row is None:
        raise NotFound("No such appraisal")
    return row


async def submit_response(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, secret_keys: Sequence[str],
                          row: asyncpg.Record, rater_ref: str, body: dict[str, Any], *,
                          pointer: str = "") -> dict[str, Any]:
    """Store one rater's response (replacing theirs) in an appraisal locked by the caller (store.appraisal
    with for_update): 409 once closed, 422 for answers the rubric refuses or a full group."""
    if row["status"] != "open":
        raise Conflict(CLOSED)
    version, rubric = await pinned_rubric(catalogue, conn, row)
    group, answers, comments = body["group"], body["answers"], body.get("comments", {})
    issues = answer_issues(rubric, group, answers, comments)
    if issues:
        raise ValidationFailed("The response does not fit the appraisal's rubric",
                               errors=[FieldError(m, pointer=pointer + p) for p, m in issues])
    rater = pseudonym(secret_keys[0], who.org_id, rater_ref)
    earlier = earlier_pseudonyms(secret_keys, who.org_id, rater_ref)
    if earlier:
        await store.rekey_response(conn, who.org_id, row["id"], rater, earlier)
    limit = rubric.groups[group].max
    if limit is not None and await store.others_in_group(conn, who.org_id, row["id"], group, rater) >= limit:
        raise ValidationFailed(f"The {group} group is full", errors=[FieldError(
            f"{rubric.groups[group].label} takes at most {limit} rater(s), and has them", pointer=f"{pointer}/group")])
    stored = await store.put_response(conn, who.org_id, row["id"], rater, group=group, answers=answers,
                                      comments=comments)
    # The audit row says that a response came: never whose, from which group or what it said.
    await audit.record(conn, who, "appraisal.response_replaced" if stored["replaced"] else "appraisal.response_added",
                       "appraisal", row["id"], rubric=version.pin)
    return {"appraisal_id": str(row["id"]), "group": group, "answers": answers, "comments": comments,
            "submitted_at": rfc3339(stored["submitted_at"]),
            "replaced": stored["replaced"]}


async def build(conn: Connection, who: Caller, catalogue: Catalogue, row: asyncpg.Record) -> dict[str, Any]:
    """The final report of the appraisal's responses."""
    version, rubric = await pinned_rubric(catalogue, conn, row)
    responses = [Response(r["rater_key"].hex(), r["group_id"], r["answers"], r["comments"])
                 for r in await store.responses(conn, who.org_id, row["id"])]
    framework = catalogue.frameworks[version.framework]
    appraisal = Appraisal(str(row["id"]), row["subject_ref"], row["cycle"], version.pin)
    return build_report(appraisal, rubric, framework, responses, activities=catalogue.development,
                        hlm=catalogue.frameworks.get("hlm"))


async def report(conn: Connection, who: Caller, catalogue: Catalogue, appraisal_id: uuid.UUID
                 ) -> tuple[asyncpg.Record, dict[str, Any]]:
    """The final report of a closed appraisal, as frozen at close; while open, 409 with progress only."""
    row = await appraisal_or_404(conn, who, appraisal_id)
    if row["status"] != "closed":
        raise await progress(conn, who, catalogue, row)
    return row, await store.final_report(conn, who.org_id, row["id"])


async def progress(conn: Connection, who: Caller, catalogue: Catalogue, row: asyncpg.Record) -> Problem:
    """The 409 for an open appraisal: responses so far, and per rater group whether it has enough raters to be
    counted on its own (its rubric minimum and, for an anonymous group, k)."""
    _, rubric = await pinned_rubric(catalogue, conn, row)
    counts = await store.group_counts(conn, who.org_id, row["id"])
    return not_released("appraisal", sum(counts.values()), {
        g.id: counts.get(g.id, 0) >= max(g.min, rubric.k if g.anonymous else 1) for g in rubric.groups.values()})


async def close(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, base_url: str,
                appraisal_id: uuid.UUID) -> tuple[asyncpg.Record, dict[str, Any]]:
    """Close the appraisal: freeze its final report, unlink every response from its rater, emit
    appraisal.report_ready, audit (409 if closed)."""
    row = await appraisal_or_404(conn, who, appraisal_id, for_update=True)
    if row["status"] != "open":
        raise Conflict("The appraisal is already closed")
    final = await build(conn, who, catalogue, row)
    row = await store.close(conn, who.org_id, row["id"], final)
    await store.unlink_responses(conn, who.org_id, row["id"], row["closed_at"])
    await emit(conn, who.org_id, "appraisal.report_ready", report_ready(row, base_url))
    await audit.record(conn, who, "appraisal.closed", "appraisal", row["id"], rubric=final["rubric"],
                       before={"status": "open"}, after={"status": "closed", "valid": final["validity"]["valid"]})
    return row, final


def report_ready(row: asyncpg.Record, base_url: str) -> dict[str, Any]:
    """appraisal.report_ready's data: ids and where to fetch the report (with an appraisal:read key)."""
    url = f"{base_url}/v1/appraisals/{quote(str(row['id']))}/report"
    return {"appraisal_id": str(row["id"]), "external_ref": row["external_ref"], "status": row["status"],
            "report_url": url, "report_html_url": url + ".html"}

