"""Inter-rater statistics: Krippendorff's alpha (interval) and panellist severity."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from fractions import Fraction

NON_DISCRIMINATING_MIN_MARKS = 10

Units = Mapping[Hashable, Mapping[str, int]]  # unit -> {coder: value}


@dataclass(frozen=True, slots=True)
class Alpha:
    alpha: Fraction | None  # None when there is no variation to compare against
    units: int  # units with at least two values (pairable)
    pairable_values: int


def krippendorff_interval(units: Units) -> Alpha:
    """Krippendorff's alpha with the interval metric, δ(a, b) = (a − b)²; units with one value don't count.

    Uses Σ_{i≠j} (v_i − v_j)² = 2(m·Σv² − (Σv)²) for each unit (observed) and for all values (expected).
    """
    observed = Fraction(0)
    n, total, total_sq, pairable = 0, 0, 0, 0
    for values in units.values():
        m = len(values)
        if m < 2:
            continue
        s = sum(values.values())
        sq = sum(v * v for v in values.values())
        observed += Fraction(2 * (m * sq - s * s), m - 1)
        n, total, total_sq, pairable = n + m, total + s, total_sq + sq, pairable + 1
    if n < 2:
        return Alpha(None, pairable, n)
    expected_pairs = Fraction(2 * (n * total_sq - total * total), n - 1)
    if expected_pairs == 0:
        return Alpha(None, pairable, n)
    return Alpha(1 - observed / expected_pairs, pairable, n)


@dataclass(frozen=True, slots=True)
class PanellistStats:
    panellist_ref: str
    marks: int
    severity: Fraction | None  # mean(own − mean of the others on the same unit): < 0 severe, > 0 lenient
    non_discriminating: bool


def panellist_stats(units: Units) -> list[PanellistStats]:
    marks: dict[str, list[int]] = defaultdict(list)
    deviations: dict[str, list[Fraction]] = defaultdict(list)
    for values in units.values():
        for coder, value in values.items():
            marks[coder].append(value)
            others = [v for c, v in values.items() if c != coder]
            if others:
                deviations[coder].append(value - Fraction(sum(others), len(others)))
    return [
        PanellistStats(
            panellist_ref=coder, marks=len(given),
            severity=sum(deviations[coder], Fraction(0)) / len(deviations[coder]) if deviations[coder] else None,
            non_discriminating=len(given) >= NON_DISCRIMINATING_MIN_MARKS and len(set(given)) == 1)
        for coder, given in sorted(marks.items())
    ]
