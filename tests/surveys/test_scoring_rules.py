"""The survey scoring rules on hand-computed examples: recoding, the half-answered rule, meta-scales and the
index, bands, suppression (too few, remainders, both breakdowns together), alignment, Cronbach's alpha,
differencing, trends."""

from __future__ import annotations

import statistics
from fractions import Fraction
from typing import Any

import pytest

from service.surveys.domain.model import SurveyRubric, answer_issues
from service.surveys.domain.release import Scored, released
from service.surveys.domain.report import Respondent, Survey, tally
from service.surveys.domain.scoring import Plan
from service.surveys.domain.trend import compare

# Sub-scale a: 4 items (a2 reverse-keyed), b: 5 items, both of meta-scale m1; c: 2 items, of m2. Scale 1-5.
DOC: dict[str, Any] = {
    "scale": {"min": 1, "max": 5, "labels": {}, "allow_na": False, "na_label": "Not applicable"},
    "metascales": [{"id": "m1", "name": "First"}, {"id": "m2", "name": "Second"}],
    "subscales": [{"id": "a", "name": "A", "metascale": "m1"}, {"id": "b", "name": "B", "metascale": "m1"},
                  {"id": "c", "name": "C", "metascale": "m2"}],
    "items": [{"id": f"a{n}", "text": "", "subscale": "a", "reverse": n == 2} for n in range(1, 5)]
    + [{"id": f"b{n}", "text": "", "subscale": "b", "reverse": False} for n in range(1, 6)]
    + [{"id": f"c{n}", "text": "", "subscale": "c", "reverse": False} for n in range(1, 3)],
    "bands": [{"min": 0, "label": "Low"}, {"min": 50, "label": "Mid"}, {"min": 75, "label": "High"}],
    "min_unit_size": 3,
}
RUBRIC = SurveyRubric.from_document(DOC)
PLAN = Plan.of(RUBRIC)
SURVEY = Survey("s-1", "REF", "Title", {"id": "test", "version": 1, "hash": "sha256:x"})
FEWER, PROTECTS = "fewer_than_min_unit_size", "protects_another_group"


def scores(answers: dict[str, int]) -> dict[str, Fraction | None]:
    """One respondent's scores by measure name, as exact values."""
    scaled = PLAN.scores(RUBRIC.stored(answers))
    return {m: None if s is None else Fraction(s, PLAN.denominator) for m, s in zip(PLAN.measures, scaled,
                                                                                    strict=True)}


def person(unit: str, staff: str, answers: dict[str, int]) -> Respondent:
    return Respondent(unit, staff, RUBRIC.stored(answers))


def everything(mark: int) -> dict[str, int]:
    return {i.id: mark for i in RUBRIC.items}


def report(respondents: list[Respondent], by: str = "unit") -> dict[str, Any]:
    return released(SURVEY, RUBRIC, PLAN, tally(PLAN, respondents)).reports[by]


def groups(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["key"]: g for g in rep["groups"]}


def test_a_reverse_keyed_item_is_recoded_before_anything_else() -> None:
    # a2 is reverse-keyed: 5 counts as 1 + 5 − 5 = 1, so a = (5 + 1) / 2 = 3 from two of its four items.
    got = scores({"a1": 5, "a2": 5})
    assert got["subscale:a"] == 3
    assert scores({"a1": 5, "a2": 1})["subscale:a"] == 5


def test_a_subscale_needs_at_least_half_of_its_items_answered() -> None:
    # 4 items (even): 2 answered is half (present), 1 is not; 5 items (odd): 3 answered is ≥ 2.5, 2 is not.
    assert scores({"a1": 4, "a3": 2})["subscale:a"] == 3
    assert scores({"a1": 4})["subscale:a"] is None
    assert scores({"b1": 1, "b2": 2, "b4": 4})["subscale:b"] == Fraction(7, 3)
    assert scores({"b1": 1, "b2": 2})["subscale:b"] is None


