"""Bad requests of every kind the service refuses, at a web process of its own: each one a 4xx problem+json
quoting nothing sent, and no memory kept for them. The web process collects garbage in large steps (its
young-generation threshold is raised), so its resident size rises and falls over the first thousand requests
or two; the peak over a third thousand must stay within 4 MiB of the peak over the first two. Keeping 16 KiB
for each request that reaches the API (a body, a traceback) breaks it; a smaller leak hides in the slack the
collector leaves."""

from __future__ import annotations

import asyncio
import io
import json
import statistics
import time
from collections import Counter

import aiohttp

from tests.support.serving import rss_kib, served
from tests.web.test_parser_refusals import BAD_REQUESTS, MARK, exchange_at, parse

ROUNDS = 1000  # measured, after twice as many to reach the steady state
GROWTH_LIMIT_KIB = 4 * 1024


def api_requests(token: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(method, path, headers, body) of requests that reach the service and are refused there. The marker is
    only ever a value: names of unknown fields and parameters are named back, as they should be."""
    auth = {"Authorization": f"Bearer {token}"}
    as_json = {**auth, "Content-Type": "application/json"}
    campaign = json.dumps({"reference": MARK, "title": MARK, "rubric_id": "st3-interview"})
    return [
        ("POST", "/v1/campaigns", as_json, b'{"reference": "' + b"x" * (2 * 1024 * 1024) + b'"}'),  # 413
        ("POST", "/v1/campaigns", as_json, b"[" * 20000 + b"]" * 20000),  # nesting
        ("POST", "/v1/campaigns", as_json, campaign[:-1].encode() + b', "title": "' + MARK.encode() + b'"}'),
        ("POST", "/v1/campaigns", as_json, b'{"reference": "' + MARK.encode() + b'", '),  # not JSON
        ("POST", "/v1/campaigns", {**auth, "Content-Type": "text/plain"}, campaign.encode()),  # 415
        ("POST", "/v1/campaigns", as_json, campaign[:-1].encode() + b', "colour": "' + MARK.encode() + b'"}'),
        ("POST", "/v1/campaigns", as_json, b'{"reference": "\xff\xfe' + MARK.encode() + b'"}'),  # not UTF-8
        ("GET", f"/v1/campaigns?limt={MARK}", auth, b""),  # unknown query parameter (named, its value not)
        ("GET", f"/v1/campaigns?reference={MARK * 20}", auth, b""),  # over the parameter's length
        ("GET", "/v1/whoami", {"Authorization": f"Bearer {MARK}"}, b""),  # 401
        ("GET", "/v1/campaigns/not-an-id", auth, b""),  # 404
    ]


async def test_bad_requests_are_problems_and_leave_no_memory_behind(database_url: str,
                                                                               make_token) -> None:
    token = await make_token()
    kinds = [("raw", raw.encode("latin-1")) for raw in BAD_REQUESTS.values()] + [
        ("api", request) for request in api_requests(token)]
    statuses: Counter[int] = Counter()
    took: list[float] = []
    async with served(database_url) as server, aiohttp.ClientSession() as http:
        base, port = server.base, server.port

        async def one(n: int) -> None:
            kind, request = kinds[n % len(kinds)]
            started = time.perf_counter()
            if kind == "raw":
                status, headers, body = parse(await exchange_at(port, request))
                content_type = headers["content-type"]
            else:
                method, path, headers_, body_ = request
                async with http.request(method, base + path, headers=headers_, data=io.BytesIO(body_)) as r:
                    status, content_type, body = r.status, r.headers["Content-Type"], await r.read()
            took.append(time.perf_counter() - started)
            statuses[status] += 1
            assert 400 <= status < 500, (kind, n % len(kinds), status, body[:200])
            assert content_type.startswith("application/problem+json"), (kind, n % len(kinds), content_type)
            assert MARK.encode() not in body, (kind, n % len(kinds), body[:300])
            json.loads(body)

        peaks = []
        for start, end in ((0, 2 * ROUNDS), (2 * ROUNDS, 3 * ROUNDS)):  # the steady state reached, then measured
            peak = 0
            for n in range(start, end, 4):
                await asyncio.gather(*(one(m) for m in range(n, n + 4)))
                peak = max(peak, rss_kib(server.proc.pid))
            peaks.append(peak)
    print(f"bad requests: {3 * ROUNDS} of {len(kinds)} kinds, statuses {dict(sorted(statuses.items()))}; "
          f"median {statistics.median(took) * 1000:.1f} ms, max {max(took) * 1000:.0f} ms; peak RSS "
          f"{peaks[0] / 1024:.1f} MiB over the first {2 * ROUNDS}, {peaks[1] / 1024:.1f} MiB over the next {ROUNDS}")
    assert sum(statuses.values()) == 3 * ROUNDS
    assert peaks[1] - peaks[0] < GROWTH_LIMIT_KIB, f"grew by {(peaks[1] - peaks[0]) / 1024:.1f} MiB"
