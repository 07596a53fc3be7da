"""marshmallow schemas that shape every response body (snake_case, RFC 3339 UTC, UUID strings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields

from service.jsontext import rfc3339


class UtcDateTime(fields.Field):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else rfc3339(value) if isinstance(value, datetime) else str(value)


class Uuid(fields.Field):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


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