def test_metascales_and_the_index_are_means_of_the_scores_that_exist() -> None:
    # a = (4 + 2) / 2 = 3, b absent: m1 = 3; c = (4 + 5) / 2 = 4.5 = m2; index = (3 + 4.5) / 2 = 3.75.
    got = scores({"a1": 4, "a3": 2, "b1": 5, "c1": 4, "c2": 5})
    assert (got["subscale:b"], got["metascale:m1"], got["metascale:m2"], got["index"]) == (None, 3, Fraction(9, 2),
                                                                                           Fraction(15, 4))
    # a = 3 and b = 7/3: m1 = 8/3; without c, m2 is absent and the index is m1 alone.
    got = scores({"a1": 4, "a3": 2, "b1": 1, "b2": 2, "b4": 4})
    assert (got["metascale:m1"], got["metascale:m2"], got["index"]) == (Fraction(8, 3), None, Fraction(8, 3))
    # One of c's two items is half of them: c = 3 = m2, and with m1 absent the index is m2 alone.
    assert (scores({"c1": 3})["subscale:c"], scores({"c1": 3})["index"]) == (3, 3)
    assert scores({})["index"] is None


def test_scores_on_0_to_100_fall_in_bands_by_their_lower_bounds() -> None:
    assert [RUBRIC.band(Fraction(v)) for v in (0, Fraction(4999, 100), 50, Fraction(7499, 100), 75, 100)] == [
        "Low", "Low", "Mid", "Mid", "High", "High"]
    # Everyone answers 4 (a2, reversed, as 2): every mean is 4, exactly 75 on 0-100, the High band's bound.
    rep = report([person("U", "doctor", {**everything(4), "a2": 2}) for _ in range(3)])
    assert rep["overall"]["index"] == {"mean": 4, "score_100": 75, "band": "High", "n": 3}
    # Everyone answers 3: 50, exactly the Mid band's lower bound.
    rep = report([person("U", "doctor", {**everything(3)}) for _ in range(3)])
    assert rep["overall"]["subscales"]["c"] == {"mean": 3, "score_100": 50, "band": "Mid", "n": 3}


def test_a_group_figure_is_the_mean_over_the_respondents_who_have_the_score() -> None:
    people = [person("U", "doctor", {"c1": 5, "c2": 4}), person("U", "doctor", {"c1": 2, "c2": 2}),
              person("U", "doctor", {"c1": 1, "c2": 3}), person("U", "doctor", {"a1": 1, "a2": 5})]
    c = report(people)["overall"]["subscales"]["c"]  # the fourth has no c score
    assert c == {"mean": pytest.approx(17 / 6, rel=1e-15), "score_100": pytest.approx(25 * (17 / 6 - 1)),
                 "band": "Low", "n": 3}
    assert report(people)["overall"]["subscales"]["b"] == {"mean": None, "score_100": None, "band": None, "n": 0}
    # a rests on one respondent: withheld, with why
    assert report(people)["overall"]["subscales"]["a"] == {"mean": None, "score_100": None, "band": None,
                                                            "n": None, "withheld": FEWER}


def hidden(respondents: list[Respondent], by: str = "unit") -> dict[str, str]:
    """The groups of a breakdown not shown, with why."""
    return {g["key"]: g["withheld"] for g in report(respondents, by)["groups"] if not g["shown"]}


def units(sizes: dict[str, int], staff: str = "d") -> list[Respondent]:
    return [person(unit, staff, everything(3)) for unit, n in sizes.items() for _ in range(n)]


def test_a_group_below_min_unit_size_is_hidden_without_its_count_and_one_at_it_is_shown() -> None:
    rep = report(units({"A": 2, "B": 3, "C": 4}))
    assert groups(rep)["A"] == {"key": "A", "shown": False, "withheld": FEWER}
    assert groups(rep)["C"]["shown"] is True and groups(rep)["C"]["respondents"] == 4


