"""JSON out (service/jsontext.py): one encoding for every document, and timestamps in RFC 3339 UTC."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import orjson

from service import jsontext
from service.jsontext import dumps_bytes, rfc3339, rfc3339_now


def test_utc_and_other_zones_are_written_in_utc_with_milliseconds() -> None:
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))) == \
        "2026-01-02T01:04:05.678Z"
    assert rfc3339(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))) == \
        "2026-01-02T08:34:05.000Z"


def test_now_is_written_as_rfc3339_writes_the_same_instant(monkeypatch) -> None:
    # Instants within one second, across a second, a minute, a day and a year, each written afresh and after
    # another instant of the same second (whose date and time of day are reused).
    for instant in (datetime(2026, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
                    datetime(2027, 1, 1, 0, 0, 0, 1000, tzinfo=UTC), datetime(2026, 3, 4, 5, 6, 7, 250000, tzinfo=UTC),
                    datetime(2026, 3, 4, 5, 6, 7, 999000, tzinfo=UTC), datetime(2026, 3, 4, 5, 6, 8, 5000, tzinfo=UTC)):
        monkeypatch.setattr(jsontext.time, "time", lambda instant=instant: instant.timestamp())
        assert rfc3339_now() == rfc3339(instant)
    monkeypatch.undo()
    before = datetime.now(UTC)
    written = datetime.fromisoformat(rfc3339_now().replace("Z", "+00:00"))
    assert before - timedelta(milliseconds=1) <= written <= datetime.now(UTC)


def test_documents_with_keys_that_are_not_strings_are_encoded_as_with_string_keys() -> None:
    scale = {"labels": {1: "Poor", 5: "Excellent"}, "nested": [{2: {"x": 3}}]}
    assert dumps_bytes(scale) == orjson.dumps(scale, option=orjson.OPT_NON_STR_KEYS)
    assert json.loads(dumps_bytes(scale)) == {"labels": {"1": "Poor", "5": "Excellent"}, "nested": [{"2": {"x": 3}}]}


def test_values_beyond_plain_json() -> None:
    when = datetime(2026, 3, 4, 5, 6, 7, 8000, tzinfo=UTC)
    data = {"id": uuid.UUID(int=5), "at": when, "big": 2**70, "whole": Decimal("3"), "part": Decimal("2.5")}
    assert json.loads(dumps_bytes(data)) == {"id": "00000000-0000-0000-0000-000000000005",
                                             "at": "2026-03-04T05:06:07.008Z", "big": 2**70, "whole": 3,
                                             "part": 2.5}
    assert dumps_bytes({"k": 1, "s": "é"}) == '{"k":1,"s":"é"}'.encode()  # compact, UTF-8


def test_ids_read_by_asyncpg_are_kept_as_the_standard_librarys() -> None:
    from asyncpg.pgproto import pgproto

    from service.web.params import plain_uuid

    read = pgproto.UUID(uuid.UUID(int=7).bytes)
    kept = plain_uuid(read)
    assert type(kept) is uuid.UUID and kept == read and hash(kept) == hash(read)
    assert orjson.dumps({"id": kept}) == b'{"id":"00000000-0000-0000-0000-000000000007"}'  # natively
    assert plain_uuid(kept) is kept
