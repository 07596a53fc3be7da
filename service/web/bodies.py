"""Request bodies: JSON only (UTF-8), parsed once, refused with a clear problem when they can't be stored."""

from __future__ import annotations

import asyncio
import codecs
import json
import math
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from service.pointers import escape
from service.schema_messages import PLAIN_FIELD_NAME
from service.web.appkeys import CONFIG, SCHEMAS
from service.web.problems import BadRequest, FieldError, RequestTimeout, UnsupportedMediaType, ValidationFailed
from service.web.validation import MAX_DEPTH, depth_exceeds

# In strictly decoded UTF-8, a JSON text can hold NUL or a lone surrogate only through these escapes.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def require_json(request: web.Request, what: str = "the body") -> None:
    """415 unless the request says its body is JSON."""
    ctype = request.content_type
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType(f"Send {what} as application/json, not {ctype or 'nothing'}")


OFF_LOOP_BYTES = 64 * 1024  # a larger body is parsed and validated in a thread, not on the event loop


async def read_body(request: web.Request) -> bytes:
    """The whole request body, or a 408 problem (the connection then closes) when it has not all arrived within
    BODY_TIMEOUT_SECONDS: a client trickling a body holds nothing for longer."""
    seconds = request.app[CONFIG].body_timeout_seconds
    try:
        async with asyncio.timeout(seconds):
            return await request.read()
    except TimeoutError:
        raise RequestTimeout(f"The request body did not arrive within {seconds} s",
                             extra={"limit": {"body_timeout_seconds": seconds}}) from None


async def read_json(request: web.Request, schema: str | None = None) -> Any:
    """The request body as JSON, validated against a schema from schemas/ (422 with pointers). A large body is
    read in a worker thread, so that no request holds up the others for the time it takes."""
    require_json(request)
    return await parse_json_aside(await read_body(request), request.app[SCHEMAS].errors if schema else None, schema)


# One thread for large bodies: the event loop then shares the interpreter with one parser at a time, not
# with one per large request (large bodies wait for each other, everyone else does not wait for them).
_LARGE_BODIES = ThreadPoolExecutor(max_workers=1, thread_name_prefix="large-bodies")


async def parse_json_aside(raw: bytes, check: Callable[[str, Any], list[FieldError]] | None = None,
                           schema: str | None = None) -> Any:
    """parse_json, in the large bodies' thread for a body over OFF_LOOP_BYTES."""
    if len(raw) > OFF_LOOP_BYTES:
        return await asyncio.get_running_loop().run_in_executor(_LARGE_BODIES, parse_json, raw, check, schema)
    return parse_json(raw, check, schema)


class _NotJsonNumber(ValueError):
    pass


def _not_json(constant: str) -> None:
    # NaN and Infinity are not JSON; a NaN would slip past every minimum/maximum in the schemas.
    raise _NotJsonNumber(f"{constant} is not a JSON number")


class _DuplicateKey(ValueError):
    pass




def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members as a dict, refused when a key repeats: JSON leaves duplicates undefined, and
    "last wins" would let a body say two things at once."""
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        # a key is named only when it is plainly a field name: any other text is the caller's own
        named = f'the key "{key}"' if PLAIN_FIELD_NAME.fullmatch(key) else "a key"
        raise _DuplicateKey(f"{named} appears more than once in one object")
    return members


MAX_INTEGER_DIGITS = 40  # beyond any 128-bit integer; Python refuses to read more than 4,300 digits at all


def _integer(text: str) -> int:
    """An integer, bounded before it is read: no field takes one of more than MAX_INTEGER_DIGITS digits."""
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _NotJsonNumber(f"an integer of more than {MAX_INTEGER_DIGITS} digits is not accepted")
    return int(text)


def _number(text: str) -> int | float:
    """A number written with a fraction or an exponent: an integer when its value is whole (4.0 and 4e0
    are the integer 4, as JSON Schema counts them, so a mark sent as 4.0 is the mark 4), else a float."""
    value = float(text)
    if math.isinf(value):  # 1e400: beyond every float, and no stored number can hold it
        raise _NotJsonNumber(f"{text} is too large a number")
    return int(value) if value.is_integer() else value


def decode(raw: bytes) -> Any:
    """The JSON document in `raw` (UTF-8, a byte-order mark let pass), or BadRequest saying what is wrong."""
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        # JSON between systems is UTF-8 (RFC 8259).
        return json.loads(body.decode("utf-8"), parse_constant=_not_json, parse_float=_number, parse_int=_integer,
                          object_pairs_hook=_unique_keys)
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8") from None
    except (_NotJsonNumber, _DuplicateKey) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise BadRequest("The JSON document is nested too deeply") from None


def parse_json(raw: bytes, check: Callable[[str, Any], list[FieldError]] | None = None,
               schema: str | None = None) -> Any:
    if not raw:
        raise BadRequest("The request body is empty; a JSON document is expected")
    data = decode(raw)
    # A document with fewer brackets than the limit can't be nested deeper.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and depth_exceeds(data):
        raise BadRequest("The JSON document is nested too deeply")
    unstorable = text_errors(data) if _SUSPECT_ESCAPE.search(raw) else []
    if unstorable:
        raise ValidationFailed("Some text can't be stored", errors=sorted(unstorable, key=lambda e: e.pointer or ""))
    if check is not None and schema is not None:
        errors = check(schema, data)
        if errors:
            raise ValidationFailed(f"{len(errors)} field(s) are not valid", errors=errors)
    return data


def bad_text(value: str) -> str | None:
    """Why a string can't be stored as PostgreSQL text (NUL, or not encodable as UTF-8), or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it contains a lone surrogate)"
    return None


def text_errors(data: Any, path: str = "") -> list[FieldError]:
    """Every string (and key) in a parsed JSON document that PostgreSQL could not store."""
    errors: list[FieldError] = []
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            reason = bad_text(node)
            if reason:
                errors.append(FieldError(reason, pointer=where))
        elif isinstance(node, dict):
            for key, value in node.items():
                reason = bad_text(key)
                if reason:  # the pointer names the object: a key that can't be stored can't be sent back either
                    errors.append(FieldError(f"has a field name that {reason}", pointer=where))
                else:
                    stack.append((value, where + "/" + escape(key)))
        elif isinstance(node, list):
            stack.extend((item, f"{where}/{i}") for i, item in enumerate(node))
    return errors
