"""Survey use cases, shared by the API and the inbound webhook event: create a survey, store a respondent's
response, close it, and read its report, CSV and trend. Each write runs in the caller's transaction with its
audit row (and, on close, its outbox message)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import asyncpg

from service.audit import store as audit
from service.disclosure.gate import not_released
from service.jsontext import rfc3339
from service.pseudonyms import earlier_pseudonyms, pseudonym
from service.rubrics.catalogue import Catalogue, RubricVersion
from service.surveys import store
from service.surveys.domain.model import SurveyRubric, answer_issues
from service.surveys.domain.release import Scored, released, restored, to_keep
from service.surveys.domain.report import Respondent, Survey, tally
from service.surveys.domain.scoring import Plan
from service.surveys.domain.trend import compare
from service.tenants.domain.callers import Caller
from service.web.problems import Conflict, FieldError, NotFound, ValidationFailed
from service.webhooks.events import emit

Connection = asyncpg.Connection | asyncpg.Pool


def survey_json(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "reference": row["reference"], "title": row["title"],
            "rubric": {"id": row["rubric_id"], "version": row["rubric_version"], "hash": row["rubric_hash"]},
            "status": row["status"], "created_at": rfc3339(row["created_at"]),
            "closed_at": rfc3339(row["closed_at"]) if row["closed_at"] else None}


def scoring(doc: dict[str, Any]) -> tuple[SurveyRubric, Plan]:
    rubric = SurveyRubric.from_document(doc)
    return rubric, Plan.of(rubric)


async def pinned_rubric(catalogue: Catalogue, conn: Connection, row: asyncpg.Record
                        ) -> tuple[RubricVersion, SurveyRubric, Plan]:
    """The rubric version a survey pins, the rubric its answers are read by and its scoring plan."""
    version = await catalogue.pinned(conn, row)
    return version, *version.model(scoring)


async def create_survey(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue,
                        body: dict[str, Any]) -> asyncpg.Record:
    """Create the survey (409 with the existing id when its reference is taken)."""
    version = await catalogue.requested(conn, body, "engagement_survey")
    row = await store.create(conn, who.org_id, reference=body["reference"], title=body["title"], rubric=version.pin)
    if row is None:
        existing = await store.by_reference(conn, who.org_id, body["reference"])
        raise Conflict("A survey with this reference already exists", extra={"id": str(existing["id"])})
    await audit.record(conn, who, "survey.created", "survey", row["id"], rubric=version.pin,
                       after={"reference": row["reference"], "title": row["title"]})
    return row


async def survey_or_404(conn: Connection, who: Caller, survey_id: uuid.UUID, *,
                        for_update: bool = False) -> asyncpg.Record:
    row = await store.survey(conn, who.org_id, survey_id, for_update=for_update)
    if row is None:
        raise NotFound("No such survey")
    return row


async def submit_response(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, secret_keys: Sequence[str],
                          row: asyncpg.Record, respondent_ref: str, body: dict[str, Any], *,
                          pointer: str = "") -> dict[str, Any]:
    """Store one respondent's response (replacing theirs) in a survey locked by the caller (store.survey with
    for_update): 409 once closed, 422 for answers the rubric refuses."""
    if row["status"] != "open":
        raise Conflict("The survey is closed; its responses can't change")
    version, rubric, _ = await pinned_rubric(catalogue, conn, row)
    answers = body["answers"]
    issues = answer_issues(rubric, answers)
    if issues:
        raise ValidationFailed("The answers do not fit the survey's rubric",
                               errors=[FieldError(m, pointer=pointer + p) for p, m in issues])
    respondent = pseudonym(secret_keys[0], who.org_id, respondent_ref)
    earlier = earlier_pseudonyms(secret_keys, who.org_id, respondent_ref)
    if earlier:
        await store.rekey_response(conn, who.org_id, row["id"], respondent, earlier)
    stored = await store.put_response(conn, who.org_id, row["id"], respondent, unit=body["unit"],
                                      staff_group=body["staff_group"], answers=rubric.stored(answers))
    # The audit row says that a response came: never whose, from where or what it said.
    await audit.record(conn, who, "survey.response_replaced" if stored["replaced"] else "survey.response_added",
                       "survey", row["id"], rubric=version.pin)
    return {"survey_id": str(row["id"]), "unit": body["unit"], "staff_group": body["staff_group"],
            "answers": answers, "submitted_at": rfc3339(stored["submitted_at"]), "replaced": stored["replaced"]}


async def scored(conn: Connection, who: Caller, catalogue: Catalogue, row: asyncpg.Record,
                 kept: dict[str, Any] | None = None) -> Scored:
    """A closed survey's responses, added up for its figures, and what of them is released: as kept at close
    (`kept`), or planned and audited now."""
    version, rubric, plan = await pinned_rubric(catalogue, conn, row)
    respondents = [Respondent(r["unit"], r["staff_group"], r["answers"])
                   for r in await store.responses(conn, who.org_id, row["id"])]
    survey = Survey(str(row["id"]), row["reference"], row["title"], version.pin)
    tallies = tally(plan, respondents)
    return released(survey, rubric, plan, tallies) if kept is None else restored(survey, rubric, plan, tallies, kept)


async def release(conn: Connection, who: Caller, catalogue: Catalogue, row: asyncpg.Record) -> dict[str, Any]:
    """What a closed survey releases, as made at close (made and kept now for one closed before releases were
    kept)."""
    kept = await store.release(conn, who.org_id, row["id"])
    if kept is None:
        kept = to_keep(await scored(conn, who, catalogue, row))
        await store.store_release(conn, who.org_id, row["id"], kept)
    return kept


async def report(conn: Connection, who: Caller, catalogue: Catalogue, survey_id: uuid.UUID, by: str
                 ) -> dict[str, Any]:
    """The report of a closed survey broken down by `by`, as released at close; while open, 409 with progress
    only."""
    row = await survey_or_404(conn, who, survey_id)
    if row["status"] != "closed":
        _, rubric, _ = await pinned_rubric(catalogue, conn, row)
        counts = await store.group_counts(conn, who.org_id, row["id"], by)
        raise not_released("survey", sum(counts.values()),
                           {key: n >= rubric.min_unit_size for key, n in sorted(counts.items())})
    return (await release(conn, who, catalogue, row))["reports"][by]


async def trend(conn: Connection, who: Caller, catalogue: Catalogue, survey_id: uuid.UUID, earlier_id: uuid.UUID,
                by: str) -> dict[str, Any]:
    """The change from an earlier closed survey to this closed one, of the same rubric id."""
    later_row, earlier_row = await survey_or_404(conn, who, survey_id), await survey_or_404(conn, who, earlier_id)
    if "open" in (later_row["status"], earlier_row["status"]):
        raise Conflict("Only closed surveys are compared: " + " and ".join(
            name for name, r in (("this survey", later_row), ("the earlier survey", earlier_row))
            if r["status"] == "open") + " is still open")
    if later_row["rubric_id"] != earlier_row["rubric_id"]:
        raise Conflict("The surveys use different rubrics, so their figures do not measure the same things")
    later = await scored(conn, who, catalogue, later_row, await release(conn, who, catalogue, later_row))
    earlier = await scored(conn, who, catalogue, earlier_row, await release(conn, who, catalogue, earlier_row))
    return compare(later, earlier, by)


async def close(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, base_url: str,
                survey_id: uuid.UUID) -> asyncpg.Record:
    """Close the survey: its responses are final and unlinked from their respondents, and its release (both
    reports, checked by the auditor) is made and kept; emit survey.report_ready and audit (409 if closed)."""
    row = await survey_or_404(conn, who, survey_id, for_update=True)
    if row["status"] != "open":
        raise Conflict("The survey is already closed")
    row = await store.close(conn, who.org_id, row["id"])
    await store.store_release(conn, who.org_id, row["id"], to_keep(await scored(conn, who, catalogue, row)))
    await store.unlink_responses(conn, who.org_id, row["id"], row["closed_at"])
    await emit(conn, who.org_id, "survey.report_ready", report_ready(row, base_url))
    await audit.record(conn, who, "survey.closed", "survey", row["id"], before={"status": "open"},
                       after={"status": "closed"},
                       rubric={"id": row["rubric_id"], "version": row["rubric_version"], "hash": row["rubric_hash"]})
    return row


def report_ready(row: asyncpg.Record, base_url: str) -> dict[str, Any]:
    """survey.report_ready's data: ids and where to fetch the report (with a survey:read key)."""
    url = f"{base_url}/v1/surveys/{quote(str(row['id']))}/report"
    return {"survey_id": str(row["id"]), "reference": row["reference"], "status": row["status"],
            "report_url": url, "report_html_url": url + ".html", "report_csv_url": url + ".csv"}
