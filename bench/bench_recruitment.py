"""Recruitment: scorecard PUT against a bare aiohttp+asyncpg handler, ranking of 2,000 candidates, RSS."""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.support import child, cpu_seconds, free_port, fresh_database, load, percentile, postgres_cpu_seconds, rss_mb
from service import db
from service.config import ROOT
from service.recruitment.domain.model import CandidateInput, PanelRubric, Scorecard
from service.recruitment.domain.render import render
from service.recruitment.domain.scoring import score_candidate
from service.recruitment.usecases import stored_summary
from service.tenants import store as orgs
from service.tenants.usecases import create_key

ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", 1.5))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 32))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 11))
BODIES = 1000  # bodies per station, taken in turn
CANDIDATES = 200
RANKED = 2000

BENCH_RUBRIC = """
id: bench-six-stations
version: 1
title: Benchmark panel, six stations of four criteria
purpose: recruitment
framework: mlcf
scale: {min: 1, max: 5, labels: {1: Poor, 2: Concern, 3: Satisfactory, 4: Good, 5: Excellent}}
criteria:
%s
stations:
%s
appointability:
  - no_mark_at_or_below: 1
  - max_marks_at_or_below: {value: 2, count: 2}
  - min_raw_percent: 60
tie_break: [s1, s2]
"""


def bench_rubric() -> str:
    criteria = "\n".join(f'  - {{id: c{s}{c}, title: "Criterion {s}.{c}", elements: ["{(c % 5) + 1}.{(s % 4) + 1}"],'
                         f" weight: {1 + (c % 2) * 0.5}}}" for s in range(1, 7) for c in range(1, 5))
    stations = "\n".join(
        f"  - {{id: s{s}, title: Station {s}, criteria: [{', '.join(f'c{s}{c}' for c in range(1, 5))}]}}"
        for s in range(1, 7))
    return BENCH_RUBRIC % (criteria, stations)


async def setup_org(url: str) -> str:
    conn = await db.connect(url)
    try:
        org = await orgs.create_org(conn, "BENCH", "Benchmark Trust")
        scopes = ["recruitment:read", "recruitment:write", "rubrics:read"]
        return await create_key(conn, org["id"], "BENCH", scopes, "bench")
    finally:
        await conn.close()


async def populate_ranking(url: str, campaign_id: str, rubric_doc: dict[str, Any], pin: dict[str, Any]) -> None:
    """2,000 candidates with 6 stations x 2 panellists x 4 criteria, written straight to the tables."""
    rubric = PanelRubric.from_document(rubric_doc)
    rng = random.Random(7)
    conn = await db.connect(url)
    try:
        org_id = await conn.fetchval("SELECT org_id FROM campaigns WHERE id = $1", campaign_id)
        rows = await conn.fetch(
            "INSERT INTO candidates (org_id, campaign_id, candidate_ref) SELECT $1, $2, 'R-' || g"
            " FROM generate_series(1, $3) g RETURNING id, candidate_ref", org_id, campaign_id, RANKED)
        results = []
        for row in rows:
            ability = rng.choice([3, 4, 4, 5])
            cards = [Scorecard(s.id, f"p{p}", {c: min(5, max(2, ability + rng.choice([-1, 0, 1]))) for c in s.criteria})
                     for s in rubric.stations for p in (1, 2)]
            result = score_candidate(rubric, CandidateInput(row["candidate_ref"], cards))
            rendered = render(result, pin)
            standing, digest = stored_summary(result, rendered, rubric)
            results.append((row["id"], org_id, campaign_id, result.status, result.appointable, digest, standing))
        await conn.executemany(
            "INSERT INTO candidate_results (candidate_id, org_id, campaign_id, status, appointable, digest, standing)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)", results)
    finally:
        await conn.close()


