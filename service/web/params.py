"""What a request says besides its body: ids and references in the path, query parameters, list pages, and
the media type it accepts."""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web

from service.jsontext import dumps
from service.web.problems import FieldError, NotAcceptable, NotFound, ValidationFailed

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_REF = 200  # characters of a reference an integrator's system gives in a path
MAX_SEQ = 2**63 - 1
T = TypeVar("T")


def path_id(request: web.Request, name: str, what: str) -> uuid.UUID:
    """An id in the path; a malformed one names nothing, so it is a 404 like any unknown one (never a 422)."""
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise NotFound(f"No {what} with this id") from None


def negotiate(request: web.Request, offers: Sequence[str], what: str) -> str:
    """The media type of `offers` the Accept header names first (parameters and q-values aside); `*/*`, and
    no header, take the first offer; 406 when none is acceptable."""
    for part in request.headers.get("Accept", "*/*").split(","):
        kind = part.split(";")[0].strip().lower()
        if kind in ("*/*", ""):
            return offers[0]
        family = kind.removesuffix("*")
        found = next((o for o in offers if o == kind or (kind.endswith("/*") and o.startswith(family))), None)
        if found is not None:
            return found
    raise NotAcceptable(f"{what} is available as {' or '.join(offers)}")


def path_ref(request: web.Request, name: str) -> str:
    """A reference in the path (a candidate's, a panellist's, a station's id): 1-MAX_REF characters, none of
    them a control character."""
    value = request.match_info[name]
    if not 1 <= len(value) <= MAX_REF:
        raise ValidationFailed(f"{name} must be 1-{MAX_REF} characters",
                               errors=[FieldError(f"must be 1-{MAX_REF} characters", parameter=name)])
    if any(unicodedata.category(c) == "Cc" for c in value):  # a tab or a line break splits rows and lines
        raise ValidationFailed(f"{name} must not contain control characters",
                               errors=[FieldError("must not contain control characters (tabs, line breaks, ...)",
                                                  parameter=name)])
    return value


def query_text(request: web.Request, name: str, *, max_length: int = MAX_REF) -> str | None:
    """An optional text query parameter (a reference to filter by) of at most `max_length` characters."""
    value = request.query.get(name)
    if value is not None and len(value) > max_length:
        raise ValidationFailed(f"Query parameter {name} must be at most {max_length} characters",
                               errors=[FieldError(f"must be at most {max_length} characters", parameter=name)])
    return value


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


def query_time(request: web.Request, name: str) -> datetime | None:
    """An optional RFC 3339 date-time with its offset (`2026-03-01T09:00:00Z`); 422 naming it otherwise."""
    raw = request.query.get(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValidationFailed(f"Query parameter {name} must be an RFC 3339 date-time",
                               errors=[FieldError("must be an RFC 3339 date-time with its offset, e.g. "
                                                  "2026-03-01T09:00:00Z", parameter=name)])
    return value


def page_limit(request: web.Request) -> int:
    return query_int(request, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)


def encode_cursor(position: Any) -> str:
    return base64.urlsafe_b64encode(dumps(position).encode()).decode().rstrip("=")


def seq_position(value: Any) -> int:
    """A cursor holding a row sequence number (bigint)."""
    if type(value) is not int or not 0 <= value <= MAX_SEQ:
        raise ValueError("not a sequence number")
    return value


def created_position(value: Any) -> tuple[datetime, uuid.UUID]:
    """A cursor of a list ordered by (created_at, id): [created_at ISO string, id string]."""
    created, ident = value
    if not isinstance(created, str) or not isinstance(ident, str):
        raise TypeError("not a (created_at, id) cursor")
    return datetime.fromisoformat(created), uuid.UUID(ident)


def created_cursor(row: Any) -> list[str]:
    """The created_position of a row, as its list's next_cursor encodes it."""
    return [row["created_at"].isoformat(), str(row["id"])]


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


def paged(rows: list[Any], limit: int, dump: Callable[[Any], Any],
          position: Callable[[Any], Any]) -> dict[str, Any]:
    """A list page from limit+1 fetched rows: the items and the cursor of the next page (or null)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [dump(r) for r in rows],
            "next_cursor": encode_cursor(position(rows[-1])) if more else None}
