"""One canonical JSON log line per request, with the request id and the route template only."""

from __future__ import annotations

import asyncio
import json

from service.log import configure_logging
from tests.support.api import Api


async def test_one_json_line_per_request_with_request_id(api: Api, capsys) -> None:
    configure_logging("INFO", "json")
    await api.get("/v1/audit-events", headers={"X-Request-ID": "req-42"}, limit=5)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1
    [line] = requests
    assert line["request_id"] == "req-42"
    assert line["route"] == "/v1/audit-events"
    assert line["status"] == 200 and line["level"] == "info"
    assert api.token not in json.dumps(lines)


async def test_log_line_names_the_route_template_not_the_raw_path(api: Api, capsys) -> None:
    configure_logging("INFO", "json")
    await api.get("/v1/no-such/rater-ref-JohnSmith")
    err = capsys.readouterr().err
    assert "JohnSmith" not in err
    assert '"route":"unmatched"' in err.replace(" ", "")


async def test_a_request_the_http_parser_refuses_is_logged_without_what_the_client_sent(client, capsys,
                                                                                         caplog) -> None:
    """A header over aiohttp's 8,190-byte limit: its parser's exception holds the line's first bytes."""
    configure_logging("INFO", "json")
    token = "mlcf_" + "S3cr3tT0k3n" * 4
    for line in (f"Authorization: Bearer {token} {'a' * 9000}", f"X-Panellist: dr-jane-smith-{token}{'b' * 9000}"):
        reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(f"GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1\r\n{line}\r\n\r\n".encode())
        await writer.drain()
        answer = await reader.read()
        writer.close()
        assert answer.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request")
    err = capsys.readouterr().err
    records = [r for r in caplog.records if r.name.startswith("aiohttp")]
    assert all(r.exc_info is None and r.exc_text is None for r in records)
    refused = [json.loads(line) for line in err.splitlines() if '"request_refused"' in line]
    assert [(r["status"], r["error"]) for r in refused] == [(400, "LineTooLong")] * 2
    for text in (err, caplog.text):
        assert token not in text and "S3cr3t" not in text and "dr-jane-smith" not in text
