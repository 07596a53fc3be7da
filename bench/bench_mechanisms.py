"""The per-request cost of each speed mechanism of the scorecard PUT, in-process, with and without it.

Each line gives microseconds per scorecard PUT with the mechanism and without it (for a mechanism the
code no longer has, a copy of it here), and the gain. A gain under 3 % of the web process's CPU per
PUT (`bench_recruitment`'s `web_cpu_ms_per_request`, 0.6-0.9 ms on the development machine, so
18-27 us) cannot move the PUT/bare ratio by 3 %; in-process figures on that machine vary by up to
a factor of two between runs, so compare the two columns of one run. bench/README.md records
which mechanisms were kept on that rule, beside whole runs of `bench_recruitment` with a
mechanism switched off (write batching and the candidate state cache act in PostgreSQL as much as
in this process, so only such runs measure them).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import orjson
from prometheus_client import CollectorRegistry, Counter, Histogram

from service.config import ROOT
from service.jsontext import rfc3339
from service.numbers import round4
from service.recruitment.domain.model import CandidateInput, PanelRubric, Scorecard
from service.recruitment.domain.render import render
from service.recruitment.domain.results import CriterionResult
from service.recruitment.domain.scoring import score_candidate
from service.rubrics.domain.model import with_defaults
from service.rubrics.domain.yaml_source import load
from service.web.bodies import decode
from service.web.validation import SchemaRegistry

BODY = b'{"marks":{"clinical_judgement":4,"clear_honest_explanation":3,"checking_understanding":5},' \
       b'"evidence":{"clinical_judgement":"Explained the risks and the plan clearly to the patient."}}'


def per_call_us(fn: Callable[[], Any], n: int = 20_000) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - started) / n)
    return round(best * 1e6, 3)


def pair(now: Callable[[], Any], other: Callable[[], Any], times: int = 1, n: int = 20_000) -> dict[str, float]:
    """Microseconds per PUT (`times` calls each) with the mechanism and without it."""
    a, b = per_call_us(now, n) * times, per_call_us(other, n) * times
    return {"with_us": round(a, 2), "without_us": round(b, 2), "gain_us": round(b - a, 2)}


def st3() -> tuple[PanelRubric, CandidateInput]:
    doc = with_defaults(load((ROOT / "rubrics" / "st3-interview.yaml").read_bytes()).data)
    rubric = PanelRubric.from_document(doc)
    cards = [Scorecard(s.id, f"p{p}", {c: 2 + (p + i) % 4 for i, c in enumerate(s.criteria)})
             for s in rubric.stations for p in (1, 2)]
    return rubric, CandidateInput("C1", cards)


def _per_second_clock() -> Callable[[], str]:
    """The timestamp cache that was removed: the date and time of day formatted once a second."""
    second_text: list[Any] = [None, ""]

    def now() -> str:
        t = time.time()
        second = int(t)
        if second != second_text[0]:
            second_text[:] = second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{second_text[1]}.{int((t - second) * 1000):03d}Z"
    return now


async def _chain(layers: int) -> float:
    """Microseconds per request of `layers` pass-through middlewares around a handler (aiohttp's chain)."""
    async def handler(request: Any) -> int:
        return 1

    async def layer(request: Any, handler: Callable[[Any], Any]) -> Any:
        return await handler(request)

    call = handler
    for _ in range(layers):
        call = functools.partial(layer, handler=call)
    n = 50_000
    started = time.perf_counter()
    for _ in range(n):
        await call(None)
    return (time.perf_counter() - started) / n * 1e6


async def run() -> dict[str, Any]:
    rubric, data = st3()
    registry = SchemaRegistry()
    document = decode(BODY)
    jsonschema_validator = registry.validator("scorecard-put")
    counter, histogram = (Counter("r", "r", ["route", "method", "status"], registry=CollectorRegistry()),
                          Histogram("l", "l", ["route", "method"], registry=CollectorRegistry()))
    plain_counts: dict[tuple[str, str, int], list[float]] = {}

    def plain_metrics() -> None:
        series = plain_counts.setdefault(("/v1/x", "PUT", 200), [0, 0.0])
        series[0] += 1
        series[1] += 0.004

    keys: dict[bytes, Any] = {b"k": object()}

    async def key_lookup() -> Any:
        return keys.get(b"k")

    async def awaited_lookups(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            await key_lookup()
        return (time.perf_counter() - started) / n * 1e6

    def sync_lookups(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            keys.get(b"k")
        return (time.perf_counter() - started) / n * 1e6

    ident = str(uuid.uuid4())
    cached_uuid = functools.lru_cache(maxsize=4096)(uuid.UUID)
    cached_fraction = functools.lru_cache(maxsize=16384)(Fraction)
    counter_ids = itertools.count(1)
    prefix = os.urandom(8).hex()
    result = score_candidate(rubric, data)
    station = rubric.stations[0].id
    changed = CandidateInput("C1", [Scorecard(c.station_id, c.panellist_ref, dict.fromkeys(c.marks, 5))
                                    if (c.station_id, c.panellist_ref) == (station, "p1") else c
                                    for c in data.scorecards])
    rescored = score_candidate(rubric, changed, earlier=result, changed=(station,))
    pin = {"id": "st3-interview", "version": 1, "hash": "0" * 64}
    result_json = render(result, pin)
    chained = [await _chain(layers) for layers in (1, 4)]
    validate_now = functools.partial(registry.errors, "scorecard-put", document)
    return {
        "note": "microseconds per scorecard PUT with and without each mechanism; gain = without - with",
        "kept": {
            "validation_fast_path (vs jsonschema alone)": pair(
                validate_now, lambda: list(jsonschema_validator.iter_errors(document))),
            "integer_scoring_core (vs plain Fraction sums)": _scoring_pair(rubric, data),
            "named_tuple_results (vs frozen dataclasses, ~16 per PUT)": pair(
                lambda: CriterionResult("c", Fraction(1), {}, None, False),
                lambda: _FrozenResult("c", Fraction(1), {}, None, False), times=16),
            "counter_request_ids (vs uuid4)": pair(lambda: f"{prefix}{next(counter_ids):016x}",
                                                   lambda: uuid.uuid4().hex),
            "reused_stations (a change at one station of four vs scoring all)": pair(
                lambda: score_candidate(rubric, changed, earlier=result, changed=(station,)),
                lambda: score_candidate(rubric, changed), n=5000),
            "reused_station_json (a change at one station of four vs rendering all)": pair(
                lambda: render(rescored, pin, earlier=(result, result_json)), lambda: render(rescored, pin), n=5000),
            "one_middleware (vs a chain of four)": {"with_us": round(chained[0], 2), "without_us": round(chained[1], 2),
                                                    "gain_us": round(chained[1] - chained[0], 2)},
        },
        "removed": {
            "orjson_body_parser (vs json.loads)": pair(lambda: orjson.loads(BODY), lambda: decode(BODY)),
            "per_second_timestamps": pair(_per_second_clock(), lambda: rfc3339(datetime.now(UTC)), times=2),
            "hand_counted_request_metrics (vs prometheus_client)": pair(
                plain_metrics, lambda: (counter.labels("/v1/x", "PUT", "200").inc(),
                                        histogram.labels("/v1/x", "PUT").observe(0.004))),
            "path_id_cache (2 ids per PUT)": pair(lambda: cached_uuid(ident), lambda: uuid.UUID(ident), times=2),
            "api_key_pre_check (vs one await)": {"with_us": round(sync_lookups(100_000), 3),
                                                 "without_us": round(await awaited_lookups(100_000), 3)},
            "fraction_cache (~12 Fractions per PUT)": pair(
                lambda: cached_fraction(37, 12), lambda: Fraction(37, 12), times=12),
            "integer_round4 (vs Decimal, 2 per PUT)": pair(
                lambda: _integer_round4(Fraction(2279, 36)), lambda: round4(Fraction(2279, 36)), times=2),
        },
    }


def _scoring_pair(rubric: PanelRubric, data: CandidateInput) -> dict[str, float]:
    from tests.recruitment.test_scoring_equivalence import ref_score_candidate  # the plain Fraction reference
    return pair(lambda: score_candidate(rubric, data), lambda: ref_score_candidate(rubric, data), n=2000)


def _integer_round4(value: Fraction) -> int | float:
    n, d = value.numerator, value.denominator
    q = (20000 * abs(n) + d) // (2 * d)
    q = -q if n < 0 else q
    return q // 10000 if q % 10000 == 0 else q / 10000


@dataclass(frozen=True, slots=True)
class _FrozenResult:
    criterion_id: str
    weight: Fraction
    marks: dict[str, int]
    aggregate: Fraction | None
    flagged: bool
    moderation: Any = None


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
