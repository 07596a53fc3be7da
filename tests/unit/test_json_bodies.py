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


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-32-be"])
def test_json_in_another_unicode_encoding_is_refused_as_not_utf8(encoding: str) -> None:
    """JSON between systems is UTF-8: a UTF-16 or UTF-32 body (here one hiding a NUL) is a 400 (without a
    byte-order mark, its ASCII decodes as UTF-8 interleaved with NULs, which is not JSON)."""
    with pytest.raises(BadRequest, match=r"not UTF-8|not valid JSON"):
        parse_json('{"comment": "a\\u0000b"}'.encode(encoding))


def test_utf8_encoded_surrogates_and_a_byte_order_mark() -> None:
    with pytest.raises(BadRequest, match="not UTF-8"):
        parse_json(b'{"a": "\xed\xa0\x80"}')  # a surrogate encoded as if it were a character
    assert parse_json(b'\xef\xbb\xbf{"a": "\xc3\xa9"}') == {"a": "\u00e9"}
