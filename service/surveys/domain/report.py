"""The survey report: the organisation's and each shown group's figures, doctor-manager alignment and
Cronbach's alpha (pure; no I/O).

The order of the work:

1. every respondent's scores (scoring.py), added up once for the organisation, their unit and their staff
   group (`tally`);
2. which groups are shown: fewer than `min_unit_size` respondents suppresses a group, with complementary
   suppression (service/anonymity.py); a suppressed group carries only its key and head count;
3. figures per shown group (figures.py), alignment from the staff groups `doctor` and `manager` when both
   are shown (whichever breakdown is asked for), alpha per sub-scale over the organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from service.anonymity import survey_groups
from service.numbers import json_number
from service.surveys.domain.figures import ItemSums, Tally, figure_json
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.scoring import Plan, Scaled

BREAKDOWNS = ("unit", "staff_group")
DOCTORS, MANAGERS = "doctor", "manager"


@dataclass(frozen=True)
class Survey:
    """What the report says about the survey itself."""

    id: str
    reference: str
    title: str
    final: bool
    rubric_pin: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Respondent:
    unit: str
    staff_group: str
    answers: list[int | None]  # one per item in the rubric's order, None where not answered


@dataclass
class Tallies:
    """The figures' sums of every respondent: the organisation, and each unit and staff group."""

    overall: Tally
    groups: dict[str, dict[str, Tally]]  # breakdown ("unit" | "staff_group") -> key -> its respondents
    alpha: list[ItemSums]  # per sub-scale


def tally(plan: Plan, respondents: Iterable[Respondent]) -> Tallies:
    """Every respondent scored once; their scores summed per unit × staff group, and those sums added up for
    each unit, each staff group and the organisation. Respondents who gave the same answers to a sub-scale's
    items have the same score there: it is worked out once per distinct set of answers."""
    cells: dict[tuple[str, str], list[tuple[Scaled, ...]]] = {}
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
    for (unit, staff_group), scores in cells.items():
        cell = Tally.of(scores, size)
        overall += cell
        for breakdown, group in (("unit", unit), ("staff_group", staff_group)):
            earlier = groups[breakdown].get(group)
            groups[breakdown][group] = cell if earlier is None else earlier + cell
    return Tallies(overall, groups, [ItemSums.of(rows, len(sub.positions))
                                     for rows, sub in zip(complete, plan.subscales, strict=True)])


def visibility(rubric: SurveyRubric, tallies: Tallies, by: str) -> tuple[bool, frozenset[str]]:
    return survey_groups({k: t.respondents for k, t in tallies.groups[by].items()}, rubric.min_unit_size)


def figures(rubric: SurveyRubric, plan: Plan, t: Tally) -> dict[str, Any]:
    """index, metascales and subscales of a shown group."""
    out: dict[str, Any] = {"index": None, "metascales": {}, "subscales": {}}
    for n, measure in enumerate(plan.measures):
        fig = figure_json(rubric, t.mean(n, plan.denominator), t.counts[n])
        kind, _, ident = measure.partition(":")
        if kind == "index":
            out["index"] = fig
        else:
            out[kind + "s"][ident] = fig
    return out


def entry(rubric: SurveyRubric, plan: Plan, t: Tally, shown: bool) -> dict[str, Any]:
    if not shown:
        return {"respondents": t.respondents, "shown": False}
    return {"respondents": t.respondents, "shown": True, **figures(rubric, plan, t)}


def alignment(rubric: SurveyRubric, plan: Plan, tallies: Tallies) -> dict[str, Any] | None:
    """Doctors' index mean − managers' index mean, with both beside it; None unless both staff groups are
    shown (in the staff-group breakdown) and both have an index."""
    _, shown = visibility(rubric, tallies, "staff_group")
    if DOCTORS not in shown or MANAGERS not in shown:
        return None
    index = len(plan.measures) - 1
    doctors, managers = tallies.groups["staff_group"][DOCTORS], tallies.groups["staff_group"][MANAGERS]
    d, m = doctors.mean(index, plan.denominator), managers.mean(index, plan.denominator)
    if d is None or m is None:
        return None
    return {DOCTORS: figure_json(rubric, d, doctors.counts[index]),
            MANAGERS: figure_json(rubric, m, managers.counts[index]),
            "difference": json_number(d - m), "difference_100": json_number(rubric.to_100(d) - rubric.to_100(m))}


def build_report(survey: Survey, rubric: SurveyRubric, plan: Plan, tallies: Tallies, by: str) -> dict[str, Any]:
    """The report JSON of a survey broken down by `by` ("unit" or "staff_group")."""
    total_shown, shown = visibility(rubric, tallies, by)
    return {
        "survey_id": survey.id, "reference": survey.reference, "title": survey.title,
        "status": "final" if survey.final else "provisional", "rubric": survey.rubric_pin, "by": by,
        "min_unit_size": rubric.min_unit_size,
        "overall": entry(rubric, plan, tallies.overall, total_shown),
        "groups": [{"key": key, **entry(rubric, plan, t, key in shown)}
                   for key, t in sorted(tallies.groups[by].items())],
        "alignment": alignment(rubric, plan, tallies) if total_shown else None,
        "alpha": {s.id: json_number(a.alpha()) if total_shown else None
                  for s, a in zip(rubric.subscales, tallies.alpha, strict=True)},
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
