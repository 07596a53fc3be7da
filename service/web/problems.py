"""The problem hierarchy: every error the API answers is one of these, as RFC 9457 problem+json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.db.transactions import ConstraintViolation

PROBLEM_TYPE_BASE = "https://mlcf-assessment.nhs.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: a JSON pointer into the request body, or a named query/header parameter."""

    detail: str
    pointer: str | None = None
    parameter: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"detail": self.detail}
        if self.pointer is not None:
            out["pointer"] = self.pointer
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out


class Problem(Exception):
    status = 500
    slug = "internal-error"
    title = "Internal server error"
    retry_after: int | None = None  # seconds, sent as the Retry-After header

    def __init__(self, detail: str | None = None, *, errors: list[FieldError] | None = None,
                 extra: dict[str, Any] | None = None, retry_after: int | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or []
        self.extra = extra or {}
        if retry_after is not None:
            self.retry_after = retry_after

    def body(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        body.update(self.extra)
        return body


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class NotAcceptable(Problem):
    status, slug, title = 406, "not-acceptable", "Not acceptable"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class RequestTimeout(Problem):
    status, slug, title = 408, "request-timeout", "The request body did not arrive in time"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


MAX_ERRORS = 50  # field errors listed in one answer; `more_errors` counts the rest


class ValidationFailed(Problem):
    status, slug, title = 422, "validation-failed", "The request is not valid"

    def __init__(self, detail: str | None = None, *, errors: list[FieldError] | None = None,
                 extra: dict[str, Any] | None = None, retry_after: int | None = None) -> None:
        errors = errors or []
        if len(errors) > MAX_ERRORS:  # an answer is never larger than a few kilobytes, whatever was sent
            extra = {**(extra or {}), "more_errors": len(errors) - MAX_ERRORS}
            errors = errors[:MAX_ERRORS]
        super().__init__(detail, errors=errors, extra=extra, retry_after=retry_after)


class TooManyRequests(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"


RETRY_AFTER_SECONDS = 1  # what a 503's Retry-After asks for: a lost connection is replaced at once


class ServiceUnavailable(Problem):
    status, slug, title = 503, "unavailable", "Service unavailable"
    retry_after = RETRY_AFTER_SECONDS


BY_STATUS: dict[int, type[Problem]] = {
    cls.status: cls
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable,
                Conflict, RequestTimeout, PayloadTooLarge, UnsupportedMediaType, ValidationFailed,
                TooManyRequests, ServiceUnavailable)
}


def for_constraint(violation: ConstraintViolation) -> Problem:
    """The problem for a broken constraint the caller can fix: 409 for a duplicate, 422 for an invalid value."""
    return (Conflict if violation.kind == "conflict" else ValidationFailed)(violation.detail)


def for_status(status: int, detail: str | None = None) -> Problem:
    """A problem for an HTTP status raised outside our code (aiohttp's own 404, 405, 413...)."""
    cls = BY_STATUS.get(status)
    if cls is not None:
        return cls(detail)
    problem = Problem(detail)
    problem.status = status
    problem.slug = f"http-{status}"
    problem.title = "Request failed" if status < 500 else Problem.title
    return problem
