"""Recruitment panel scoring (product.md 5.2): every rule, in exact arithmetic, as pure functions.

All arithmetic is on Fractions so equal scores are equal; numbers become floats only when a result
is rendered. A candidate's inputs are the latest scorecard of each panellist per station, the latest
moderation per (station, criterion), and the external components.

Speed (a candidate is scored again on every scorecard or moderation write): building a Fraction costs
a gcd and a Python call, so sums are accumulated as integer numerator/denominator pairs and turned into
one Fraction at the end; what depends only on the rubric is worked out once per rubric (_StationPlan);
aggregates, which take few distinct values, are remembered. Every value a caller sees is still the
exact Fraction the rule defines (Fractions are normalised, so equal values are indistinguishable);
tests/unit/test_scoring_equivalence.py checks results and rendered JSON against the plain formulas.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

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

    @cached_property
    def _station_plans(self) -> tuple[_StationPlan, ...]:
        """What scoring needs of each station, worked out once per rubric (see _StationPlan)."""
        plans = []
        threshold = show(self.threshold)
        for s in self.stations:
            weights = [self.weights[c] for c in s.criteria]
            denominator = math.lcm(*(w.denominator for w in weights))
            criteria = tuple(_CriterionPlan(c, w, w.numerator * (denominator // w.denominator), Reason(
                "needs_moderation", f"marks for {c} at station {s.id} differ by {threshold} or more and are not "
                                    "moderated")) for c, w in zip(s.criteria, weights, strict=True))
            plans.append(_StationPlan(s, criteria, denominator, self.station_max[s.id]))
        return tuple(plans)


class _CriterionPlan(NamedTuple):
    id: str
    weight: Fraction
    weight_num: int  # weight × the station's weight_denominator: an integer
    flag_reason: Reason  # the reason given while the criterion is flagged (Reasons are immutable, so shared)


class _StationPlan(NamedTuple):
    """A station with its criteria's weights as integers over a common denominator, so that
    station_score(s) = Σ_c weight(c) × aggregate(s,c) can be summed in integers."""
    station: Station
    criteria: tuple[_CriterionPlan, ...]
    weight_denominator: int
    max: Fraction


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

# The per-criterion and per-station results are immutable named tuples: a candidate's scoring builds
# one per criterion and station, and a tuple is built at a fraction of a frozen dataclass's cost.
class CriterionResult(NamedTuple):
    criterion_id: str
    weight: Fraction
    marks: dict[str, int]
    aggregate: Fraction | None
    flagged: bool
    moderation: Moderation | None = None

    @property
    def moderated(self) -> bool:
        return self.moderation is not None


class StationTotals(NamedTuple):
    """Of one station's result: every individual mark given (criteria in order, panellists in order), the
    reasons of its flagged criteria, and its score as a numerator and denominator (0 and 1 when unknown)."""
    marks: tuple[int, ...]
    flag_reasons: tuple[Reason, ...]
    score_num: int
    score_den: int


class StationResult(NamedTuple):
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
    # What the candidate-level rules take from each station (in `stations` order), kept so that a rescoring
    # that reuses a station (see score_candidate) need not go through its criteria again. Not part of the
    # result's value: results are equal when the fields above are.
    totals: tuple[StationTotals, ...] = field(default=(), compare=False, repr=False)

    def station_score(self, station_id: str) -> Fraction | None:
        return next((s.score for s in self.stations if s.station_id == station_id), None)


def aggregate(marks: Sequence[int], how: str) -> Fraction | None:
    """aggregate(s,c): the median of the marks when the rubric says so, else their mean; None without marks."""
    if not marks:
        return None
    if how == "median":
        ordered = sorted(marks)
        half = len(ordered) // 2
        if len(ordered) % 2:  # statistics.median: the middle mark, or the mean of the middle two for an even count
            return Fraction(ordered[half])
        return (Fraction(ordered[half - 1]) + Fraction(ordered[half])) / 2
    return Fraction(sum(marks), len(marks))


@lru_cache(maxsize=8192)
def _aggregate_and_spread(marks: tuple[int, ...], how: str) -> tuple[Fraction, int, int, int]:
    """(aggregate, its numerator, its denominator, max(marks) − min(marks)) of a criterion's marks, remembered:
    a panel's whole marks on one criterion take few distinct values (5 panellists on a 1–5 scale: 3,125), and
    Fractions are immutable, so results may share them."""
    value = aggregate(marks, how)
    assert value is not None
    return value, value.numerator, value.denominator, max(marks) - min(marks)


@lru_cache(maxsize=16384)
def _ratio(numerator: int, denominator: int) -> Fraction:
    """Fraction(numerator, denominator) of two integers, remembered: a rubric's station scores, totals and
    percents take few distinct values (hundreds to a few thousand), and a cache hit costs a fifth of building
    the Fraction (a gcd and a Python call)."""
    return Fraction(numerator, denominator)


def weighted_sum(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction:
    """Σ w × a, exactly: summed in integers, one Fraction built at the end (the same value as Fraction sums)."""
    num, den = 0, 1
    for w, a in pairs:
        n, d = w.numerator * a.numerator, w.denominator * a.denominator
        num, den = num * d + n * den, den * d
    return Fraction(num, den)


def exact_sum(values: Iterable[Fraction]) -> Fraction:
    return weighted_sum((ONE, v) for v in values)


_PANELLIST_REF = attrgetter("panellist_ref")


def score_candidate(rubric: PanelRubric, data: CandidateInput, *, reuse: Result | None = None,
                    changed: Collection[str] = ()) -> Result:
    """The whole result of one candidate, following product.md 5.2 rule by rule.

    `reuse`, when given, is the result of the same candidate's inputs before a change that touched only the
    `changed` stations (their scorecards or moderations): the other stations' results are taken from it as
    they are, since a station's result depends only on its own scorecards and moderations.
    """
    previous = {s.station_id: (s, t) for s, t in zip(reuse.stations, reuse.totals, strict=True)} \
        if reuse is not None else None
    # each station's (panellist_ref, marks) in panellist order: one stable sort, the same order as sorting per station
    by_station: dict[str, list[tuple[str, Mapping[str, int]]]] = {}
    cards = data.scorecards if previous is None else [c for c in data.scorecards if c.station_id in changed]
    for card in sorted(cards, key=_PANELLIST_REF):
        by_station.setdefault(card.station_id, []).append((card.panellist_ref, card.marks))
    moderations: dict[str, dict[str, Moderation]] = {}
    for m in data.moderations:
        if previous is None or m.station_id in changed:
            moderations.setdefault(m.station_id, {})[m.criterion_id] = m
    stations = []
    for plan in rubric._station_plans:
        sid = plan.station.id
        if previous is not None and sid not in changed and sid in previous:
            stations.append(previous[sid])
        else:
            stations.append(score_station(rubric, plan, by_station.get(sid, ()), moderations.get(sid)))
    return combine(rubric, data, stations)


def score_station(rubric: PanelRubric, plan: _StationPlan, cards: Sequence[tuple[str, Mapping[str, int]]],
                  moderations: Mapping[str, Moderation] | None) -> tuple[StationResult, StationTotals]:
    """One station's result from its scorecards, as (panellist_ref, marks) in panellist order, and its
    moderations by criterion; with its totals."""
    how, spread_threshold = rubric.aggregation, rubric.spread_threshold
    criteria = []
    individual: list[int] = []
    flag_reasons: list[Reason] = []
    # Σ_c weight_num(c) × aggregate(s,c) = num / den: the station score × plan.weight_denominator
    num, den, scored = 0, 1, True
    for cid, weight, weight_num, flag_reason in plan.criteria:
        # marks: the latest mark of each panellist with a scorecard for the station (panellists in order)
        marks: dict[str, int] = {}
        for ref, card_marks in cards:  # a plain loop: a comprehension costs a function call per criterion
            if cid in card_marks:
                marks[ref] = card_marks[cid]
        values = (*marks.values(),)
        individual += values
        # aggregate(s,c): the rubric's aggregation of the marks, unless a moderation's mark replaces it;
        # flagged(s,c): max(marks) − min(marks) ≥ disagreement_threshold and no moderation yet
        agg, n, d, spread = _aggregate_and_spread(values, how) if values else (None, 0, 1, 0)
        moderation = moderations.get(cid) if moderations else None
        if moderation is not None:
            agg = moderation.mark
            n, d = agg.numerator, agg.denominator
        is_flagged = moderation is None and bool(values) and spread >= spread_threshold
        if is_flagged:
            flag_reasons.append(flag_reason)
        criteria.append(CriterionResult(cid, weight, marks, agg, is_flagged, moderation))
        # station_score(s) = Σ_c weight(c) × aggregate(s,c), aggregate = n / d; unknown while one is None
        if agg is None:
            scored = False
        elif d == den:  # the usual case (every mean over the same panel): no new denominator
            num += weight_num * n
        else:
            num, den = num * d + weight_num * n * den, den * d
    station = plan.station
    den *= plan.weight_denominator
    score = _ratio(num, den) if scored else None
    return (StationResult(station.id, score, plan.max, len(cards), station.panellists, tuple(criteria)),
            StationTotals(tuple(individual), tuple(flag_reasons), num if scored else 0, den if scored else 1))


def combine(rubric: PanelRubric, data: CandidateInput, parts: Sequence[tuple[StationResult, StationTotals]]
            ) -> Result:
    """The candidate's result from its stations' results and totals (in the rubric's order) and its components."""
    individual: list[int] = []
    reasons: list[Reason] = []
    flag_reasons: list[Reason] = []
    total_num, total_den, all_scored = 0, 1, True  # score = Σ_s station_score(s), summed in integers
    for s, totals in parts:
        individual += totals.marks
        flag_reasons += totals.flag_reasons
        if s.score is None:
            all_scored = False
        else:
            n, d = totals.score_num, totals.score_den
            if d == total_den:
                total_num += n
            else:
                total_num, total_den = total_num * d + n * total_den, total_den * d
        if s.scorecards < s.required:
            reasons.append(Reason("missing_scorecards",
                                  f"station {s.station_id} has {s.scorecards} of {s.required} scorecards"))

    # score = Σ_s station_score(s); percent = 100 × score / max_score (one Fraction each, from the integers)
    max_score = rubric.max_score
    score: Fraction | None = None
    percent: Fraction | None = None
    if all_scored:
        score = _ratio(total_num, total_den)
        percent = _ratio(100 * total_num * max_score.denominator, total_den * max_score.numerator)
    raw_total, raw_max = sum(individual), len(individual) * rubric.scale_max
    missing_components = [c for c in rubric.components if data.components.get(c) is None] if rubric.components else ()
    if missing_components:
        reasons += [Reason("missing_component", f"component {c} has no value") for c in missing_components]
    composite = None
    if percent is not None and not missing_components:
        # composite = (1 − Σ weight_k) × percent + Σ weight_k × component_k; without components it is percent
        composite = percent
        if rubric.components:
            composite = weighted_sum([(rubric.percent_weight, percent),
                                      *((w, exact(data.components[c])) for c, w in rubric.components.items())])
    if reasons:
        status = "incomplete"
    elif flag_reasons:
        status = "needs_moderation"
        reasons += flag_reasons
    else:
        status = "complete"

    stations, totals = zip(*parts, strict=True) if parts else ((), ())
    appointable = None
    if status == "complete":
        failed = [r for r in (check_rule(rule, individual, stations, raw_total, raw_max, percent)
                              for rule in rubric.rules) if r is not None]
        appointable = not failed
        reasons += failed
    return Result(data.candidate_ref, status, score, max_score, percent, raw_total, raw_max, composite,
                  appointable, tuple(reasons), stations, totals)


def check_rule(rule: Rule, marks: Sequence[int], stations: Sequence[StationResult], raw_total: int,
               raw_max: int, percent: Fraction | None) -> Reason | None:
    """None when the appointability rule holds; else the reason it fails (its code is the rule kind)."""
    v = rule.value
    if rule.kind in ("no_mark_at_or_below", "max_marks_at_or_below"):
        at_most = math.floor(v)  # an integer mark is at or below v exactly when it is at or below floor(v)
        low = len([m for m in marks if m <= at_most])
    if rule.kind == "no_mark_at_or_below":
        return Reason(rule.kind, f"{low} mark(s) at or below {show(v)}") if low else None
    if rule.kind == "max_marks_at_or_below":
        return Reason(rule.kind, f"{low} mark(s) at or below {show(v)}; at most {rule.count} allowed") \
            if low > (rule.count or 0) else None
    if rule.kind == "min_raw_total":
        return Reason(rule.kind, f"raw total {raw_total} is below {show(v)}") if raw_total < v else None
    if rule.kind == "min_raw_percent":
        # raw_total < v % of raw_max, i.e. raw_total × 100 < v × raw_max, cross-multiplied by v's denominator (> 0)
        return Reason(rule.kind, f"raw total {raw_total} of {raw_max} is below {show(v)} %") \
            if raw_total * 100 * v.denominator < v.numerator * raw_max else None
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
    n, d = value.numerator, value.denominator
    if d >= 10**18 or abs(n) >= d * 10**6:
        return _round4_decimal(value)
    # In integers: q = round-half-up(|value| × 10⁴) = ⌊(2 × 10⁴ × |n| + d) / 2d⌋; ties go away from zero.
    # The same digits as the Decimal rounding below for every value under 10⁶ whose denominator is under 10¹⁸
    # (there the 28-digit Decimal division can't land on a .xxxx5 tie it isn't on), and q / 10000 is the
    # correctly rounded float of q ÷ 10⁴, as float(Decimal) is.
    q = (20000 * abs(n) + d) // (2 * d)
    if n < 0:
        q = -q
    return q // 10000 if q % 10000 == 0 else q / 10000


def _round4_decimal(value: Fraction) -> int | float:
    """round4 by Decimal quantisation, for values too large or too finely divided for the integer shortcut."""
    quantised = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return int(quantised) if quantised == quantised.to_integral_value() else float(quantised)


def number(value: Fraction | None) -> int | float | None:
    """A JSON number at full precision: integers stay integers."""
    if value is None:
        return None
    if type(value) is Fraction:  # int(value) or float(value), without Fraction's slower conversions
        n, d = value.numerator, value.denominator
        return n if d == 1 else n / d
    return int(value) if value.denominator == 1 else float(value)


def render(result: Result, rubric_pin: Mapping[str, Any], *,
           reuse: tuple[Result, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The result JSON of product.md 5.2. `reuse`, when given, is an earlier result and its JSON: a station
    of `result` that is the very same object as one of the earlier result's is rendered as it was then."""
    kept = {s.station_id: (s, j) for s, j in zip(reuse[0].stations, reuse[1]["stations"], strict=True)} \
        if reuse is not None else {}
    stations = []
    for s in result.stations:
        earlier = kept.get(s.station_id)
        stations.append(earlier[1] if earlier is not None and earlier[0] is s else render_station(s))
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
        "stations": stations,
        "rubric": dict(rubric_pin),
    }


def render_station(s: StationResult) -> dict[str, Any]:
    return {
        "station_id": s.station_id, "score": number(s.score), "max": number(s.max),
        "scorecards": s.scorecards, "panellists_required": s.required,
        "criteria": [{"criterion_id": c.criterion_id, "weight": number(c.weight), "marks": c.marks,
                      "aggregate": number(c.aggregate), "flagged": c.flagged,
                      "moderated": c.moderation is not None,  # c.moderated, without the property call
                      "moderation": None if c.moderation is None else _render_moderation(c.moderation)}
                     for c in s.criteria],
    }


def _render_moderation(m: Moderation) -> dict[str, Any]:
    return {"mark": number(m.mark), "reason": m.reason, "moderator_ref": m.moderator_ref}
