"""API keys: token generation and hashing, scopes, and the authenticated caller."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

SCOPES = (
    "rubrics:read",
    "rubrics:admin",
    "recruitment:read",
    "recruitment:write",
    "appraisal:read",
    "appraisal:write",
    "survey:read",
    "survey:write",
    "webhooks:manage",
)
TOKEN_PREFIX = "mlcf_"  # noqa: S105 - a public marker, not a secret


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


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    # Tokens carry 256 random bits, so a fast unsalted hash is enough to make the stored value useless.
    return hashlib.sha256(token.encode()).digest()


def token_prefix(token: str) -> str:
    return token[: len(TOKEN_PREFIX) + 6]


def parse_scopes(raw: str) -> list[str]:
    scopes = sorted({s.strip() for s in raw.split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("at least one scope is needed")
    return scopes
