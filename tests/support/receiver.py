"""Recording fakes on loopback only: a webhook receiver that answers from a script, and a bare TCP listener."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Answer = web.Response | Callable[[], Awaitable[web.Response]]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An aiohttp server on 127.0.0.1 that records every request and answers `script` in order, then 200."""

    host: str = "127.0.0.1"
    script: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)  # port 0: any free one
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received(request.path, {k.lower(): v for k, v in request.headers.items()},
                                      await request.read()))
        self.arrived.set()
        if self.script:
            answer = self.script.pop(0)
            return answer if isinstance(answer, web.Response) else await answer()
        return web.Response(text="ok")

    async def wait_for(self, count: int, within: float = 10.0) -> None:
        async with asyncio.timeout(within):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class Listener:
    """A bare TCP listener on a loopback address: counts connections, never answers (proves nothing arrived)."""

    def __init__(self, host: str, port: int = 0) -> None:
        self.host, self.port = host, port
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> Listener:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port on loopback that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