def test_the_organisation_less_the_shown_groups_rests_on_none_or_enough() -> None:
    # A (2) alone would be the organisation less B and C: the smallest group whose hiding ends that, B, goes too.
    assert hidden(units({"A": 2, "B": 3, "C": 4})) == {"A": FEWER, "B": PROTECTS}
    # Two small groups of 2 and 1 together are 3: nothing more is hidden.
    assert hidden(units({"A": 2, "B": 1, "C": 5, "D": 4})) == {"A": FEWER, "B": FEWER}
    # A single group besides the small one goes too; the organisation stays shown.
    rep = report(units({"A": 1, "B": 9}))
    assert hidden(units({"A": 1, "B": 9})) == {"A": FEWER, "B": PROTECTS} and rep["overall"]["shown"] is True
    # Fewer than min_unit_size in all: nothing is shown, not even the organisation or its head count.
    rep = report(units({"A": 1, "B": 1}))
    assert rep["overall"] == {"shown": False, "withheld": FEWER}
    assert rep["alignment"] is None and set(rep["alpha"].values()) == {None}


def test_the_unit_and_staff_group_breakdowns_are_planned_together() -> None:
    # Managers: 2 in Management and 1 in Surgery; doctors: 3 in Surgery. Each group has at least 3 people, but
    # managers − Management would be the one manager in Surgery: something must go, in one breakdown or the other.
    people = ([person("Management", "manager", everything(2))] * 2 + [person("Surgery", "manager", everything(5))]
              + [person("Surgery", "doctor", everything(3))] * 3)
    by_unit, by_staff = report(people, "unit"), report(people, "staff_group")
    shown_units = {g["key"] for g in by_unit["groups"] if g["shown"] and "withheld" not in g["index"]}
    shown_staff = {g["key"] for g in by_staff["groups"] if g["shown"] and "withheld" not in g["index"]}
    assert "Management" not in shown_units  # 2 people: too few on its own
    # With Management hidden, Surgery = organisation − Management; Surgery − doctors = the manager in Surgery.
    assert not ({"Surgery", "doctor"} <= shown_units | shown_staff and by_unit["overall"]["shown"])
    assert not ({"manager"} <= shown_staff and "Surgery" in shown_units)


def test_alignment_compares_doctors_and_managers_only_when_both_are_shown() -> None:
    doctors = [person("U", "doctor", everything(2))] * 3
    managers = [person("U", "manager", everything(4))] * 3
    nurses = [person("U", "nurse", everything(3))] * 3
    rep = report(doctors + managers + nurses)
    # Doctors' index: a = (2+4+2+2)/4 = 2.5 (a2 reversed), b = 2, m1 = 2.25; c = 2 = m2; index 2.125.
    # Managers': a = (4+2+4+4)/4 = 3.5, b = 4, m1 = 3.75; c = 4; index 3.875. Difference −1.75, −43.75 on 0-100.
    assert rep["alignment"] == {
        "doctor": {"mean": 2.125, "score_100": 28.125, "band": "Low", "n": 3},
        "manager": {"mean": 3.875, "score_100": 71.875, "band": "Mid", "n": 3},
        "difference": -1.75, "difference_100": -43.75}
    assert report(doctors + managers + nurses, by="unit")["alignment"] == rep["alignment"]  # either breakdown
    # Two managers: suppressed (and doctors with them, the next smallest by key), so no alignment.
    assert report(doctors + managers[:2] + nurses)["alignment"] is None
    assert report(doctors + nurses * 2)["alignment"] is None  # no managers at all


def independent_alpha(rows: list[list[int]]) -> float:
    k = len(rows[0])
    items = [statistics.variance([Fraction(r[i]) for r in rows]) for i in range(k)]
    totals = statistics.variance([Fraction(sum(r)) for r in rows])
    return float(Fraction(k, k - 1) * (1 - sum(items) / totals))


