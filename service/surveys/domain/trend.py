"""The trend between two closed surveys of the same rubric: how each figure moved (pure; no I/O).

A change is later − earlier, so it is positive when engagement rose. Only what both surveys show is
compared: the organisation when both totals are shown, the groups (units or staff groups) shown in both,
and the measures (index, meta-scales, sub-scales) both rubric versions have. A group suppressed in either
survey is listed by key under `not_compared` and nothing else is said of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.numbers import json_number
from service.surveys.domain.figures import Tally
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.report import Survey, Tallies, visibility
from service.surveys.domain.scoring import Plan


@dataclass(frozen=True)
class Scored:
    """A survey with what its figures are made from."""

    survey: Survey
    rubric: SurveyRubric
    plan: Plan
    tallies: Tallies


def change(later: Scored, earlier: Scored, lt: Tally, et: Tally, measure: str) -> dict[str, Any] | None:
    """{earlier, later, change, change_100, direction} of one measure; None unless both have a mean."""
    a = lt.mean(later.plan.measures.index(measure), later.plan.denominator)
    b = et.mean(earlier.plan.measures.index(measure), earlier.plan.denominator)
    if a is None or b is None:
        return None
    diff: Fraction = a - b
    return {"earlier": json_number(b), "later": json_number(a), "change": json_number(diff),
            "change_100": json_number(later.rubric.to_100(a) - earlier.rubric.to_100(b)),
            "direction": "up" if diff > 0 else "down" if diff < 0 else "same"}


def changes(later: Scored, earlier: Scored, lt: Tally, et: Tally) -> dict[str, Any]:
    common = [m for m in later.plan.measures if m in earlier.plan.measures]
    out: dict[str, Any] = {"index": None, "metascales": {}, "subscales": {}}
    for measure in common:
        kind, _, ident = measure.partition(":")
        moved = change(later, earlier, lt, et, measure)
        if kind == "index":
            out["index"] = moved
        else:
            out[kind + "s"][ident] = moved
    return out


def compare(later: Scored, earlier: Scored, by: str) -> dict[str, Any]:
    later_total, later_shown = visibility(later.rubric, later.tallies, by)
    earlier_total, earlier_shown = visibility(earlier.rubric, earlier.tallies, by)
    both = sorted(later_shown & earlier_shown)
    everyone = set(later.tallies.groups[by]) | set(earlier.tallies.groups[by])
    return {
        "survey_id": later.survey.id, "earlier_id": earlier.survey.id,
        "rubric_id": later.survey.rubric_pin["id"],
        "rubric_versions": {"survey": later.survey.rubric_pin["version"],
                            "earlier": earlier.survey.rubric_pin["version"]},
        "by": by,
        "overall": changes(later, earlier, later.tallies.overall, earlier.tallies.overall)
        if later_total and earlier_total else None,
        "groups": [{"key": key, **changes(later, earlier, later.tallies.groups[by][key],
                                          earlier.tallies.groups[by][key])} for key in both],
        "not_compared": sorted(everyone - set(both)),
    }
