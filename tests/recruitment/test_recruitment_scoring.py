"""Recruitment scoring rules on hand-computed examples."""

from __future__ import annotations

from fractions import Fraction as F
from typing import Any

import pytest

from service.numbers import round4
from service.recruitment.domain.model import CandidateInput, Moderation, PanelRubric, Scorecard
from service.recruitment.domain.render import render
from service.recruitment.domain.scoring import aggregate, score_candidate


def rubric(**overrides: Any) -> PanelRubric:
    """Two stations: A (criteria a1 weight 1, a2 weight 2), B (b1 weight 1.5); 2 panellists each; scale 1-5."""
    doc: dict[str, Any] = {
        "scale": {"min": 1, "max": 5},
        "criteria": [{"id": "a1", "weight": 1}, {"id": "a2", "weight": 2}, {"id": "b1", "weight": 1.5}],
        "stations": [{"id": "A", "criteria": ["a1", "a2"], "panellists": 2},
                     {"id": "B", "criteria": ["b1"], "panellists": 2}],
        "aggregation": "mean", "disagreement_threshold": 2, "appointability": [], "tie_break": [], "components": [],
    }
    doc.update(overrides)
    return PanelRubric.from_document(doc)


def cards(**marks: tuple[int, int, int, int]) -> list[Scorecard]:
    """marks: panellist -> (a1, a2, b1); panellists p1, p2 mark both stations."""
    out = []
    for panellist, (a1, a2, b1, *_rest) in marks.items():
        out.append(Scorecard("A", panellist, {"a1": a1, "a2": a2}))
        out.append(Scorecard("B", panellist, {"b1": b1}))
    return out


def test_mean_and_weighted_station_scores_and_percent() -> None:
    result = score_candidate(rubric(), CandidateInput("c1", cards(p1=(4, 3, 5, 0), p2=(3, 3, 4, 0))))
    a, b = result.stations
    assert a.criteria[0].aggregate == F(7, 2)
    assert a.score == F(7, 2) * 1 + F(3) * 2 == F(19, 2)
    assert a.max == 15 and b.max == F(15, 2)
    assert b.score == F(3, 2) * F(9, 2) == F(27, 4)
    assert result.score == F(19, 2) + F(27, 4) == F(65, 4)
    assert result.max_score == F(45, 2)
    assert result.percent == 100 * F(65, 4) / F(45, 2)  # 72.2222…
    assert round4(result.percent) == 72.2222
    assert (result.raw_total, result.raw_max) == (4 + 3 + 5 + 3 + 3 + 4, 6 * 5)
    assert result.status == "complete"
    assert result.composite == result.percent


def test_median_with_an_even_number_of_panellists_is_the_middle_mean() -> None:
    assert aggregate([2, 5, 3, 4], "median") == F(7, 2)
    assert aggregate([1, 2], "median") == F(3, 2)
    assert aggregate([4, 1, 5], "median") == 4


def test_flag_exactly_at_the_threshold_and_just_below() -> None:
    at = score_candidate(rubric(), CandidateInput("c", cards(p1=(2, 3, 3, 0), p2=(4, 3, 3, 0))))
    assert at.stations[0].criteria[0].flagged is True
    assert at.status == "needs_moderation"
    assert at.appointable is None
    assert [r.code for r in at.reasons] == ["needs_moderation"]
    below = score_candidate(rubric(), CandidateInput("c", cards(p1=(3, 3, 3, 0), p2=(4, 3, 3, 0))))
    assert below.stations[0].criteria[0].flagged is False
    assert below.status == "complete"


def test_moderation_clears_the_flag_and_replaces_the_aggregate() -> None:
    data = CandidateInput("c", cards(p1=(2, 3, 3, 0), p2=(4, 3, 3, 0)), [Moderation("A", "a1", F(4))])
    result = score_candidate(rubric(), data)
    a1 = result.stations[0].criteria[0]
    assert (a1.flagged, a1.moderated, a1.aggregate) == (False, True, 4)
    assert a1.marks == {"p1": 2, "p2": 4}
    assert result.status == "complete"
    assert result.raw_total == 2 + 3 + 3 + 4 + 3 + 3  # raw marks, not the moderated value


def test_incomplete_while_a_station_lacks_scorecards_or_a_component_is_missing() -> None:
    one = [c for c in cards(p1=(3, 3, 3, 0), p2=(3, 3, 3, 0)) if not (c.station_id == "B" and c.panellist_ref == "p2")]
    result = score_candidate(rubric(), CandidateInput("c", one))
    assert result.status == "incomplete"
    assert result.appointable is None
    assert [r.code for r in result.reasons] == ["missing_scorecards"]
    assert result.score is not None  # every criterion has a mark, so the score is known, but it is incomplete
    with_component = rubric(components=[{"id": "application", "weight": 0.2}])
    missing = score_candidate(with_component, CandidateInput("c", cards(p1=(3, 3, 3, 0), p2=(3, 3, 3, 0))))
    assert missing.status == "incomplete"
    assert [r.code for r in missing.reasons] == ["missing_component"]
    assert missing.composite is None


