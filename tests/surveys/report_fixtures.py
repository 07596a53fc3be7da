"""Survey report JSON built with the real pure functions from the repository's engagement survey rubric, for
tests of what is made from a report (its HTML page, for one)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from service.rubrics.domain.model import with_defaults
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.release import released
from service.surveys.domain.report import Respondent, Survey, tally
from service.surveys.domain.scoring import Plan

ROOT = Path(__file__).resolve().parents[2]
RUBRIC = SurveyRubric.from_document(with_defaults(yaml.safe_load(
    (ROOT / "rubrics/engagement-survey.yaml").read_text())))
PLAN = Plan.of(RUBRIC)
HOSTILE_UNIT = "Acute <script>alert('x')</script> & \"medicine\""
LONG_UNIT = "Paediatric-and-neonatal-intensive-care-services-" * 4
# Units: three shown, one too small (3) and, as the only one too small, the next smallest (6) hidden with it.
UNITS = {HOSTILE_UNIT: 14, "Surgery": 11, LONG_UNIT: 9, "Radiology": 6, "Dermatology": 3}
STAFF_GROUPS = ("doctor", "manager", "doctor", "nurse", "doctor")


def respondents(units: dict[str, int] | None = None, seed: int = 11) -> list[Respondent]:
    """Each respondent answers around a level of engagement of their own; some leave one item of a sub-scale
    unanswered (never more, so every sub-scale score stays)."""
    rng = random.Random(seed)
    people = []
    for unit, count in (units or UNITS).items():
        for n in range(count):
            level = rng.choice((2, 3, 3, 4, 4, 5))
            skipped = {rng.choice([i.id for i in RUBRIC.items if i.subscale == s.id])
                       for s in RUBRIC.subscales if rng.random() < 0.3}
            answers = [None if item.id in skipped else _answer(level + rng.choice((-1, 0, 0, 1)), item.reverse)
                       for item in RUBRIC.items]
            people.append(Respondent(unit, STAFF_GROUPS[n % len(STAFF_GROUPS)], answers))
    return people


def _answer(level: int, reverse: bool) -> int:
    """The answer of someone at `level` of engagement: a negatively worded item is answered the other way."""
    value = min(5, max(1, level))
    return 6 - value if reverse else value


def report(*, by: str = "unit", units: dict[str, int] | None = None) -> dict[str, Any]:
    survey = Survey("3f1c2a1e-0000-4000-8000-000000000001", "MES-2026", "Trust engagement survey 2026",
                    {"id": "engagement-survey", "version": 1, "hash": "sha256:" + "ab" * 32})
    return released(survey, RUBRIC, PLAN, tally(PLAN, respondents(units))).reports[by]
