"""Appointability: each rule kind of a recruitment rubric, checked against a complete candidate's marks.

- no_mark_at_or_below: v — no individual mark ≤ v;
- max_marks_at_or_below: {value: v, count: n} — at most n individual marks ≤ v;
- min_raw_total: t — raw_total ≥ t;
- min_raw_percent: p — raw_total ≥ p % of raw_max;
- min_percent: p — percent ≥ p;
- no_aggregate_at_or_below: v — no criterion's aggregate ≤ v.
A failed rule is a reason whose code is the rule's kind.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from service.numbers import number_text, round4
from service.recruitment.domain.model import Reason, Rule
from service.recruitment.domain.results import StationResult


def check_rule(rule: Rule, marks: Sequence[int], stations: Sequence[StationResult], raw_total: int,
               raw_max: int, percent: Fraction | None) -> Reason | None:
    """None when the appointability rule holds; else the reason it fails."""
    v = rule.value
    if rule.kind in ("no_mark_at_or_below", "max_marks_at_or_below"):
        at_most = math.floor(v)  # an integer mark is at or below v exactly when it is at or below floor(v)
        low = len([m for m in marks if m <= at_most])
        if rule.kind == "no_mark_at_or_below":
            return Reason(rule.kind, f"{low} mark(s) at or below {number_text(v)}") if low else None
        return Reason(rule.kind, f"{low} mark(s) at or below {number_text(v)}; at most {rule.count} allowed") \
            if low > (rule.count or 0) else None
    if rule.kind == "min_raw_total":
        return Reason(rule.kind, f"raw total {raw_total} is below {number_text(v)}") if raw_total < v else None
    if rule.kind == "min_raw_percent":
        return Reason(rule.kind, f"raw total {raw_total} of {raw_max} is below {number_text(v)} %") \
            if raw_total * 100 < v * raw_max else None
    if rule.kind == "min_percent":
        assert percent is not None
        return Reason(rule.kind, f"score {round4(percent)} % is below {number_text(v)} %") if percent < v else None
    if rule.kind == "no_aggregate_at_or_below":
        low_aggregates = [f"{c.criterion_id}@{s.station_id}" for s in stations for c in s.criteria
                          if c.aggregate is not None and c.aggregate <= v]
        return Reason(rule.kind, f"aggregate at or below {number_text(v)}: {', '.join(low_aggregates)}") \
            if low_aggregates else None
    raise ValueError(f"unknown appointability rule {rule.kind}")
