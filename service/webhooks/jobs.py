"""What a delivery worker holds: a claimed message (Job), and what came of one attempt to send it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from service.webhooks.domain.delivery import Outcome


@dataclass(frozen=True, slots=True)
class Job:
    id: uuid.UUID
    org_id: uuid.UUID
    endpoint_id: uuid.UUID
    event_type: str
    body: bytes
    attempts: int
    claim_token: uuid.UUID
    url: str
    secret: str | None  # None: the stored secret does not open with the configured keys


@dataclass(frozen=True, slots=True)
class Attempt:
    outcome: Outcome
    started: datetime
    latency_ms: float
    status: int | None = None
    error: str | None = None
    excerpt: str | None = None
    retry_after: float | None = None
