"""Recruitment panel scoring: how a candidate's marks become station scores, totals, a status and a
composite, rule by rule, in exact arithmetic (the appointability rules are in rules.py).

For a candidate, for each station s and each criterion c of s:
- marks: the latest mark of each panellist who submitted a scorecard for s;
- aggregate(s,c): the rubric's aggregation (mean, or median) of those marks; a moderation's mark replaces it;
- flagged(s,c): max(marks) − min(marks) ≥ disagreement_threshold and no moderation yet;
- station_score(s) = Σ_c weight(c) × aggregate(s,c); station_max(s) = Σ_c weight(c) × scale.max;
- score = Σ_s station_score(s), max_score = Σ_s station_max(s), percent = 100 × score / max_score;
- raw_total = the sum of every individual mark, raw_max = their number × scale.max;
- status: incomplete while a station lacks scorecards or a component lacks a value, else needs_moderation
  while anything is flagged, else complete (only then is appointability decided);
- composite = (1 − Σ weight_k) × percent + Σ weight_k × component_k (percent without components).

All arithmetic is on Fractions, so equal scores are equal; numbers become floats only when rendered.
A candidate is scored again on every write, so sums are accumulated as integer numerator/denominator
pairs and turned into one Fraction at the end, what depends only on the rubric is worked out once
(PanelRubric.station_plans), and aggregates, which take few distinct values, are remembered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache

from service.numbers import exact, exact_sum, weighted_sum
from service.recruitment.domain.model import CandidateInput, Moderation, PanelRubric, Reason, StationPlan
from service.recruitment.domain.results import CriterionResult, Result, StationResult
from service.recruitment.domain.rules import check_rule


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
def _aggregate_and_spread(marks: tuple[int, ...], how: str) -> tuple[Fraction, int]:
    """(aggregate, max(marks) − min(marks)) of a criterion's marks, remembered: a panel's marks on one
    criterion take few distinct values (5 panellists on a 1–5 scale: 3,125), and Fractions are immutable."""
    value = aggregate(marks, how)
    assert value is not None
    return value, max(marks) - min(marks)


def score_candidate(rubric: PanelRubric, data: CandidateInput, *, earlier: Result | None = None,
                    changed: Collection[str] = ()) -> Result:
    """The whole result of one candidate.

    `earlier`, when given, is the result of the same candidate's inputs before a change that touched only
    the `changed` stations (their scorecards or moderations): a station's result depends only on its own
    scorecards and moderations, so the other stations' results are taken from it as they are.
    """
    kept = {s.station_id: s for s in earlier.stations if s.station_id not in changed} if earlier else {}
    by_station: dict[str, list[tuple[str, Mapping[str, int]]]] = {}
    for card in sorted(data.scorecards, key=lambda c: c.panellist_ref):
        if card.station_id not in kept:
            by_station.setdefault(card.station_id, []).append((card.panellist_ref, card.marks))
    moderations: dict[str, dict[str, Moderation]] = {}
    for m in data.moderations:
        moderations.setdefault(m.station_id, {})[m.criterion_id] = m
    stations = []
    for plan in rubric.station_plans:
        sid = plan.station.id
        station = kept.get(sid)
        if station is None:
            station = score_station(rubric, plan, by_station.get(sid, ()), moderations.get(sid, {}))
        stations.append(station)
    return combine(rubric, data, stations)


def score_station(rubric: PanelRubric, plan: StationPlan, cards: Sequence[tuple[str, Mapping[str, int]]],
                  moderations: Mapping[str, Moderation]) -> StationResult:
    """One station's result from its scorecards, as (panellist_ref, marks) in panellist order, and its
    moderations by criterion."""
    criteria, individual, flag_reasons = [], [], []
    # Σ_c weight_num(c) × aggregate(s,c) = num / den: the station score × plan.weight_denominator
    num, den, scored = 0, 1, True
    for criterion in plan.criteria:
        marks = {ref: card_marks[criterion.id] for ref, card_marks in cards if criterion.id in card_marks}
        values = tuple(marks.values())
        individual += values
        agg, spread = _aggregate_and_spread(values, rubric.aggregation) if values else (None, 0)
        moderation = moderations.get(criterion.id)
        if moderation is not None:
            agg = moderation.mark
        flagged = moderation is None and bool(values) and spread >= rubric.spread_threshold
        if flagged:
            flag_reasons.append(criterion.flag_reason)
        criteria.append(CriterionResult(criterion.id, criterion.weight, marks, agg, flagged, moderation))
        if agg is None:
            scored = False
        else:
            num, den = num * agg.denominator + criterion.weight_num * agg.numerator * den, den * agg.denominator
    score = Fraction(num, den * plan.weight_denominator) if scored else None
    return StationResult(plan.station.id, score, plan.max, len(cards), plan.station.panellists, tuple(criteria),
                         tuple(individual), tuple(flag_reasons))


def combine(rubric: PanelRubric, data: CandidateInput, stations: Sequence[StationResult]) -> Result:
    """The candidate's result from its stations' results (in the rubric's order) and its components."""
    individual: list[int] = []
    reasons: list[Reason] = []
    flag_reasons: list[Reason] = []
    for s in stations:
        individual += s.individual_marks
        flag_reasons += s.flag_reasons
        if s.scorecards < s.required:
            reasons.append(Reason("missing_scorecards", f"station {s.station_id} has {s.scorecards} of {s.required}"
                                                        " scorecards"))
    score = percent = None
    if all(s.score is not None for s in stations):
        score = exact_sum(s.score for s in stations)  # type: ignore[misc]
        percent = 100 * score / rubric.max_score
    raw_total, raw_max = sum(individual), len(individual) * rubric.scale_max
    missing_components = [c for c in rubric.components if data.components.get(c) is None]
    reasons += [Reason("missing_component", f"component {c} has no value") for c in missing_components]
    composite = None
    if percent is not None and not missing_components:
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
    appointable = None
    if status == "complete":
        failed = [r for r in (check_rule(rule, individual, stations, raw_total, raw_max, percent)
                              for rule in rubric.rules) if r is not None]
        appointable = not failed
        reasons += failed
    return Result(data.candidate_ref, status, score, rubric.max_score, percent, raw_total, raw_max, composite,
                  appointable, tuple(reasons), tuple(stations))
