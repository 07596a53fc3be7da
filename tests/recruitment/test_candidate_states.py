"""The states a web process keeps of the candidates it wrote: bounded, the next revision with the card replaced."""

from __future__ import annotations

import uuid
from fractions import Fraction

from service.recruitment.candidate_states import CandidateState, StateCache
from service.recruitment.changes import ScorecardPut
from service.recruitment.domain.model import Scorecard
from service.recruitment.domain.results import Result

ORG, CAMPAIGN = uuid.uuid4(), uuid.uuid4()


def state(ref: str, cards: list[Scorecard] | None = None) -> CandidateState:
    return CandidateState({"id": CAMPAIGN, "status": "open"}, uuid.uuid4(), ref, {}, 7, cards or [], {}, None, None)


def result(ref: str, status: str) -> Result:
    return Result(ref, status, None, Fraction(10), None, 0, 0, None, None, (), ())


def test_the_least_recently_used_state_goes_first() -> None:
    cache = StateCache(size=2)
    for ref in ("A", "B"):
        cache.put((ORG, CAMPAIGN, ref), state(ref))
    assert cache.get((ORG, CAMPAIGN, "A")) is not None  # A is now the most recently used
    cache.put((ORG, CAMPAIGN, "C"), state("C"))
    assert cache.get((ORG, CAMPAIGN, "B")) is None
    assert [cache.get((ORG, CAMPAIGN, r)).candidate_ref for r in ("A", "C")] == ["A", "C"]


def test_a_scorecard_write_leaves_the_next_revision_with_the_card_replaced() -> None:
    cache, key = StateCache(), (ORG, CAMPAIGN, "A")
    before = state("A", [Scorecard("s1", "p1", {"c": 2}), Scorecard("s1", "p2", {"c": 3})])
    card = ScorecardPut("s1", "p1", {"marks": {"c": 5}})
    result_json = {"candidate_ref": "A", "stations": []}
    cache.after_write(key, before, card.scoring_input(before), result("A", "complete"), result_json, "d" * 64)
    after = cache.get(key)
    assert after.revision == before.revision + 1
    assert sorted((c.panellist_ref, c.marks["c"]) for c in after.scorecards) == [("p1", 5), ("p2", 3)]
    assert (after.result_status, after.digest) == ("complete", "d" * 64)
    assert after.result == result("A", "complete")  # for the next change to take its other stations from
    assert after.result_json is result_json
    assert before.revision == 7 and len(before.scorecards) == 2  # the state before is left as it was
