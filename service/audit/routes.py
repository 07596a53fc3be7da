"""The organisation's audit log, read by the scopes that may see each kind of object."""

from __future__ import annotations

from aiohttp import web
from marshmallow import Schema, fields

from service.audit import store as audit
from service.web.appkeys import POOL
from service.web.auth import caller, requires
from service.web.marshal import UtcDateTime, Uuid
from service.web.params import decode_cursor, page_limit, paged, query_choice, query_text, query_time, seq_position
from service.web.problems import FieldError, ValidationFailed
from service.web.responses import json_response

routes = web.RouteTableDef()


class AuditEventSchema(Schema):
    id = Uuid()
    actor = fields.String()
    key_id = Uuid()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    rubric = fields.Raw(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    request_id = fields.String(allow_none=True)
    created_at = UtcDateTime()


_events = AuditEventSchema()

# Reading the audit log needs `audit:read`; within it, a key sees the events of each kind of object only
# with the scope that reads that kind (events carry the object's content: scorecards, moderation
# reasons...). Events about people's rights (exports, erasures) need nothing more than `audit:read`.
# A kind missing here is shown to no one, so new kinds must be added deliberately.
READ_SCOPE: dict[str, str | None] = {
    "organisation": None, "api_key": None, "subject": None,
    "rubric": "rubrics:read",
    "campaign": "recruitment:read", "candidate": "recruitment:read", "scorecard": "recruitment:read",
    "moderation": "recruitment:read",
    "appraisal": "appraisal:read",
    "survey": "survey:read",
    "webhook_source": "webhooks:manage", "webhook_receipt": "webhooks:manage",
    "webhook_endpoint": "webhooks:manage", "webhook_delivery": "webhooks:manage",
}


def readable_kinds(scopes: frozenset[str]) -> list[str]:
    return sorted(kind for kind, scope in READ_SCOPE.items() if scope is None or scope in scopes)


ORDERS = ("oldest_first", "newest_first")


def _position(value: object) -> tuple[str, int]:
    """An audit cursor: the order it was issued for and the `seq` of the last event it saw."""
    if not (isinstance(value, list) and len(value) == 2 and value[0] in ORDERS):
        raise ValueError("not an audit cursor")
    return value[0], seq_position(value[1])


@routes.get("/v1/audit-events")
@requires("audit:read")
async def list_audit_events(request: web.Request) -> web.Response:
    who = caller(request)
    limit = page_limit(request)
    order = query_choice(request, "order", ORDERS) or "oldest_first"
    since = query_time(request, "since")
    cursor = decode_cursor(request, _position)
    if cursor is not None and cursor[0] != order:
        raise ValidationFailed("The cursor belongs to a listing in the other order",
                               errors=[FieldError(f"was issued for order={cursor[0]}", parameter="cursor")])
    rows = await audit.page(request.app[POOL], who.org_id, position=cursor[1] if cursor else None, limit=limit + 1,
                            action=query_text(request, "action"), object_types=readable_kinds(who.scopes),
                            since=since, newest_first=order == "newest_first")
    return json_response(paged(rows, limit, _events.dump, lambda r: [order, r["seq"]]))
