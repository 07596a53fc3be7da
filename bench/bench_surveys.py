"""Survey report: 10,000 respondents x 30 items on the shipped engagement-survey rubric: the close, which plans
the release of both breakdowns, runs the disclosure auditor and keeps both reports; then the report by unit
and by staff group, as JSON, CSV and HTML, one request at a time; the pure parts in-process (the release
with nothing remembered from before); the web process's memory.

The survey is created over the API; its 10,000 responses are then written straight into survey_responses
(as the service stores them: pseudonymised keys, answers in the rubric's item order), because 10,000 PUTs
would only measure the write path. BENCH_SURVEY_REQUESTS (30) timed requests per endpoint after 3 unmeasured,
within BENCH_SURVEY_SECONDS (20) each. BENCH_PROFILE=1 prints cProfile's top functions of tally (stderr)."""

from __future__ import annotations

import os
import random
import time
import uuid
from typing import Any

import aiohttp

from bench.support import child, free_port, fresh_database, median_ms, profile, rss_mb, sequential_gets
from service import db
from service.disclosure import margins
from service.pseudonyms import pseudonym
from service.rubrics.domain.model import with_defaults
from service.surveys import store
from service.surveys.csv_report import report_csv
from service.surveys.domain.release import released
from service.surveys.domain.report import Respondent, Survey, tally
from service.surveys.html import render
from service.surveys.usecases import scoring
from service.tenants import store as orgs
from service.tenants.usecases import create_key

RESPONDENTS = 10_000
UNITS = 40
STAFF_GROUPS = {"doctor": 0.5, "nurse": 0.3, "manager": 0.1, "other": 0.1}
SKIP_SHARE = 0.05
REQUESTS = int(os.environ.get("BENCH_SURVEY_REQUESTS", 30))
SECONDS = float(os.environ.get("BENCH_SURVEY_SECONDS", 20))
TARGET_MS = 300
SECRET = "bench-secret-key-0123456789"  # noqa: S105 - a throwaway key for a throwaway database


def respondents(items: int, rng: random.Random) -> list[tuple[str, str, list[int | None]]]:
    """(unit, staff group, answers) of every respondent: units of very different sizes (the last two below 5),
    marks around each respondent's own level, about 5 % of items left out."""
    weights = [1 + (n % 7) * 3 for n in range(UNITS - 2)]
    units = rng.choices([f"Unit {n:02d}" for n in range(UNITS - 2)], weights, k=RESPONDENTS - 5)
    units += ["Unit 98"] * 3 + ["Unit 99"] * 2
    staff = rng.choices(list(STAFF_GROUPS), list(STAFF_GROUPS.values()), k=RESPONDENTS)
    out = []
    for unit, group in zip(units, staff, strict=True):
        level = rng.choice([2, 3, 3, 4, 4, 5])
        out.append((unit, group, [None if rng.random() < SKIP_SHARE else max(1, min(5, level + rng.choice(
            [-1, 0, 0, 1]))) for _ in range(items)]))
    return out


async def seed(url: str) -> tuple[uuid.UUID, str]:
    conn = await db.connect(url)
    try:
        org = await orgs.create_org(conn, "BENCH", "Benchmark Trust")
        return org["id"], await create_key(conn, org["id"], "BENCH", ["survey:read", "survey:write"], "bench")
    finally:
        await conn.close()


async def write_responses(url: str, org_id: uuid.UUID, survey_id: uuid.UUID, items: int) -> None:
    rows = [(org_id, survey_id, pseudonym(SECRET, org_id, f"R-{n:05d}"), unit, group, answers)
            for n, (unit, group, answers) in enumerate(respondents(items, random.Random(2026)))]
    conn = await db.connect(url)
    try:
        await conn.copy_records_to_table("survey_responses", records=rows, columns=(
            "org_id", "survey_id", "respondent_key", "unit", "staff_group", "answers"))
    finally:
        await conn.close()


