"""Frameworks and rubrics over the API: catalogue, validation of drafts, reload, immutable versions."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from service.app import create_app
from service.config import ROOT
from tests.support.api import Api

MLCF_NAMES = {
    "1": ("Demonstrating Personal Qualities", ["Developing Self Awareness", "Managing Yourself",
                                               "Continuing Personal Development", "Acting with Integrity"]),
    "2": ("Working with Others", ["Developing Networks", "Building and Maintaining Relationships",
                                  "Encouraging Contribution", "Working within Teams"]),
    "3": ("Managing Services", ["Planning", "Managing Resources", "Managing People", "Managing Performance"]),
    "4": ("Improving Services", ["Ensuring Patient Safety", "Critically Evaluating",
                                 "Encouraging Improvement and Innovation", "Facilitating Transformation"]),
    "5": ("Setting Direction", ["Identifying the Contexts for Change", "Applying Knowledge and Evidence",
                                "Making Decisions", "Evaluating Impact"]),
}
SHIPPED = {"colleague-msf", "consultant-aac", "engagement-survey", "mlcf-360", "st3-interview"}


async def test_mlcf_framework_has_the_twenty_elements_by_name(api: Api) -> None:
    listed = await api.get("/v1/frameworks")
    assert {f["id"] for f in listed.json["items"]} == {"mlcf", "lf", "hlm"}
    mlcf = (await api.get("/v1/frameworks/mlcf")).json
    for domain in mlcf["domains"]:
        name, elements = MLCF_NAMES[domain["id"]]
        assert domain["name"] == name
        assert [e["name"] for e in domain["elements"]] == elements
        assert [e["id"] for e in domain["elements"]] == [f"{domain['id']}.{n}" for n in range(1, 5)]
        assert all(e["definition"] for e in domain["elements"])


async def test_lf_and_hlm_carry_a_crosswalk_from_every_mlcf_element(api: Api) -> None:
    elements = {f"{d}.{e}" for d in range(1, 6) for e in range(1, 5)}
    lf = (await api.get("/v1/frameworks/lf")).json
    hlm = (await api.get("/v1/frameworks/hlm")).json
    assert len(lf["domains"]) == 7
    assert sum(len(d["elements"]) for d in lf["domains"]) == 28
    assert len(hlm["domains"]) == 9
    assert [level["id"] for level in hlm["levels"]] == ["essential", "proficient", "strong", "exemplary"]
    assert set(lf["crosswalk"]) == set(hlm["crosswalk"]) == elements
    assert (await api.get("/v1/frameworks/nope")).status == 404


async def test_rubric_list_and_whole_rubric_with_defaults(api: Api) -> None:
    listed = (await api.get("/v1/rubrics")).json["items"]
    assert {r["id"] for r in listed} == SHIPPED
    assert all(r["hash"].startswith("sha256:") and r["version"] >= 1 for r in listed)
    bad = await api.get("/v1/rubrics", purpose="hiring")
    assert (bad.status, bad.json["errors"][0]["parameter"]) == (422, "purpose")
    recruitment = (await api.get("/v1/rubrics", purpose="recruitment")).json["items"]
    assert {r["id"] for r in recruitment} == {"st3-interview", "consultant-aac"}

    st3 = (await api.get("/v1/rubrics/st3-interview")).json
    assert st3["purpose"] == "recruitment"
    assert len(st3["stations"]) == 4
    assert all(s["panellists"] == 2 for s in st3["stations"])
    assert st3["scale"]["allow_na"] is False
    assert st3["appointability"] == [{"no_mark_at_or_below": 1}, {"max_marks_at_or_below": {"value": 2, "count": 2}},
                                     {"min_raw_percent": 60}]
    schema = json.loads((ROOT / "schemas" / "rubric.json").read_text())
    jsonschema.validate({k: v for k, v in st3.items() if k != "hash"}, schema)
    same = (await api.get(f"/v1/rubrics/st3-interview/versions/{st3['version']}")).json
    assert same == st3


async def test_shipped_360_covers_all_twenty_elements(api: Api) -> None:
    doc = (await api.get("/v1/rubrics/mlcf-360")).json
    assert len(doc["items"]) >= 40
    assert {i["element"] for i in doc["items"]} == {f"{d}.{e}" for d in range(1, 6) for e in range(1, 5)}
    groups = {g["id"]: g for g in doc["rater_groups"]}
    assert set(groups) == {"self", "supervisor", "peer", "direct_report", "other"}
    assert groups["supervisor"]["anonymous"] is False
    assert (doc["k"], doc["min_raters"]) == (3, 10)
    assert (await api.get("/v1/rubrics/colleague-msf")).json["min_raters"] == 15
    survey = (await api.get("/v1/rubrics/engagement-survey")).json
    assert (len(survey["items"]), len(survey["subscales"]), len(survey["metascales"])) == (30, 6, 3)
    assert any(i["reverse"] for i in survey["items"])
    assert "not the licensed" in survey["notice"]


async def test_unknown_rubric_and_version_are_404(api: Api) -> None:
    assert (await api.get("/v1/rubrics/nope")).status == 404
    assert (await api.get("/v1/rubrics/st3-interview/versions/99")).status == 404
    assert (await api.get("/v1/rubrics/st3-interview/versions/x")).status == 404
    assert (await api.get("/v1/rubrics/st3-interview/versions/²")).status == 404  # a digit, but not ASCII


async def test_reading_rubrics_needs_the_scope(client, make_token) -> None:
    token = await make_token(["survey:read"])
    reply = await Api(client, token).get("/v1/rubrics")
    assert reply.status == 403


async def yaml_post(api: Api, path: str, text: str | bytes, content_type: str = "application/yaml"):
    return await api.request("POST", path, data=text.encode() if isinstance(text, str) else text,
                             headers={"Content-Type": content_type})


async def test_validate_a_draft_reports_every_problem_with_its_place(api: Api) -> None:
    valid = (ROOT / "tests" / "data" / "valid-mini.yaml").read_text()
    ok = await yaml_post(api, "/v1/rubrics/validate", valid)
    assert ok.json["valid"] is True and ok.json["errors"] == []
    assert ok.json["rubric"]["id"] == "mini-interview"

    broken = valid.replace("weight: 1", "weight: 0").replace("[insight, teamwork]", "[insight, teamwork, x]")
    bad = await yaml_post(api, "/v1/rubrics/validate", broken)
    assert bad.json["valid"] is False
    assert [(e["line"], e["column"], e["pointer"]) for e in bad.json["errors"]] == [(14, 13, "/criteria/0/weight")]

    semantic = valid.replace("[insight, teamwork]", "[insight, teamwork, x]")
    bad = await yaml_post(api, "/v1/rubrics/validate", semantic)
    assert bad.json["errors"] == [{"line": 21, "column": 35, "pointer": "/stations/0/criteria/2",
                                   "message": "criterion 'x' is not defined in criteria"}]


async def test_validate_refuses_a_reused_version_number(api: Api) -> None:
    shipped = (ROOT / "rubrics" / "st3-interview.yaml").read_text()
    same = await yaml_post(api, "/v1/rubrics/validate", shipped)
    assert same.json["valid"] is True
    changed = shipped.replace("title:", "title: Changed", 1).replace("title: Changed", "title:", 1) + "\n"
    changed = shipped.replace("disagreement_threshold: 2", "disagreement_threshold: 3")
    assert changed != shipped
    reused = await yaml_post(api, "/v1/rubrics/validate", changed)
    assert reused.json["valid"] is False
    assert "already published with different content" in reused.json["errors"][0]["message"]


async def test_validate_wants_yaml(api: Api) -> None:
    reply = await yaml_post(api, "/v1/rubrics/validate", "{}", "application/json")
    assert reply.status == 415
    assert (await yaml_post(api, "/v1/rubrics/validate", b"\xff\xfe")).json["errors"][0]["message"].startswith(
        "file is not UTF-8")


@pytest.fixture
def rubrics_dir(tmp_path: Path) -> Path:
    target = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", target)
    return target


@pytest.fixture
async def admin(config, aiohttp_client, make_token, rubrics_dir: Path):
    client = await aiohttp_client(create_app(dataclasses.replace(config, rubrics_dir=rubrics_dir)))
    yield Api(client, await make_token(["rubrics:read", "rubrics:admin", "audit:read"]))
    await client.close()


def bump(path: Path, old: str, new: str, *, version: int | None = None) -> None:
    text = path.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    if version is not None:
        text = text.replace("version: 1\n", f"version: {version}\n", 1)
    path.write_text(text)


async def test_reload_with_a_broken_file_changes_nothing(admin: Api, rubrics_dir: Path) -> None:
    before = (await admin.get("/v1/rubrics/st3-interview")).json
    bump(rubrics_dir / "st3-interview.yaml", "disagreement_threshold: 2", "disagreement_threshold: 3", version=2)
    (rubrics_dir / "broken.yaml").write_text("id: broken\nversion: 1\ntitle: [oops\n")
    reply = await admin.post("/v1/admin/rubrics/reload")
    assert reply.status == 422
    assert reply.json["issues"][0]["file"] == "rubrics/broken.yaml"
    assert reply.json["errors"][0]["detail"].startswith("rubrics/broken.yaml:")
    assert (await admin.get("/v1/rubrics/st3-interview")).json == before


async def test_bumping_the_version_publishes_it_and_keeps_the_old(admin: Api, rubrics_dir: Path) -> None:
    v1 = (await admin.get("/v1/rubrics/st3-interview")).json
    assert v1["version"] == 1
    bump(rubrics_dir / "st3-interview.yaml", "disagreement_threshold: 2", "disagreement_threshold: 3", version=2)
    reply = await admin.post("/v1/admin/rubrics/reload")
    assert reply.status == 200, reply.text
    assert [p["id"] for p in reply.json["published"]] == ["st3-interview"]
    latest = (await admin.get("/v1/rubrics/st3-interview")).json
    assert (latest["version"], latest["disagreement_threshold"]) == (2, 3)
    assert latest["hash"] != v1["hash"]
    assert (await admin.get("/v1/rubrics/st3-interview/versions/1")).json == v1
    audit = (await admin.get("/v1/audit-events", action="rubric.published")).json["items"]
    assert [e["rubric"] for e in audit] == [{"id": "st3-interview", "version": 2, "hash": latest["hash"]}]
    again = await admin.post("/v1/admin/rubrics/reload")
    assert again.json["published"] == []


async def test_same_version_with_new_content_is_refused_and_old_stays_live(admin: Api, rubrics_dir: Path) -> None:
    v1 = (await admin.get("/v1/rubrics/st3-interview")).json
    bump(rubrics_dir / "st3-interview.yaml", "disagreement_threshold: 2", "disagreement_threshold: 3")
    reply = await admin.post("/v1/admin/rubrics/reload")
    assert reply.status == 422
    [issue] = reply.json["issues"]
    assert issue["pointer"] == "/version"
    assert "bump `version`" in issue["message"]
    assert (await admin.get("/v1/rubrics/st3-interview")).json == v1


async def test_reload_needs_the_admin_scope(api: Api, client, make_token) -> None:
    reader = Api(client, await make_token(["rubrics:read"]))
    assert (await reader.post("/v1/admin/rubrics/reload")).status == 403


async def test_published_versions_cannot_be_altered_in_the_database(conn, client) -> None:
    import asyncpg
    with pytest.raises(asyncpg.RaiseError, match="immutable"):
        await conn.execute("UPDATE rubric_versions SET title = 'x' WHERE rubric_id = 'st3-interview'")


async def test_a_pinned_campaign_keeps_scoring_by_its_version_after_a_bump(admin: Api, rubrics_dir: Path,
                                                                           make_token) -> None:
    writer = Api(admin.client, await make_token(["recruitment:read", "recruitment:write", "rubrics:read",
                                                 "rubrics:admin"]))
    old = (await writer.post("/v1/campaigns", {"reference": "old", "title": "t", "rubric_id": "st3-interview"})).json
    bump(rubrics_dir / "st3-interview.yaml", "disagreement_threshold: 2", "disagreement_threshold: 3", version=2)
    assert (await writer.post("/v1/admin/rubrics/reload")).status == 200
    new = (await writer.post("/v1/campaigns", {"reference": "new", "title": "t", "rubric_id": "st3-interview"})).json
    assert (old["rubric"]["version"], new["rubric"]["version"]) == (1, 2)
    station = (await writer.get("/v1/rubrics/st3-interview")).json["stations"][0]
    statuses = []
    for campaign in (old, new):
        base = f"/v1/campaigns/{campaign['id']}/candidates/X"
        await writer.put(base, {})
        for panellist, mark in (("p1", 2), ("p2", 4)):  # a spread of exactly 2
            await writer.put(f"{base}/scorecards/{station['id']}/{panellist}",
                             {"marks": dict.fromkeys(station["criteria"], mark)})
        result = (await writer.get(base + "/result")).json
        statuses.append((result["rubric"]["version"], result["stations"][0]["criteria"][0]["flagged"]))
    assert statuses == [(1, True), (2, False)]
