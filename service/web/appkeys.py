"""Typed keys for what every feature shares: configuration, pool, metrics, schemas, readiness checks.

A feature's own keys (its caches, its catalogue) live in that feature's package.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web

from service.config import Config
from service.web.metrics import Metrics
from service.web.validation import SchemaRegistry

ReadinessCheck = Callable[[web.Application], Awaitable[str | None]]

CONFIG = web.AppKey("config", Config)
POOL = web.AppKey("pool", asyncpg.Pool)
METRICS = web.AppKey("metrics", Metrics)
SCHEMAS = web.AppKey("schemas", SchemaRegistry)
READINESS = web.AppKey("readiness", list[ReadinessCheck])
# The query parameters each operation of the contract takes, by (METHOD, path template).
QUERY_PARAMETERS = web.AppKey("query_parameters", dict[tuple[str, str], frozenset[str]])
