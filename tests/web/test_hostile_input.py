"""Input that must be refused cleanly (4xx, nothing stored, never a 500): odd numbers, unstorable text,
forged cursors, out-of-range versions; and the audit log shown only within the caller's scopes."""

from __future__ import annotations

import base64
import json

from tests.recruitment.recruitment_support import full_marks, new_campaign, new_candidate, st3
from tests.support.api import Api


def cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


async def test_whole_number_floats_are_the_integers_they_equal_and_fractions_are_refused(api: Api, conn) -> None:
    rubric, _, base = await new_candidate(api)
    station = rubric["stations"][0]
    first = station["criteria"][0]
    half = await api.put(f"{base}/scorecards/{station['id']}/p1",
                         {"marks": {**full_marks(rubric, station["id"], 3), first: 3.5}})
    assert half.status == 422
    assert half.json["errors"] == [{"pointer": f"/marks/{first}", "detail": "must be a whole number (got 3.5)"}]
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == 0
    reply = await api.put(f"{base}/scorecards/{station['id']}/p1",
                          {"marks": {**full_marks(rubric, station["id"], 3), first: 3.0}})
    assert reply.status == 201 and reply.json["marks"][first] == 3 and type(reply.json["marks"][first]) is int
    moderation = await api.post(f"{base}/moderations", {"station_id": station["id"], "criterion_id": first,
                                                        "mark": 4.0, "reason": "r", "moderator_ref": "m"})
    assert moderation.status == 201 and type(moderation.json["mark"]) is int
    version = await api.post("/v1/campaigns", {"reference": "v", "title": "t", "rubric_id": "st3-interview",
                                                "rubric_version": 1.0})
    assert version.status == 201 and version.json["rubric"]["version"] == 1


async def test_out_of_range_rubric_version_is_422(api: Api) -> None:
    reply = await api.post("/v1/campaigns", {"reference": "v", "title": "t", "rubric_id": "st3-interview",
                                              "rubric_version": 3_000_000_000})
    assert (reply.status, reply.json["errors"][0]["pointer"]) == (422, "/rubric_version")


async def test_text_postgresql_cannot_store_is_refused(api: Api) -> None:
    nul = await api.post("/v1/campaigns", {"reference": "a\u0000b", "title": "t", "rubric_id": "st3-interview"})
    assert nul.status == 422
    assert nul.json["errors"] == [{"pointer": "/reference", "detail": "must not contain NUL characters"}]
    raw = b'{"reference": "\\ud800", "title": "t", "rubric_id": "st3-interview"}'
    surrogate = await api.request("POST", "/v1/campaigns", data=raw, headers={"Content-Type": "application/json"})
    assert (surrogate.status, surrogate.json["errors"][0]["pointer"]) == (422, "/reference")
    campaign = await new_campaign(api)
    path = await api.put(f"/v1/campaigns/{campaign['id']}/candidates/cand%00x", {})
    assert path.status == 404
    assert (await api.get("/v1/rubrics/a%00b")).status == 404
    query = await api.get("/v1/audit-events", action="\u0000")
    assert (query.status, query.json["errors"][0]["parameter"]) == (422, "action")


async def test_forged_cursors_are_422(api: Api) -> None:
    for path, value in (("/v1/campaigns", ["2024-01-01T00:00:00+00:00", 5]), ("/v1/campaigns", [1, 2, 3]),
                        ("/v1/audit-events", 10**30), ("/v1/audit-events", -1), ("/v1/audit-events", "7"),
                        ("/v1/webhook-endpoints", 10**30), ("/v1/webhook-sources", [1])):
        reply = await api.get(path, cursor=cursor(value))
        assert reply.status == 422, (path, value, reply.text)
        assert reply.json["errors"][0]["parameter"] == "cursor"


