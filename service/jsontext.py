"""JSON out: the one encoder for responses, stored JSON and webhook bodies (compact, UTF-8)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
# Keys that are not strings (a rubric scale's labels by mark) are written as strings, with this option, which
# slows every dict down: only documents that have such keys are encoded again with it (the same bytes).
_NON_STR_KEYS = _OPTIONS | orjson.OPT_NON_STR_KEYS


def rfc3339(value: datetime) -> str:
    if value.tzinfo is not UTC:  # asyncpg's and datetime.now(UTC)'s already are
        value = value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_SECOND: list[Any] = [None, ""]  # the last whole second rfc3339_now wrote, and its text up to the seconds


def rfc3339_now() -> str:
    """rfc3339(datetime.now(UTC)), the same text: the date and time of day written once a second."""
    now = time.time()
    second = int(now)
    micro = round((now - second) * 1_000_000)  # to the microsecond, as datetime takes the time
    if micro == 1_000_000:
        second, micro = second + 1, 0
    if second != _SECOND[0]:
        _SECOND[:] = second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{_SECOND[1]}.{micro // 1000:03d}Z"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, uuid.UUID):  # asyncpg's own UUID subclass, which orjson does not take as one
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps_bytes(data: Any) -> bytes:
    try:
        return orjson.dumps(data, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        pass
    try:
        return orjson.dumps(data, default=_default, option=_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits (and text that is not Unicode, which this refuses in turn).
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=_default).encode()


def dumps(data: Any) -> str:
    return dumps_bytes(data).decode()
