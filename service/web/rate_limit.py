"""Requests per API key, limited by a token bucket in each web process (RATE_LIMIT_PER_MINUTE, off when 0).

A key's bucket holds up to `burst` requests and refills at `per_minute` a minute; a request finding it
empty is a 429 whose Retry-After says when the next one will be let through. The buckets live in the
process: behind N replicas a key may make up to N times the limit (README, Operations)."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("per_minute and burst must be at least 1")
        self.per_minute, self.burst = per_minute, burst
        self._rate = per_minute / 60  # tokens a second
        self._clock = clock
        self._buckets: dict[uuid.UUID, _Bucket] = {}

    def wait(self, key_id: uuid.UUID) -> int:
        """Take one request from the key's bucket: 0 if it may go now, else the whole seconds to wait."""
        now = self._clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))


RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
