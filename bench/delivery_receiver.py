"""A webhook receiver for bench_delivery, run as a child process on 127.0.0.1: records first arrivals."""

from __future__ import annotations

import sys
import time

from aiohttp import web

arrivals: dict[str, float] = {}


async def hook(request: web.Request) -> web.Response:
    arrived = time.time()
    await request.read()
    arrivals.setdefault(request.headers.get("webhook-id", ""), arrived)
    return web.Response(status=204)


async def stats(request: web.Request) -> web.Response:
    return web.json_response(arrivals)


def main(port: int) -> None:
    app = web.Application()
    app.router.add_post("/hook", hook)
    app.router.add_get("/stats", stats)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