def test_composite_weights_components_exactly() -> None:
    r = rubric(components=[{"id": "application", "weight": 0.2}, {"id": "portfolio", "weight": 0.1}])
    data = CandidateInput("c", cards(p1=(5, 5, 5, 0), p2=(5, 5, 5, 0)), components={"application": 78.5,
                                                                                      "portfolio": 60})
    result = score_candidate(r, data)
    assert result.percent == 100
    assert result.composite == F(7, 10) * 100 + F(1, 5) * F(785, 10) + F(1, 10) * 60 == F(917, 10)
    assert render(result, {"id": "x", "version": 1, "hash": "h"})["composite"] == 91.7


RULE_CASES = [
    # (rule, marks p1, marks p2, fails?) ; marks are (a1, a2, b1)
    ({"no_mark_at_or_below": 1}, (1, 4, 4), (2, 4, 4), True),
    ({"no_mark_at_or_below": 1}, (2, 4, 4), (2, 4, 4), False),
    ({"max_marks_at_or_below": {"value": 2, "count": 2}}, (2, 2, 4), (3, 2, 4), True),
    ({"max_marks_at_or_below": {"value": 2, "count": 2}}, (2, 3, 4), (3, 2, 4), False),  # exactly two 2s
    ({"min_raw_total": 24}, (4, 4, 3), (4, 4, 4), True),   # 23
    ({"min_raw_total": 23}, (4, 4, 3), (4, 4, 4), False),
    ({"min_raw_percent": 60}, (3, 3, 3), (3, 3, 2), True),  # 17 of 30 = 56.7 %
    ({"min_raw_percent": 60}, (3, 3, 3), (3, 3, 3), False),  # 18 of 30 = 60 % exactly
    ({"min_percent": 75}, (4, 4, 3), (4, 3, 4), True),
    ({"min_percent": 60}, (3, 3, 3), (3, 3, 3), False),  # exactly 60 %
    ({"no_aggregate_at_or_below": 2}, (2, 4, 4), (2, 4, 4), True),  # a1 aggregate exactly 2
    ({"no_aggregate_at_or_below": 2}, (3, 4, 4), (2, 4, 4), False),  # a1 aggregate 2.5
]


@pytest.mark.parametrize(("rule", "p1", "p2", "fails"), RULE_CASES)
def test_each_appointability_rule_alone(rule: dict[str, Any], p1: tuple[int, ...], p2: tuple[int, ...],
                                        fails: bool) -> None:
    result = score_candidate(rubric(appointability=[rule]), CandidateInput("c", cards(p1=(*p1, 0), p2=(*p2, 0))))
    assert result.status == "complete"
    assert result.appointable is (not fails)
    codes = [r.code for r in result.reasons]
    assert codes == ([next(iter(rule))] if fails else [])


def test_every_failed_rule_is_listed() -> None:
    rules = [{"no_mark_at_or_below": 1}, {"max_marks_at_or_below": {"value": 2, "count": 0}}, {"min_percent": 90}]
    result = score_candidate(rubric(appointability=rules), CandidateInput("c", cards(p1=(1, 3, 3, 0),
                                                                                     p2=(2, 3, 3, 0))))
    assert [r.code for r in result.reasons] == ["no_mark_at_or_below", "max_marks_at_or_below", "min_percent"]
    assert result.appointable is False


def test_rendered_result_explains_itself() -> None:
    result = score_candidate(rubric(), CandidateInput("c9", cards(p1=(4, 3, 5, 0), p2=(3, 3, 4, 0))))
    doc = render(result, {"id": "r", "version": 2, "hash": "sha256:x"})
    assert doc["stations"][0]["criteria"][0] == {"criterion_id": "a1", "weight": 1, "marks": {"p1": 4, "p2": 3},
                                                 "aggregate": 3.5, "flagged": False, "moderated": False,
                                                 "moderation": None}
    assert doc["stations"][1]["criteria"][0]["weight"] == 1.5
    assert doc["score"] == 16.25 and doc["max_score"] == 22.5
    assert doc["percent"] == 72.2222
    assert doc["rubric"] == {"id": "r", "version": 2, "hash": "sha256:x"}


def test_half_up_rounding_to_four_places() -> None:
    assert round4(F(123456785, 1000000)) == 123.4568
    assert round4(F(2, 3)) == 0.6667
