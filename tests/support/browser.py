"""Headless Chromium (Debian's, installed by `make test` where it can) driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
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


SCREENSHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"
A4_WIDTH = 794  # CSS px: 210 mm at 96 px per inch
PDF_PAGE = re.compile(rb"/Type\s*/Page[^s]")


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    charts: list[dict[str, float]]  # per svg element: width, height, right (px) and its count of shapes

    @property
    def pages(self) -> int:
        return len(PDF_PAGE.findall(self.pdf))


async def print_a4(chromium: Browser, html: str, requested: list[str], name: str | None = None) -> Printed:
    """A self-contained page loaded from `html` at A4 width (every request refused and its URL noted in
    `requested`), checked to be no wider than A4, and printed to PDF; with `name`, a full-page screenshot and
    the PDF are kept in .data/screenshots."""
    page = await chromium.new_page(viewport={"width": A4_WIDTH, "height": 1123})

    async def only_inline(route: Route) -> None:
        if route.request.url.startswith(("data:", "about:")):
            await route.continue_()
        else:
            requested.append(route.request.url)
            await route.abort()
    await page.route("**/*", only_inline)
    await page.set_content(html, wait_until="load")
    charts = await page.eval_on_selector_all("svg", """svgs => svgs.map(s => {
        const box = s.getBoundingClientRect();
        return {width: box.width, height: box.height, shapes: s.querySelectorAll('rect, circle, line, path').length,
                right: box.right};
    })""")
    width = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the page is wider than A4: {width}"
    if name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        await page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4", print_background=True)
    pdf = await page.pdf(format="A4", print_background=True)
    await page.close()
    assert pdf.startswith(b"%PDF-")
    return Printed(pdf, charts)