async def test_audit_log_shows_only_what_the_key_may_read(client, make_token, make_org) -> None:
    org = await make_org()
    writer = Api(client, await make_token(["recruitment:read", "recruitment:write", "rubrics:read"], org=org))
    rubric = await st3(writer)
    campaign = await new_campaign(writer)
    base = f"/v1/campaigns/{campaign['id']}/candidates/A-1"
    await writer.put(base, {"display_name": "Dr Jane Secret"})
    station = rubric["stations"][0]["id"]
    await writer.put(f"{base}/scorecards/{station}/p1", {"marks": full_marks(rubric, station, 3),
                                                         "comment": "private remark"})
    assert (await Api(client, await make_token(["rubrics:read"], org=org)).get("/v1/audit-events")).status == 403
    rubrics_only = Api(client, await make_token(["rubrics:read", "audit:read"], org=org))
    seen = await rubrics_only.get("/v1/audit-events")
    assert seen.status == 200
    assert "Dr Jane Secret" not in seen.text
    assert "private remark" not in seen.text
    assert {e["object_type"] for e in seen.json["items"]} == {"api_key"}
    reader = Api(client, await make_token(["recruitment:read", "audit:read"], org=org))
    assert "private remark" in (await reader.get("/v1/audit-events", action="scorecard.submitted")).text


async def test_result_url_in_events_encodes_the_reference(api: Api, conn) -> None:
    await api.post("/v1/webhook-endpoints", {"url": "http://127.0.0.1:9/hooks",
                                             "events": ["candidate.result.updated"]})
    rubric = await st3(api)
    campaign = await new_campaign(api)
    base = f"/v1/campaigns/{campaign['id']}/candidates/A%2F1%20x%3Fy"
    assert (await api.put(base, {})).status == 201
    station = rubric["stations"][0]["id"]
    await api.put(f"{base}/scorecards/{station}/p1", {"marks": full_marks(rubric, station, 3)})
    body = json.loads(await conn.fetchval("SELECT body FROM webhook_messages"))
    assert body["data"]["candidate_ref"] == "A/1 x?y"
    assert body["data"]["result_url"].endswith(f"/v1/campaigns/{campaign['id']}/candidates/A%2F1%20x%3Fy/result")


async def test_idempotent_replay_keeps_the_location(api: Api) -> None:
    body = {"reference": "idem", "title": "t", "rubric_id": "st3-interview"}
    first = await api.post("/v1/campaigns", body, headers={"Idempotency-Key": "k1"})
    again = await api.post("/v1/campaigns", body, headers={"Idempotency-Key": "k1"})
    assert first.status == again.status == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"] == f"/v1/campaigns/{first.json['id']}"


async def test_nan_and_infinity_are_not_json(api: Api, conn) -> None:
    """Python's parser takes them; a NaN would pass every minimum/maximum and be stored as null."""
    campaign = await new_campaign(api, "AAC-9", "consultant-aac")
    base = f"/v1/campaigns/{campaign['id']}/candidates/C-1"
    for constant in ("NaN", "Infinity", "-Infinity"):
        reply = await api.put(base, data=f'{{"components": {{"shortlisting": {constant}}}}}',
                              headers={"Content-Type": "application/json"})
        assert reply.status == 400
        assert reply.json["detail"] == f"The body is not valid JSON: {constant} is not a JSON number"
    assert await conn.fetchval("SELECT count(*) FROM candidates") == 0


async def test_a_key_twice_in_one_object_is_refused_and_nothing_is_stored(api: Api, conn) -> None:
    """With "last wins" a scorecard could carry two marks for one criterion and store the second."""
    rubric, _, base = await new_candidate(api)
    station = rubric["stations"][0]
    criterion = station["criteria"][0]
    marks = json.dumps(full_marks(rubric, station["id"], 3))[1:-1]
    reply = await api.put(f"{base}/scorecards/{station['id']}/p1",
                          data=f'{{"marks": {{{marks}, "{criterion}": 1}}}}',
                          headers={"Content-Type": "application/json"})
    assert reply.status == 400 and reply.content_type == "application/problem+json"
    assert reply.json["detail"] == (f'The body is not valid JSON: the key "{criterion}" appears more than once '
                                    "in one object")
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == 0


