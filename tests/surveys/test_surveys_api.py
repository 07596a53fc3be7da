"""Engagement surveys over the API: surveys, responses and their refusals, close, reports as JSON and CSV,
trends, and respondents' privacy."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import pytest

from service.pseudonyms import pseudonym
from tests.support.api import Api

SECRET = "test-secret-key-0123456789"  # the test config's SECRET_KEY


async def item_ids(api: Api) -> list[str]:
    return [i["id"] for i in (await api.get("/v1/rubrics/engagement-survey")).json["items"]]


async def new_survey(api: Api, reference: str = "MES-2026") -> dict[str, Any]:
    reply = await api.post("/v1/surveys", {"reference": reference, "title": "Engagement 2026",
                                           "rubric_id": "engagement-survey"})
    assert reply.status == 201, reply.text
    return reply.json


async def answer(api: Api, survey: dict[str, Any], ref: str, unit: str, staff_group: str,
                 answers: dict[str, int | None]) -> Any:
    return await api.put(f"/v1/surveys/{survey['id']}/responses/{ref}",
                         {"unit": unit, "staff_group": staff_group, "answers": answers})


async def test_a_survey_pins_its_rubric_and_its_reference_is_unique(api: Api) -> None:
    rubric = (await api.get("/v1/rubrics/engagement-survey")).json
    survey = await new_survey(api)
    assert survey["rubric"] == {"id": "engagement-survey", "version": rubric["version"], "hash": rubric["hash"]}
    assert (survey["status"], survey["reference"], survey["closed_at"]) == ("open", "MES-2026", None)
    again = await api.post("/v1/surveys", {"reference": "MES-2026", "title": "t", "rubric_id": "engagement-survey"})
    assert (again.status, again.json["id"]) == (409, survey["id"])
    assert (await api.get(f"/v1/surveys/{survey['id']}")).json == survey
    assert [s["id"] for s in (await api.get("/v1/surveys", reference="MES-2026")).json["items"]] == [survey["id"]]
    second = await new_survey(api, "MES-2027")
    page = (await api.get("/v1/surveys", limit=1)).json
    rest = (await api.get("/v1/surveys", limit=1, cursor=page["next_cursor"])).json
    assert [s["id"] for s in page["items"] + rest["items"]] == [survey["id"], second["id"]]
    assert rest["next_cursor"] is None
    wrong = await api.post("/v1/surveys", {"reference": "X", "title": "t", "rubric_id": "mlcf-360"})
    assert (wrong.status, wrong.json["errors"][0]["pointer"]) == (422, "/rubric_id")
    missing = await api.post("/v1/surveys", {"reference": "X", "title": "t", "rubric_id": "nope"})
    assert (missing.status, missing.json["errors"][0]["pointer"]) == (422, "/rubric_id")
    assert (await api.get("/v1/surveys/00000000-0000-0000-0000-000000000000")).status == 404


async def test_refused_answers_name_the_field_and_store_nothing(api: Api, conn: asyncpg.Connection) -> None:
    survey = await new_survey(api)
    ids = await item_ids(api)
    cases = [
        ({ids[0]: 6}, f"/answers/{ids[0]}"),
        ({ids[0]: 0}, f"/answers/{ids[0]}"),
        ({ids[0]: None}, f"/answers/{ids[0]}"),  # this scale has no N/A
        ({"not_an_item": 3}, "/answers/not_an_item"),
        ({ids[0]: 2.5}, f"/answers/{ids[0]}"),
        ({ids[0]: "4"}, f"/answers/{ids[0]}"),
    ]
    for answers, pointer in cases:
        reply = await answer(api, survey, "RESP-1", "Surgery", "doctor", answers)
        assert reply.status == 422, (answers, reply.text)
        assert pointer in [e["pointer"] for e in reply.json["errors"]], reply.json
        assert "RESP-1" not in reply.text
    extra = await api.put(f"/v1/surveys/{survey['id']}/responses/RESP-1",
                          {"unit": "Surgery", "staff_group": "doctor", "answers": {}, "site": "North"})
    assert (extra.status, extra.json["errors"]) == (422, [{"pointer": "/site", "detail": "is not a known field"}])
    for field in ("unit", "staff_group"):
        body = {"unit": "Surgery", "staff_group": "doctor", "answers": {ids[0]: 3}, field: "x" * 101}
        long = await api.put(f"/v1/surveys/{survey['id']}/responses/RESP-1", body)
        assert (long.status, long.json["errors"][0]["pointer"]) == (422, f"/{field}")
        assert "x" * 101 not in long.text
    assert await conn.fetchval("SELECT count(*) FROM survey_responses") == 0


async def test_a_respondent_answering_again_replaces_their_response_and_is_never_stored_by_reference(
        api: Api, conn: asyncpg.Connection, capsys: pytest.CaptureFixture[str]) -> None:
    survey = await new_survey(api)
    ids = await item_ids(api)
    first = await answer(api, survey, "RESP-42", "Surgery", "doctor", dict.fromkeys(ids, 2))
    assert (first.status, first.json["replaced"]) == (201, False)
    second = await answer(api, survey, "RESP-42", "Medicine", "manager", {ids[0]: 5})
    assert (second.status, second.json["replaced"]) == (200, True)
    assert {k: second.json[k] for k in ("survey_id", "unit", "staff_group", "answers")} == {
        "survey_id": survey["id"], "unit": "Medicine", "staff_group": "manager", "answers": {ids[0]: 5}}
    rows = await conn.fetch("SELECT * FROM survey_responses")
    assert len(rows) == 1 and rows[0]["unit"] == "Medicine"
    org = await conn.fetchval("SELECT org_id FROM surveys")
    assert rows[0]["respondent_key"] == pseudonym(SECRET, org, "RESP-42")
    assert rows[0]["answers"] == [5] + [None] * (len(ids) - 1)
    dump = str([dict(r) for r in await conn.fetch("SELECT * FROM audit_events")]) + str([dict(r) for r in rows])
    assert "RESP-42" not in dump
    refused = await answer(api, survey, "RESP-42", "Medicine", "manager", {"zz": 1})
    assert refused.status == 422 and "RESP-42" not in refused.text
    early = await api.get(f"/v1/surveys/{survey['id']}/report")
    assert (early.status, early.json["progress"]) == (409, {"responses": 1, "groups": {
        "Medicine": {"minimum_reached": False}}})
    logged = capsys.readouterr()
    assert "/responses/{respondent_ref}" in logged.out + logged.err  # the route is logged, never the path
    assert "RESP-42" not in logged.out + logged.err


async def test_close_freezes_responses_and_reports_in_every_format(api: Api, conn: asyncpg.Connection) -> None:
    survey = await new_survey(api)
    ids = await item_ids(api)
    for n in range(12):
        unit = "Surgery" if n < 6 else "Medicine" if n < 11 else "Theatres"
        await answer(api, survey, f"R-{n}", unit, "doctor" if n % 2 else "manager",
                     {i: 1 + (n + k) % 5 for k, i in enumerate(ids)})
    for path in ("report", "report.html", "report.csv"):  # nothing while open: progress only, in every format
        early = await api.get(f"/v1/surveys/{survey['id']}/{path}")
        assert (early.status, early.json["type"].rsplit("/", 1)[1]) == (409, "report-not-released")
        assert early.json["progress"] == {"responses": 12, "groups": {
            "Medicine": {"minimum_reached": True}, "Surgery": {"minimum_reached": True},
            "Theatres": {"minimum_reached": False}}}
    by_staff = await api.get(f"/v1/surveys/{survey['id']}/report", by="staff_group")
    assert by_staff.json["progress"]["groups"] == {"doctor": {"minimum_reached": True},
                                                   "manager": {"minimum_reached": True}}
    closed = await api.post(f"/v1/surveys/{survey['id']}/close")
    assert (closed.status, closed.json["status"]) == (200, "closed")
    late = await answer(api, survey, "R-99", "Surgery", "doctor", {ids[0]: 3})
    assert late.status == 409
    assert (await api.post(f"/v1/surveys/{survey['id']}/close")).status == 409
    report = (await api.get(f"/v1/surveys/{survey['id']}/report")).json
    assert report["status"] == "final" and report["by"] == "unit"
    # Theatres (1) is too few; the organisation less Surgery and Medicine would be Theatres alone, so Medicine is
    # hidden too. Neither says how many answered.
    assert [(g["key"], g["shown"], g.get("withheld")) for g in report["groups"]] == [
        ("Medicine", False, "protects_another_group"), ("Surgery", True, None),
        ("Theatres", False, "fewer_than_min_unit_size")]
    assert set(report["groups"][0]) == {"key", "shown", "withheld"}
    final = (await api.get(f"/v1/surveys/{survey['id']}/report", by="staff_group")).json
    assert final["status"] == "final"
    assert [(g["key"], g["shown"]) for g in final["groups"]] == [("doctor", True), ("manager", True)]
    assert final["alignment"]["difference"] == final["alignment"]["doctor"]["mean"] - \
        final["alignment"]["manager"]["mean"]
    bad = await api.get(f"/v1/surveys/{survey['id']}/report", by="site")
    assert (bad.status, bad.json["errors"][0].get("parameter")) == (422, "by")

    text = (await api.get(f"/v1/surveys/{survey['id']}/report.csv", by="unit")).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["level"], r["group"]) for r in rows} == {("organisation", ""), ("unit", "Surgery")}
    assert len(rows) == 2 * (1 + 3 + 6)
    index = next(r for r in rows if r["group"] == "Surgery" and r["measure"] == "index")
    assert float(index["mean"]) == report["groups"][1]["index"]["mean"]
    html = await api.get(f"/v1/surveys/{survey['id']}/report.html")
    assert html.status == 200 and html.content_type == "text/html"
    assert html.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Engagement 2026" in html.text and "Surgery" in html.text and 'class="banner"' not in html.text
    # The release is made once, at close, and read back as it was; one closed before releases were kept is
    # made on its first read, the same.
    await conn.execute("UPDATE survey_responses SET answers = '{}'")
    assert (await api.get(f"/v1/surveys/{survey['id']}/report")).json == report
    kept = await conn.fetchval("SELECT release FROM surveys")
    assert kept["reports"]["unit"] == report and set(kept) == {"hidden", "reports"}
    await conn.execute("UPDATE surveys SET release = NULL")
    await conn.execute("UPDATE survey_responses SET answers = $1",
                       [None] * len(ids))  # (so that a recomputation would show)
    remade = (await api.get(f"/v1/surveys/{survey['id']}/report")).json
    assert remade != report and await conn.fetchval("SELECT release IS NOT NULL FROM surveys")


async def test_compare_two_closed_surveys(api: Api) -> None:
    ids = await item_ids(api)
    earlier, later = await new_survey(api, "S-2025"), await new_survey(api, "S-2026")
    for survey, mark in ((earlier, 2), (later, 4)):
        for n in range(6):
            await answer(api, survey, f"R-{n}", "Surgery", "doctor", dict.fromkeys(ids, mark))
    open_reply = await api.get(f"/v1/surveys/{later['id']}/compare/{earlier['id']}")
    assert open_reply.status == 409
    for s in (earlier, later):
        await api.post(f"/v1/surveys/{s['id']}/close")
    trend = (await api.get(f"/v1/surveys/{later['id']}/compare/{earlier['id']}")).json
    assert trend["overall"]["index"]["change"] is not None
    assert trend["not_compared"] == []
    assert [g["key"] for g in trend["groups"]] == ["Surgery"]
