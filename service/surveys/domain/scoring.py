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
from dataclasses import dataclass

from service.surveys.domain.model import SurveyRubric

Scaled = int | None  # a score × Plan.denominator, or None where the respondent has none


@dataclass(frozen=True)
class Plan:
    """What scoring one respondent needs, worked out once per rubric version."""

    denominator: int
    measures: tuple[str, ...]  # "subscale:<id>" …, "metascale:<id>" …, "index": the order of a score tuple
    item_subscale: tuple[int, ...]  # per stored answer: the index of its sub-scale
    item_flip: tuple[int, ...]  # per stored answer: min + max for a reverse-keyed item, 0 otherwise
    subscale_items: tuple[int, ...]  # per sub-scale: its number of items
    subscale_positions: tuple[tuple[int, ...], ...]  # per sub-scale: the positions of its items' answers
    per_answer: tuple[dict[int, int], ...]  # per sub-scale: answers counted -> D // that count (enough only)
    metascale_subscales: tuple[tuple[int, ...], ...]  # per meta-scale: its sub-scales' indexes

    @classmethod
    def of(cls, rubric: SurveyRubric) -> Plan:
        subscale_index = {s.id: n for n, s in enumerate(rubric.subscales)}
        sizes = Counter(i.subscale for i in rubric.items)
        subscale_items = tuple(sizes[s.id] for s in rubric.subscales)
        counts = {c for size in subscale_items for c in range(math.ceil(size / 2), size + 1)}
        members = tuple(tuple(n for n, s in enumerate(rubric.subscales) if s.metascale == m.id)
                        for m in rubric.metascales)
        most_members = max(len(m) for m in members)
        denominator = (math.lcm(*counts) * math.lcm(*range(1, most_members + 1))
                       * math.lcm(*range(1, len(members) + 1)))
        flip = rubric.scale_min + rubric.scale_max
        return cls(
            denominator=denominator,
            measures=(*(f"subscale:{s.id}" for s in rubric.subscales),
                      *(f"metascale:{m.id}" for m in rubric.metascales), "index"),
            item_subscale=tuple(subscale_index[i.subscale] for i in rubric.items),
            item_flip=tuple(flip if i.reverse else 0 for i in rubric.items),
            subscale_items=subscale_items,
            subscale_positions=tuple(tuple(n for n, i in enumerate(rubric.items) if i.subscale == s.id)
                                     for s in rubric.subscales),
            per_answer=tuple({c: denominator // c for c in range(math.ceil(size / 2), size + 1)}
                             for size in subscale_items),
            metascale_subscales=members)

    def recoded(self, stored: list[int | None]) -> list[int | None]:
        """The answers with reverse-keyed items recoded (min + max − x), None where not answered."""
        return [None if v is None else (f - v if f else v) for v, f in zip(stored, self.item_flip, strict=True)]

    def scores(self, recoded: list[int | None]) -> tuple[Scaled, ...]:
        """The respondent's scores × D from their recoded answers, in the order of `measures`: sub-scales,
        meta-scales, the index."""
        n_sub = len(self.subscale_items)
        sums, answered = [0] * n_sub, [0] * n_sub
        for value, sub in zip(recoded, self.item_subscale, strict=True):
            if value is not None:
                sums[sub] += value
                answered[sub] += 1
        subscales: list[Scaled] = []
        for total, count, per in zip(sums, answered, self.per_answer, strict=True):
            multiplier = per.get(count)  # absent below half the items
            subscales.append(total * multiplier if multiplier else None)
        metascales: list[Scaled] = []
        for members in self.metascale_subscales:
            present = [subscales[n] for n in members if subscales[n] is not None]
            # D is a multiple of lcm(1..m) times every count, so each division below is exact.
            metascales.append(sum(present) // len(present) if present else None)
        present = [m for m in metascales if m is not None]
        index = sum(present) // len(present) if present else None
        return (*subscales, *metascales, index)
