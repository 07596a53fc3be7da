"""The 360 report page in headless Chromium, offline, at A4 width: every chart is drawn and has a size, nothing
overflows the page width, nothing is fetched, and it prints to a PDF of a sensible number of A4 pages."""

from __future__ import annotations

from service.appraisals.html import render
from tests.appraisals.report_fixtures import report
from tests.support.browser import A4_WIDTH, browser, print_a4

PAGES = range(8, 13)  # the sample report prints on 10 A4 pages; a change of layout may move it a little


async def test_the_report_page_draws_its_charts_fits_a4_fetches_nothing_and_prints() -> None:
    requested: list[str] = []
    async with browser() as chromium:
        page = await print_a4(chromium, render(report()), requested, "appraisal-report")
    assert requested == []
    assert len(page.charts) == 6  # the domain profile and one element chart per domain
    for chart in page.charts:
        assert chart["width"] > 0 and chart["height"] > 0 and chart["shapes"] > 0, chart
        assert chart["right"] <= A4_WIDTH, chart
    assert page.pages in PAGES
