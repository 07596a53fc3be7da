"""Typed keys for what the application holds: configuration, pool, metrics, readiness checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web

from service.config import Config
from service.recruitment.usecases import CandidateWrites, StateCache
from service.rubrics.catalogue import Catalogue
from service.tenants.key_cache import KeyCache
from service.web.metrics import Metrics
from service.web.validation import SchemaRegistry

ReadinessCheck = Callable[[web.Application], Awaitable[str | None]]

CONFIG = web.AppKey("config", Config)
POOL = web.AppKey("pool", asyncpg.Pool)
METRICS = web.AppKey("metrics", Metrics)
SCHEMAS = web.AppKey("schemas", SchemaRegistry)
READINESS = web.AppKey("readiness", list[ReadinessCheck])
CATALOGUE = web.AppKey("catalogue", Catalogue)
KEYS = web.AppKey("keys", KeyCache)
CANDIDATE_STATES = web.AppKey("candidate_states", StateCache)
CANDIDATE_WRITES = web.AppKey("candidate_writes", CandidateWrites)
