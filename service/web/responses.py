"""What a handler answers: a JSON document, or a problem as RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from service.jsontext import dumps, dumps_bytes
from service.web import problems


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps_bytes(data), status=status, content_type="application/json", headers=headers)


def problem_response(problem: problems.Problem, request: web.Request) -> web.Response:
    """The problem+json answer of a problem."""
    response = web.Response(text=dumps(problem.body(request.path)), status=problem.status,
                            content_type=problems.PROBLEM_CONTENT_TYPE)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mlcf"'
    if isinstance(problem, problems.MethodNotAllowed) and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra.pop("allow"))
    return response
