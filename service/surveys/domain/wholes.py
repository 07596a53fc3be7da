"""What a reader can compute from a whole score beside its parts (pure): a meta-scale figure beside its
sub-scales' figures, the index beside the meta-scales'.

Each respondent's meta-scale score is the mean of the sub-scale scores they have (the index likewise of
meta-scales), so the two are tied person by person, and a combination of a whole's figure and its parts'
figures can cancel some respondents out and rest on the others alone. For a respondent who has the parts
q, the combination `whole − Σ b_s · part_s` is `Σ_{s in q} (1/|q| − b_s) · s`: it cancels them exactly
when b_s = 1/|q| for every s in q. Only the values 1/d (d = 1 … the number of parts) can cancel anyone, so
every distinct combination is one choice of b_s in {0, 1, 1/2, …} per part; it needs the whole's figure and
the figures of the parts with b_s ≠ 0, and rests on the respondents who have the whole and are not
cancelled. (Combinations of parts alone need nothing here: different parts are different numbers of a
person, and each part's figures are weighed on their own.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from itertools import product

from service.surveys.domain.scoring import Plan

Signature = tuple[bool, ...]  # which of the plan's measures a respondent has a score of


@dataclass(frozen=True)
class Combination:
    """One combination of a whole's figure with some of its parts' figures."""

    whole: str
    parts: tuple[str, ...]  # the parts it needs released beside the whole
    rests_on: Callable[[Signature], bool]  # whether a respondent with these scores is in it

    def weights(self, patterns: Mapping[tuple[str, str], Counter[Signature]]) -> dict[tuple[str, str], int]:
        """Per cell, the respondents it rests on."""
        return {cell: sum(n for signature, n in counted.items() if self.rests_on(signature))
                for cell, counted in patterns.items()}


def combinations(plan: Plan) -> list[Combination]:
    """Every distinct combination of each meta-scale with its sub-scales, and of the index with the
    meta-scales, that cancels someone."""
    return list(_combinations(plan.measures, plan.metascale_subscales))


@cache
def _combinations(measures: tuple[str, ...], metascale_subscales: tuple[tuple[int, ...], ...]
                  ) -> tuple[Combination, ...]:
    subscales = [n for n, m in enumerate(measures) if m.startswith("subscale:")]
    metascales = [n for n, m in enumerate(measures) if m.startswith("metascale:")]
    wholes = [(metascales[k], [subscales[i] for i in members]) for k, members in enumerate(metascale_subscales)]
    wholes.append((measures.index("index"), metascales))
    out = []
    for whole, parts in wholes:
        values = [Fraction(0)] + [Fraction(1, d) for d in range(1, len(parts) + 1)]
        for b in product(values, repeat=len(parts)):
            if not any(b):
                continue
            out.append(Combination(measures[whole], tuple(measures[p] for p, v in zip(parts, b, strict=True) if v),
                                   _rests_on(whole, tuple(parts), b)))
    return tuple(out)


def _rests_on(whole: int, parts: tuple[int, ...], b: tuple[Fraction, ...]) -> Callable[[Signature], bool]:
    @cache  # respondents have few distinct signatures
    def rests_on(signature: Signature) -> bool:
        if not signature[whole]:
            return False
        have = [v for p, v in zip(parts, b, strict=True) if signature[p]]
        return not all(v == Fraction(1, len(have)) for v in have)
    return rests_on
