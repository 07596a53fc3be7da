"""Placeholder page until the full report page is written."""

from __future__ import annotations

from html import escape
from typing import Any


def render(report: dict[str, Any]) -> str:
    return f"<!doctype html><title>{escape(report['title'])}</title>"
