"""Outbound events: the one registry of types integrators can subscribe to, and `emit` into the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from service.jsontext import dumps_bytes, rfc3339, rfc3339_now
from service.webhooks import store


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    name: str
    description: str
    subscribable: bool = True


OUTBOUND_EVENTS: dict[str, OutboundEvent] = {e.name: e for e in (
    OutboundEvent("candidate.result.updated",
                  "A candidate's computed result changed (data: ids and a URL to fetch the result)"),
    OutboundEvent("candidate.moderation_required",
                  "A candidate entered needs_moderation (data: ids and a URL to fetch the result)"),
    OutboundEvent("campaign.finalised", "A campaign was finalised (data: the final ranking)"),
    OutboundEvent("appraisal.report_ready",
                  "An appraisal was closed and its final 360 report is ready (data: ids and the report's URLs)"),
    OutboundEvent("survey.report_ready",
                  "A survey was closed and its final report is ready (data: ids and the report's URLs)"),
    OutboundEvent("ping", "A test event sent on request to one endpoint (POST …/ping); not subscribable",
                  subscribable=False),
)}


class UnknownEvent(LookupError):
    """A programming error: the event type is not declared in OUTBOUND_EVENTS."""


def subscribable() -> list[str]:
    return sorted(name for name, event in OUTBOUND_EVENTS.items() if event.subscribable)


def _known(event_type: str) -> None:
    if event_type not in OUTBOUND_EVENTS:
        raise UnknownEvent(f"{event_type!r} is not declared in service.events.OUTBOUND_EVENTS")


def envelopes(events: list[tuple[str, dict[str, Any]]], now: datetime | None = None
              ) -> tuple[list[str], list[bytes]]:
    """The event types and bodies of some `(type, data)` events, as the outbox queues them: each body is what
    every attempt sends, byte for byte, `{type, timestamp, data}`."""
    types: list[str] = []
    bodies: list[bytes] = []
    if events:
        timestamp = rfc3339(now) if now is not None else rfc3339_now()
        for event_type, data in events:
            _known(event_type)
            types.append(event_type)
            bodies.append(dumps_bytes({"type": event_type, "timestamp": timestamp, "data": data}))
    return types, bodies


async def emit(conn: asyncpg.Connection, org_id: uuid.UUID, event_type: str, data: dict[str, Any], *,
               now: datetime | None = None) -> list[uuid.UUID]:
    """Queue the event for every subscribed, enabled endpoint of the organisation, in the caller's transaction.

    Call it inside the transaction that makes the change: the messages commit (and wake the worker)
    with the change or not at all. Returns the delivery ids (also the `webhook-id` each receiver sees).
    """
    return await store.insert_for_subscribers(conn, org_id, *envelopes([(event_type, data)], now))


async def emit_to_endpoint(conn: asyncpg.Connection, org_id: uuid.UUID, endpoint_id: uuid.UUID, event_type: str,
                           data: dict[str, Any], *, now: datetime | None = None) -> asyncpg.Record:
    """Queue one message for one endpoint whatever it subscribes to (ping); returns the delivery row."""
    [known], [body] = envelopes([(event_type, data)], now)
    return await store.insert_for_endpoint(conn, org_id, endpoint_id, known, body)
