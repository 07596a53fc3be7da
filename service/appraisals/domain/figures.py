"""Figures of a set of ratings: mean, n, standard deviation, N/A count, and the r_wg agreement index.

Ratings are whole numbers, so every figure is computed exactly from integer sums (count, Σx, Σx²)
and converted to a JSON number once. Sums add up, so the figure of pooled raters or of several items
is the sum of the parts: a pooled figure is a mean of all the ratings, never a mean of means.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.numbers import json_number


@dataclass(frozen=True, slots=True)
class Ratings:
    """The ratings of some raters on some items: how many, their sum and sum of squares, and the N/As."""

    n: int = 0
    total: int = 0
    squares: int = 0
    n_na: int = 0

    def __add__(self, other: Ratings) -> Ratings:
        return Ratings(self.n + other.n, self.total + other.total, self.squares + other.squares,
                       self.n_na + other.n_na)

    @property
    def mean(self) -> Fraction | None:
        """None when every answer was N/A (or there was none)."""
        return Fraction(self.total, self.n) if self.n else None

    @property
    def variance(self) -> Fraction | None:
        """The sample variance, Σ(x − mean)² / (n − 1); None below 2 ratings."""
        if self.n < 2:
            return None
        return Fraction(self.n * self.squares - self.total * self.total, self.n * (self.n - 1))


ZERO = Ratings()


def total(parts: Iterable[Ratings]) -> Ratings:
    out = ZERO
    for part in parts:
        out = out + part
    return out


def figure(ratings: Ratings, k_dispersion: int) -> dict[str, Any]:
    """`{mean, n, sd, n_na}` (sd: the sample standard deviation, null below `k_dispersion` ratings; mean null when
    every answer was N/A)."""
    variance = ratings.variance if ratings.n >= k_dispersion else None
    return {"mean": json_number(ratings.mean), "n": ratings.n,
            "sd": None if variance is None else math.sqrt(variance), "n_na": ratings.n_na}


def withheld() -> dict[str, Any]:
    """A figure not released: it would rest on fewer than k anonymous raters' ratings."""
    return {"mean": None, "n": None, "sd": None, "n_na": None, "withheld": "fewer_than_k"}


def rwg(ratings: Ratings, scale_points: int) -> float | None:
    """The within-group agreement index r_wg of one item's ratings (James, Demaree & Wolf, 1984):

        r_wg = 1 − s² / σ²_EU,   σ²_EU = (A² − 1) / 12

    where s² is the sample variance of the ratings and σ²_EU the variance of a uniform ("no agreement")
    distribution over the scale's A points. 1 is full agreement; 0 is no more agreement than random
    answers; ratings more spread than uniform are reported as 0 (the usual truncation). None below two
    ratings or on a one-point scale.
    """
    if scale_points < 2:
        return None
    variance = ratings.variance
    if variance is None:
        return None
    value = 1 - variance / Fraction(scale_points * scale_points - 1, 12)
    return json_number(max(value, Fraction(0)))  # type: ignore[return-value]