async def in_process(url: str, org_id: uuid.UUID, survey: dict[str, Any], document: dict[str, Any]
                     ) -> dict[str, Any]:
    """Reading the rows, tally, the release (plan, both reports, the auditor), CSV and HTML, on the stored
    responses."""
    rubric, plan = scoring(document)
    conn = await db.connect(url)
    try:
        started = time.perf_counter()
        rows = await store.responses(conn, org_id, uuid.UUID(survey["id"]))
        fetch_ms = round((time.perf_counter() - started) * 1000, 1)
    finally:
        await conn.close()
    people = [Respondent(r["unit"], r["staff_group"], r["answers"]) for r in rows]
    about = Survey(survey["id"], survey["reference"], survey["title"], survey["rubric"])
    tallies = tally(plan, people)
    report = released(about, rubric, plan, tallies).reports["unit"]

    def release() -> Any:
        margins._discloses.cache_clear()  # as in a fresh process, nothing remembered from the run before
        return released(about, rubric, plan, tallies)

    out = {"rows": len(rows), "fetch_and_decode_ms": fetch_ms,
           "tally_ms": median_ms(lambda: tally(plan, people), 5),
           "release_ms": median_ms(release, 10),
           "csv_ms": median_ms(lambda: report_csv(report), 20),
           "html_render_ms": median_ms(lambda: render(report), 20)}
    if os.environ.get("BENCH_PROFILE"):
        profile("tally", lambda: tally(plan, people), calls=3)
        profile("release", release, calls=3)
    return out


async def run() -> dict[str, Any]:
    import yaml  # the rubric file, as the service reads it

    from service.config import ROOT

    document = with_defaults(yaml.safe_load((ROOT / "rubrics" / "engagement-survey.yaml").read_text()))
    items = len(document["items"])
    out: dict[str, Any] = {"respondents": RESPONDENTS, "items": items, "units": UNITS}
    started = time.monotonic()
    async with fresh_database() as url:
        org_id, token = await seed(url)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"DATABASE_URL": url, "PORT": str(port), "LOG_LEVEL": "WARNING", "SECRET_KEY": SECRET}
        async with child(["-m", "service", "serve"], env, f"{base}/readyz") as proc, \
                aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            async with http.post(f"{base}/v1/surveys", json={"reference": "BENCH-2026", "title": "Benchmark survey",
                                                             "rubric_id": "engagement-survey"}) as r:
                if r.status != 201:
                    raise RuntimeError(f"create survey: {r.status} {await r.text()}")
                survey = await r.json()
            await write_responses(url, org_id, uuid.UUID(survey["id"]), items)
            started_close = time.perf_counter()
            async with http.post(f"{base}/v1/surveys/{survey['id']}/close") as r:
                if r.status != 200:
                    raise RuntimeError(f"close survey: {r.status} {await r.text()}")
            # closing plans the release of both breakdowns, runs the auditor and keeps both reports
            out["close_ms"] = round((time.perf_counter() - started_close) * 1000, 1)
            report_url = f"{base}/v1/surveys/{survey['id']}/report"
            async with http.get(report_url) as r:
                report = await r.json()
            out["report_check"] = {"respondents": report["overall"]["respondents"],
                                   "groups": len(report["groups"]),
                                   "shown": sum(g["shown"] for g in report["groups"]),
                                   "withheld_figures": sum("withheld" in f for g in report["groups"] if g["shown"]
                                                           for f in (g["index"], *g["metascales"].values(),
                                                                     *g["subscales"].values())),
                                   "alignment": report["alignment"] is not None}
            pid = proc.pid
            out["rss_mb_before_reports"] = round(rss_mb(pid), 1)
            for name, path in (("report_unit", "?by=unit"), ("report_staff_group", "?by=staff_group"),
                               ("report_csv", ".csv?by=unit"), ("report_html", ".html?by=unit")):
                out[f"{name}_ms"] = await sequential_gets(http, report_url + path, pid, warmup=3, requests=REQUESTS,
                                                          seconds=SECONDS)
            out["rss_mb_after_reports"] = round(rss_mb(pid), 1)
            out["peak_rss_mb"] = round(rss_mb(pid, "VmHWM"), 1)
        out["in_process"] = await in_process(url, org_id, survey, document)
    out["target_report_ms"] = TARGET_MS
    out["met"] = all(out[k][p] <= TARGET_MS for k in ("report_unit_ms", "report_staff_group_ms")
                     for p in ("median", "p99"))
    out["seconds"] = round(time.monotonic() - started, 1)
    return out
