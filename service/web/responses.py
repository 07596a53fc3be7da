"""What a handler answers: a JSON document, or a problem as RFC 9457 problem+json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from service.jsontext import dumps, dumps_bytes
from service.web import problems


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=dumps_bytes(data), status=status, content_type="application/json", headers=headers)


# Sent with every answer: no content sniffing, and no name or version of the software behind the service.
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Server": "mlcf-assessment"}


async def security_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """on_response_prepare: SECURITY_HEADERS on every answer the application makes."""
    response.headers.update(SECURITY_HEADERS)


# A report page is self-contained: inline styles and images only, nothing fetched, nothing run.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def html_response(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": HTML_POLICY})


# Path parameters that name people whose answers are anonymous (or, for subject_ref, may: a rater's links
# are erased by it): a problem's `instance` and a stored idempotent request show their placeholder, never the
# reference (which is not returned anywhere).
PRIVATE_PATH_PARAMETERS = ("rater_ref", "respondent_ref", "subject_ref")


def shown_path(request: web.Request) -> str:
    """The request's path, with any private reference in it replaced by its parameter's name."""
    route = request.match_info.route.resource
    private = [name for name in PRIVATE_PATH_PARAMETERS if name in request.match_info]
    if not private or route is None:
        return request.path
    shown = {name: value for name, value in request.match_info.items() if name not in private}
    return route.canonical.format_map({**shown, **{name: "{" + name + "}" for name in private}})


def problem_response(problem: problems.Problem, request: web.Request) -> web.Response:
    """The problem+json answer of a problem."""
    response = web.Response(text=dumps(problem.body(shown_path(request))), status=problem.status,
                            content_type=problems.PROBLEM_CONTENT_TYPE)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mlcf"'
    if problem.retry_after is not None:
        response.headers["Retry-After"] = str(problem.retry_after)
    if isinstance(problem, problems.MethodNotAllowed) and "allow" in problem.extra:
        response.headers["Allow"] = ", ".join(problem.extra.pop("allow"))
    return response
