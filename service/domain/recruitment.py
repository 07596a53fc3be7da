"""Recruitment panel scoring (product.md 5.2): every rule, in exact arithmetic, as pure functions.

All arithmetic is on Fractions so equal scores are equal; numbers become floats only when a result
is rendered. A candidate's inputs are the latest scorecard of each panellist per station, the latest
moderation per (station, criterion), and the external components.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property
from statistics import median
from typing import Any

Number = int | float | Fraction
ONE = Fraction(1)


def exact(value: Number | str) -> Fraction:
    """A Fraction for a JSON/YAML number: 0.2 means 1/5, not the nearest binary float."""
    return value if isinstance(value, Fraction) else Fraction(str(value)) if isinstance(value, float) \
        else Fraction(value)


# --- the rubric, as the scoring needs it ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Station:
    id: str
    criteria: tuple[str, ...]
    panellists: int


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    value: Fraction
    count: int | None = None


@dataclass(frozen=True)
class PanelRubric:
    scale_min: int
    scale_max: int
    weights: Mapping[str, Fraction]
    stations: tuple[Station, ...]
    aggregation: str
    threshold: Fraction
    rules: tuple[Rule, ...]
    tie_break: tuple[str, ...]
    components: Mapping[str, Fraction]  # id -> weight

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> PanelRubric:
        rules = []
        for entry in doc["appointability"]:
            (kind, value), = entry.items()
            if kind == "max_marks_at_or_below":
                rules.append(Rule(kind, exact(value["value"]), int(value["count"])))
            else:
                rules.append(Rule(kind, exact(value)))
        return cls(
            scale_min=doc["scale"]["min"], scale_max=doc["scale"]["max"],
            weights={c["id"]: exact(c["weight"]) for c in doc["criteria"]},
            stations=tuple(Station(s["id"], tuple(s["criteria"]), s["panellists"]) for s in doc["stations"]),
            aggregation=doc["aggregation"], threshold=exact(doc["disagreement_threshold"]),
            rules=tuple(rules), tie_break=tuple(doc["tie_break"]),
            components={c["id"]: exact(c["weight"]) for c in doc["components"]},
        )

    def station(self, station_id: str) -> Station | None:
        return self._stations_by_id.get(station_id)

    @cached_property
    def _stations_by_id(self) -> dict[str, Station]:
        return {s.id: s for s in self.stations}

    @cached_property
    def max_score(self) -> Fraction:
        return exact_sum(self.station_max.values())

    @cached_property
    def percent_weight(self) -> Fraction:
        """The composite's weight on the panel percent: 1 − Σ the components' weights."""
        return 1 - exact_sum(self.components.values())

    @cached_property
    def spread_threshold(self) -> int:
        """The disagreement threshold for integer marks: a spread reaches it exactly when it reaches this."""
        return math.ceil(self.threshold)

    @cached_property
    def station_max(self) -> dict[str, Fraction]:
        """station_max(s) = Σ_c weight(c) × scale.max."""
        return {s.id: exact_sum(self.weights[c] for c in s.criteria) * self.scale_max
                for s in self.stations}


# --- inputs --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scorecard:
    station_id: str
    panellist_ref: str
    marks: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Moderation:
    station_id: str
    criterion_id: str
    mark: Fraction
    reason: str = ""
    moderator_ref: str = ""


@dataclass(frozen=True)
class CandidateInput:
    candidate_ref: str
    scorecards: Sequence[Scorecard] = ()
    moderations: Sequence[Moderation] = ()
    components: Mapping[str, Number] = field(default_factory=dict)


# --- outputs -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion_id: str
    weight: Fraction
    marks: dict[str, int]
    aggregate: Fraction | None
    flagged: bool
    moderation: Moderation | None = None

    @property
    def moderated(self) -> bool:
        return self.moderation is not None


@dataclass(frozen=True, slots=True)
class StationResult:
    station_id: str
    score: Fraction | None
    max: Fraction
    scorecards: int
    required: int
    criteria: tuple[CriterionResult, ...]


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str


@dataclass(frozen=True)
class Result:
    candidate_ref: str
    status: str  # incomplete | needs_moderation | complete
    score: Fraction | None
    max_score: Fraction
    percent: Fraction | None
    raw_total: int
    raw_max: int
    composite: Fraction | None
    appointable: bool | None
    reasons: tuple[Reason, ...]
    stations: tuple[StationResult, ...]

    def station_score(self, station_id: str) -> Fraction | None:
        return next((s.score for s in self.stations if s.station_id == station_id), None)


def aggregate(marks: Sequence[int], how: str) -> Fraction | None:
    if not marks:
        return None
    if how == "median":
        return Fraction(median(Fraction(m) for m in marks))
    return Fraction(sum(marks), len(marks))


def flagged(marks: Sequence[int], threshold: Fraction | int, moderated: bool) -> bool:
    return bool(marks) and not moderated and max(marks) - min(marks) >= threshold


def weighted_sum(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction:
    """Σ w × a, exactly: summed in integers, one Fraction built at the end (the same value as Fraction sums)."""
    num, den = 0, 1
    for w, a in pairs:
        n, d = w.numerator * a.numerator, w.denominator * a.denominator
        num, den = num * d + n * den, den * d
    return Fraction(num, den)


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    return weighted_sum((ONE, v) for v in values)


def score_candidate(rubric: PanelRubric, data: CandidateInput) -> Result:
    """The whole result of one candidate, following product.md 5.2 rule by rule."""
    by_station: dict[str, list[Scorecard]] = {}
    for card in data.scorecards:
        by_station.setdefault(card.station_id, []).append(card)
    moderations = {(m.station_id, m.criterion_id): m for m in data.moderations}
    stations: list[StationResult] = []
    individual: list[int] = []
    reasons: list[Reason] = []
    for station in rubric.stations:
        cards = sorted(by_station.get(station.id, []), key=lambda c: c.panellist_ref)
        criteria = []
        for cid in station.criteria:
            marks = {c.panellist_ref: c.marks[cid] for c in cards if cid in c.marks}
            values = list(marks.values())
            individual.extend(values)
            moderation = moderations.get((station.id, cid))
            criteria.append(CriterionResult(
                criterion_id=cid, weight=rubric.weights[cid], marks=marks,
                aggregate=moderation.mark if moderation else aggregate(values, rubric.aggregation),
                flagged=flagged(values, rubric.spread_threshold, moderation is not None),
                moderation=moderation))
        complete = all(c.aggregate is not None for c in criteria)
        stations.append(StationResult(
            station_id=station.id,
            score=weighted_sum((c.weight, c.aggregate) for c in criteria) if complete else None,  # type: ignore[misc]
            max=rubric.station_max[station.id],
            scorecards=len(cards), required=station.panellists, criteria=tuple(criteria)))
        if len(cards) < station.panellists:
            reasons.append(Reason("missing_scorecards",
                                  f"station {station.id} has {len(cards)} of {station.panellists} scorecards"))

    max_score = rubric.max_score
    score = None if any(s.score is None for s in stations) else exact_sum(s.score for s in stations)  # type: ignore[misc]
    percent = None if score is None else 100 * score / max_score
    raw_total, raw_max = sum(individual), len(individual) * rubric.scale_max
    missing_components = [c for c in rubric.components if data.components.get(c) is None]
    reasons += [Reason("missing_component", f"component {c} has no value") for c in missing_components]
    composite = None
    if percent is not None and not missing_components:
        composite = rubric.percent_weight * percent + weighted_sum(
            (w, exact(data.components[c])) for c, w in rubric.components.items())

    flags = [(s.station_id, c.criterion_id) for s in stations for c in s.criteria if c.flagged]
    if reasons:
        status = "incomplete"
    elif flags:
        status = "needs_moderation"
        reasons += [Reason("needs_moderation", f"marks for {cid} at station {sid} differ by "
                                               f"{show(rubric.threshold)} or more and are not moderated")
                    for sid, cid in flags]
    else:
        status = "complete"

    appointable = None
    if status == "complete":
        failed = [r for r in (check_rule(rule, individual, stations, raw_total, raw_max, percent)
                              for rule in rubric.rules) if r is not None]
        appointable = not failed
        reasons += failed
    return Result(data.candidate_ref, status, score, max_score, percent, raw_total, raw_max, composite,
                  appointable, tuple(reasons), tuple(stations))


def check_rule(rule: Rule, marks: Sequence[int], stations: Sequence[StationResult], raw_total: int,
               raw_max: int, percent: Fraction | None) -> Reason | None:
    """None when the appointability rule holds; else the reason it fails (its code is the rule kind)."""
    v = rule.value
    if rule.kind in ("no_mark_at_or_below", "max_marks_at_or_below"):
        at_most = math.floor(v)  # an integer mark is at or below v exactly when it is at or below floor(v)
        low = sum(1 for m in marks if m <= at_most)
    if rule.kind == "no_mark_at_or_below":
        return Reason(rule.kind, f"{low} mark(s) at or below {show(v)}") if low else None
    if rule.kind == "max_marks_at_or_below":
        return Reason(rule.kind, f"{low} mark(s) at or below {show(v)}; at most {rule.count} allowed") \
            if low > (rule.count or 0) else None
    if rule.kind == "min_raw_total":
        return Reason(rule.kind, f"raw total {raw_total} is below {show(v)}") if raw_total < v else None
    if rule.kind == "min_raw_percent":
        return Reason(rule.kind, f"raw total {raw_total} of {raw_max} is below {show(v)} %") \
            if raw_total * 100 < v * raw_max else None
    if rule.kind == "min_percent":
        assert percent is not None
        return Reason(rule.kind, f"score {round4(percent)} % is below {show(v)} %") if percent < v else None
    if rule.kind == "no_aggregate_at_or_below":
        low = [f"{c.criterion_id}@{s.station_id}" for s in stations for c in s.criteria
               if c.aggregate is not None and c.aggregate <= v]
        return Reason(rule.kind, f"aggregate at or below {show(v)}: {', '.join(low)}") if low else None
    raise ValueError(f"unknown appointability rule {rule.kind}")


def show(value: Fraction | int) -> str:
    """A number for a sentence: 2, 2.5, 66.6667."""
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{round4(value):g}"


def round4(value: Fraction) -> int | float:
    """Half-up rounding to 4 decimal places, from the exact value (whole numbers stay integers)."""
    quantised = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return int(quantised) if quantised == quantised.to_integral_value() else float(quantised)


def number(value: Fraction | None) -> int | float | None:
    """A JSON number at full precision: integers stay integers."""
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def render(result: Result, rubric_pin: Mapping[str, Any]) -> dict[str, Any]:
    """The result JSON of product.md 5.2."""
    return {
        "candidate_ref": result.candidate_ref,
        "status": result.status,
        "score": number(result.score),
        "max_score": number(result.max_score),
        "percent": None if result.percent is None else round4(result.percent),
        "raw_total": result.raw_total,
        "raw_max": result.raw_max,
        "composite": None if result.composite is None else round4(result.composite),
        "appointable": result.appointable,
        "reasons": [{"code": r.code, "detail": r.detail} for r in result.reasons],
        "stations": [{
            "station_id": s.station_id, "score": number(s.score), "max": number(s.max),
            "scorecards": s.scorecards, "panellists_required": s.required,
            "criteria": [{"criterion_id": c.criterion_id, "weight": number(c.weight), "marks": c.marks,
                          "aggregate": number(c.aggregate), "flagged": c.flagged, "moderated": c.moderated,
                          "moderation": None if c.moderation is None else {
                              "mark": number(c.moderation.mark), "reason": c.moderation.reason,
                              "moderator_ref": c.moderation.moderator_ref}}
                         for c in s.criteria],
        } for s in result.stations],
        "rubric": dict(rubric_pin),
    }