async def test_errors_say_what_is_wrong_and_the_limit_without_repeating_the_text(api: Api, conn) -> None:
    rubric, _, base = await new_candidate(api)
    station = rubric["stations"][0]
    comment = "The candidate disclosed a health condition. " * 455  # about 20,000 characters
    reply = await api.put(f"{base}/scorecards/{station['id']}/p1",
                          {"marks": full_marks(rubric, station["id"], 3), "comment": comment,
                           "evidence": {station["criteria"][0]: "x" * 10_001}})
    assert reply.status == 422
    assert sorted((e["pointer"], e["detail"]) for e in reply.json["errors"]) == [
        ("/comment", f"must be at most 10000 characters (got {len(comment)})"),
        (f"/evidence/{station['criteria'][0]}", "must be at most 10000 characters (got 10001)")]
    assert "health condition" not in reply.text and "xxxx" not in reply.text and len(reply.text) < 1000
    empty = await api.post("/v1/campaigns", {"reference": "", "title": "Secret title", "rubric_id": 7})
    assert sorted((e["pointer"], e["detail"]) for e in empty.json["errors"]) == [
        ("/reference", "must not be empty"), ("/rubric_id", "must be a string (got 7)")]
    wrong_kind = await api.put(base, {"display_name": {"first": "Ann"}, "components": "interview: 72"})
    assert sorted((e["pointer"], e["detail"]) for e in wrong_kind.json["errors"]) == [
        ("/components", "must be an object (mapping) (got a string of 13 characters)"),
        ("/display_name", "must be a string (got an object)")]
    assert "Ann" not in wrong_kind.text and "interview: 72" not in wrong_kind.text
    assert await conn.fetchval("SELECT count(*) FROM scorecards") == 0


async def test_a_huge_integer_is_a_400_naming_the_limit_everywhere_a_body_is_read(api: Api, conn) -> None:
    huge = "9" * 5000
    for path in ("/v1/campaigns", "/v1/appraisals", "/v1/surveys"):
        raw = ('{"reference": "r", "title": "t", "rubric_id": "st3-interview", "n": ' + huge + "}").encode()
        reply = await api.request("POST", path, data=raw, headers={"Content-Type": "application/json"})
        assert (reply.status, reply.content_type) == (400, "application/problem+json"), (path, reply.text[:200])
        assert "more than 40 digits" in reply.json["detail"] and "99999" not in reply.text
    # 40 digits is still a number (refused by the schema as out of range, not as unreadable)
    reply = await api.post("/v1/campaigns", {"reference": "v", "title": "t", "rubric_id": "st3-interview",
                                              "rubric_version": 10**39})
    assert (reply.status, reply.json["errors"][0]["pointer"]) == (422, "/rubric_version")
    assert await conn.fetchval("SELECT count(*) FROM campaigns") == 0


async def test_a_field_name_that_cannot_be_stored_is_a_422_pointing_at_its_object(api: Api) -> None:
    for raw in (b'{"reference":"s","title":"t","rubric_id":"st3-interview","\\ud800":1}',
                b'{"reference":"s","title":"t","rubric_id":"st3-interview","x":{"\\udfff\\u0000":{"a":1}}}'):
        reply = await api.request("POST", "/v1/campaigns", data=raw, headers={"Content-Type": "application/json"})
        assert (reply.status, reply.content_type) == (422, "application/problem+json"), reply.text[:200]
        assert reply.json["errors"][0]["detail"].startswith("has a field name that")
        assert reply.json["errors"][0]["pointer"] in ("", "/x")


