"""The retry schedule with jitter, Retry-After, and the decision after each attempt, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from service.config import DEFAULT_RETRY_SCHEDULE, Config
from service.webhooks.domain import delivery
from service.webhooks.domain.delivery import Decision, Outcome, State

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_without_configuration_a_failing_message_is_retried_after_5_s_5_min_30_min_2_h_5_h_10_h_10_h() -> None:
    schedule = Config.from_env({}).webhook_retry_schedule
    waits = []
    for failures in range(8):
        decision = delivery.decide(Outcome.HTTP_ERROR, failures, schedule, rand=0.5)
        waits.append(decision.delay if decision.state is State.PENDING else decision.state)
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000, State.DEAD]


def test_waits_follow_the_schedule_then_stop() -> None:
    waits = [delivery.retry_delay(n, DEFAULT_RETRY_SCHEDULE, rand=0.5) for n in range(1, 9)]
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000, None]  # 1 + 7 attempts, then dead


@pytest.mark.parametrize("rand", [0.0, 0.25, 0.999999])
def test_jitter_stays_within_twenty_percent(rand: float) -> None:
    wait = delivery.retry_delay(2, DEFAULT_RETRY_SCHEDULE, rand=rand)
    assert wait is not None and 240 <= wait <= 360
    assert delivery.retry_delay(2, DEFAULT_RETRY_SCHEDULE, rand=0.0) == 240
    assert delivery.retry_delay(2, DEFAULT_RETRY_SCHEDULE, rand=0.75) == pytest.approx(330)


def test_failures_start_at_one() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        delivery.retry_delay(0, DEFAULT_RETRY_SCHEDULE, rand=0.5)


@pytest.mark.parametrize(("status", "outcome"), [
    (200, Outcome.SUCCESS), (204, Outcome.SUCCESS), (299, Outcome.SUCCESS),
    (301, Outcome.REDIRECT), (302, Outcome.REDIRECT), (307, Outcome.REDIRECT), (308, Outcome.REDIRECT),
    (304, Outcome.REDIRECT), (410, Outcome.GONE), (400, Outcome.HTTP_ERROR), (429, Outcome.HTTP_ERROR),
    (500, Outcome.HTTP_ERROR), (503, Outcome.HTTP_ERROR), (101, Outcome.HTTP_ERROR),
])
def test_only_2xx_is_success(status: int, outcome: Outcome) -> None:
    assert delivery.classify(status) is outcome


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    (" 7 ", 7.0),
    (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
    (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),
    ("999999999", 86400.0),
    (format_datetime(NOW + timedelta(days=30), usegmt=True), 86400.0),
    ("soon", None), ("-5", None), ("1.5", None), ("", None), (None, None),
])
def test_retry_after_is_seconds_or_an_http_date_capped_at_a_day(header: str | None, seconds: float | None) -> None:
    assert delivery.parse_retry_after(header, NOW) == seconds


def test_decisions() -> None:
    schedule = (5, 300)
    assert delivery.decide(Outcome.SUCCESS, 1, schedule, 0.5) == Decision(State.DELIVERED)
    assert delivery.decide(Outcome.GONE, 0, schedule, 0.5) == Decision(State.DEAD, disable_endpoint=True)
    assert delivery.decide(Outcome.HTTP_ERROR, 0, schedule, 0.5) == Decision(State.PENDING, 5.0)
    assert delivery.decide(Outcome.TIMEOUT, 1, schedule, 0.5) == Decision(State.PENDING, 300.0)
    assert delivery.decide(Outcome.CONNECTION_ERROR, 2, schedule, 0.5) == Decision(State.DEAD)
    assert delivery.decide(Outcome.REDIRECT, 0, schedule, 0.5).state is State.PENDING


def test_retry_after_postpones_but_never_hastens_a_retry() -> None:
    assert delivery.decide(Outcome.HTTP_ERROR, 0, (5,), 0.5, retry_after=120) == Decision(State.PENDING, 120.0)
    assert delivery.decide(Outcome.HTTP_ERROR, 0, (300,), 0.5, retry_after=1) == Decision(State.PENDING, 300.0)
    assert delivery.decide(Outcome.HTTP_ERROR, 1, (5,), 0.5, retry_after=120) == Decision(State.DEAD)
