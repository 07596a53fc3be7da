"""Prometheus metrics of one application instance (its own registry, so tests stay independent)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class RequestMetrics(Collector):
    """`http_requests_total` by route, method and status and `http_request_duration_seconds` by route and
    method, counted in plain numbers on each request (one event loop: no locks) and turned into metrics
    only when scraped."""

    def __init__(self) -> None:
        # (route, method, status) -> [count, seconds, count per latency bucket (the last one: beyond them)]
        self._series: dict[tuple[str, str, int], list[int | float | list[int]]] = {}

    def done(self, route: str, method: str, status: int, seconds: float) -> None:
        series = self._series.get((route, method, status))
        if series is None:
            series = self._series[(route, method, status)] = [0, 0.0, [0] * (len(LATENCY_BUCKETS) + 1)]
        series[0] += 1  # type: ignore[operator]
        series[1] += seconds  # type: ignore[operator]
        series[2][bisect_left(LATENCY_BUCKETS, seconds)] += 1  # type: ignore[index]

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily("http_requests", "HTTP requests by route, method and status",
                                       labels=["route", "method", "status"])
        latency = HistogramMetricFamily("http_request_duration_seconds", "HTTP request latency by route",
                                        labels=["route", "method"])
        by_route: dict[tuple[str, str], tuple[list[int], float]] = {}
        for (route, method, status), (count, seconds, buckets) in self._series.items():
            requests.add_metric([route, method, str(status)], count)
            counts, total = by_route.get((route, method), ([0] * len(buckets), 0.0))
            by_route[(route, method)] = ([a + b for a, b in zip(counts, buckets, strict=True)], total + seconds)
        for (route, method), (counts, total) in by_route.items():
            cumulative, running = [], 0
            for bound, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), counts, strict=True):
                running += count
                cumulative.append((bound, running))
            latency.add_metric([route, method], cumulative, total)
        yield requests
        yield latency


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = RequestMetrics()
        self.registry.register(self.requests)
        self.pool_size = Gauge("db_pool_connections", "Connections in the pool", registry=self.registry)
        self.pool_idle = Gauge("db_pool_idle_connections", "Idle connections in the pool",
                               registry=self.registry)
        self.outbox_pending = Gauge("webhook_outbox_pending", "Outbound webhook messages waiting for delivery",
                                    registry=self.registry)
        self.outbox_oldest_age = Gauge("webhook_outbox_oldest_pending_seconds",
                                       "Age of the oldest outbound webhook message still pending",
                                       registry=self.registry)
        self.delivery_attempts = Counter("webhook_delivery_attempts_total",
                                         "Outbound webhook delivery attempts made by this process, by outcome",
                                         ["outcome"], registry=self.registry)
        self.receipts = Counter("webhook_receipts_total", "Signed inbound webhooks recorded, by outcome",
                                ["outcome"], registry=self.registry)
        # Async refreshers run before each scrape (figures that live in the database, e.g. outbox depth).
        self.refreshers: list[Callable[[], Awaitable[None]]] = []

    async def refresh(self) -> None:
        for refresher in self.refreshers:
            await refresher()

    def request_done(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.done(route, method, status, seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
