"""Ids in paths: a malformed id names nothing, so it is a 404 like any unknown one (never a 422)."""

from __future__ import annotations

import uuid

from aiohttp import web

from .errors import NotFound


def path_id(request: web.Request, name: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise NotFound(f"No {what} with this id") from None
