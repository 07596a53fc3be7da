"""The service skeleton: health, docs, problems for every error, authentication, request ids."""

from __future__ import annotations

import io
import re

import yaml
from aiohttp import web

from service.web.auth import requires
from service.web.responses import json_response
from tests.support.api import Api


async def test_health_and_readiness(anon: Api) -> None:
    assert (await anon.get("/healthz")).json == {"status": "ok"}
    ready = await anon.get("/readyz")
    assert ready.status == 200
    assert ready.json == {"status": "ready", "checks_failed": []}


async def test_readiness_fails_when_a_migration_is_missing(anon: Api, conn) -> None:
    await conn.execute("DELETE FROM schema_migrations WHERE version = 1")
    reply = await anon.get("/readyz")
    assert reply.status == 503
    assert reply.json["checks_failed"] == ["1 migration(s) not applied"]


async def test_metrics_count_requests_by_route_template(anon: Api) -> None:
    await anon.get("/healthz")
    text = (await anon.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert "db_pool_connections" in text


async def test_openapi_document_and_docs_page_with_only_the_services_own_assets(anon: Api) -> None:
    spec = yaml.safe_load((await anon.get("/openapi.yaml")).text)
    assert spec["openapi"].startswith("3.1")
    page = await anon.get("/docs")
    assert page.content_type == "text/html"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/docs/") for a in assets)
    for asset in (a for a in assets if a.endswith((".js", ".css"))):
        reply = await anon.get(asset, check=False)
        assert reply.status == 200 and reply.text, asset


async def test_v1_without_key_is_401_problem(anon: Api) -> None:
    reply = await anon.get("/v1/anything")
    assert reply.status == 401
    assert reply.content_type == "application/problem+json"
    assert reply.json["status"] == 401 and reply.json["instance"] == "/v1/anything"
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


async def test_invalid_key_is_401(anon: Api) -> None:
    reply = await anon.get("/v1/whoami", token="mlcf_not-a-real-token")
    assert reply.status == 401
    assert "not valid" in reply.json["detail"]


async def test_unknown_path_with_key_is_404_problem(api: Api) -> None:
    reply = await api.get("/v1/anything")
    assert reply.status == 404
    assert reply.content_type == "application/problem+json"
    assert reply.json["type"].endswith("/not-found")


async def test_unknown_path_outside_v1_is_404_problem(anon: Api) -> None:
    reply = await anon.get("/nothing-here")
    assert (reply.status, reply.content_type) == (404, "application/problem+json")


async def test_wrong_method_is_405_problem_with_allow(anon: Api) -> None:
    reply = await anon.request("DELETE", "/healthz")
    assert (reply.status, reply.content_type) == (405, "application/problem+json")
    assert "GET" in reply.headers["Allow"]


async def test_two_mebibyte_body_is_413_problem(api: Api) -> None:
    reply = await api.request("POST", "/v1/whoami", data=io.BytesIO(b"x" * (2 * 1024 * 1024)),
                              headers={"Content-Type": "application/json"})
    assert (reply.status, reply.content_type) == (413, "application/problem+json")
    assert "1048576 bytes" in reply.json["detail"]


async def test_request_id_is_echoed_or_generated(anon: Api) -> None:
    mine = await anon.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert mine.headers["X-Request-ID"] == "trace-123"
    generated = await anon.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["X-Request-ID"]) == 32


async def test_whoami_names_org_and_scopes(client, make_token, make_org) -> None:
    org = await make_org("RXH", "Brighton and Sussex University Hospitals")
    token = await make_token(["recruitment:read"], org=org)
    reply = await Api(client, token).get("/v1/whoami")
    assert reply.json["org"] == "RXH"
    assert reply.json["scopes"] == ["recruitment:read"]


async def test_scope_missing_is_403_and_present_is_200(config, aiohttp_client, make_token) -> None:
    from service.app import create_app

    @requires("rubrics:admin")
    async def guarded(request: web.Request) -> web.Response:
        return json_response({"ok": True})

    app = create_app(config)
    app.router.add_get("/v1/guarded", guarded)
    client = await aiohttp_client(app)
    weak = await make_token(["rubrics:read"])
    strong = await make_token(["rubrics:admin"])
    denied = await client.get("/v1/guarded", headers={"Authorization": f"Bearer {weak}"})
    assert denied.status == 403
    assert denied.content_type == "application/problem+json"
    assert (await denied.json())["required_scope"] == "rubrics:admin"
    allowed = await client.get("/v1/guarded", headers={"Authorization": f"Bearer {strong}"})
    assert allowed.status == 200


async def test_unhandled_error_is_500_problem_without_internals(config, aiohttp_client, api) -> None:
    from service.app import create_app

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: password=hunter2")

    app = create_app(config)
    app.router.add_get("/v1/broken", broken)
    client = await aiohttp_client(app)
    reply = await client.get("/v1/broken", headers={"Authorization": f"Bearer {api.token}"})
    assert reply.status == 500
    body = await reply.text()
    assert "hunter2" not in body and "RuntimeError" not in body
    assert reply.content_type == "application/problem+json"
