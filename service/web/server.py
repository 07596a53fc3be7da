"""The HTTP server: aiohttp's, except that a request its parser refuses (a line too long, too many headers,
a header that is not HTTP) is answered like every other error, as problem+json that quotes nothing the
client sent, and logged as one line naming only the kind of refusal."""

from __future__ import annotations

import asyncio
import resource
import signal
from typing import Any

import structlog
from aiohttp import http_exceptions, web
from aiohttp.web_protocol import RequestHandler

from service.jsontext import dumps
from service.web import problems
from service.web.appkeys import CONFIG
from service.web.responses import SECURITY_HEADERS

log = structlog.get_logger("service.http")

# aiohttp's parser limits, which this server keeps (aiohttp's defaults).
MAX_LINE_BYTES = 8190
MAX_HEADERS = 128


class UnreadableRequest(problems.Problem):
    status, slug, title = 400, "unreadable-request", "The request is not readable HTTP"


def refusal(exc: BaseException | None) -> problems.Problem:
    """What the client is told about a request the parser refused: the rule it broke, never its bytes."""
    if isinstance(exc, http_exceptions.LineTooLong):
        limit = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else MAX_LINE_BYTES
        return UnreadableRequest(f"The request line or a header field is longer than {limit} bytes",
                                 extra={"limit": {"max_line_bytes": limit}})
    if isinstance(exc, http_exceptions.BadHttpMessage) and exc.message == "Too many headers received":
        return UnreadableRequest(f"The request has more than {MAX_HEADERS} header fields",
                                 extra={"limit": {"max_headers": MAX_HEADERS}})
    if isinstance(exc, http_exceptions.InvalidHeader):
        return UnreadableRequest("A header field is not valid HTTP (a control character, a space in its "
                                 "name, or a value that is not a number where one is needed)")
    if isinstance(exc, http_exceptions.BadStatusLine):
        return UnreadableRequest("The request line is not an HTTP/1.x request line")
    if isinstance(exc, http_exceptions.InvalidURLError):
        return UnreadableRequest("The request target is not a valid URL")
    if isinstance(exc, http_exceptions.PayloadEncodingError):
        return UnreadableRequest("The request body's framing (Content-Length or Transfer-Encoding) is not valid")
    if isinstance(exc, http_exceptions.HttpProcessingError):
        return UnreadableRequest("The request is not valid HTTP/1.1")
    return problems.Problem("The request could not be handled")


# After a refusal the rest of what the client sends is read and dropped for up to this long, with our
# side of the connection already shut for writing, so that a client still sending (a 10 MB header) reads
# the answer instead of a connection reset.
LINGER_SECONDS = 5.0


class LingeringClose:
    """A transport whose close() first shuts our side for writing and keeps reading (the protocol drops
    what arrives) until the client closes or LINGER_SECONDS pass; everything else is the transport's."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def __getattr__(self, name: str) -> object:
        return getattr(self._transport, name)

    def close(self) -> None:
        transport = self._transport
        if transport.is_closing():
            return
        if transport.can_write_eof():
            transport.write_eof()  # sent after the answer still buffered
        asyncio.get_running_loop().call_later(LINGER_SECONDS, transport.close)


# Connections asyncio accepts in one go (and the kernel's queue of those not yet accepted): with the
# descriptors kept for the process itself, what the connection cap leaves free for a burst of accepts.
BACKLOG = 32
# File descriptors kept free of client connections: the database pool, the listeners, logs and files, and
# a burst of accepts (BACKLOG) with the connections they shed, which close an instant later.
RESERVED_DESCRIPTORS = 64 + 2 * BACKLOG  # a burst accepted, and as many shed but not yet closed


def connection_cap() -> int:
    """How many client connections a process holds at most: its descriptor limit less the reserve."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, soft - RESERVED_DESCRIPTORS) if soft != resource.RLIM_INFINITY else 1 << 20


class ProblemRequestHandler(RequestHandler):
    """aiohttp's connection handler with problem+json for what it answers itself; and, when the process holds
    as many connections as its descriptors allow (`connection_cap`), a new connection closes the longest-held
    one that is waiting for a request (never one with a request in progress), so that clients that hold
    connections without asking can't keep others out (health checks included)."""

    __slots__ = ("_opened", "_refused")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._refused = False
        self._opened = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._opened = asyncio.get_running_loop().time()
        super().connection_made(transport)
        manager = self._manager
        cap = getattr(manager, "cap", None)
        if manager is None or cap is None or len(manager.connections) <= cap:
            return
        waiting = [h for h in manager.connections
                   if h is not self and isinstance(h, ProblemRequestHandler) and h.waiting()]
        if waiting:
            oldest = min(waiting, key=lambda h: h._opened)
            log.info("connection_shed", held_s=round(self._opened - oldest._opened, 1))
            oldest.force_close()

    def waiting(self) -> bool:
        """Whether the connection is open and waiting for a request (none in progress). (A connection closed
        a moment ago stays in the server's list until its task ends: it is not open.)"""
        return (self.transport is not None and not self._force_close and not self._request_in_progress
                and self._current_request is None)

    def data_received(self, data: bytes) -> None:
        if not self._refused:  # after a refusal nothing more is parsed: it is read and dropped
            super().data_received(data)

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        problem = refusal(exc) if status < 500 else problems.Problem()
        log.warning("request_refused", status=problem.status, error=type(exc).__name__ if exc else None)
        if request.writer.output_size > 0:  # part of a response is out already: the connection is broken
            raise ConnectionError("a response was already started")
        response = web.Response(text=dumps(problem.body("about:blank")), status=problem.status,
                                content_type=problems.PROBLEM_CONTENT_TYPE, headers=SECURITY_HEADERS)
        response.force_close()
        if status < 500 and self.transport is not None:
            self._refused = True
            self.transport = LingeringClose(self.transport)  # type: ignore[assignment]
        return response


class ProblemServer(web.Server):
    cap: int | None = None  # set by AppRunner: connections held at most

    def __call__(self) -> RequestHandler:
        return ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """aiohttp's application runner, serving through ProblemRequestHandler, with the configured idle timeout:
    aiohttp closes a connection still waiting for a whole request head that long after it opened or after its
    last answer (a connection sending nothing, half a head, or idle between requests)."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        kwargs.setdefault("keepalive_timeout", app[CONFIG].idle_timeout_seconds)
        super().__init__(app, **kwargs)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = ProblemServer  # the same object, one method changed: nothing else to copy
        server.cap = connection_cap()  # type: ignore[attr-defined]
        return server


def run(app: web.Application, host: str, port: int, *, shutdown_timeout: float) -> None:
    """Serve until SIGTERM or SIGINT; then stop accepting, let requests in flight finish (up to
    shutdown_timeout seconds) and run the application's cleanup (the worker releases what it claimed)."""
    asyncio.run(_serve(app, host, port, shutdown_timeout))


async def _serve(app: web.Application, host: str, port: int, shutdown_timeout: float) -> None:
    runner = AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port, backlog=BACKLOG).start()
        log.info("serving", host=host, port=port)
        await stop.wait()
        log.info("stopping", shutdown_timeout_s=shutdown_timeout)
    finally:
        await runner.cleanup()

