"""Recruitment panels: campaigns, candidates, panellists' scorecards, moderation, results and ranking."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from service.recruitment.routes import campaigns, candidates
from service.recruitment.usecases import CANDIDATE_STATES, CANDIDATE_WRITES, StateCache, candidate_writes
from service.web.appkeys import POOL


def setup(app: web.Application) -> None:
    # aiohttp tries the routes under one path prefix in this order: the busiest (scorecards) first.
    app.router.add_routes(candidates.routes)
    app.router.add_routes(campaigns.routes)
    app[CANDIDATE_STATES] = StateCache()
    app.cleanup_ctx.append(_writes_ctx)


async def _writes_ctx(app: web.Application) -> AsyncIterator[None]:
    app[CANDIDATE_WRITES] = candidate_writes(app[POOL])
    yield
