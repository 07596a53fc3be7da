"""The SSRF guard at connect time: a resolver that drops refused addresses, and the one delivery session.

aiohttp connects only to what the resolver returns, so filtering here checks the addresses actually
dialled (no gap between a check and a second lookup for DNS rebinding to use). IP literals never
reach a resolver; `ssrf.check_url` decides those before a request is made.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

import aiohttp
import structlog
from aiohttp.abc import AbstractResolver, ResolveResult

from service.webhooks.domain import ssrf

log = structlog.get_logger("service.guard")
USER_AGENT = "mlcf-assessment-webhooks/1"


class BlockedAddress(OSError):
    """Every address the host resolved to is refused by the policy."""


class GuardedResolver(AbstractResolver):
    def __init__(self, allowed_hosts: Iterable[str], inner: AbstractResolver | None = None) -> None:
        self._allowed = tuple(allowed_hosts)
        self._inner = inner or aiohttp.ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept, refused = ssrf.filter_addresses(host, [r["host"] for r in found], self._allowed)
        if refused:  # the addresses are for operators; integrators must not learn internal DNS from errors
            log.warning("webhook_addresses_refused", host=host, refused=refused, kept=len(kept))
        if not kept:
            raise BlockedAddress(f"{host} resolves only to addresses webhooks may not reach"
                                 " (loopback, private, link-local or otherwise internal)")
        return [r for r in found if r["host"] in kept]

    async def close(self) -> None:
        await self._inner.close()


def delivery_session(allowed_hosts: Iterable[str], *, timeout: float, limit: int) -> aiohttp.ClientSession:
    """The session every delivery shares: guarded resolver, no cookies, no proxies from the environment, at
    most `limit` connections (as many as deliveries in flight, so none waits for one inside its timeout)."""
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(allowed_hosts), limit=limit, ttl_dns_cache=60)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=timeout), cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False, headers={"User-Agent": USER_AGENT})


def blocked_reason(exc: BaseException) -> str | None:
    """The guard's refusal inside an aiohttp connection error, if that is what it was."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BlockedAddress):
            return str(seen)
        seen = getattr(seen, "os_error", None) or seen.__cause__
    return None
