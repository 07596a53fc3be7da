"""Exact arithmetic shared by every scoring core: exact values from JSON/YAML numbers, exact sums,
half-up rounding to 4 decimal places, and numbers as JSON and as text."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

Number = int | float | Fraction
ONE = Fraction(1)
_FOUR_PLACES = Decimal("0.0001")
# Decimal's default context lives in a context variable, made afresh in every asyncio task that first
# uses it: an explicit one costs nothing per request.
_DECIMAL = Context(prec=28, rounding=ROUND_HALF_UP)


def exact(value: Number | str) -> Fraction:
    """A Fraction for a JSON/YAML number: 0.2 means 1/5, not the nearest binary float."""
    if isinstance(value, Fraction):
        return value
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def weighted_sum(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction:
    """Σ w × a, exactly: summed in integers, one Fraction built at the end (the same value as Fraction sums)."""
    num, den = 0, 1
    for w, a in pairs:
        n, d = w.numerator * a.numerator, w.denominator * a.denominator
        num, den = num * d + n * den, den * d
    return Fraction(num, den)


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    return weighted_sum((ONE, v) for v in values)


def round4(value: Fraction) -> int | float:
    """Half-up rounding to 4 decimal places, from the exact value (whole numbers stay integers)."""
    quantised = _DECIMAL.divide(Decimal(value.numerator), Decimal(value.denominator)).quantize(
        _FOUR_PLACES, ROUND_HALF_UP, context=_DECIMAL)
    return int(quantised) if quantised == quantised.to_integral_value() else float(quantised)


def json_number(value: Fraction | None) -> int | float | None:
    """A JSON number at full precision: integers stay integers."""
    if value is None:
        return None
    n, d = value.numerator, value.denominator
    return n if d == 1 else n / d  # int(value) or float(value), without Fraction's slower conversions


def number_text(value: Fraction | int) -> str:
    """A number for a sentence: 2, 2.5, 66.6667."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{round4(value):g}"
