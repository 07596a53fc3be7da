"""Request bodies as JSON (service/http.parse_json): what is refused before any schema sees it."""

from __future__ import annotations

import pytest

from service.errors import BadRequest, ValidationFailed
from service.http import parse_json
from service.validation import MAX_DEPTH


def nested(depth: int) -> bytes:
    return b'{"a": ' * (depth - 1) + b"{}" + b"}" * (depth - 1)


def test_nesting_up_to_the_limit_is_accepted_and_one_deeper_refused() -> None:
    assert parse_json(nested(MAX_DEPTH)) is not None
    with pytest.raises(BadRequest, match="nested too deeply"):
        parse_json(nested(MAX_DEPTH + 1))
    with pytest.raises(BadRequest, match="nested too deeply"):
        parse_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert parse_json(b'{"a": "' + b"[{" * MAX_DEPTH + b'"}') == {"a": "[{" * MAX_DEPTH}


@pytest.mark.parametrize(("raw", "pointer"), [
    (b'{"a": "x\\u0000y"}', "/a"),
    (b'{"a": ["ok", "\\ud800"]}', "/a/1"),
    (b'{"a": {"b": "\\uDFFF"}}', "/a/b"),
    (b'{"\\uDbff": 1}', "/\udbff"),
])
def test_text_postgresql_cannot_store_is_refused_with_its_pointer(raw: bytes, pointer: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_json(raw)
    assert [e.pointer for e in refused.value.errors] == [pointer]


def test_escapes_that_only_look_alike_are_accepted() -> None:
    # A literal backslash before "u0000", and a surrogate pair (one character outside the BMP).
    assert parse_json(b'{"a": "\\\\u0000", "b": "\\ud83d\\ude00", "c": "\\u00e9"}') == {
        "a": "\\u0000", "b": "\U0001f600", "c": "\u00e9"}
