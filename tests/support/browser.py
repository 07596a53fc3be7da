"""Headless Chromium (Debian's, installed by `make test` where it can) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("headless Chromium is missing in CI: `make test` installs it when run as root")
        pytest.skip("headless Chromium is not installed (as root, `make test` installs Debian's chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            await chromium.close()


async def offline_page(chromium: Browser, outside: list[str]) -> Page:
    """A page that can reach 127.0.0.1 only: any other request is refused and its URL noted in `outside`."""
    page = await chromium.new_page(viewport={"width": 1280, "height": 900})

    async def only_loopback(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()
    await page.route("**/*", only_loopback)
    return page
