"""Requests the HTTP parser refuses before any handler runs (a line too long, too many headers, a header
that is not HTTP) are answered as problem+json that quote nothing the client sent, sent raw over a socket."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiohttp.test_utils import TestClient

from tests.support.openapi import check_problem

MARK = "Zq7SecretMarkZq7"  # stands for a token or a reference: it must not come back
HOST = "Host: 127.0.0.1\r\n"
LONG = "a" * 9000

BAD_REQUESTS = {
    "request line too long": f"GET /v1/whoami?ref={MARK}{LONG} HTTP/1.1\r\n{HOST}\r\n",
    "header too long": f"GET /v1/whoami HTTP/1.1\r\n{HOST}Authorization: Bearer {MARK} {LONG}\r\n\r\n",
    "header name too long": f"GET /v1/whoami HTTP/1.1\r\n{HOST}X-{MARK}{LONG}: 1\r\n\r\n",
    "5,000 headers": f"GET /v1/whoami HTTP/1.1\r\n{HOST}" + "".join(f"X-H{i}: {MARK}\r\n" for i in range(5000))
                     + "\r\n",
    "Content-Length not a number": f"POST /v1/campaigns HTTP/1.1\r\n{HOST}Content-Length: abc{MARK}\r\n\r\n",
    "Content-Length negative": f"POST /v1/campaigns HTTP/1.1\r\n{HOST}Content-Length: -1\r\n\r\n{MARK}",
    "NUL in a header": f"GET /v1/whoami HTTP/1.1\r\n{HOST}X-Ref: {MARK}\x00x\r\n\r\n",
    "space in a header name": f"GET /v1/whoami HTTP/1.1\r\n{HOST}X {MARK}: 1\r\n\r\n",
    "not an HTTP request line": f"{MARK} /v1/whoami HTTP/1.1\r\n{HOST}\r\n",
    "two Content-Lengths": f"POST /v1/campaigns HTTP/1.1\r\n{HOST}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{MARK}",
    "bad chunk size": (f"POST /v1/campaigns HTTP/1.1\r\n{HOST}Transfer-Encoding: chunked\r\n"
                       f"Content-Type: application/json\r\n\r\nzz{MARK}\r\n"),
}


async def exchange(client: TestClient, raw: bytes) -> bytes:
    return await exchange_at(client.port, raw)


async def exchange_at(port: int, raw: bytes) -> bytes:
    """Send raw bytes on a fresh connection to 127.0.0.1:port and read until the server closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        try:
            writer.write(raw)
            await writer.drain()
        except ConnectionError:
            pass  # the server answered and closed before taking all of it: the answer is still readable
        received = b""
        async with asyncio.timeout(10):
            while chunk := await reader.read(65536):
                received += chunk
        return received
    except ConnectionResetError:
        return received
    finally:
        writer.close()


def parse(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
async def test_parser_refusal_is_a_problem_quoting_nothing(client: TestClient, case: str) -> None:
    response = await exchange(client, BAD_REQUESTS[case].encode("latin-1"))
    status, headers, body = parse(response)
    assert status == 400, response[:300]
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(body)
    check_problem(problem)
    assert problem["status"] == 400 and problem["type"].endswith("/unreadable-request")
    assert MARK.encode() not in response and b"aaaaaaaa" not in response
    assert (headers["x-content-type-options"], headers["server"]) == ("nosniff", "mlcf-assessment")
    if "too long" in case:
        assert problem["limit"] == {"max_line_bytes": 8190}
    if case == "5,000 headers":
        assert problem["limit"] == {"max_headers": 128}


async def test_ten_megabyte_header_is_answered_before_the_connection_closes(client: TestClient) -> None:
    raw = f"GET /v1/whoami HTTP/1.1\r\n{HOST}X-Big: {MARK}".encode() + b"a" * 10_000_000 + b"\r\n\r\n"
    status, _, body = parse(await exchange(client, raw))
    assert status == 400 and json.loads(body)["limit"] == {"max_line_bytes": 8190}


async def test_the_connection_still_serves_good_requests_after_refusals(client: TestClient) -> None:
    for raw in list(BAD_REQUESTS.values())[:3]:
        await exchange(client, raw.encode("latin-1"))
    assert (await client.get("/healthz")).status == 200


async def test_every_answer_says_nosniff_and_names_no_software(client: TestClient) -> None:
    for path in ("/healthz", "/v1/whoami", "/nowhere", "/openapi.yaml"):
        reply = await client.get(path)
        assert reply.headers["X-Content-Type-Options"] == "nosniff", path
        assert reply.headers["Server"] == "mlcf-assessment", path
        assert "aiohttp" not in str(reply.headers) and "Python" not in str(reply.headers)
