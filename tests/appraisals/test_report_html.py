"""The 360 report page as text (no browser): everything from the report is escaped, a final report says so,
legends naming every shown group, withheld groups and figures without a count, reports without self or
without any rating, and nothing fetched."""

from __future__ import annotations

import copy
import re
from typing import Any

from service.appraisals.domain.model import Response
from service.appraisals.html import render
from tests.appraisals.report_fixtures import GROUPS, report, responses
from tests.support.pages import references_outside

REPORT = report()
MARKUP = "<script>alert('x')</script>"


def charts(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)


def test_every_text_from_the_report_is_escaped_in_the_page_and_in_the_charts() -> None:
    tampered: dict[str, Any] = copy.deepcopy(REPORT)
    tampered["subject_ref"] = MARKUP
    tampered["domains"][0]["name"] = MARKUP
    tampered["elements"][0]["name"] = MARKUP
    tampered["raters"]["peer"]["label"] = MARKUP
    html = render(tampered)
    assert any("<script>" in c["text"] for c in REPORT["comments"])  # the fixture's own comment
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(" in html
    assert all("&lt;script&gt;" in chart for chart in charts(html))  # a domain, an element or a group label


def test_the_report_is_final_and_says_so() -> None:
    html = render(REPORT)
    assert re.search(r"<title>360 feedback report", html)
    assert "Final report" in html and "Provisional" not in html


def test_every_element_chart_has_a_legend_naming_each_shown_group_self_and_others() -> None:
    shown = [v["label"] for g, v in REPORT["raters"].items() if g in REPORT["overall"]["groups"]]
    assert shown == ["Supervisor or line manager", "Peers", "Other colleagues (smaller groups combined)"]
    profile, *elements = charts(render(REPORT))
    assert len(elements) == len(REPORT["domains"])
    for chart in elements:
        for label in [*shown, "Self", "Others (all colleagues)"]:
            assert f">{label}</text>" in chart
    assert ">Self</text>" in profile and ">Others (all colleagues)</text>" in profile
    for label in REPORT["scale"]["labels"].values():
        assert f">{label}</text>" in profile


def test_a_report_without_a_self_response_renders() -> None:
    without_self = report(responses()[1:])
    assert without_self["overall"]["self"] is None and without_self["overall"]["gap"] is None
    assert without_self["agreement"] is None
    html = render(without_self)
    assert "Not available: there is no self-assessment" in html
    assert "no gap (there is no self rating or no colleague rating)" in html


def test_reports_without_any_rating_render() -> None:
    nobody = report([])
    assert nobody["overall"]["others"] is None and nobody["priorities"] == []
    all_na = report([Response(r.rater, r.group, dict.fromkeys(r.answers), r.comments) for r in responses()])
    assert all_na["overall"]["others"]["mean"] is None
    for html in (render(nobody), render(all_na)):
        assert all(">no ratings</text>" in chart for chart in charts(html))
        assert "No priorities: no element has colleagues' ratings yet." in html


def test_a_withheld_group_is_named_with_its_reason_and_never_counted() -> None:
    withheld = report(responses([g for g in GROUPS if g != "other"]))  # people supervised: 2, alone, too few
    assert withheld["raters"]["withheld"]["groups"] == ["direct_report"]
    html = render(withheld)
    assert "<strong>Left out:</strong> Responses from groups with fewer than 3 people" in html
    row = re.search(r"<tr><td>People they supervise or manage</td><td class=\"n\">(.*?)</td>", html)
    assert row and row.group(1) == "fewer than 3"
    assert "Too few to keep anonymous: left out of every figure and comment" in html


def test_a_withheld_figure_is_a_dash_never_a_number() -> None:
    # Three peers, two unable to comment on the first question: the peers' figure of it is withheld.
    rs = responses(("self", "supervisor", "peer", "peer", "peer"))
    first = REPORT["items"][0]["id"]
    rs[3].answers[first] = rs[4].answers[first] = None
    withheld = report(rs)
    assert withheld["items"][0]["groups"]["peer"]["withheld"] == "fewer_than_k"
    assert "None" not in render(withheld)


def test_the_page_refers_to_nothing_outside_itself() -> None:
    assert references_outside(render(REPORT)) == []


def test_numbers_are_rounded_to_two_decimals() -> None:
    html = render(REPORT)
    assert REPORT["overall"]["others"]["mean"] != round(REPORT["overall"]["others"]["mean"], 2)
    assert not re.search(r"\d\.\d{3,}", html)
    assert f"others {REPORT['overall']['others']['mean']:.2f}" in html