async def test_a_huge_yaml_integer_in_a_rubric_is_an_issue_not_a_500(api: Api) -> None:
    for value in ("0x" + "f" * 5000, "9" * 5000, "0o" + "7" * 6000):
        text = f"id: huge\nversion: {value}\ntitle: t\npurpose: appraisal_360\nk: {value}\n"
        reply = await api.request("POST", "/v1/rubrics/validate", data=text.encode(),
                                  headers={"Content-Type": "application/yaml"})
        assert reply.status in (200, 400, 422), (reply.status, reply.text[:300])
        assert "fff" not in reply.text and "999" not in reply.text and "777" not in reply.text
        if reply.status == 200:
            assert reply.json["valid"] is False


def test_csv_cells_a_spreadsheet_could_run_are_quoted() -> None:
    from service.surveys.csv_report import cell
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", " =1+1", "\n=1+1", "\t=1", "\r=1", "\uff1d1+1", "\u3000\uff0b1",
                 "\uff20x", " \uff0d1"):
        assert cell(text) == "'" + text, repr(text)
    for text in ("Surgery", "1 = 1", "A-E", "", " ", "Ward 7 (=)"):
        assert cell(text) == text, repr(text)


async def test_references_with_tabs_or_line_breaks_are_refused(api: Api, conn) -> None:
    campaign = await new_campaign(api)
    for ref in ("a%09b", "a%0Db", "a%0Ab", "%0A", "a%7Fb"):
        reply = await api.put(f"/v1/campaigns/{campaign['id']}/candidates/{ref}", {})
        assert (reply.status, reply.json["errors"][0]["parameter"]) == (422, "candidate_ref"), ref
    assert await conn.fetchval("SELECT count(*) FROM candidates") == 0
    assert (await api.put(f"/v1/campaigns/{campaign['id']}/candidates/Dr%20A%20B", {})).status == 201


async def test_a_body_of_many_unknown_fields_gets_a_short_answer_naming_none_it_should_not(api: Api, conn) -> None:
    fields = {f"f{n}": n for n in range(30_000)} | {f"<{n} odd>": n for n in range(20_000)}
    body = {"reference": "r", "title": "t", "rubric_id": "st3-interview", **fields}
    raw = json.dumps(body).encode()
    assert 500_000 < len(raw) < 1_000_000
    reply = await api.request("POST", "/v1/campaigns", data=raw, headers={"Content-Type": "application/json"})
    assert (reply.status, reply.content_type) == (422, "application/problem+json")
    assert len(reply.text) < 16_000
    assert len(reply.json["errors"]) == 50 and reply.json["more_errors"] == 30_001 - 50  # 30,000 named, 1 count
    assert "odd>" not in reply.text  # a name that is not plainly a field name is counted, never repeated
    assert await conn.fetchval("SELECT count(*) FROM campaigns") == 0
    small = await api.post("/v1/campaigns", {"reference": "r", "title": "t", "rubric_id": "st3-interview",
                                             "<odd>": 1, "refrence": 2})
    assert small.json["errors"] == [{"pointer": "/refrence", "detail": "is not a known field"},
                                    {"pointer": "", "detail": "has 1 more unknown field(s) (names not repeated)"}]


async def test_not_found_answers_do_not_repeat_the_reference_in_the_path(api: Api) -> None:
    campaign = await new_campaign(api)
    mark = "Dr%20Jane%20Smith%20GMC1234567"
    for path in (f"/v1/campaigns/{campaign['id']}/candidates/{mark}/result", f"/v1/rubrics/{mark}",
                 "/v1/rubrics/st3-interview/versions/99", f"/v1/frameworks/{mark}"):
        reply = await api.get(path)
        assert reply.status == 404, path
        assert "Jane" not in reply.json["detail"] and "GMC1234567" not in reply.json["detail"], reply.json["detail"]
        assert "99" not in reply.json["detail"]


async def test_an_unknown_station_in_the_path_is_not_repeated(api: Api) -> None:
    _, _, base = await new_candidate(api)
    reply = await api.put(f"{base}/scorecards/STATION-Zq7Mark/p1", {"marks": {}})
    assert reply.status == 422 and "Zq7Mark" not in reply.text.replace(reply.json["instance"], "")
