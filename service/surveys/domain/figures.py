"""Figures of a set of respondents (the organisation, a unit, a staff group) and Cronbach's alpha.

A figure of a measure (a sub-scale, a meta-scale or the index) is the mean of the scores of the
respondents who have that score, `n` of them, on the scale and on 0-100 (100 × (mean − min)/(max − min))
with the band that 0-100 value falls in. Sums are kept in integers (scores × the plan's denominator)
and each mean is one exact Fraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from service.numbers import json_number
from service.surveys.domain.model import SurveyRubric
from service.surveys.domain.scoring import Scaled


@dataclass
class Tally:
    """The respondents of one group: how many, and per measure the sum of their scores (× D) and how many have it."""

    measures: int
    respondents: int = 0
    sums: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sums = self.sums or [0] * self.measures
        self.counts = self.counts or [0] * self.measures

    def add(self, scores: tuple[Scaled, ...]) -> None:
        self.respondents += 1
        sums, counts = self.sums, self.counts
        for n, score in enumerate(scores):
            if score is not None:
                sums[n] += score
                counts[n] += 1

    def mean(self, measure: int, denominator: int) -> Fraction | None:
        count = self.counts[measure]
        return Fraction(self.sums[measure], denominator * count) if count else None


def figure_json(rubric: SurveyRubric, mean: Fraction | None, n: int) -> dict[str, Any]:
    """{mean, score_100, band, n}; mean, score_100 and band are null when no respondent has the score."""
    if mean is None:
        return {"mean": None, "score_100": None, "band": None, "n": n}
    score = rubric.to_100(mean)
    return {"mean": json_number(mean), "score_100": json_number(score), "band": rubric.band(score), "n": n}


@dataclass
class ItemSums:
    """Cronbach's alpha's sums over the respondents who answered every item of one sub-scale."""

    items: int
    n: int = 0
    item_sums: list[int] = field(default_factory=list)
    item_squares: list[int] = field(default_factory=list)
    total_sum: int = 0
    total_squares: int = 0

    def __post_init__(self) -> None:
        self.item_sums = self.item_sums or [0] * self.items
        self.item_squares = self.item_squares or [0] * self.items

    def add(self, values: Iterable[int]) -> None:
        """One respondent's recoded answers to every item of the sub-scale."""
        total = 0
        for n, value in enumerate(values):
            self.item_sums[n] += value
            self.item_squares[n] += value * value
            total += value
        self.n += 1
        self.total_sum += total
        self.total_squares += total * total

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
