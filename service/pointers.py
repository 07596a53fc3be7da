"""JSON Pointers (RFC 6901): how an error names the place in a document it is about."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer(path: Iterable[Any]) -> str:
    """The pointer to the item reached by these keys and indexes."""
    return "".join("/" + escape(str(p)) for p in path)
