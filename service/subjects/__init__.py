"""The rights of the people the service holds data about: subject access exports and erasure of links."""

from __future__ import annotations

from aiohttp import web

from service.subjects import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes.routes)
