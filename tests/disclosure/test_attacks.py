"""The attacks on anonymity, tried over the API as a reader would (read scopes and the documented endpoints
only), each recovering nothing: successive reads across 20 arrivals, N/A-thinned items at exactly k, mean and
sd at small n, remainders of two small units, per-measure remainders, the manager/unit cross-breakdown and
alignment, the audit log, a rater's export, and differencing around an unlink."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import asyncpg

from service.tenants.domain.tokens import SCOPES
from tests.support.api import Api
from tests.support.disclosure import exposed, released_sets

NAMED = {"self", "supervisor"}
FORMATS_360 = ("report", "report.html")
FORMATS_SURVEY = ("report?by=unit", "report?by=staff_group", "report.html?by=unit", "report.csv?by=staff_group")


async def item_ids(api: Api, rubric: str) -> list[str]:
    return [i["id"] for i in (await api.get(f"/v1/rubrics/{rubric}")).json["items"]]


async def opened(api: Api, subject: str = "GMC-5550001") -> str:
    reply = await api.post("/v1/appraisals", {"subject_ref": subject, "rubric_id": "mlcf-360", "cycle": "2026"})
    assert reply.status == 201, reply.text
    return reply.json["id"]


async def survey_opened(api: Api, reference: str) -> str:
    reply = await api.post("/v1/surveys", {"reference": reference, "title": "t", "rubric_id": "engagement-survey"})
    assert reply.status == 201, reply.text
    return reply.json["id"]


def without_progress(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "progress"}


async def test_successive_reads_across_20_arrivals_give_progress_only(client, make_org, make_token) -> None:
    org = await make_org()
    writer = Api(client, await make_token(SCOPES, org=org))
    reader = Api(client, await make_token(["appraisal:read", "survey:read"], org=org))
    ids, survey_items = await item_ids(writer, "mlcf-360"), await item_ids(writer, "engagement-survey")
    appraisal, survey = await opened(writer), await survey_opened(writer, "MES-ARRIVALS")
    groups = ["self", "supervisor", *["peer"] * 8, *["other"] * 6, *["direct_report"] * 4]
    seen: list[dict[str, Any]] = []
    for n, group in enumerate(groups):
        answers = {i: None if (n + k) % 7 == 0 else 1 + (n * k) % 5 for k, i in enumerate(ids)}
        body = {"group": group, "answers": answers, "comments": {"general": f"SECRET-COMMENT-{n}"}}
        assert (await writer.put(f"/v1/appraisals/{appraisal}/responses/RATER-{n}", body)).status == 201
        unit = ("Ward 1", "Ward 2", "Ward 3")[n % 3]
        reply = await writer.put(f"/v1/surveys/{survey}/responses/RESP-{n}", {
            "unit": unit, "staff_group": ("doctor", "manager")[n % 2],
            "answers": {i: 1 + (n + k) % 5 for k, i in enumerate(survey_items) if (n + k) % 6}})
        assert reply.status == 201
        for path in FORMATS_360:
            seen.append(await read(reader, f"/v1/appraisals/{appraisal}/{path}"))
        for path in FORMATS_SURVEY:
            seen.append(await read(reader, f"/v1/surveys/{survey}/{path}"))
    # Every read before close is the same 409, but for how many have answered and yes/no per group.
    assert {r["status"] for r in seen} == {409}
    assert len({str(without_progress(r["json"])) for r in seen if "/appraisals/" in r["json"]["instance"]}) == 2
    for r in seen:
        progress = r["json"]["progress"]
        assert set(progress) == {"responses", "groups"}
        assert all(v == {"minimum_reached": v["minimum_reached"]} and isinstance(v["minimum_reached"], bool)
                   for v in progress["groups"].values())
        assert "SECRET-COMMENT" not in r["text"] and "RATER-" not in r["text"] and "RESP-" not in r["text"]
    assert [r["json"]["progress"]["responses"] for r in seen[::len(FORMATS_360) + len(FORMATS_SURVEY)]] == \
        list(range(1, 21))
    # After close, one report, the same on every read; nothing can be sent any more, so nothing changes.
    assert (await writer.post(f"/v1/appraisals/{appraisal}/close")).status == 200
    assert (await writer.post(f"/v1/surveys/{survey}/close")).status == 200
    first = [(await reader.get(f"/v1/appraisals/{appraisal}/{p}")).text for p in FORMATS_360]
    late = await writer.put(f"/v1/appraisals/{appraisal}/responses/RATER-99",
                            {"group": "peer", "answers": dict.fromkeys(ids, 5)})
    assert late.status == 409
    assert [(await reader.get(f"/v1/appraisals/{appraisal}/{p}")).text for p in FORMATS_360] == first


async def read(api: Api, path: str) -> dict[str, Any]:
    reply = await api.get(path)
    return {"status": reply.status, "json": reply.json, "text": reply.text}


def figures(entry: dict[str, Any]) -> dict[str, dict[str, Any] | None]:
    return {"others": entry["others"], **entry["groups"]}


def assert_no_360_figure_isolates_fewer_than_k(report: dict[str, Any]) -> None:
    """An attacker's check: every released figure of an anonymous group (and others less the named groups)
    rests on 0 or at least k ratings; every aggregate is exactly the sum of its released items, so no
    difference of figures gives anything the items do not; sd and r_wg only from k_dispersion ratings."""
    k, k_dispersion = report["thresholds"]["k"], report["thresholds"]["k_dispersion"]
    items = {i["id"]: i for i in report["items"]}
    element_items = {e["id"]: [i for i in items.values() if i["element_id"] == e["id"]] for e in report["elements"]}
    for item in items.values():
        named = sum(f["n"] for g, f in item["groups"].items() if g in NAMED and f)
        for group, fig in item["groups"].items():
            if group not in NAMED and fig is not None and fig["n"] is not None:
                assert fig["n"] >= k, (item["id"], group)
        if item["others"] and item["others"]["n"] is not None:
            assert item["others"]["n"] - named == 0 or item["others"]["n"] - named >= k, item["id"]
        if item["rwg"] is not None:
            assert item["others"]["n"] >= k_dispersion
    domain_of = {e["id"]: e["domain_id"] for e in report["elements"]}
    aggregates = [(e, element_items[e["id"]]) for e in report["elements"]]
    aggregates += [(d, [i for i in items.values() if domain_of[i["element_id"]] == d["id"]]) for d in report["domains"]]
    aggregates += [(h, [i for e in h["elements"] for i in element_items[e]]) for h in report["hlm"]]
    aggregates.append((report["overall"], list(items.values())))
    for entry, parts in aggregates:
        for name, fig in figures(entry).items():
            if fig is None or fig["n"] is None:
                continue
            released = [figures(i)[name] for i in parts if figures(i)[name] and figures(i)[name]["n"] is not None]
            assert fig["n"] == sum(f["n"] for f in released), (entry.get("id", "overall"), name)
            total = sum(f["mean"] * f["n"] for f in released if f["mean"] is not None)
            assert math.isclose((fig["mean"] or 0) * fig["n"], total, rel_tol=1e-9, abs_tol=1e-9)
    every = [f for e in [*report["items"], *report["elements"], *report["domains"], *report["hlm"], report["overall"]]
             for f in [e["self"], *figures(e).values()] if f]
    assert all(f["sd"] is None or f["n"] >= k_dispersion for f in every)


async def test_na_thinned_items_at_exactly_k_and_small_n_figures_give_nothing(api: Api) -> None:
    ids = await item_ids(api, "mlcf-360")
    appraisal = await opened(api)
    await api.put(f"/v1/appraisals/{appraisal}/responses/ME", {"group": "self", "answers": dict.fromkeys(ids, 4)})
    await api.put(f"/v1/appraisals/{appraisal}/responses/BOSS", {"group": "supervisor",
                                                                "answers": dict.fromkeys(ids, 3)})
    # Exactly k = 3 peers; on the first five items two of them are unable to comment, on the next five one is.
    for n, mark in enumerate((1, 5, 2)):
        answers = {i: None if (k < 5 and n > 0) or (5 <= k < 10 and n == 2) else mark for k, i in enumerate(ids)}
        await api.put(f"/v1/appraisals/{appraisal}/responses/PEER-{n}", {"group": "peer", "answers": answers})
    assert (await api.post(f"/v1/appraisals/{appraisal}/close")).status == 200
    report = (await api.get(f"/v1/appraisals/{appraisal}/report")).json
    items = report["items"]
    assert all(i["groups"]["peer"]["withheld"] == "fewer_than_k" for i in items[:10])
    assert all(i["others"] == {"mean": 3, "n": 1, "sd": None, "n_na": 0} for i in items[:10])  # the supervisor's
    assert all(i["groups"]["peer"]["n"] == 3 for i in items[10:])
    assert_no_360_figure_isolates_fewer_than_k(report)


async def released_reports(api: Api, survey: str) -> dict[str, dict[str, Any]]:
    return {by: (await api.get(f"/v1/surveys/{survey}/report", by=by)).json for by in ("unit", "staff_group")}


async def survey_of(api: Api, reference: str, people: list[tuple[str, str, dict[str, int]]]) -> str:
    survey = await survey_opened(api, reference)
    for n, (unit, staff, answers) in enumerate(people):
        body = {"unit": unit, "staff_group": staff, "answers": answers}
        assert (await api.put(f"/v1/surveys/{survey}/responses/R-{n}", body)).status == 201
    assert (await api.post(f"/v1/surveys/{survey}/close")).status == 200
    return survey


def assert_nothing_exposed(reports: dict[str, dict[str, Any]], people: list[tuple[str, str, dict[str, int]]],
                           subscale_items: dict[str, list[str]]) -> None:
    """No combination of what both breakdowns release rests on 1 … min_unit_size − 1 respondents (head counts,
    and each sub-scale's sums over the respondents who have it)."""
    threshold = reports["unit"]["min_unit_size"]
    heads = Counter((u, s) for u, s, _ in people)
    assert exposed(released_sets(reports, heads, "respondents"), heads, threshold) is None
    for subscale, members in subscale_items.items():
        have = Counter((u, s) for u, s, a in people if 2 * sum(i in a for i in members) >= len(members))
        measure = f"subscale:{subscale}"
        assert exposed(released_sets(reports, heads, measure), have, threshold) is None, subscale
        assert exposed(released_sets(reports, heads, measure), heads, threshold) is None, subscale


async def subscale_items(api: Api) -> dict[str, list[str]]:
    rubric = (await api.get("/v1/rubrics/engagement-survey")).json
    return {s["id"]: [i["id"] for i in rubric["items"] if i["subscale"] == s["id"]] for s in rubric["subscales"]}


async def test_remainders_of_two_small_units_and_per_measure_remainders_give_nothing(api: Api) -> None:
    members = await subscale_items(api)
    everything = {i: 3 for items in members.values() for i in items}
    first = next(iter(members))
    skipping = {i: 4 for s, items in members.items() if s != first for i in items}  # no score of the first
    people = ([("Ward A", "doctor", everything), ("Ward B", "doctor", everything)]
              + [("Surgery", "doctor", everything)] * 20
              # Medicine: 12 respondents, only 2 of whom have the first sub-scale
              + [("Medicine", "doctor", everything)] * 2 + [("Medicine", "doctor", skipping)] * 10)
    survey = await survey_of(api, "MES-REMAINDERS", people)
    reports = await released_reports(api, survey)
    units = {g["key"]: g for g in reports["unit"]["groups"]}
    assert units["Ward A"] == {"key": "Ward A", "shown": False, "withheld": "fewer_than_min_unit_size"}
    # The organisation less the shown units, for the head count and for every measure, is 0 or at least 5.
    organisation = reports["unit"]["overall"]
    shown = [g for g in units.values() if g["shown"]]
    assert organisation["respondents"] - sum(g["respondents"] for g in shown) in (0, *range(5, 100))
    for subscale in members:
        fig = organisation["subscales"][subscale]
        if "withheld" not in fig:
            rest = fig["n"] - sum(g["subscales"][subscale]["n"] for g in shown
                                  if "withheld" not in g["subscales"][subscale])
            assert rest == 0 or rest >= 5, subscale
    assert units["Medicine"]["shown"] is False or "withheld" in units["Medicine"]["subscales"][first]
    assert_nothing_exposed(reports, people, members)


async def test_the_manager_unit_cross_breakdown_and_alignment_give_nothing(api: Api) -> None:
    members = await subscale_items(api)
    everything = {i: 2 for items in members.values() for i in items}
    people = ([("Management", "manager", everything)] * 10 + [("Surgery", "doctor", everything)] * 20
              + [("Surgery", "manager", dict.fromkeys(everything, 5))])
    survey = await survey_of(api, "MES-MANAGERS", people)
    reports = await released_reports(api, survey)
    units = {g["key"]: g for g in reports["unit"]["groups"] if g["shown"]}
    staff = {g["key"]: g for g in reports["staff_group"]["groups"] if g["shown"]}
    # managers − Management, or Surgery − doctors, would be the one manager in Surgery: never both released
    assert not ("manager" in staff and "Management" in units)
    assert not ("doctor" in staff and "Surgery" in units)
    # alignment, where given, is the same in both breakdowns and releases nothing the checks above do not cover
    assert reports["unit"]["alignment"] == reports["staff_group"]["alignment"]
    if reports["unit"]["alignment"] is not None:
        assert "Management" not in units and "Surgery" not in units
    assert_nothing_exposed(reports, people, members)


async def test_the_audit_log_tells_a_reader_nothing_about_a_response(client, make_org, make_token,
                                                                     conn: asyncpg.Connection) -> None:
    org = await make_org()
    writer = Api(client, await make_token(SCOPES, org=org))
    ids = await item_ids(writer, "mlcf-360")
    appraisal = await opened(writer)
    for n, group in enumerate(("peer", "peer", "other")):
        await writer.put(f"/v1/appraisals/{appraisal}/responses/R-{n}", {
            "group": group, "answers": {i: None if k < n else 3 for k, i in enumerate(ids)},
            "comments": {"general": "A COMMENT"} if n else {}})
    reader = Api(client, await make_token(["appraisal:read"], org=org))
    assert (await reader.get("/v1/audit-events")).status == 403  # a read key alone cannot read the log
    auditor = Api(client, await make_token(["appraisal:read", "audit:read"], org=org))
    events = (await auditor.get("/v1/audit-events", action="appraisal.response_added")).json["items"]
    assert len(events) == 3
    assert all(e["after"] is None and e["before"] is None for e in events)  # no group, counts or comments
    assert "peer" not in str(events) and "other" not in str(events)
    stored = await conn.fetch("SELECT after FROM audit_events WHERE action LIKE '%response%'")
    assert {r["after"] for r in stored} == {None}


async def test_a_raters_export_and_an_unlink_give_no_answer(client, make_org, make_token,
                                                            conn: asyncpg.Connection) -> None:
    org = await make_org()
    writer = Api(client, await make_token(SCOPES, org=org))
    ids = await item_ids(writer, "mlcf-360")
    closed, still_open = await opened(writer, "GMC-1"), await opened(writer, "GMC-2")
    for appraisal in (closed, still_open):
        for n in range(4):
            await writer.put(f"/v1/appraisals/{appraisal}/responses/PEER-{n}", {
                "group": "peer", "answers": dict.fromkeys(ids, 1 + n), "comments": {"general": f"WORDS-{n}"}})
    assert (await writer.post(f"/v1/appraisals/{closed}/close")).status == 200
    exporter = Api(client, await make_token(["subjects:export"], org=org))
    export = (await exporter.get("/v1/subjects/PEER-0/export")).json
    assert [(a["kind"], a["id"]) for a in export["answered"]] == [("appraisal", closed), ("appraisal", still_open)]
    assert "WORDS" not in str(export) and "peer" not in str(export["answered"])
    # Nothing held ties the closed appraisal's answers to the rater: every key there is a random one.
    keys = await conn.fetch("SELECT a.status, r.rater_key FROM appraisal_responses r JOIN appraisals a "
                            "ON a.org_id = r.org_id AND a.id = r.appraisal_id")
    participants = {r["rater_key"] for r in await conn.fetch("SELECT rater_key FROM appraisal_participants")}
    assert not {r["rater_key"] for r in keys if r["status"] == "closed"} & participants

    # Unlinking a rater of the open appraisal: no report before or after to compare, and the same answer as for
    # someone who never answered anything.
    before = await writer.get(f"/v1/appraisals/{still_open}/report")
    eraser = Api(client, await make_token(["subjects:erase"], org=org))
    unlinked = await eraser.post("/v1/subjects/PEER-0/unlink")
    nobody = await eraser.post("/v1/subjects/NEVER-ANSWERED/unlink")
    assert (unlinked.status, unlinked.text) == (nobody.status, nobody.text)
    after = await writer.get(f"/v1/appraisals/{still_open}/report")
    assert (before.status, after.status) == (409, 409)
    assert without_progress(before.json) == without_progress(after.json)
    assert (after.json["progress"]["responses"], before.json["progress"]["responses"]) == (3, 4)
