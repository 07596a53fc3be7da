"""Who acts: an API key's caller, and the callers that are not API keys (the command line, a webhook source,
the delivery worker), so the audit log names them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the organisation and the key (never the token)."""

    org_id: uuid.UUID
    org_code: str
    key_id: uuid.UUID | None
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}" if self.key_id else "cli"


@dataclass(frozen=True, slots=True)
class SystemCaller(Caller):
    name: str = "system"

    @property
    def actor(self) -> str:
        return self.name


def source_caller(org_id: uuid.UUID, org_code: str, source_id: uuid.UUID) -> SystemCaller:
    return SystemCaller(org_id=org_id, org_code=org_code, key_id=None, scopes=frozenset(),
                        name=f"webhook-source:{source_id}")


def cli_caller(org_id: uuid.UUID, org_code: str) -> Caller:
    """The command line (an operator at the server), acting for an organisation."""
    return Caller(org_id=org_id, org_code=org_code, key_id=None, scopes=frozenset())


def worker_caller(org_id: uuid.UUID) -> SystemCaller:
    return SystemCaller(org_id=org_id, org_code="", key_id=None, scopes=frozenset(), name="webhook-worker")
