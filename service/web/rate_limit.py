"""Token buckets in each web process: requests per API key (RATE_LIMIT_PER_MINUTE, off when 0), and failed
authentications per client address (AUTH_FAILURES_PER_MINUTE, on by default).

A bucket holds up to `burst` requests and refills at `per_minute` a minute; a request finding it empty is a
429 whose Retry-After says when the next one will be let through. The buckets live in the process: behind N
replicas a key may make up to N times the limit (README, Operations). At most `max_keys` buckets are kept;
beyond that the longest unused is dropped (a dropped bucket starts full again)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from aiohttp import web


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic, *,
                 max_keys: int = 100_000) -> None:
        if per_minute < 1 or burst < 1:
            raise ValueError("per_minute and burst must be at least 1")
        self.per_minute, self.burst = per_minute, burst
        self._rate = per_minute / 60  # tokens a second
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[Hashable, _Bucket] = {}

    def _bucket(self, key: Hashable) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.pop(key, None)  # re-inserted last: the dict's order is the order of use
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
            if len(self._buckets) >= self._max_keys:
                del self._buckets[next(iter(self._buckets))]
        self._buckets[key] = bucket
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        return bucket

    def _seconds(self, bucket: _Bucket) -> int:
        return 0 if bucket.tokens >= 1 else max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def wait(self, key: Hashable) -> int:
        """Take one request from the key's bucket: 0 if it may go now, else the whole seconds to wait."""
        bucket = self._bucket(key)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        return self._seconds(bucket)

    def blocked(self, key: Hashable) -> int:
        """0 if the key's bucket has a request left (nothing is taken), else the whole seconds to wait."""
        return self._seconds(self._bucket(key))

    def charge(self, key: Hashable) -> None:
        """Take one request from the key's bucket (it may go below one: the wait grows with each)."""
        self._bucket(key).tokens -= 1


RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
AUTH_FAILURES = web.AppKey("auth_failures", RateLimiter)
