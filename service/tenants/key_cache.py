"""Who an API key belongs to, remembered for a while by each web process.

A key's row is read once and kept for up to `ttl` seconds, but only while this process holds a LISTEN
connection: every change to `api_keys` or `organisations` (a revocation included) notifies all
processes at commit, and each forgets everything it holds. While the listener is down nothing is kept,
and it forgets everything when the listener goes down, so a revocation is never missed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg
from aiohttp import web

from service.db.listen import listen_forever
from service.tenants import store as orgs
from service.tenants.domain.callers import Caller

CHANNEL = "api_keys_changed"  # see migrations/0006_api_key_changes.sql
MAX_ENTRIES = 10_000
# A listener connection that dies silently (no FIN) is noticed within two of these, and everything kept
# is forgotten then: the longest a revoked key can still pass if its notification was lost that way.
HEARTBEAT = 3.0


@dataclass(frozen=True, slots=True)
class _Entry:
    caller: Caller
    expires: float


class KeyCache:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.live = False  # whether changes would reach us now
        self._entries: dict[bytes, _Entry] = {}
        self._generation = 0

    def known(self, token_hash: bytes) -> Caller | None:
        """The key's caller if this process holds it now (no look-up), else None."""
        entry = self._entries.get(token_hash)
        return entry.caller if entry is not None and entry.expires > time.monotonic() else None

    async def caller(self, pool: asyncpg.Pool, token_hash: bytes) -> Caller | None:
        """The key's caller, or None for an unknown or revoked key (never remembered: new keys work at once)."""
        known = self.known(token_hash)
        if known is not None:
            return known
        generation = self._generation
        row = await orgs.key_by_hash(pool, token_hash)
        if row is None:
            return None
        who = Caller(org_id=row["org_id"], org_code=row["org_code"], key_id=row["id"], scopes=frozenset(row["scopes"]))
        # Kept only if no change was announced while reading it (the row may predate that change).
        if self.live and self.ttl > 0 and generation == self._generation:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[token_hash] = _Entry(who, time.monotonic() + self.ttl)
        return who

    def forget(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _up(self) -> None:
        self.forget()
        self.live = True

    def _down(self) -> None:
        self.live = False
        self.forget()

    async def follow(self, dsn: str) -> None:
        """Hold the LISTEN connection until cancelled (keys are cached only while it is up; `listen_forever`
        calls `_down` whenever it stops holding it, cancellation included)."""
        await listen_forever(dsn, CHANNEL, self.forget, on_up=self._up, on_down=self._down, name="mlcf-keys",
                             heartbeat=HEARTBEAT)


KEYS = web.AppKey("keys", KeyCache)
