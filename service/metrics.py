"""Prometheus metrics of one application instance (its own registry, so tests stay independent)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests by route, method and status",
            ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram(
            "http_request_duration_seconds", "HTTP request latency by route",
            ["route", "method"], registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
        self.pool_size = Gauge("db_pool_connections", "Connections in the pool", registry=self.registry)
        self.pool_idle = Gauge("db_pool_idle_connections", "Idle connections in the pool",
                               registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
