"""Prometheus metrics of one application instance (its own registry, so tests stay independent)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "HTTP request latency by route",
                                 ["route", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
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
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