def test_cronbachs_alpha_is_over_the_respondents_who_answered_every_item_of_the_subscale() -> None:
    complete_b = [[4, 4, 5, 3, 4], [2, 3, 2, 2, 1], [5, 5, 4, 5, 5], [3, 2, 3, 4, 3]]
    people = [person("U", "doctor", {f"b{n + 1}": v for n, v in enumerate(row)} | {"c1": c, "c2": c2})
              for row, c, c2 in zip(complete_b, (1, 3, 5, 2), (2, 3, 4, 2), strict=True)]
    people.append(person("U", "doctor", {"b1": 1, "b2": 5, "b3": 1, "b4": 5}))  # b incomplete: not in b's alpha
    rep = report(people)
    assert rep["alpha"]["b"] == pytest.approx(independent_alpha(complete_b), rel=1e-12)
    assert rep["alpha"]["c"] == pytest.approx(independent_alpha([[1, 2], [3, 3], [5, 4], [2, 2]]), rel=1e-12)
    assert rep["alpha"]["a"] is None  # no respondent answered all of a's items
    one = report([person("U", "d", everything(3))] + [person("U", "d", {"c1": 2})] * 2)
    assert one["alpha"]["a"] is None  # a single complete respondent
    same = report([person("U", "d", everything(3))] * 3)
    assert same["alpha"]["a"] is None  # every total the same: alpha is undefined


def test_a_suppressed_respondents_answers_change_no_shown_groups_figure() -> None:
    base = ([person("North", "doctor", {**everything(2), "a1": n % 5 + 1}) for n in range(4)]
            + [person("South", "manager", {**everything(4), "b2": n % 5 + 1}) for n in range(5)]
            + [person("West", "nurse", everything(3)) for _ in range(3)]
            + [person("Tiny", "doctor", everything(1))] * 2)
    changed = [*base[:-1], person("Tiny", "doctor", {**everything(5), "c1": 1})]
    before, after = report(base), report(changed)
    assert groups(before)["Tiny"]["shown"] is False
    shown = [k for k, g in groups(before).items() if g["shown"]]
    # Doctors (6) − North (4) would be Tiny (2): hiding West (3) or the nurses (3) would not end that, North does.
    assert shown == ["South", "West"]
    assert {k: groups(after)[k] for k in shown} == {k: groups(before)[k] for k in shown}
    assert after["overall"] != before["overall"]  # the organisation does count them


def test_answers_are_checked_against_the_rubric() -> None:
    assert answer_issues(RUBRIC, {"a1": 5, "b1": 1}) == []
    assert answer_issues(RUBRIC, {"a1": 6, "a2": 0, "a3": None, "zz": 3}) == [
        ("/answers/a1", "must be between 1 and 5"), ("/answers/a2", "must be between 1 and 5"),
        ("/answers/a3", "must be answered or left out: this scale has no 'Not applicable'"),
        ("/answers/zz", "is not an item of this survey's rubric")]


def scored(survey_id: str, respondents: list[Respondent]) -> Scored:
    return released(Survey(survey_id, survey_id, "t", SURVEY.rubric_pin), RUBRIC, PLAN, tally(PLAN, respondents))


def test_a_trend_is_later_minus_earlier_for_groups_shown_in_both() -> None:
    earlier = scored("e", [person("North", "doctor", everything(2))] * 3 + [person("South", "doctor",
                                                                                   everything(4))] * 3
                     + [person("East", "doctor", everything(3))] * 3)
    later = scored("l", [person("North", "doctor", everything(3))] * 3 + [person("South", "doctor",
                                                                                 everything(4))] * 3
                   + [person("East", "doctor", everything(3))] * 2 + [person("West", "doctor", everything(3))] * 3)
    trend = compare(later, earlier, "unit")
    # Later, East (2) is suppressed and so is the next smallest: North or West (3 each), by key North.
    assert [g["key"] for g in trend["groups"]] == ["South"]
    assert trend["not_compared"] == ["East", "North", "West"]
    south = trend["groups"][0]["subscales"]["c"]
    assert south == {"earlier": 4, "later": 4, "change": 0, "change_100": 0, "direction": "same"}
    # The organisation: c was (3×2 + 3×4 + 3×3)/9 = 3 and is (3×3 + 3×4 + 2×3 + 3×3)/11 = 36/11.
    c = trend["overall"]["subscales"]["c"]
    assert c["change"] == pytest.approx(float(Fraction(36, 11) - 3), rel=1e-12) and c["direction"] == "up"
    assert c["change_100"] == pytest.approx(float(25 * (Fraction(36, 11) - 3)), rel=1e-12)
