"""The recruitment scoring (service/recruitment/domain/scoring.py) against a plain reference.

The reference below is the straightforward implementation of the scoring rules, without the module's
shortcuts: every sum a Fraction sum, medians from statistics.median, rounding by Decimal quantisation. The
module must give equal results, of the same types, and byte-identical JSON, for random candidates on the real
recruitment rubrics (rubrics/*.yaml), with both aggregations, missing scorecards and marks, moderations,
components and every appointability rule.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from statistics import median
from typing import Any

import orjson
import pytest
import yaml

from service import numbers
from service.numbers import exact
from service.recruitment.domain import scoring
from service.recruitment.domain.model import CandidateInput, Moderation, PanelRubric, Reason, Rule, Scorecard, Station
from service.recruitment.domain.render import render
from service.recruitment.domain.results import CriterionResult, Result, StationResult
from service.rubrics.domain.model import with_defaults

RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"


# --- the reference: the scoring rules, computed the plain way --------------------------------------------------

def ref_aggregate(marks: Sequence[int], how: str) -> Fraction | None:
    if not marks:
        return None
    if how == "median":
        return Fraction(median(Fraction(m) for m in marks))
    return Fraction(sum(marks), len(marks))


def ref_flagged(marks: Sequence[int], threshold: Fraction | int, moderated: bool) -> bool:
    return bool(marks) and not moderated and max(marks) - min(marks) >= threshold


def ref_sum(values: Iterable[Fraction]) -> Fraction:
    return sum(values, Fraction(0))


def ref_score_candidate(rubric: PanelRubric, data: CandidateInput) -> Result:
    station_max = {s.id: ref_sum(rubric.weights[c] for c in s.criteria) * rubric.scale_max for s in rubric.stations}
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
                aggregate=moderation.mark if moderation else ref_aggregate(values, rubric.aggregation),
                flagged=ref_flagged(values, math.ceil(rubric.threshold), moderation is not None),
                moderation=moderation))
        complete = all(c.aggregate is not None for c in criteria)
        threshold = ref_show(rubric.threshold)
        stations.append(StationResult(
            station_id=station.id,
            score=ref_sum(c.weight * c.aggregate for c in criteria) if complete else None,  # type: ignore[operator]
            max=station_max[station.id], scorecards=len(cards), required=station.panellists,
            criteria=tuple(criteria), individual_marks=tuple(m for c in criteria for m in c.marks.values()),
            flag_reasons=tuple(Reason("needs_moderation", f"marks for {c.criterion_id} at station {station.id} "
                                                          f"differ by {threshold} or more and are not moderated")
                               for c in criteria if c.flagged)))
        if len(cards) < station.panellists:
            reasons.append(Reason("missing_scorecards",
                                  f"station {station.id} has {len(cards)} of {station.panellists} scorecards"))

    max_score = ref_sum(station_max.values())
    score = None if any(s.score is None for s in stations) else ref_sum(s.score for s in stations)  # type: ignore[misc]
    percent = None if score is None else 100 * score / max_score
    raw_total, raw_max = sum(individual), len(individual) * rubric.scale_max
    missing_components = [c for c in rubric.components if data.components.get(c) is None]
    reasons += [Reason("missing_component", f"component {c} has no value") for c in missing_components]
    composite = None
    if percent is not None and not missing_components:
        composite = (1 - ref_sum(rubric.components.values())) * percent + ref_sum(
            w * exact(data.components[c]) for c, w in rubric.components.items())

    flags = [(s.station_id, c.criterion_id) for s in stations for c in s.criteria if c.flagged]
    if reasons:
        status = "incomplete"
    elif flags:
        status = "needs_moderation"
        reasons += [Reason("needs_moderation", f"marks for {cid} at station {sid} differ by "
                                               f"{ref_show(rubric.threshold)} or more and are not moderated")
                    for sid, cid in flags]
    else:
        status = "complete"

    appointable = None
    if status == "complete":
        failed = [r for r in (ref_check_rule(rule, individual, stations, raw_total, raw_max, percent)
                              for rule in rubric.rules) if r is not None]
        appointable = not failed
        reasons += failed
    return Result(data.candidate_ref, status, score, max_score, percent, raw_total, raw_max, composite,
                  appointable, tuple(reasons), tuple(stations))


def ref_check_rule(rule: Rule, marks: Sequence[int], stations: Sequence[StationResult], raw_total: int,
                   raw_max: int, percent: Fraction | None) -> Reason | None:
    v = rule.value
    if rule.kind in ("no_mark_at_or_below", "max_marks_at_or_below"):
        at_most = math.floor(v)
        low = sum(1 for m in marks if m <= at_most)
    if rule.kind == "no_mark_at_or_below":
        return Reason(rule.kind, f"{low} mark(s) at or below {ref_show(v)}") if low else None
    if rule.kind == "max_marks_at_or_below":
        return Reason(rule.kind, f"{low} mark(s) at or below {ref_show(v)}; at most {rule.count} allowed") \
            if low > (rule.count or 0) else None
    if rule.kind == "min_raw_total":
        return Reason(rule.kind, f"raw total {raw_total} is below {ref_show(v)}") if raw_total < v else None
    if rule.kind == "min_raw_percent":
        return Reason(rule.kind, f"raw total {raw_total} of {raw_max} is below {ref_show(v)} %") \
            if raw_total * 100 < v * raw_max else None
    if rule.kind == "min_percent":
        assert percent is not None
        return Reason(rule.kind, f"score {ref_round4(percent)} % is below {ref_show(v)} %") if percent < v else None
    if rule.kind == "no_aggregate_at_or_below":
        low_aggregates = [f"{c.criterion_id}@{s.station_id}" for s in stations for c in s.criteria
                          if c.aggregate is not None and c.aggregate <= v]
        return Reason(rule.kind, f"aggregate at or below {ref_show(v)}: {', '.join(low_aggregates)}") \
            if low_aggregates else None
    raise ValueError(f"unknown appointability rule {rule.kind}")


def ref_show(value: Fraction | int) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{ref_round4(value):g}"


def ref_round4(value: Fraction) -> int | float:
    quantised = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return int(quantised) if quantised == quantised.to_integral_value() else float(quantised)


def ref_number(value: Fraction | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value.denominator == 1 else float(value)


def ref_render(result: Result, rubric_pin: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "candidate_ref": result.candidate_ref,
        "status": result.status,
        "score": ref_number(result.score),
        "max_score": ref_number(result.max_score),
        "percent": None if result.percent is None else ref_round4(result.percent),
        "raw_total": result.raw_total,
        "raw_max": result.raw_max,
        "composite": None if result.composite is None else ref_round4(result.composite),
        "appointable": result.appointable,
        "reasons": [{"code": r.code, "detail": r.detail} for r in result.reasons],
        "stations": [{
            "station_id": s.station_id, "score": ref_number(s.score), "max": ref_number(s.max),
            "scorecards": s.scorecards, "panellists_required": s.required,
            "criteria": [{"criterion_id": c.criterion_id, "weight": ref_number(c.weight), "marks": c.marks,
                          "aggregate": ref_number(c.aggregate), "flagged": c.flagged, "moderated": c.moderated,
                          "moderation": None if c.moderation is None else {
                              "mark": ref_number(c.moderation.mark), "reason": c.moderation.reason,
                              "moderator_ref": c.moderation.moderator_ref}}
                         for c in s.criteria],
        } for s in result.stations],
        "rubric": dict(rubric_pin),
    }


# --- random inputs -------------------------------------------------------------------------------------------

def recruitment_documents() -> list[tuple[str, dict[str, Any]]]:
    docs = []
    for path in sorted(RUBRICS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict) and doc.get("purpose") == "recruitment":
            docs.append((path.stem, with_defaults(doc)))
    return docs


DOCUMENTS = recruitment_documents()
EVERY_RULE = [("no_mark_at_or_below", (1, 2, 1.5)), ("max_marks_at_or_below", (1, 2, 2.5, 3)),
              ("min_raw_total", (10, 24, 40, 60.5)), ("min_raw_percent", (50, 60, 62.5, 75)),
              ("min_percent", (40, 60, 66.6667, 80)), ("no_aggregate_at_or_below", (1, 2, 2.5, 3))]


def variant(rng: random.Random, doc: dict[str, Any]) -> PanelRubric:
    """The rubric, or a copy with other weights, threshold, aggregation, rules or components."""
    rubric = PanelRubric.from_document(doc)
    if rng.random() < 0.5:
        return dataclasses.replace(rubric, aggregation=rng.choice(["mean", "median"]))
    weights = {c: exact(rng.choice([0.1, 0.25, 0.3, 1, 1.5, 2, 2.75, 3])) if rng.random() < 0.5 else w
               for c, w in rubric.weights.items()}
    rules = tuple(Rule(kind, exact(rng.choice(values)), rng.randint(0, 4) if kind == "max_marks_at_or_below" else None)
                  for kind, values in rng.sample(EVERY_RULE, rng.randint(0, len(EVERY_RULE))))
    components = rng.choice([{}, dict(rubric.components), {"shortlisting": Fraction(1, 5), "portfolio": exact(0.15)}])
    return dataclasses.replace(rubric, weights=weights, aggregation=rng.choice(["mean", "median"]),
                               threshold=exact(rng.choice([1, 1.5, 2, 3])), rules=rules, components=components)


def candidate(rng: random.Random, rubric: PanelRubric, ref: str) -> CandidateInput:
    low, high = rubric.scale_min, rubric.scale_max
    spread = rng.choice([0, 1, 1, 2, high - low])  # mostly agreeing panels, so that many candidates are complete
    cards = []
    for station in rubric.stations:
        centre = rng.randint(low, high)
        count = station.panellists if rng.random() < 0.85 else rng.randint(0, station.panellists + 1)
        for p in rng.sample(range(8), count):
            marks = {c: min(high, max(low, centre + rng.randint(-spread, spread))) for c in station.criteria
                     if rng.random() < 0.97}  # now and then a criterion without a mark
            cards.append(Scorecard(station.id, f"panellist-{p}", marks))
    if rng.random() < 0.05 and cards:  # the same panellist twice at a station (the marks of the last one count)
        first = rng.choice(cards)
        cards.append(Scorecard(first.station_id, first.panellist_ref, dict.fromkeys(first.marks, low)))
    if rng.random() < 0.05:
        cards.append(Scorecard("not-a-station", "panellist-1", {"x": high}))
    rng.shuffle(cards)
    moderations = []
    for station in rubric.stations:
        for cid in station.criteria:
            if rng.random() < 0.08:
                mark = Fraction(rng.randint(2 * low, 2 * high), rng.choice([1, 2]))
                moderations.append(Moderation(station.id, cid, mark, "agreed at the wash-up", "chair"))
    components: dict[str, Any] = {}
    for cid in [*rubric.components, "portfolio", "shortlisting"]:
        choice = rng.random()
        if choice < 0.85:
            components[cid] = rng.choice([rng.randint(0, 100), round(rng.uniform(0, 100), rng.randint(0, 3))])
        elif choice < 0.92:
            components[cid] = None
    return CandidateInput(ref, cards, moderations, components)


def outcome(score: Any, rubric: PanelRubric, data: CandidateInput) -> Result | type[BaseException]:
    """The result, or the kind of error (a complete candidate with a criterion no panellist marked has no percent,
    so a min_percent rule fails its assertion: the optimised code must fail the same way)."""
    try:
        return score(rubric, data)  # type: ignore[no-any-return]
    except (AssertionError, TypeError, ValueError, ZeroDivisionError, KeyError) as error:
        return type(error)


def same_types(new: Any, ref: Any, where: str = "result") -> None:
    """Equal dataclasses whose numbers are also of the same types (3 == Fraction(3) == 3.0 would hide that)."""
    assert type(new) is type(ref), where
    if dataclasses.is_dataclass(new):
        for f in dataclasses.fields(new):
            same_types(getattr(new, f.name), getattr(ref, f.name), f"{where}.{f.name}")
    elif isinstance(new, tuple | list):
        assert len(new) == len(ref), where
        for i, (a, b) in enumerate(zip(new, ref, strict=True)):
            same_types(a, b, f"{where}[{i}]")
    elif isinstance(new, dict):
        assert list(new) == list(ref), where
        for key in new:
            same_types(new[key], ref[key], f"{where}[{key!r}]")
    else:
        assert new == ref, where


PIN = {"id": "rubric", "version": 3, "hash": "sha256:" + "ab" * 32}


@pytest.mark.parametrize(("name", "doc"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_random_candidates_score_and_render_as_the_reference(name: str, doc: dict[str, Any]) -> None:
    rng = random.Random(f"scoring-{name}")
    statuses: dict[str, int] = {}
    for i in range(1500):
        rubric = variant(rng, doc) if i % 5 else PanelRubric.from_document(doc)
        data = candidate(rng, rubric, f"C{i}")
        new, ref = outcome(scoring.score_candidate, rubric, data), outcome(ref_score_candidate, rubric, data)
        assert new == ref, f"candidate {i}"
        if not isinstance(ref, Result):
            statuses["error"] = statuses.get("error", 0) + 1
            continue
        assert isinstance(new, Result)
        same_types(new, ref)
        rendered, expected = render(new, PIN), ref_render(ref, PIN)
        assert rendered == expected
        same_types(rendered, expected, "render")
        assert orjson.dumps(rendered) == orjson.dumps(expected)
        statuses[new.status] = statuses.get(new.status, 0) + 1
    # the random candidates reach every status, so every branch was compared
    assert {"incomplete", "needs_moderation", "complete"} <= set(statuses), statuses
    assert min(statuses[s] for s in ("incomplete", "needs_moderation", "complete")) > 100, statuses


def test_the_st3_interview_as_the_benchmark_scores_it() -> None:
    """Many candidates on one rubric object: the per-rubric plans and the remembered aggregates are reused."""
    doc = dict(DOCUMENTS)["st3-interview"]
    rng = random.Random(3)
    for how in ("mean", "median"):
        rubric = dataclasses.replace(PanelRubric.from_document(doc), aggregation=how)
        for i in range(500):
            cards = [Scorecard(s.id, f"p{p}", {c: rng.randint(2, 5) for c in s.criteria})
                     for s in rubric.stations for p in range(rng.choice([2, 3]))]
            data = CandidateInput(f"C{i}", cards)
            new, ref = scoring.score_candidate(rubric, data), ref_score_candidate(rubric, data)
            assert new == ref
            same_types(new, ref)
            assert orjson.dumps(render(new, PIN)) == orjson.dumps(ref_render(ref, PIN))


def changed_at_one_station(rng: random.Random, rubric: PanelRubric, data: CandidateInput) -> tuple[CandidateInput, str]:
    """The candidate after one change at one station: a scorecard put (new or replaced, possibly for a station
    not in the rubric), or a moderation recorded (new or replaced)."""
    low, high = rubric.scale_min, rubric.scale_max
    station = rng.choice([*rubric.stations, Station("not-a-station", ("x",), 1)])
    if rng.random() < 0.7:
        panellist = f"panellist-{rng.randrange(8)}"
        marks = {c: rng.randint(low, high) for c in station.criteria if rng.random() < 0.97}
        cards = [c for c in data.scorecards if (c.station_id, c.panellist_ref) != (station.id, panellist)]
        return dataclasses.replace(data, scorecards=[*cards, Scorecard(station.id, panellist, marks)]), station.id
    criterion = rng.choice(station.criteria)
    mods = [m for m in data.moderations if (m.station_id, m.criterion_id) != (station.id, criterion)]
    mark = Fraction(rng.randint(2 * low, 2 * high), rng.choice([1, 2]))
    return dataclasses.replace(data, moderations=[*mods, Moderation(station.id, criterion, mark, "r", "m")]), station.id


@pytest.mark.parametrize(("name", "doc"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_a_change_rescored_from_the_result_before_it_equals_a_full_scoring(name: str, doc: dict[str, Any]) -> None:
    """Scoring and rendering only the station a change touches (taking the others from the result before the
    change and its JSON) gives the same result, and the same JSON byte for byte, as scoring the whole
    candidate; a chain of changes reuses each step's result, as the service does for one candidate's
    successive writes."""
    rng = random.Random(f"rescoring-{name}")
    reused = reused_json = 0
    for i in range(300):
        rubric = variant(rng, doc) if i % 5 else PanelRubric.from_document(doc)
        data = candidate(rng, rubric, f"C{i}")
        before = outcome(scoring.score_candidate, rubric, data)
        if not isinstance(before, Result):
            continue
        before_json = render(before, PIN)
        for _ in range(5):
            data, station = changed_at_one_station(rng, rubric, data)
            full = outcome(scoring.score_candidate, rubric, data)
            rescore = functools.partial(scoring.score_candidate, earlier=before, changed=(station,))
            partial = outcome(rescore, rubric, data)
            assert partial == full
            if not isinstance(full, Result):
                break
            assert isinstance(partial, Result)
            same_types(partial, full)
            partial_json = render(partial, PIN, earlier=(before, before_json))
            assert orjson.dumps(partial_json) == orjson.dumps(render(full, PIN))
            reused += sum(a is b for a, b in zip(partial.stations, before.stations, strict=True))
            reused_json += sum(a is b for a, b in zip(partial_json["stations"], before_json["stations"], strict=True))
            before, before_json = partial, partial_json
    assert reused > 1000  # most stations were taken from the result before, not scored again
    assert reused_json == reused  # nor rendered again


def test_round4_matches_decimal_quantisation() -> None:
    rng = random.Random(4)
    values = [Fraction(rng.randint(-10**7, 10**7), rng.randint(1, 10**rng.randint(0, 7))) for _ in range(20000)]
    values += [Fraction(2 * k + 1, 20000) for k in range(-2000, 2000)]  # exact ties: half up, away from zero
    values += [Fraction(2 * k + 1, 20000) + Fraction(s, 10**rng.randint(8, 45))  # next to a tie, either side:
               for k in range(-2000, 2000) for s in (-1, 1)]  # within 28 digits of it, Decimal lands on the tie
    values += [Fraction(rng.randint(1, 10**30), rng.randint(1, 10**25)) for _ in range(2000)]
    values += [Fraction(rng.randint(10**5, 10**23) * 20000 + 10000 + s, 20000 * 10**rng.randint(0, 3))  # large
               for _ in range(2000) for s in (-1, 0, 1)]
    values += [Fraction(10**6), Fraction(-10**6), Fraction(10**6 - 1, 1), Fraction(0), Fraction(-1, 10**5),
               Fraction(1, 3), Fraction(2, 3), Fraction(-2, 3), Fraction(123456785, 1000000)]
    for value in values:
        new, ref = numbers.round4(value), ref_round4(value)
        assert type(new) is type(ref) and new == ref, value
        assert repr(new) == repr(ref), value
        assert numbers.number_text(value) == ref_show(value), value
    for too_large in (Fraction(10**24), Fraction(-(10**25), 3)):  # more digits than Decimal's 28 once quantised
        with pytest.raises(InvalidOperation):
            ref_round4(too_large)
        with pytest.raises(InvalidOperation):
            numbers.round4(too_large)


def test_number_matches_int_and_float() -> None:
    rng = random.Random(5)
    values: list[Any] = [Fraction(rng.randint(-10**6, 10**6), rng.randint(1, 10**rng.randint(0, 40)))
                         for _ in range(5000)]
    values += [None, 0, 7, -3, True, Fraction(10**400), Fraction(5, 1)]
    for value in values:
        new, ref = numbers.json_number(value), ref_number(value)
        assert type(new) is type(ref) and new == ref, value
    for too_large in (Fraction(10**400, 3), Fraction(-(10**400), 7)):
        with pytest.raises(OverflowError):
            ref_number(too_large)
        with pytest.raises(OverflowError):
            numbers.json_number(too_large)


def test_aggregate_matches_the_statistics_median_and_the_mean() -> None:
    rng = random.Random(6)
    for _ in range(3000):
        marks: list[Any] = [rng.randint(0, 10) for _ in range(rng.randint(0, 7))]
        if rng.random() < 0.2:
            marks = [Fraction(m, rng.choice([1, 2, 3])) for m in marks]
        for how in ("mean", "median"):
            new, ref = scoring.aggregate(marks, how), ref_aggregate(marks, how)
            assert type(new) is type(ref) and new == ref, (marks, how)
    assert scoring.aggregate([1.5, 2.25], "median") == ref_aggregate([1.5, 2.25], "median") == Fraction(15, 8)
