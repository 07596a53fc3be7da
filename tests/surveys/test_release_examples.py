"""The worked examples of what a survey releases, as the README gives them (engagement-survey, min_unit_size 5)."""

from __future__ import annotations

from typing import Any

from service.surveys.domain.release import released
from service.surveys.domain.report import Respondent, Survey, tally
from tests.surveys.report_fixtures import PLAN, RUBRIC

SURVEY = Survey("s", "S", "t", {"id": "engagement-survey", "version": 1, "hash": "sha256:x"})


def reports(cells: dict[tuple[str, str], int]) -> dict[str, dict[str, Any]]:
    people = [Respondent(unit, staff, [3] * len(RUBRIC.items)) for (unit, staff), n in cells.items() for _ in range(n)]
    return released(SURVEY, RUBRIC, PLAN, tally(PLAN, people)).reports


def hidden(report: dict[str, Any]) -> dict[str, str]:
    return {g["key"]: g["withheld"] for g in report["groups"] if not g["shown"]}


def test_two_wards_of_one_and_the_next_smallest_unit() -> None:
    got = reports({("Ward A", "doctor"): 1, ("Ward B", "doctor"): 1, ("Surgery", "doctor"): 20,
                   ("Medicine", "doctor"): 18})
    assert hidden(got["unit"]) == {"Ward A": "fewer_than_min_unit_size", "Ward B": "fewer_than_min_unit_size",
                                   "Medicine": "protects_another_group"}
    assert got["unit"]["overall"]["respondents"] == 40


def test_the_one_manager_in_surgery() -> None:
    got = reports({("Management", "manager"): 10, ("Surgery", "doctor"): 20, ("Surgery", "manager"): 1})
    assert hidden(got["unit"]) == {"Management": "protects_another_group", "Surgery": "protects_another_group"}
    assert hidden(got["staff_group"]) == {}
    assert got["unit"]["alignment"] is not None and got["unit"]["overall"]["shown"]
