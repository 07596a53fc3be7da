"""The PostgreSQL pool and single connections, with the JSON codecs every connection uses."""

from __future__ import annotations

import json

import asyncpg

from service.jsontext import dumps


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("json", encoder=dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("jsonb", encoder=dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool connections carry no session state (no SET, LISTEN or session advisory locks), so the
    default reset query on every release would only add a round trip; an unfinished transaction is
    still rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class DatabaseUnreachable(ConnectionError):
    """No connection could be made: the server is down or restarting (its socket file is gone, its port
    closed, its name unresolvable, or it did not answer in time). A ConnectionError, so a request meeting
    it is a 503 with Retry-After like any other lost connection."""


async def _connect(*args: object, **kwargs: object) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(*args, **kwargs)  # type: ignore[arg-type]
    except ConnectionError:
        raise
    except OSError as exc:  # FileNotFoundError for a Unix socket, TimeoutError, socket.gaierror...
        raise DatabaseUnreachable(f"{type(exc).__name__}: {exc}") from exc


# On a Citus coordinator that holds shards (of the reference tables), Citus hides them from every catalog
# query by a filter on pg_class, which makes asyncpg's type introspection (the first statement of a new
# connection that uses a composite or array type) take half a second instead of a millisecond. The service
# never lists tables, so its pooled connections see them unhidden. Plain PostgreSQL keeps the setting as a
# placeholder and nothing reads it.
SESSION = {"application_name": "mlcf-assessment", "citus.override_table_visibility": "off"}


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session,
        server_settings=SESSION, connect=_connect,
    )


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn, server_settings={"application_name": "mlcf-assessment"})
    await _init_connection(conn)
    return conn
