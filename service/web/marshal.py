"""marshmallow fields the response schemas share: RFC 3339 UTC timestamps and UUID strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import fields

from service.jsontext import rfc3339


class UtcDateTime(fields.Field):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else rfc3339(value) if isinstance(value, datetime) else str(value)


class Uuid(fields.Field):
    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)