async def run() -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with fresh_database() as url:
        token = await setup_org(url)
        rubrics = Path(tempfile.mkdtemp()) / "rubrics"
        shutil.copytree(ROOT / "rubrics", rubrics)
        (rubrics / "bench-six-stations.yaml").write_text(bench_rubric())
        headers = {"Authorization": f"Bearer {token}"}
        port, bare_port = free_port(), free_port()
        base, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        env = {"DATABASE_URL": url, "PORT": str(port), "RUBRICS_DIR": str(rubrics), "LOG_LEVEL": "WARNING",
               "DB_POOL_MAX": "10"}
        async with child(["-m", "service", "serve"], env, f"{base}/readyz") as proc, \
                child(["-m", "bench.bare_server"], {"DATABASE_URL": url, "PORT": str(bare_port)},
                      f"{bare}/readyz") as bare_proc, \
                aiohttp.ClientSession(headers=headers) as http:
            async with http.post(f"{base}/v1/campaigns", json={"reference": "bench", "title": "Bench",
                                                               "rubric_id": "st3-interview"}) as r:
                campaign = await r.json()
            async with http.get(f"{base}/v1/rubrics/st3-interview") as r:
                st3 = await r.json()
            for n in range(CANDIDATES):
                async with http.put(f"{base}/v1/campaigns/{campaign['id']}/candidates/C{n}", json={}) as r:
                    assert r.status == 201
            stations = st3["stations"]
            rng = random.Random(1)
            bodies = [[{"marks": {c: rng.randint(2, 5) for c in station["criteria"]}} for _ in range(BODIES)]
                      for station in stations]
            turn = 0  # of the current round: each round re-marks the scorecards with other bodies

            def body(i: int) -> dict[str, Any]:
                return bodies[(i // CANDIDATES) % 4][(i + turn * 7) % BODIES]

            async def put_scorecard(client: aiohttp.ClientSession, i: int) -> int:
                # Consecutive requests go to different candidates, as panels working in parallel would.
                station = stations[(i // CANDIDATES) % 4]["id"]
                url_ = (f"{base}/v1/campaigns/{campaign['id']}/candidates/C{i % CANDIDATES}/scorecards/"
                        f"{station}/p{(i // (4 * CANDIDATES)) % 3}")
                async with client.put(url_, json=body(i), headers=headers) as r:
                    await r.read()
                    return r.status

            async def put_bare(client: aiohttp.ClientSession, i: int) -> int:
                async with client.put(f"{bare}/bare/{i}/x", json=body(i)) as r:
                    await r.read()
                    return r.status

            # Rounds of equal length alternate between the two servers (which one goes first alternating
            # too), so a change in what else the machine is doing shows in both; the ratio reported is the
            # median of the rounds'.
            # A warm-up round of each, not measured: connections opened, statements prepared, every
            # candidate's state read once, as in a server that has been running a while.
            for warm_up in (put_bare, put_scorecard):
                if (await load(warm_up, concurrency=CONCURRENCY, seconds=2 * ROUND_SECONDS))["errors"]:
                    raise RuntimeError("warm-up requests failed")
            rounds = []
            cpu, db_cpu, done, bare_cpu, bare_db_cpu, bare_done = 0.0, 0.0, 0, 0.0, 0.0, 0
            client_cpu = {"bare": 0.0, "put": 0.0}
            latencies: dict[str, list[float]] = {"bare": [], "put": []}  # of every measured request
            for n in range(ROUNDS):
                turn = n + 1
                measured = {}
                for which in (("bare", "put") if n % 2 == 0 else ("put", "bare")):
                    pid = bare_proc.pid if which == "bare" else proc.pid
                    cpu_before, db_before, client_before = cpu_seconds(pid), postgres_cpu_seconds(), time.process_time()
                    measured[which] = await load(put_bare if which == "bare" else put_scorecard,
                                                 concurrency=CONCURRENCY, seconds=ROUND_SECONDS,
                                                 record=latencies[which])
                    client_cpu[which] += time.process_time() - client_before
                    used, db_used = cpu_seconds(pid) - cpu_before, postgres_cpu_seconds() - db_before
                    if which == "bare":
                        bare_cpu, bare_db_cpu, bare_done = (bare_cpu + used, bare_db_cpu + db_used,
                                                            bare_done + measured[which]["requests"])
                    else:
                        cpu, db_cpu, done = cpu + used, db_cpu + db_used, done + measured[which]["requests"]
                put_round, bare_round = measured["put"], measured["bare"]
                if put_round["errors"] or bare_round["errors"]:
                    raise RuntimeError(f"requests failed: {put_round['errors']} PUTs, {bare_round['errors']} bare")
                rounds.append({"scorecard_put": put_round, "bare_put": bare_round,
                               "ratio": round(put_round["per_second"] / bare_round["per_second"], 3)})
            out["rounds"] = rounds
            middle = sorted(rounds, key=lambda r: r["ratio"])[len(rounds) // 2]
            out["scorecard_put"] = {**middle["scorecard_put"], "web_cpu_ms_per_request": round(cpu * 1000 / done, 2),
                                    "postgres_cpu_ms_per_request": round(db_cpu * 1000 / done, 2),
                                    "client_cpu_ms_per_request": round(client_cpu["put"] * 1000 / done, 2)}
            out["bare_put"] = {**middle["bare_put"], "web_cpu_ms_per_request": round(bare_cpu * 1000 / bare_done, 2),
                               "postgres_cpu_ms_per_request": round(bare_db_cpu * 1000 / bare_done, 2),
                               "client_cpu_ms_per_request": round(client_cpu["bare"] * 1000 / bare_done, 2)}
            out["scorecard_vs_bare"] = middle["ratio"]
            p99s = sorted(r["scorecard_put"]["p99_ms"] for r in rounds)
            out["scorecard_put_p99_ms"] = {"all_rounds": percentile(sorted(latencies["put"]), 99),
                                           "median_round": p99s[len(p99s) // 2], "worst_round": p99s[-1],
                                           "bare_all_rounds": percentile(sorted(latencies["bare"]), 99)}
            out["web_rss_mb_after_load"] = round(rss_mb(proc.pid), 1)

            async with http.post(f"{base}/v1/campaigns", json={"reference": "rank", "title": "Ranking",
                                                               "rubric_id": "bench-six-stations"}) as r:
                ranking_campaign = await r.json()
            async with http.get(f"{base}/v1/rubrics/bench-six-stations") as r:
                six = await r.json()
            await populate_ranking(url, ranking_campaign["id"], six, ranking_campaign["rubric"])
            timings = []
            for _ in range(7):
                started = time.perf_counter()
                async with http.get(f"{base}/v1/campaigns/{ranking_campaign['id']}/ranking") as r:
                    items = (await r.json())["items"]
                timings.append((time.perf_counter() - started) * 1000)
            out["ranking_2000"] = {"candidates": len(items), "median_ms": round(statistics.median(timings), 1),
                                   "max_ms": round(max(timings), 1)}
            out["web_rss_mb_end"] = round(rss_mb(proc.pid), 1)
    out["targets"] = {"scorecard_vs_bare": ">= 0.5", "scorecard_p99_ms": "<= 50", "ranking_2000_ms": "<= 500",
                      "web_rss_mb": "<= 150"}
    return out
