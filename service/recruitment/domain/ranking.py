"""Ranking: appointable, complete candidates by composite, tie-break stations, shared ranks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

UNRANKED_ORDER = {"complete": 0, "needs_moderation": 1, "incomplete": 2}


@dataclass(frozen=True, slots=True)
class Standing:
    """What ranking needs of a candidate's result (exact values)."""

    candidate_ref: str
    status: str
    appointable: bool | None
    composite: Fraction | None
    tie_scores: tuple[Fraction | None, ...]  # station scores of the rubric's tie_break stations, in order
    row: Any = None  # whatever the caller wants carried through (e.g. the rendered result)

    @property
    def rankable(self) -> bool:
        return self.status == "complete" and self.appointable is True and self.composite is not None


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int | None
    standing: Standing


def _key(s: Standing) -> tuple[Fraction, ...]:
    return (s.composite, *(t if t is not None else Fraction(-1) for t in s.tie_scores))  # type: ignore[misc]


def rank(standings: Sequence[Standing]) -> list[Ranked]:
    """Ranked candidates first (competition ranking: 1, 2, 2, 4), then the others, unranked."""
    ranked = sorted((s for s in standings if s.rankable), key=lambda s: (tuple(-x for x in _key(s)), s.candidate_ref))
    out: list[Ranked] = []
    for position, standing in enumerate(ranked, start=1):
        if out and _key(out[-1].standing) == _key(standing):
            out.append(Ranked(out[-1].rank, standing))
        else:
            out.append(Ranked(position, standing))
    others = sorted((s for s in standings if not s.rankable),
                    key=lambda s: (UNRANKED_ORDER.get(s.status, 3),
                                   -(s.composite if s.composite is not None else Fraction(-1)), s.candidate_ref))
    return out + [Ranked(None, s) for s in others]
