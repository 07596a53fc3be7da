"""Ids in paths: a malformed id names nothing, so it is a 404 like any unknown one (never a 422)."""

from __future__ import annotations

import uuid
from functools import lru_cache

from aiohttp import web

from service.web.problems import NotFound


def path_id(request: web.Request, name: str, what: str) -> uuid.UUID:
    try:
        return _parsed(request.match_info[name])
    except ValueError:
        raise NotFound(f"No {what} with this id") from None


@lru_cache(maxsize=4096)
def _parsed(text: str) -> uuid.UUID:
    """A path's id, parsed once: the same few (a campaign's) come back on request after request."""
    return uuid.UUID(text)


def plain_uuid(value: uuid.UUID) -> uuid.UUID:
    """An id read by asyncpg (its own UUID subclass) as the standard library's, which JSON encoding writes
    without a call back into Python: for ids kept and written again and again (a kept candidate state, a key)."""
    return value if type(value) is uuid.UUID else uuid.UUID(bytes=value.bytes)
