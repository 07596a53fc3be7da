"""A respondent's engagement scores, by the rules in this order:

1. reverse-keyed items are recoded first: x becomes min + max − x;
2. a sub-scale score is the mean of the respondent's answered items of that sub-scale, and exists only when
   they answered at least half of its items (answered ≥ n/2: 2 of 4, 3 of 5);
3. a meta-scale score is the mean of the respondent's sub-scale scores of that meta-scale that exist
   (none: no meta-scale score);
4. the engagement index is the mean of the respondent's meta-scale scores that exist (none: no index).

Every score is exact. A Plan chooses one denominator D for a rubric such that every score any respondent
can have is a whole number of 1/D: D = lcm of every count of answers a sub-scale score can be a mean of ×
lcm(1 … the most sub-scales of one meta-scale) × lcm(1 … the number of meta-scales). A score is then kept
as the integer score × D, so sums over thousands of respondents stay integers and a mean is made into a
Fraction once (figures.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from service.surveys.domain.model import SurveyRubric

Scaled = int | None  # a score × Plan.denominator, or None where the respondent has none


@dataclass(frozen=True, slots=True)
class Subscale:
    """One sub-scale's part of a plan: where its items' answers are, which are reverse-keyed, and the factor a
    sum of answers is multiplied by to make a mean × D, for each count of answers that is enough."""

    positions: tuple[int, ...]  # the positions of its items' answers in a stored answer list
    flips: tuple[int, ...]  # per item: min + max for a reverse-keyed item, 0 otherwise
    per_answer: dict[int, int]  # answers counted -> D // that count; absent below half the items

    # pick(stored answers) -> this sub-scale's answers as given (not recoded), None where not answered
    pick: Callable[[Sequence[int | None]], tuple[int | None, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        positions = self.positions
        object.__setattr__(self, "pick", itemgetter(*positions) if len(positions) > 1
                           else lambda stored: (stored[positions[0]],))

    def score(self, given: tuple[int | None, ...]) -> tuple[Scaled, tuple[int, ...] | None]:
        """Rules 1 and 2: the sub-scale score × D from its answers as given, and the recoded answers when every
        item was answered (what Cronbach's alpha is computed from), else None."""
        recoded = [None if v is None else (f - v if f else v) for v, f in zip(given, self.flips, strict=True)]
        answered = [v for v in recoded if v is not None]
        multiplier = self.per_answer.get(len(answered))
        score = sum(answered) * multiplier if multiplier else None
        return score, tuple(answered) if len(answered) == len(recoded) else None


@dataclass(frozen=True)
class Plan:
    """What scoring one respondent needs, worked out once per rubric version."""

    denominator: int
    measures: tuple[str, ...]  # "subscale:<id>" …, "metascale:<id>" …, "index": the order of a score tuple
    subscales: tuple[Subscale, ...]
    metascale_subscales: tuple[tuple[int, ...], ...]  # per meta-scale: its sub-scales' indexes

    @classmethod
    def of(cls, rubric: SurveyRubric) -> Plan:
        sizes = Counter(i.subscale for i in rubric.items)
        counts = {c for size in sizes.values() for c in range(math.ceil(size / 2), size + 1)}
        members = tuple(tuple(n for n, s in enumerate(rubric.subscales) if s.metascale == m.id)
                        for m in rubric.metascales)
        most_members = max(len(m) for m in members)
        denominator = (math.lcm(*counts) * math.lcm(*range(1, most_members + 1))
                       * math.lcm(*range(1, len(members) + 1)))
        flip = rubric.scale_min + rubric.scale_max
        subscales = []
        for s in rubric.subscales:
            items = [(n, i) for n, i in enumerate(rubric.items) if i.subscale == s.id]
            size = len(items)
            subscales.append(Subscale(
                positions=tuple(n for n, _ in items), flips=tuple(flip if i.reverse else 0 for _, i in items),
                per_answer={c: denominator // c for c in range(math.ceil(size / 2), size + 1)}))
        return cls(
            denominator=denominator,
            measures=(*(f"subscale:{s.id}" for s in rubric.subscales),
                      *(f"metascale:{m.id}" for m in rubric.metascales), "index"),
            subscales=tuple(subscales), metascale_subscales=members)

    def scores(self, stored: Sequence[int | None]) -> tuple[Scaled, ...]:
        """A respondent's scores × D from their stored answers, in the order of `measures`."""
        return self.combined([sub.score(sub.pick(stored))[0] for sub in self.subscales])

    def combined(self, subscales: list[Scaled]) -> tuple[Scaled, ...]:
        """Rules 3 and 4: from a respondent's sub-scale scores × D, all their scores in the order of `measures`:
        sub-scales, meta-scales, the index."""
        metascales: list[Scaled] = []
        for members in self.metascale_subscales:
            present = [subscales[n] for n in members if subscales[n] is not None]
            # D is a multiple of lcm(1..m) times every count, so each division below is exact.
            metascales.append(sum(present) // len(present) if present else None)  # type: ignore[arg-type]
        present = [m for m in metascales if m is not None]
        index = sum(present) // len(present) if present else None  # type: ignore[arg-type]
        return (*subscales, *metascales, index)
