"""Request metrics: counts by route, method and status, and a cumulative latency histogram by route and method."""

from __future__ import annotations

from service.web.metrics import Metrics


def samples(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}


def test_counts_by_status_and_a_cumulative_latency_histogram_by_route() -> None:
    metrics = Metrics()
    for seconds in (0.001, 0.002, 0.003, 0.05, 7.0):  # 0.002 and 0.05 sit exactly on a bucket's bound
        metrics.request_done("/v1/things/{id}", "PUT", 200, seconds)
    metrics.request_done("/v1/things/{id}", "PUT", 422, 0.004)
    metrics.request_done("/healthz", "GET", 200, 0.0001)
    got = samples(metrics.render().decode())
    assert got['http_requests_total{method="PUT",route="/v1/things/{id}",status="200"}'] == 5
    assert got['http_requests_total{method="PUT",route="/v1/things/{id}",status="422"}'] == 1
    assert got['http_requests_total{method="GET",route="/healthz",status="200"}'] == 1

    def bucket(le: str) -> float:
        return got[f'http_request_duration_seconds_bucket{{le="{le}",method="PUT",route="/v1/things/{{id}}"}}']

    # le is "at or below": statuses of one route and method share its histogram
    assert [bucket(le) for le in ("0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "5.0", "+Inf")] == \
        [2, 4, 4, 4, 5, 5, 5, 6]
    assert got['http_request_duration_seconds_count{method="PUT",route="/v1/things/{id}"}'] == 6
    assert abs(got['http_request_duration_seconds_sum{method="PUT",route="/v1/things/{id}"}'] - 7.06) < 1e-9
