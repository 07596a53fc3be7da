"""Timestamps in JSON: RFC 3339 in UTC, to the millisecond, whatever zone the value is in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from service.jsontext import rfc3339


def test_utc_and_other_zones_are_written_in_utc_with_milliseconds() -> None:
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))) == \
        "2026-01-02T01:04:05.678Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))) == \
        "2026-01-02T08:34:05.000Z"
