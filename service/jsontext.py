"""JSON out: the one encoder for responses, stored JSON and webhook bodies (compact, UTF-8), and RFC 3339 time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

# Timestamps are written by _default (RFC 3339, milliseconds, Z), not in orjson's own form.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc3339_now() -> str:
    return rfc3339(datetime.now(UTC))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, uuid.UUID):  # asyncpg's own UUID subclass, which orjson does not take as one
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps_bytes(data: Any) -> bytes:
    return orjson.dumps(data, default=_default, option=_OPTIONS)


def dumps(data: Any) -> str:
    return dumps_bytes(data).decode()
