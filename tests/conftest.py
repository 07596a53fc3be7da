"""Fixtures: real PostgreSQL databases, the application, API keys, and an OpenAPI-checked client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestServer

from service import db
from service.app import create_app
from service.config import Config
from service.db import embedded
from service.tenants import store as orgs
from service.tenants.domain.callers import Caller, cli_caller
from service.tenants.domain.tokens import SCOPES
from service.tenants.usecases import create_key
from service.web import server
from tests.support import database
from tests.support.api import Api


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the Citus cluster (`make test-citus`), the tests marked plain_postgres are skipped, saying why, and
    so are the tests that use no database (they run the same on every deployment); elsewhere, the tests
    marked citus are."""
    on_citus = database.on_citus()
    for item in items:
        plain = item.get_closest_marker("plain_postgres")
        if on_citus and plain is not None:
            item.add_marker(pytest.mark.skip(reason="not on Citus: " + plain.kwargs["reason"]))
        elif on_citus and not {"pg_server", "database_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason="not on Citus: uses no database"))
        if not on_citus and item.get_closest_marker("citus") is not None:
            item.add_marker(pytest.mark.skip(reason="needs the Citus cluster of `make test-citus`"))


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    yield
    # A test that configures logging binds pytest's capture stream, which is closed after that test;
    # later log lines (request lines, the worker's) would fail on it.
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def pg_server() -> str:
    return database.server_dsn()


@pytest.fixture(scope="session")
def template_db(pg_server: str) -> Iterator[str]:
    name = asyncio.run(database.create_template(pg_server))
    yield name
    database.drop_sync(pg_server, name)


@pytest.fixture
async def database_url(pg_server: str, template_db: str) -> AsyncIterator[str]:
    name = await database.clone(pg_server, template_db)
    yield embedded.with_database(pg_server, name)
    await database.drop(pg_server, name)


@pytest.fixture
async def conn(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await db.connect(database_url)
    yield connection
    await connection.close()


@pytest.fixture
def config(database_url: str) -> Config:
    # Failed authentications are not throttled here: many tests send refused requests from one address (the
    # throttle has its own tests, tests/web/test_auth_failures.py).
    return Config(database_url=database_url, secret_key=SECRET_KEY,
                  webhook_allowed_hosts=("127.0.0.1", "localhost"),
                  webhook_retry_schedule=(0, 0, 0), db_pool_min=1, db_pool_max=5, auth_failures_per_minute=0)


SECRET_KEY = "test-secret-key-0123456789"  # the tests' SECRET_KEY, in-process and in the processes they start


class ServiceTestServer(TestServer):
    """aiohttp's test server, serving through the service's own connection handler as `serve` does."""

    async def _make_runner(self, **kwargs: object) -> web.AppRunner:
        return server.AppRunner(self.app, **kwargs)


@pytest.fixture
def aiohttp_client(aiohttp_client):
    """pytest-aiohttp's client fixture; an application given to it is served as `serve` serves it."""
    async def make(app_or_server, **kwargs):
        if isinstance(app_or_server, web.Application):
            app_or_server = ServiceTestServer(app_or_server)
        return await aiohttp_client(app_or_server, **kwargs)
    return make


@pytest.fixture
async def client(config: Config, aiohttp_client):
    test_client = await aiohttp_client(create_app(config))
    yield test_client
    await test_client.close()  # closes the pool before the test database is dropped


@pytest.fixture
async def make_org(conn: asyncpg.Connection) -> Callable[..., Awaitable[Caller]]:
    async def make(code: str | None = None, name: str = "Test NHS Trust") -> Caller:
        code = code or "T" + uuid.uuid4().hex[:6].upper()
        row = await orgs.create_org(conn, code, name)
        return cli_caller(row["id"], code)
    return make


@pytest.fixture
async def make_token(conn: asyncpg.Connection, make_org) -> Callable[..., Awaitable[str]]:
    async def make(scopes: tuple[str, ...] | list[str] = SCOPES, org: Caller | None = None) -> str:
        org = org or await make_org()
        return await create_key(conn, org.org_id, org.org_code, list(scopes), "test key")
    return make


@pytest.fixture
async def api(client, make_token) -> Api:
    return Api(client, await make_token())


@pytest.fixture
async def org(make_org) -> Caller:
    return await make_org()


@pytest.fixture
async def manager(client, make_token, org) -> Api:
    """A key of `org` that manages webhooks and reads the audit log (what its webhook changes recorded)."""
    return Api(client, await make_token(["webhooks:manage", "audit:read"], org=org))


@pytest.fixture
def anon(client) -> Api:
    return Api(client, None)
