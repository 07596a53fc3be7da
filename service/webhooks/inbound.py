"""Inbound event types: a registry of (type, JSON Schema, handler) that modules add their events to.

A module declares an event once, at import time::

    @inbound_event("roster.updated", schema="events/roster-updated")
    async def roster_updated(conn, ctx, data):
        ...  # write through store functions (never commit), audit with ctx.caller
        return {"roster_id": str(roster_id)}

The handler runs inside the transaction that records the receipt, so its effect and the receipt
commit together. It returns the JSON body answered to the sender (and replayed on duplicates), or
raises a Problem (4xx: recorded and replayed, the effect rolled back; 5xx or NotYet: nothing recorded,
so the sender's retry is processed again).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from service.tenants.domain.callers import SystemCaller
from service.web.problems import Conflict


@dataclass(frozen=True, slots=True)
class HookContext:
    """Who sent the event: the organisation (as an audit caller), the source and the webhook id; and the app
    receiving it (for the shared resources a handler reads: configuration, the rubric catalogue)."""

    caller: SystemCaller
    source_id: uuid.UUID
    webhook_id: str
    event_type: str
    timestamp: str
    app: web.Application

    @property
    def org_id(self) -> uuid.UUID:
        return self.caller.org_id


class NotYet(Conflict):
    """The event refers to something an earlier event creates, which has not arrived (webhooks can come out of
    order). Answered 409 but not recorded, so the sender's retry of the same webhook-id is processed again."""


Handler = Callable[[asyncpg.Connection, HookContext, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class InboundEvent:
    name: str
    schema: str  # a schema name in schemas/ (file name without .json) that `data` must match
    handler: Handler


class InboundEvents:
    """The event types POST /v1/hooks/{source_id} accepts. Each app holds its own copy (tests add to theirs)."""

    def __init__(self, events: dict[str, InboundEvent] | None = None) -> None:
        self._events: dict[str, InboundEvent] = dict(events or {})

    def register(self, name: str, schema: str, handler: Handler) -> None:
        if name in self._events:
            raise ValueError(f"inbound event type {name!r} is already registered")
        self._events[name] = InboundEvent(name, schema, handler)

    def get(self, name: str) -> InboundEvent | None:
        return self._events.get(name)

    def names(self) -> list[str]:
        return sorted(self._events)

    def schemas(self) -> list[str]:
        return sorted({e.schema for e in self._events.values()})

    def copy(self) -> InboundEvents:
        return InboundEvents(self._events)


DEFAULT = InboundEvents()
INBOUND_EVENTS = web.AppKey("inbound_events", InboundEvents)


def inbound_event(name: str, *, schema: str) -> Callable[[Handler], Handler]:
    """Declare an inbound event type in the default registry (every app created afterwards accepts it)."""
    def register(handler: Handler) -> Handler:
        DEFAULT.register(name, schema, handler)
        return handler
    return register


@inbound_event("ping", schema="events/ping")
async def ping(conn: asyncpg.Connection, ctx: HookContext, data: dict[str, Any]) -> dict[str, Any]:
    """Lets a platform test its signing: no effect beyond the receipt."""
    return {"pong": True}
