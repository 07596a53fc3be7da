"""Request bodies as JSON (service/http.parse_json): what is refused before any schema sees it."""

from __future__ import annotations

import json

import pytest

from service.web.bodies import parse_json
from service.web.problems import BadRequest, ValidationFailed
from service.web.validation import MAX_DEPTH


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
    (b'{"\\uDbff": 1}', ""),  # a field name that can't be stored: the pointer names its object
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


def test_integers_beyond_64_bits_stay_exact_integers_up_to_40_digits() -> None:
    big = 2**70 + 1
    assert parse_json(f'{{"a": {big}, "b": -{big}}}'.encode()) == {"a": big, "b": -big}
    assert type(parse_json(b'{"a": 18446744073709551616}')["a"]) is int
    # A long run of digits inside a string takes the same (slower) way and reads the same.
    assert parse_json(b'{"a": "12345678901234567890", "b": 1.5}') == {"a": "12345678901234567890", "b": 1.5}
    assert parse_json(b'{"a": ' + b"9" * 40 + b"}") == {"a": 10**40 - 1}
    with pytest.raises(BadRequest, match="more than 40 digits"):
        parse_json(b'{"a": -' + b"9" * 41 + b"}")


@pytest.mark.parametrize("raw", [
    b'{"a": -0.0, "b": 0.1, "c": 1e-7, "d": 123456789012345678}', b'[true, false, null]',
    b'{"a": "\\u00e9\\n\\"\\\\", "b": [1.0, 2.50, 3e2]}', b' \t\r\n{"a" : [ ] }\n',
])
def test_documents_read_as_the_standard_library_reads_them_with_whole_numbers_as_ints(raw: bytes) -> None:
    def whole_as_int(text: str) -> int | float:
        value = float(text)
        return int(value) if value.is_integer() else value
    parsed = parse_json(raw)
    assert parsed == json.loads(raw)
    # the same types too, but for whole numbers written 1.0 or 3e2, which JSON Schema counts as integers
    assert repr(parsed) == repr(json.loads(raw, parse_float=whole_as_int))
    assert "1.0" not in repr(parsed) and "300.0" not in repr(parsed)


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"a": 1', "Expecting ',' delimiter at line 1 column 8"),
    (b'{"a": tru}', "Expecting value at line 1 column 7"),
    (b"{'a': 1}", "Expecting property name enclosed in double quotes at line 1 column 2"),
    # numbers beyond every float, which the standard library would read as infinity
    (b'{"a": 1e400}', "1e400 is too large a number"),
    (b'{"a": -1e400}', "-1e400 is too large a number"),
    (b'{"a": [1E+999]}', "1E+999 is too large a number"),
    # a key twice in one object: refused rather than "last wins", named only when it is plainly a field name
    (b'{"marks": {"a": 5, "a": 1}}', 'the key "a" appears more than once in one object'),
    (b'{"b": 1, "c": {}, "b": 1}', 'the key "b" appears more than once in one object'),
    (b'{"Bearer tok/en==": 1, "Bearer tok/en==": 2}', "a key appears more than once in one object"),
])
def test_malformed_documents_are_described(raw: bytes, message: str) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_json(raw)
    assert refused.value.detail == f"The body is not valid JSON: {message}"


def test_the_same_key_in_different_objects_is_not_a_duplicate() -> None:
    assert parse_json(b'[{"a": 1}, {"a": 2, "b": {"a": 3}}]') == [{"a": 1}, {"a": 2, "b": {"a": 3}}]
