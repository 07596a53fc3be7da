"""What a subject access export shows, and what it leaves out: the rules in one place.

- **Appraisals** of which the person is the subject, each with its final report exactly as the report
  endpoints give it (figures, comments labelled by group, never by rater). An open appraisal is listed
  without a report: successive provisional reports could be compared to work out a single rater's answers.
- **Candidacies**: the campaign, the candidate's own fields, every scorecard (marks, evidence, comment)
  and moderation (mark, reason) and the current result. Panellists and moderators appear as `assessor-1`,
  `assessor-2`…, one label per person within a candidacy, never by their reference.
- **What the person answered**: which appraisals (as a rater) and which surveys they answered, found by the
  pseudonym of their reference, and when; never the answers, their group, unit or staff group: once an
  appraisal or survey closes nothing held ties an answer to a person, and while it is open an export must
  not be a way to read one.
- **Audit events** about the above: what was done, when, by which key; for scorecards and moderations the
  station (and criterion) with assessors labelled. Events of raters' responses are left out: their times
  and groups would tell who rated and when, including groups too small to be shown.

Rater references, other people's responses, and anything about other candidates or subjects never appear.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

NOTES = (
    "Raters' identities are not included: 360 feedback appears only as in the report shown to the subject.",
    "An open appraisal has no report yet; its report is made when it closes.",
    "Panellists and moderators are labelled assessor-1, assessor-2... within each candidacy.",
    "Appraisals and surveys answered are listed with when; the answers themselves are never exported: once "
    "an appraisal or survey closes, nothing held ties them to anyone.",
)
ASSESSOR_FIELDS = ("panellist_ref", "moderator_ref")
APPRAISAL_ACTIONS = ("appraisal.opened", "appraisal.closed")  # not the raters' responses


class Assessors:
    """Labels for the panellists and moderators of one candidacy, in the order they are first met."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def label(self, ref: str) -> str:
        return self._labels.setdefault(ref, f"assessor-{len(self._labels) + 1}")

    def relabel(self, value: Any) -> Any:
        """`value` with every panellist_ref / moderator_ref in it replaced by its label."""
        if isinstance(value, Mapping):
            return {k: self.label(v) if k in ASSESSOR_FIELDS and isinstance(v, str) else self.relabel(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.relabel(v) for v in value]
        return value


def result(rendered: Mapping[str, Any], assessors: Assessors) -> dict[str, Any]:
    """The candidate's result as the API renders it, with each criterion's marks keyed by assessor label
    (the API keys them by panellist) and each moderation's moderator labelled."""
    def criterion(c: Mapping[str, Any]) -> dict[str, Any]:
        moderation = c["moderation"] and {**c["moderation"],
                                          "moderator_ref": assessors.label(c["moderation"]["moderator_ref"])}
        return {**c, "marks": {assessors.label(p): mark for p, mark in c["marks"].items()}, "moderation": moderation}
    return {**rendered, "stations": [{**s, "criteria": [criterion(c) for c in s["criteria"]]}
                                     for s in rendered["stations"]]}


def scorecard(row: Mapping[str, Any], assessors: Assessors, at: str) -> dict[str, Any]:
    return {"station_id": row["station_id"], "assessor": assessors.label(row["panellist_ref"]),
            "marks": row["marks"], "evidence": row["evidence"], "comment": row["comment"], "submitted_at": at}


def moderation(row: Mapping[str, Any], assessors: Assessors, at: str) -> dict[str, Any]:
    return {"station_id": row["station_id"], "criterion_id": row["criterion_id"], "mark": row["mark"],
            "reason": row["reason"], "assessor": assessors.label(row["moderator_ref"]), "created_at": at}


def candidacy_event(event: Mapping[str, Any], name: str, assessors: Assessors, at: str) -> dict[str, Any]:
    """An audit event about a candidacy (named `name` in audit events) or one of its scorecards/moderations."""
    shown = {"action": event["action"], "actor": event["actor"], "at": at}
    if event["object_type"] in ("scorecard", "moderation"):
        station, second = (unquote(p) for p in event["object_id"][len(name) + 1:].split("/"))
        shown["station_id"] = station
        if event["object_type"] == "scorecard":
            shown["assessor"] = assessors.label(second)
        else:
            shown["criterion_id"] = second
    return {**shown, "before": assessors.relabel(event["before"]), "after": assessors.relabel(event["after"])}


def appraisal_event(event: Mapping[str, Any], at: str) -> dict[str, Any] | None:
    """An audit event about one of the subject's appraisals, or None for those the export leaves out."""
    if event["action"] not in APPRAISAL_ACTIONS:
        return None
    return {"action": event["action"], "actor": event["actor"], "at": at, "appraisal_id": event["object_id"],
            "before": event["before"], "after": event["after"]}


def subject_event(event: Mapping[str, Any], at: str) -> dict[str, Any]:
    """An audit event about the subject themselves (an earlier export)."""
    return {"action": event["action"], "actor": event["actor"], "at": at, "after": event["after"]}


def answered(row: Mapping[str, Any], at: str) -> dict[str, Any]:
    """One appraisal or survey the person answered: which, its state, and when they last answered."""
    return {"kind": row["kind"], "id": str(row["id"]), "status": row["status"], "answered_at": at}


def counts(document: Mapping[str, Any]) -> dict[str, int]:
    """How much an export held, as its audit event records it: counts, never content, and nothing of what a
    person answered anonymously (the event names them, and outlives an erasure of their links)."""
    return {part: len(document[part]) for part in ("appraisals", "candidacies")}
