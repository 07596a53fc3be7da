"""Organisation and API key use cases the command line and set-up share."""

from __future__ import annotations

import uuid

import asyncpg

from service.audit import store as audit
from service.tenants import store as orgs
from service.tenants.domain.callers import cli_caller
from service.tenants.domain.tokens import hash_token, new_token, token_prefix


async def create_key(conn: asyncpg.Connection, org_id: uuid.UUID, org_code: str, scopes: list[str], name: str) -> str:
    """A new key of the organisation, audited; its token (shown once: only its hash is stored)."""
    token = new_token()
    row = await orgs.create_key(conn, org_id, name=name, prefix=token_prefix(token),
                                token_hash=hash_token(token), scopes=scopes)
    await audit.record(conn, cli_caller(org_id, org_code), "api_key.created", "api_key", row["id"],
                       after={"name": name, "scopes": scopes, "prefix": row["token_prefix"]})
    return token
