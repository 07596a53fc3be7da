"""Engagement surveys: respondents' answers scored into sub-scales, meta-scales and an index, reported by unit
and staff group without any small group being identifiable."""

from __future__ import annotations

from aiohttp import web

from service.surveys import inbound as _inbound  # noqa: F401  (declares the inbound event types)
from service.surveys import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes.routes)
