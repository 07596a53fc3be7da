"""JSON out (service/jsontext.py): one encoding for every document, and timestamps in RFC 3339 UTC."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from service.jsontext import dumps_bytes, rfc3339, rfc3339_now


def test_utc_and_other_zones_are_written_in_utc_with_milliseconds() -> None:
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))) == \
        "2026-01-02T01:04:05.678Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))) == \
        "2026-01-02T08:34:05.000Z"


def test_now_is_written_in_rfc3339_with_milliseconds() -> None:
    before = datetime.now(UTC)
    written = datetime.fromisoformat(rfc3339_now().replace("Z", "+00:00"))
    assert before - timedelta(milliseconds=1) <= written <= datetime.now(UTC)


def test_values_beyond_plain_json() -> None:
    when = datetime(2026, 3, 4, 5, 6, 7, 8000, tzinfo=UTC)
    data = {"id": uuid.UUID(int=5), "at": when, "whole": Decimal("3"), "part": Decimal("2.5")}
    assert json.loads(dumps_bytes(data)) == {"id": "00000000-0000-0000-0000-000000000005",
                                             "at": "2026-03-04T05:06:07.008Z", "whole": 3,
                                             "part": 2.5}
    assert dumps_bytes({"k": 1, "s": "é"}) == '{"k":1,"s":"é"}'.encode()  # compact, UTF-8
