"""API keys: the scopes a key can hold, and its token (generated, hashed, shown by prefix)."""

from __future__ import annotations

import hashlib
import secrets

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
    "subjects:export",
    "subjects:erase",
    "audit:read",
)
TOKEN_PREFIX = "mlcf_"  # noqa: S105 - a public marker, not a secret


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
