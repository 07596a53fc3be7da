"""Request and response helpers shared by every route: JSON in, JSON out, query parameters, paging."""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson
from aiohttp import web

from service.jsontext import dumps, dumps_bytes
from service.pointers import escape
from service.tenants.domain.tokens import Caller
from service.web import problems as errors
from service.web.appkeys import SCHEMAS
from service.web.problems import BadRequest, FieldError, UnsupportedMediaType, ValidationFailed
from service.web.validation import MAX_DEPTH, depth_exceeds

CALLER = web.RequestKey("caller", Caller)
DEFAULT_LIMIT, MAX_LIMIT = 50, 200

H = TypeVar("H", bound=Callable[..., Any])


def requires(scope: str) -> Callable[[H], H]:
    """Mark a handler as needing an API key with this scope (checked by the auth middleware)."""
    def mark(handler: H) -> H:
        handler.required_scope = scope  # type: ignore[attr-defined]
        return handler
    return mark


def public(handler: H) -> H:
    """Mark a /v1 handler that authenticates itself (signed webhooks) instead of by API key."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


def caller(request: web.Request) -> Caller:
    return request[CALLER]


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps_bytes(data), status=status, content_type="application/json",
                        headers=headers)


def problem_response(problem: errors.Problem, request: web.Request) -> web.Response:
    """The problem+json answer of a problem."""
    response = web.Response(text=dumps(problem.body(request.path)), status=problem.status,
                            content_type=errors.PROBLEM_CONTENT_TYPE)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mlcf"'
    if isinstance(problem, errors.MethodNotAllowed) and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra.pop("allow"))
    return response


def require_json(request: web.Request, what: str = "the body") -> None:
    """415 unless the request says its body is JSON."""
    ctype = request.content_type
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise UnsupportedMediaType(f"Send {what} as application/json, not {ctype or 'nothing'}")


async def read_json(request: web.Request, schema: str | None = None) -> Any:
    """The request body as JSON, validated against a schema from schemas/ (422 with pointers)."""
    require_json(request)
    raw = await request.read()
    return parse_json(raw, request.app[SCHEMAS].errors if schema else None, schema)


_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# A run of digits that long may be an integer beyond 64 bits, which orjson would read as a float.
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


class _NotJsonNumber(ValueError):
    pass


def _not_json(constant: str) -> None:
    # NaN and Infinity are not JSON; a NaN would slip past every minimum/maximum in the schemas.
    raise _NotJsonNumber(f"{constant} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: beyond every float, and no stored number can hold it
        raise _NotJsonNumber(f"{text} is too large a number")
    return value


def _decoded(raw: bytes) -> Any:
    """The JSON document in `raw` (UTF-8, a byte-order mark let pass), or BadRequest saying what is wrong.

    orjson reads a well-formed document; whatever it refuses (or anything holding a run of digits that may be
    an integer beyond 64 bits) is read by the standard library, whose answer and error messages are the rule.
    """
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    if not _LONG_DIGITS.search(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        # JSON between systems is UTF-8 (RFC 8259).
        return json.loads(body.decode("utf-8"), parse_constant=_not_json, parse_float=_finite)
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8") from None
    except _NotJsonNumber as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise BadRequest("The JSON document is nested too deeply") from None


def parse_json(raw: bytes, check: Callable[[str, Any], list[FieldError]] | None = None,
               schema: str | None = None) -> Any:
    if not raw:
        raise BadRequest("The request body is empty; a JSON document is expected")
    data = _decoded(raw)
    # A document with fewer brackets than the limit can't be nested deeper; one without \u0000 or a
    # \uD800-\uDFFF escape (in strictly decoded UTF-8, the only ways to NUL or a lone surrogate) needs
    # no text check.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and depth_exceeds(data):
        raise BadRequest("The JSON document is nested too deeply")
    unstorable = text_errors(data) if b"\\u" in raw and _SUSPECT_ESCAPE.search(raw) else []
    if unstorable:
        raise ValidationFailed("Some text can't be stored", errors=sorted(unstorable, key=lambda e: e.pointer or ""))
    if check is not None and schema is not None:
        errors = check(schema, data)
        if errors:
            raise ValidationFailed(f"{len(errors)} field(s) are not valid", errors=errors)
    return data


def query_int(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationFailed(f"Query parameter {name} must be an integer from {low} to {high}",
                               errors=[FieldError(f"must be an integer from {low} to {high}", parameter=name)])
    return value


def query_choice(request: web.Request, name: str, choices: Sequence[str]) -> str | None:
    """An optional query parameter that must be one of `choices` (422 naming the parameter otherwise)."""
    value = request.query.get(name)
    if value is not None and value not in choices:
        allowed = ", ".join(choices)
        raise ValidationFailed(f"Query parameter {name} must be one of {allowed}",
                               errors=[FieldError(f"must be one of {allowed}", parameter=name)])
    return value


def encode_cursor(position: Any) -> str:
    return base64.urlsafe_b64encode(dumps(position).encode()).decode().rstrip("=")


T = TypeVar("T")
MAX_SEQ = 2**63 - 1


def seq_position(value: Any) -> int:
    """A cursor holding a row sequence number (bigint)."""
    if type(value) is not int or not 0 <= value <= MAX_SEQ:
        raise ValueError("not a sequence number")
    return value


def decode_cursor(request: web.Request, shape: Callable[[Any], T] = seq_position) -> T | None:  # type: ignore[assignment]
    """The position a `next_cursor` encoded, checked by `shape` (which raises on anything else): 422 if bad."""
    raw = request.query.get("cursor")
    if raw is None or raw == "":
        return None
    try:
        return shape(json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))))
    except (binascii.Error, ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise ValidationFailed("The cursor is not one this service issued",
                               errors=[FieldError("is not a valid cursor", parameter="cursor")]) from None


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
                child = where + "/" + escape(key)
                reason = bad_text(key)
                if reason:
                    errors.append(FieldError(f"field name {reason}", pointer=child))
                stack.append((value, child))
        elif isinstance(node, list):
            stack.extend((item, f"{where}/{i}") for i, item in enumerate(node))
    return errors


def page_limit(request: web.Request) -> int:
    return query_int(request, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)


def paged(rows: list[Any], limit: int, dump: Callable[[Any], Any],
          position: Callable[[Any], Any]) -> dict[str, Any]:
    """A list page from limit+1 fetched rows: the items and the cursor of the next page (or null)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [dump(r) for r in rows],
            "next_cursor": encode_cursor(position(rows[-1])) if more else None}
