"""The trend between two closed surveys of the same rubric: how each figure moved (pure; no I/O).

A change is later − earlier, so it is positive when engagement rose. Only what both surveys release is
compared: the organisation, the groups (units or staff groups) shown in both, and per measure (index,
meta-scales, sub-scales both rubric versions have) the figures both release. A group hidden in either survey
is listed by key under `not_compared` and nothing else is said of it; a measure released in only one is null.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from service.numbers import json_number
from service.surveys.domain.figures import Tally
from service.surveys.domain.release import Scored
from service.surveys.domain.suppression import ORGANISATION, RESPONDENTS, Group


def change(later: Scored, earlier: Scored, lt: Tally, et: Tally, measure: str,
           group: Group) -> dict[str, Any] | None:
    """{earlier, later, change, change_100, direction} of one measure; None unless both release a mean."""
    if later.release.reason(measure, group) or earlier.release.reason(measure, group):
        return None
    a = lt.mean(later.plan.measures.index(measure), later.plan.denominator)
    b = et.mean(earlier.plan.measures.index(measure), earlier.plan.denominator)
    if a is None or b is None:
        return None
    diff: Fraction = a - b
    return {"earlier": json_number(b), "later": json_number(a), "change": json_number(diff),
            "change_100": json_number(later.rubric.to_100(a) - earlier.rubric.to_100(b)),
            "direction": "up" if diff > 0 else "down" if diff < 0 else "same"}


def changes(later: Scored, earlier: Scored, lt: Tally, et: Tally, group: Group) -> dict[str, Any]:
    common = [m for m in later.plan.measures if m in earlier.plan.measures]
    out: dict[str, Any] = {"index": None, "metascales": {}, "subscales": {}}
    for measure in common:
        kind, _, ident = measure.partition(":")
        moved = change(later, earlier, lt, et, measure, group)
        if kind == "index":
            out["index"] = moved
        else:
            out[kind + "s"][ident] = moved
    return out


def compare(later: Scored, earlier: Scored, by: str) -> dict[str, Any]:
    def shown(s: Scored) -> set[str]:
        return {key for key in s.tallies.groups[by] if s.release.reason(RESPONDENTS, (by, key)) is None}

    both = sorted(shown(later) & shown(earlier))
    totals = all(s.release.reason(RESPONDENTS, ORGANISATION) is None for s in (later, earlier))
    everyone = set(later.tallies.groups[by]) | set(earlier.tallies.groups[by])
    return {
        "survey_id": later.survey.id, "earlier_id": earlier.survey.id,
        "rubric_id": later.survey.rubric_pin["id"],
        "rubric_versions": {"survey": later.survey.rubric_pin["version"],
                            "earlier": earlier.survey.rubric_pin["version"]},
        "by": by,
        "overall": changes(later, earlier, later.tallies.overall, earlier.tallies.overall, ORGANISATION)
        if totals else None,
        "groups": [{"key": key, **changes(later, earlier, later.tallies.groups[by][key],
                                          earlier.tallies.groups[by][key], (by, key))} for key in both],
        "not_compared": sorted(everyone - set(both)),
    }
