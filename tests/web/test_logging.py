"""One canonical JSON log line per request, with the request id and the route template only."""

from __future__ import annotations

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
