"""Krippendorff's alpha (interval) against the `krippendorff` package, and panellist severity."""

from __future__ import annotations

import random
from fractions import Fraction as F

import krippendorff
import numpy as np
import pytest

from service.recruitment.domain.reliability import krippendorff_interval, panellist_stats


def as_matrix(units: dict[str, dict[str, int]], coders: list[str]) -> np.ndarray:
    return np.array([[units[u].get(c, np.nan) for u in sorted(units)] for c in coders], dtype=float)


@pytest.mark.parametrize("seed", range(5))
def test_alpha_matches_the_krippendorff_package(seed: int) -> None:
    rng = random.Random(seed)
    coders = [f"p{i}" for i in range(4)]
    units: dict[str, dict[str, int]] = {}
    for u in range(60):
        truth = rng.randint(1, 5)
        chosen = rng.sample(coders, rng.randint(1, 4))
        units[f"u{u}"] = {c: min(5, max(1, truth + rng.choice([-1, 0, 0, 1]))) for c in chosen}
    ours = krippendorff_interval(units)
    theirs = krippendorff.alpha(reliability_data=as_matrix(units, coders), level_of_measurement="interval")
    assert float(ours.alpha) == pytest.approx(theirs, abs=1e-12)
    assert ours.units == sum(1 for v in units.values() if len(v) >= 2)
    assert ours.pairable_values == sum(len(v) for v in units.values() if len(v) >= 2)


def test_alpha_by_hand() -> None:
    # Two coders, three units: (1,2), (3,3), (5,4). Observed Σ over units of 2(mΣv²−(Σv)²)/(m−1) = 2+0+2 = 4.
    # All six values: n=6, Σv=18, Σv²=64; expected 2(6·64−18²)/5 = 24. alpha = 1 − 4/24.
    units = {"a": {"x": 1, "y": 2}, "b": {"x": 3, "y": 3}, "c": {"x": 5, "y": 4}}
    assert krippendorff_interval(units).alpha == 1 - F(4, 24)


def test_alpha_is_undefined_without_variation_and_ignores_single_values() -> None:
    result = krippendorff_interval({"a": {"x": 3, "y": 3}, "b": {"x": 3, "y": 3}, "c": {"x": 1}})
    assert result.alpha is None
    assert (result.units, result.pairable_values) == (2, 4)


def test_severity_and_non_discriminating_panellists() -> None:
    units = {f"u{i}": {"harsh": 2, "kind": 4, "mid": 3} for i in range(10)}
    stats = {s.panellist_ref: s for s in panellist_stats(units)}
    assert stats["harsh"].severity == 2 - F(4 + 3, 2)
    assert stats["kind"].severity == F(1, 2) + 1
    assert stats["mid"].severity == 0
    assert all(s.non_discriminating for s in stats.values())  # each gave the same mark ten times
    few = {f"u{i}": {"a": 3, "b": i % 5 + 1} for i in range(9)}
    assert not any(s.non_discriminating for s in panellist_stats(few))
