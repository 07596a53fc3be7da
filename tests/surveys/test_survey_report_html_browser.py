"""The survey report page in headless Chromium, offline, at A4 width: every chart is drawn and has a size,
nothing overflows the page width (a long unbroken unit name included), nothing is fetched, and it prints to a
PDF of a sensible number of A4 pages."""

from __future__ import annotations

from service.surveys.html import render
from tests.support.browser import A4_WIDTH, browser, print_a4
from tests.surveys.report_fixtures import report

PAGES = range(3, 7)  # the sample report by unit prints on 4 A4 pages; a change of layout may move it a little


async def test_the_report_page_draws_its_charts_fits_a4_fetches_nothing_and_prints() -> None:
    requested: list[str] = []
    async with browser() as chromium:
        by_unit = await print_a4(chromium, render(report()), requested, "survey-report")
        by_staff = await print_a4(chromium, render(report(by="staff_group")), requested,
                                  "survey-report-by-staff-group")
    assert requested == []
    # the organisation's profile and sub-scales, and one chart per shown group (3 units, 3 staff groups)
    assert (len(by_unit.charts), len(by_staff.charts)) == (5, 5)
    for chart in by_unit.charts + by_staff.charts:
        assert chart["width"] > 0 and chart["height"] > 0 and chart["shapes"] > 0, chart
        assert chart["right"] <= A4_WIDTH, chart
    assert by_unit.pages in PAGES
