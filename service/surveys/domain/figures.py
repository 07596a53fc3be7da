"""Figures of a set of respondents (the organisation, a unit, a staff group) and Cronbach's alpha.

A figure of a measure (a sub-scale, a meta-scale or the index) is the mean of the scores of the
respondents who have that score, `n` of them, on the scale and on 0-100 (100 × (mean − min)/(max − min))
with the band that 0-100 value falls in. Sums are kept in integers (scores × the plan's denominator)
and each mean is one exact Fraction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from operator import add, mul
from typing import Any

from service.numbers import json_number
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.scoring import Scaled


@dataclass(frozen=True, slots=True)
class Tally:
    """The respondents of one group: how many, and per measure the sum of their scores (× D) and how many have it."""

    respondents: int
    sums: tuple[int, ...]
    counts: tuple[int, ...]

    @classmethod
    def of(cls, scores: Sequence[tuple[Scaled, ...]], measures: int) -> Tally:
        """The tally of these respondents' scores: one tuple each, in the order of the plan's measures."""
        if not scores:
            return cls(0, (0,) * measures, (0,) * measures)
        present = [[s for s in column if s is not None] for column in zip(*scores, strict=True)]
        return cls(len(scores), tuple(map(sum, present)), tuple(map(len, present)))

    def __add__(self, other: Tally) -> Tally:
        """The tally of both groups' respondents together."""
        return Tally(self.respondents + other.respondents, tuple(map(add, self.sums, other.sums)),
                     tuple(map(add, self.counts, other.counts)))

    def mean(self, measure: int, denominator: int) -> Fraction | None:
        count = self.counts[measure]
        return Fraction(self.sums[measure], denominator * count) if count else None


def figure_json(rubric: SurveyRubric, mean: Fraction | None, n: int) -> dict[str, Any]:
    """{mean, score_100, band, n}; mean, score_100 and band are null when no respondent has the score."""
    if mean is None:
        return {"mean": None, "score_100": None, "band": None, "n": n}
    score = rubric.to_100(mean)
    return {"mean": json_number(mean), "score_100": json_number(score), "band": rubric.band(score), "n": n}


@dataclass(frozen=True, slots=True)
class ItemSums:
    """Cronbach's alpha's sums over the respondents who answered every item of one sub-scale."""

    items: int
    n: int
    item_sums: tuple[int, ...]
    item_squares: tuple[int, ...]
    total_sum: int
    total_squares: int

    @classmethod
    def of(cls, rows: Sequence[tuple[int, ...]], items: int) -> ItemSums:
        """The sums of these respondents' recoded answers to every item of the sub-scale (one tuple each)."""
        columns = list(zip(*rows, strict=True)) or [()] * items
        totals = list(map(sum, rows))
        return cls(items, len(rows), tuple(map(sum, columns)), tuple(sum(map(mul, c, c)) for c in columns),
                   sum(totals), sum(map(mul, totals, totals)))

    def alpha(self) -> Fraction | None:
        """Cronbach's alpha, α = k/(k−1) × (1 − Σ s²ᵢ / s²ₜ), where k is the number of items, s²ᵢ the sample
        variance of item i and s²ₜ that of the respondents' totals over the k items. None with fewer than 2
        respondents, or when every total is the same (s²ₜ = 0: alpha is undefined). It can be negative.
        n(n−1)·s² = nΣx² − (Σx)², and the factor n(n−1) cancels in the ratio."""
        if self.n < 2:
            return None
        total_var = self.n * self.total_squares - self.total_sum ** 2
        if total_var == 0:
            return None
        item_var = sum(self.n * sq - s * s for s, sq in zip(self.item_sums, self.item_squares, strict=True))
        k = self.items
        return Fraction(k, k - 1) * (1 - Fraction(item_var, total_var))
