"""Ranking: composite first, tie-break stations in order, competition ranks, unranked last."""

from __future__ import annotations

from fractions import Fraction as F

from service.recruitment.domain.ranking import Standing, rank


def standing(ref: str, composite: float | None, ties: tuple[float, ...] = (), status: str = "complete",
             appointable: bool | None = True) -> Standing:
    return Standing(ref, status, appointable, None if composite is None else F(str(composite)),
                    tuple(F(str(t)) for t in ties))


def ranks(standings: list[Standing]) -> list[tuple[int | None, str]]:
    return [(r.rank, r.standing.candidate_ref) for r in rank(standings)]


def test_higher_composite_ranks_first() -> None:
    assert ranks([standing("a", 70), standing("b", 80)]) == [(1, "b"), (2, "a")]


def test_tie_broken_by_the_first_tie_break_station() -> None:
    assert ranks([standing("a", 75, (10, 20)), standing("b", 75, (12, 1))]) == [(1, "b"), (2, "a")]


def test_tie_broken_by_the_second_tie_break_station() -> None:
    assert ranks([standing("a", 75, (10, 20)), standing("b", 75, (10, 21))]) == [(1, "b"), (2, "a")]


def test_tie_surviving_all_tie_breaks_shares_the_rank_and_skips_the_next() -> None:
    result = ranks([standing("d", 60, (5, 5)), standing("b", 75, (10, 20)), standing("c", 75, (10, 20)),
                    standing("a", 90, (1, 1))])
    assert result == [(1, "a"), (2, "b"), (2, "c"), (4, "d")]


def test_exact_values_make_equal_scores_equal() -> None:
    third = Standing("x", "complete", True, F(1, 3) * 3 * 25, ())
    quarter = Standing("y", "complete", True, F(25), ())
    assert ranks([third, quarter]) == [(1, "x"), (1, "y")]


def test_incomplete_unmoderated_and_unappointable_candidates_are_unranked_and_last() -> None:
    result = ranks([
        standing("inc", None, status="incomplete", appointable=None),
        standing("mod", 95, status="needs_moderation", appointable=None),
        standing("no", 99, appointable=False),
        standing("yes", 50),
    ])
    assert result == [(1, "yes"), (None, "no"), (None, "mod"), (None, "inc")]
