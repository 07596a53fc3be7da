"""360 / multi-source feedback: appraisals, raters' responses, and reports that no one can be identified from."""

from __future__ import annotations

from aiohttp import web

from service.appraisals import inbound as _inbound  # noqa: F401  (declares the inbound event types)
from service.appraisals import routes


def setup(app: web.Application) -> None:
    app.router.add_routes(routes.routes)
