"""Checks of a report page as text."""

from __future__ import annotations

import re


def references_outside(html: str) -> list[str]:
    """Everything in the page that would make a browser fetch or run something: src and href attributes,
    CSS url() and @import, elements that load content, absolute URLs, scripts."""
    found = re.findall(r"""\b(?:src|href)\s*=\s*["']?[^"'\s>]*""", html, flags=re.IGNORECASE)
    return found + re.findall(r"url\(|@import|<link|<img|<iframe|<object|<script|https?://", html,
                              flags=re.IGNORECASE)
