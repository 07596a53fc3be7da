"""The states a web process keeps of the candidates it wrote: bounded, and kept only for scorecard writes."""

from __future__ import annotations

import uuid
from fractions import Fraction

from service.recruitment.changes import Change, Kept, Loaded, ModerationPost, ScorecardPut
from service.recruitment.domain.scoring import Result, Scorecard
from service.recruitment.usecases import Saved, StateCache

ORG, CAMPAIGN = uuid.uuid4(), uuid.uuid4()


def loaded(ref: str, cards: list[Scorecard] | None = None) -> Loaded:
    return Loaded({"id": CAMPAIGN, "status": "open"}, uuid.uuid4(), ref, {}, 7, cards or [], {}, None, None)


def saved(state: Loaded, change: Change, status: str = "incomplete") -> Saved:
    result = Result(state.candidate_ref, status, None, Fraction(10), None, 0, 0, None, None, (), ())
    return Saved(state, change.scoring_input(state), Kept(result, {"status": status}, ()), "d" * 64)


def test_the_least_recently_used_state_goes_first() -> None:
    cache = StateCache(size=2)
    for ref in ("A", "B"):
        cache.put((ORG, CAMPAIGN, ref), loaded(ref))
    assert cache.get((ORG, CAMPAIGN, "A")) is not None  # A is now the most recently used
    cache.put((ORG, CAMPAIGN, "C"), loaded("C"))
    assert cache.get((ORG, CAMPAIGN, "B")) is None
    assert [cache.get((ORG, CAMPAIGN, r)).candidate_ref for r in ("A", "C")] == ["A", "C"]


def test_a_scorecard_write_leaves_the_next_revision_with_the_card_replaced() -> None:
    cache, key = StateCache(), (ORG, CAMPAIGN, "A")
    before = loaded("A", [Scorecard("s1", "p1", {"c": 2}), Scorecard("s1", "p2", {"c": 3})])
    card = ScorecardPut("s1", "p1", {"marks": {"c": 5}})
    cache.after(key, card, saved(before, card, "complete"))
    after = cache.get(key)
    assert after.revision == before.revision + 1
    assert sorted((c.panellist_ref, c.marks["c"]) for c in after.scorecards) == [("p1", 5), ("p2", 3)]
    assert (after.result_status, after.digest) == ("complete", "d" * 64)
    # the result scored for it, and its JSON, for the next change to take its other stations from
    assert after.kept.result.status == "complete" and after.kept.rendered == {"status": "complete"}


def test_a_moderation_write_forgets_the_state() -> None:
    cache, key = StateCache(), (ORG, CAMPAIGN, "A")
    cache.put(key, loaded("A"))
    body = {"station_id": "s1", "criterion_id": "c", "mark": 3, "reason": "agreed", "moderator_ref": "chair"}
    moderation = ModerationPost(body)
    cache.after(key, moderation, saved(loaded("A"), moderation))
    assert cache.get(key) is None


def test_the_station_texts_kept_with_a_state_take_their_own_size() -> None:
    """Each encoded text would otherwise hold the 4 KB buffer the encoder wrote it in, for as long as the
    state is kept (a thousand states of six stations: 24 MB instead of 4)."""
    import tracemalloc

    from service.recruitment.usecases import result_text
    station = {"station_id": "s1", "score": 12.5, "criteria": [{"criterion_id": f"c{i}", "marks": {"p1": 3, "p2": 4},
                                                                "aggregate": 3.5, "flagged": False} for i in range(4)]}
    rendered = {"candidate_ref": "A", "reasons": [], "stations": [station], "rubric": {"id": "r"}}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [result_text({**rendered, "stations": [dict(station)]})[1] for _ in range(200)]
        per_text = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    size = len(kept[0][0])
    assert 300 < size < 600
    assert per_text < size + 400, per_text  # the text, its object and the tuple holding it
