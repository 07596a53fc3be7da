"""The auditors against random appraisals and surveys (hypothesis): every release the service makes is one the
auditor accepts, and a deliberately weakened rule makes the auditor refuse within the test's examples.

Random appraisals: any number of raters per group of the repository's 360 rubric (self, named supervisors,
anonymous groups of 0 to 8), each answer N/A at a rate of its own. Random surveys: 1 to 6 units × 1 to 4 staff
groups of 0 to 60 respondents each, some skipping whole sub-scales, some single items.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from service.appraisals.domain import report as appraisal_report
from service.appraisals.domain.model import Response
from service.disclosure.gate import ReleaseRefused
from service.surveys.domain import suppression
from service.surveys.domain.release import released
from service.surveys.domain.report import Respondent, Survey, tally
from tests.appraisals.report_fixtures import RUBRIC as RUBRIC_360
from tests.appraisals.report_fixtures import report as report_360
from tests.surveys.report_fixtures import PLAN, RUBRIC

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SURVEY = Survey("s", "S", "t", {"id": "engagement-survey", "version": 1, "hash": "sha256:x"})


@st.composite
def appraisals(draw: st.DrawFn) -> list[Response]:
    sizes = {"self": draw(st.integers(0, 1)), "supervisor": draw(st.integers(0, 2)),
             "peer": draw(st.integers(0, 8)), "direct_report": draw(st.integers(0, 5)),
             "other": draw(st.integers(0, 5))}
    rng = random.Random(draw(st.integers(0, 2**32)))
    na = draw(st.sampled_from((0.0, 0.1, 0.3, 0.6, 0.9)))
    out = []
    for group, n in sizes.items():
        for i in range(n):
            answers = {item.id: None if rng.random() < na else rng.randint(1, 5) for item in RUBRIC_360.items}
            out.append(Response(f"{group}-{i}", group, answers, {"general": f"c{i}"} if i % 2 else {}))
    return out


@st.composite
def surveys(draw: st.DrawFn) -> list[Respondent]:
    units = [f"U{n}" for n in range(draw(st.integers(1, 6)))]
    staff = ["doctor", "manager", "nurse", "allied"][:draw(st.integers(1, 4))]
    rng = random.Random(draw(st.integers(0, 2**32)))
    skipping = draw(st.sampled_from((0.0, 0.05, 0.2)))
    out = []
    for unit in units:
        for group in staff:
            for _ in range(draw(st.sampled_from((0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20, 60)))):
                dropped = {s.id for s in RUBRIC.subscales if rng.random() < skipping}
                answers = [None if item.subscale in dropped or rng.random() < 0.05 else rng.randint(1, 5)
                           for item in RUBRIC.items]
                out.append(Respondent(unit, group, answers))
    return out


@SETTINGS
@given(appraisals())
def test_every_360_report_the_service_makes_is_one_the_auditor_accepts(responses: list[Response]) -> None:
    report = report_360(responses)  # raises ReleaseRefused when the auditor rejects it
    assert report["status"] == "final"


@SETTINGS
@given(surveys())
def test_every_survey_release_the_service_makes_is_one_the_auditor_accepts(respondents: list[Respondent]) -> None:
    scored = released(SURVEY, RUBRIC, PLAN, tally(PLAN, respondents))  # raises ReleaseRefused when rejected
    assert set(scored.reports) == {"unit", "staff_group"}


def refused_360(responses: list[Response]) -> bool:
    try:
        report_360(responses)
    except ReleaseRefused:
        return True
    return False


def refused_survey(respondents: list[Respondent]) -> bool:
    try:
        released(SURVEY, RUBRIC, PLAN, tally(PLAN, respondents))
    except ReleaseRefused:
        return True
    return False


def test_a_360_rule_weakened_to_count_every_cell_is_refused_within_the_examples(
        monkeypatch: pytest.MonkeyPatch) -> None:
    original = appraisal_report._RaterSets.__init__

    def every_cell_counts(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.counts = dict.fromkeys(self.counts, True)

    monkeypatch.setattr(appraisal_report._RaterSets, "__init__", every_cell_counts)
    found = find(appraisals(), refused_360, settings=SETTINGS)
    assert found  # an appraisal whose N/A answers leave a group's item resting on fewer than k raters


def test_a_360_rule_weakened_to_count_raters_instead_of_ratings_is_refused_within_the_examples(
        monkeypatch: pytest.MonkeyPatch) -> None:
    original = appraisal_report._RaterSets.__init__

    def group_size_counts(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)  # a cell counts when its group has k raters, N/A or not
        self.counts = {(g, i): g not in self.members or len(self.members[g]) >= RUBRIC_360.k
                       for g, i in self.counts}

    monkeypatch.setattr(appraisal_report._RaterSets, "__init__", group_size_counts)
    assert find(appraisals(), refused_360, settings=SETTINGS)


def test_a_survey_plan_with_remainders_and_linked_tables_unchecked_is_refused_within_the_examples(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suppression, "discloses", lambda *args, **kwargs: None)  # rule 3 never finds anything
    assert find(surveys(), refused_survey, settings=SETTINGS)


def test_a_survey_plan_without_parts_before_wholes_is_refused_within_the_examples(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suppression.Table, "parts", lambda self, measure: () if measure == "respondents"
                        else ("respondents",))
    monkeypatch.setattr(suppression, "combinations", lambda plan: [])  # wholes beside their parts unchecked
    assert find(surveys(), refused_survey, settings=SETTINGS)
