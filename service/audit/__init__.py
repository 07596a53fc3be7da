"""The audit log: every write recorded in its own transaction (store), readable by the organisation (routes)."""

from __future__ import annotations

from aiohttp import web

from service.audit import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes.routes)
