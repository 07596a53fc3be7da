"""What happens after a webhook delivery attempt: success, a retry (when, with jitter), dead, or disable."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

JITTER = 0.2                   # each wait is stretched or shrunk by up to 20 % so retries do not stampede
MAX_RETRY_AFTER = 24 * 3600.0  # a receiver cannot park a message for longer than a day


class Outcome(StrEnum):
    SUCCESS = "success"                  # 2xx
    HTTP_ERROR = "http_error"            # any other status (4xx, 5xx, 1xx)
    REDIRECT = "redirect"                # 3xx: never followed, a failure
    GONE = "gone"                        # 410: the receiver asks us to stop
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    BLOCKED = "blocked"                  # the SSRF guard refused the destination


class State(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Decision:
    state: State
    delay: float | None = None     # seconds until the next attempt, when pending
    disable_endpoint: bool = False


def classify(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.SUCCESS
    if status == 410:
        return Outcome.GONE
    if 300 <= status < 400:
        return Outcome.REDIRECT
    return Outcome.HTTP_ERROR


def retry_delay(failures: int, schedule: Sequence[float], rand: float, jitter: float = JITTER) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt in a row, or None when none is left.

    The first attempt is immediate, so a schedule of n waits allows n + 1 attempts. `rand` is a
    uniform number in [0, 1) supplied by the caller (deterministic in tests).
    """
    if failures < 1:
        raise ValueError("failures counts failed attempts and starts at 1")
    if failures > len(schedule):
        return None
    return max(0.0, schedule[failures - 1] * (1 + jitter * (2 * rand - 1)))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds asked for by a `Retry-After` header (delta-seconds or an HTTP date), capped; None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


def decide(outcome: Outcome, failures_before: int, schedule: Sequence[float], rand: float,
           retry_after: float | None = None) -> Decision:
    """The message's next state after an attempt with this outcome."""
    if outcome is Outcome.SUCCESS:
        return Decision(State.DELIVERED)
    if outcome is Outcome.GONE:
        return Decision(State.DEAD, disable_endpoint=True)
    delay = retry_delay(failures_before + 1, schedule, rand)
    if delay is None:
        return Decision(State.DEAD)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return Decision(State.PENDING, delay)
