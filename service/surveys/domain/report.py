"""The survey report: the organisation's and each shown group's figures, doctor-manager alignment and
Cronbach's alpha (pure; no I/O).

The order of the work:

1. every respondent's scores (scoring.py), added up once per unit × staff group cell, and from the cells for
   the organisation, each unit and each staff group (`tally`);
2. what is released, for both breakdowns at once (suppression.py); checked by the auditor (audit.py);
3. figures per released group and measure (figures.py), alignment from the staff groups `doctor` and
   `manager` when both index figures are released (whichever breakdown is asked for), alpha per sub-scale
   over the organisation from at least `min_unit_size` complete respondents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.disclosure.margins import Cell
from service.numbers import json_number
from service.surveys.domain.figures import ItemSums, Tally, figure_json
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.scoring import Plan, Scaled
from service.surveys.domain.suppression import INDEX, ORGANISATION, RESPONDENTS, Group, Release

BREAKDOWNS = ("unit", "staff_group")
DOCTORS, MANAGERS = "doctor", "manager"


@dataclass(frozen=True)
class Survey:
    """What the report says about the survey itself."""

    id: str
    reference: str
    title: str
    rubric_pin: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Respondent:
    unit: str
    staff_group: str
    answers: list[int | None]  # one per item in the rubric's order, None where not answered


@dataclass
class Tallies:
    """The figures' sums of every respondent: per unit × staff group cell, the organisation, each unit and each
    staff group."""

    cells: dict[Cell, Tally]
    patterns: dict[Cell, Counter[tuple[bool, ...]]]  # per cell, how many respondents have which scores
    overall: Tally
    groups: dict[str, dict[str, Tally]]  # breakdown ("unit" | "staff_group") -> key -> its respondents
    alpha: list[ItemSums]  # per sub-scale


def tally(plan: Plan, respondents: Iterable[Respondent]) -> Tallies:
    """Every respondent scored once; their scores summed per unit × staff group, and those sums added up for
    each unit, each staff group and the organisation. Respondents who gave the same answers to a sub-scale's
    items have the same score there: it is worked out once per distinct set of answers."""
    cells: dict[Cell, list[tuple[Scaled, ...]]] = {}
    complete: list[list[tuple[int, ...]]] = [[] for _ in plan.subscales]
    known: list[dict[tuple[int | None, ...], tuple[Scaled, tuple[int, ...] | None]]] = [{} for _ in plan.subscales]
    parts = list(zip(plan.subscales, known, complete, strict=True))
    for r in respondents:
        subscale_scores = []
        for sub, seen, rows in parts:
            given = sub.pick(r.answers)
            score, recoded = seen.get(given) or seen.setdefault(given, sub.score(given))
            subscale_scores.append(score)
            if recoded is not None:
                rows.append(recoded)
        key = (r.unit, r.staff_group)
        (cells.get(key) or cells.setdefault(key, [])).append(plan.combined(subscale_scores))
    size = len(plan.measures)
    groups: dict[str, dict[str, Tally]] = {b: {} for b in BREAKDOWNS}
    overall = Tally.of([], size)
    tallied, patterns = {}, {}
    for (unit, staff_group), scores in cells.items():
        cell = tallied[(unit, staff_group)] = Tally.of(scores, size)
        patterns[(unit, staff_group)] = Counter(tuple(s is not None for s in score) for score in scores)
        overall += cell
        for breakdown, group in (("unit", unit), ("staff_group", staff_group)):
            earlier = groups[breakdown].get(group)
            groups[breakdown][group] = cell if earlier is None else earlier + cell
    return Tallies(tallied, patterns, overall, groups, [ItemSums.of(rows, len(sub.positions))
                                                        for rows, sub in zip(complete, plan.subscales, strict=True)])


def withheld(reason: str) -> dict[str, Any]:
    """A figure not released, with why."""
    return {"mean": None, "score_100": None, "band": None, "n": None, "withheld": reason}


def entry(rubric: SurveyRubric, plan: Plan, t: Tally, release: Release, group: Group) -> dict[str, Any]:
    """A group's (or the organisation's) part of the report: its head count and figures where released, each
    figure not released replaced by why; a group whose head count is not released says only why."""
    hidden = release.reason(RESPONDENTS, group)
    if hidden is not None:
        return {"shown": False, "withheld": hidden}
    out: dict[str, Any] = {"respondents": t.respondents, "shown": True, "index": None, "metascales": {},
                           "subscales": {}}
    for n, measure in enumerate(plan.measures):
        reason = release.reason(measure, group)
        fig = withheld(reason) if reason else figure_json(rubric, t.mean(n, plan.denominator), t.counts[n])
        kind, _, ident = measure.partition(":")
        if kind == "index":
            out["index"] = fig
        else:
            out[kind + "s"][ident] = fig
    return out


def alignment(rubric: SurveyRubric, plan: Plan, tallies: Tallies, release: Release) -> dict[str, Any] | None:
    """Doctors' index mean − managers' index mean, with both beside it; None unless both staff groups' index
    figures are released and both have an index."""
    staff = tallies.groups["staff_group"]
    if any(g not in staff or release.reason(INDEX, ("staff_group", g)) for g in (DOCTORS, MANAGERS)):
        return None
    index = len(plan.measures) - 1
    doctors, managers = staff[DOCTORS], staff[MANAGERS]
    d, m = doctors.mean(index, plan.denominator), managers.mean(index, plan.denominator)
    if d is None or m is None:
        return None
    return {DOCTORS: figure_json(rubric, d, doctors.counts[index]),
            MANAGERS: figure_json(rubric, m, managers.counts[index]),
            "difference": json_number(d - m), "difference_100": json_number(rubric.to_100(d) - rubric.to_100(m))}


def alpha(rubric: SurveyRubric, tallies: Tallies, release: Release) -> dict[str, Any]:
    """Cronbach's alpha per sub-scale over the organisation, from at least min_unit_size complete respondents
    (and only when the organisation's figures are released)."""
    shown = release.reason(RESPONDENTS, ORGANISATION) is None
    return {s.id: json_number(a.alpha()) if shown and a.n >= rubric.min_unit_size else None
            for s, a in zip(rubric.subscales, tallies.alpha, strict=True)}


def build_report(survey: Survey, rubric: SurveyRubric, plan: Plan, tallies: Tallies, release: Release,
                 by: str) -> dict[str, Any]:
    """The report JSON of a survey broken down by `by` ("unit" or "staff_group"), as `release` allows."""
    return {
        "survey_id": survey.id, "reference": survey.reference, "title": survey.title,
        "status": "final", "rubric": survey.rubric_pin, "by": by,
        "min_unit_size": rubric.min_unit_size,
        "overall": entry(rubric, plan, tallies.overall, release, ORGANISATION),
        "groups": [{"key": key, **entry(rubric, plan, t, release, (by, key))}
                   for key, t in sorted(tallies.groups[by].items())],
        "alignment": alignment(rubric, plan, tallies, release),
        "alpha": alpha(rubric, tallies, release),
        **structure(rubric),
    }


def structure(rubric: SurveyRubric) -> dict[str, Any]:
    """What a reader needs to read the figures: the scale, the bands, the measures' names, the notice."""
    return {
        "scale": {"min": rubric.scale_min, "max": rubric.scale_max, "labels": rubric.labels},
        "bands": [{"min": json_number(b.min), "label": b.label} for b in rubric.bands],
        "metascales": [{"id": m.id, "name": m.name, "description": m.description,
                        "subscales": [s.id for s in rubric.subscales if s.metascale == m.id]}
                       for m in rubric.metascales],
        "subscales": [{"id": s.id, "name": s.name, "metascale": s.metascale} for s in rubric.subscales],
        "notice": rubric.notice,
    }
