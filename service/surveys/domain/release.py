"""A closed survey's release: its figures' sums, the plan of what is released (suppression.py), its reports in
both breakdowns, and the auditor's check of all of them together (audit.py) before any is answered (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.disclosure.gate import ReleaseRefused
from service.surveys.domain.audit import audit
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.report import BREAKDOWNS, Survey, Tallies, build_report
from service.surveys.domain.scoring import Plan
from service.surveys.domain.suppression import Release, Table, plan_release


@dataclass(frozen=True)
class Scored:
    """A closed survey with what its figures are made from, what of them is released, and its reports."""

    survey: Survey
    rubric: SurveyRubric
    plan: Plan
    tallies: Tallies
    release: Release
    reports: dict[str, dict[str, Any]]  # by breakdown


def released(survey: Survey, rubric: SurveyRubric, plan: Plan, tallies: Tallies) -> Scored:
    """The survey's release planned for both breakdowns at once, its reports made, and the auditor's check of
    everything in them together (ReleaseRefused when it finds anything)."""
    table = Table(tallies.cells, tallies.patterns, plan)
    release = plan_release(table, rubric.min_unit_size)
    reports = {by: build_report(survey, rubric, plan, tallies, release, by) for by in BREAKDOWNS}
    finding = audit(tallies, plan, reports, rubric.min_unit_size)
    if finding is not None:
        raise ReleaseRefused(f"Refused by the disclosure auditor: {finding.rule}")
    return Scored(survey, rubric, plan, tallies, release, reports)


def to_keep(scored: Scored) -> dict[str, Any]:
    """What is kept of a release: what it hides, and both reports."""
    return {"hidden": scored.release.to_json(), "reports": scored.reports}


def restored(survey: Survey, rubric: SurveyRubric, plan: Plan, tallies: Tallies, kept: dict[str, Any]) -> Scored:
    """A release as it was made (for comparing surveys: the same figures, the same withheld)."""
    return Scored(survey, rubric, plan, tallies, Release.from_json(kept["hidden"]), kept["reports"])
