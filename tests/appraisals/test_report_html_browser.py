"""The 360 report page in headless Chromium, offline, at A4 width: every chart is drawn and has a size, nothing
overflows the page width, nothing is fetched, and it prints to a PDF of a sensible number of A4 pages."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, Route

from service.appraisals.html import render
from tests.appraisals.report_fixtures import report
from tests.support.browser import browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / ".data" / "screenshots"
A4_WIDTH = 794  # CSS px: 210 mm at 96 px per inch
PAGES = range(8, 13)  # the sample report prints on 10 A4 pages; a change of layout may move it a little
PAGE = re.compile(rb"/Type\s*/Page[^s]")


async def _print(chromium: Browser, html: str, requested: list[str], name: str | None = None) -> bytes:
    """The page loaded from `html` at A4 width (every request refused and noted), checked, and printed."""
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
    assert len(charts) == 6  # the domain profile and one element chart per domain
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0 and chart["shapes"] > 0, chart
        assert chart["right"] <= A4_WIDTH, chart
    width = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the page is wider than A4: {width}"
    if name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        await page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4", print_background=True)
    pdf = await page.pdf(format="A4", print_background=True)
    await page.close()
    return pdf


async def test_the_report_page_draws_its_charts_fits_a4_fetches_nothing_and_prints() -> None:
    requested: list[str] = []
    async with browser() as chromium:
        provisional = await _print(chromium, render(report()), requested, "appraisal-report")
        final = await _print(chromium, render(report(final=True)), requested)
    assert requested == []
    assert provisional.startswith(b"%PDF-")
    pages = len(PAGE.findall(provisional))
    assert pages in PAGES
    assert len(PAGE.findall(final)) == pages  # the provisional banner does not change the layout
