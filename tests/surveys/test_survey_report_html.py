"""The survey report page as text (no browser): everything from the report is escaped, a final report says so,
the questionnaire's notice, hidden groups named without their head counts, withheld figures as dashes,
alignment or why it is not shown, alpha with its reading, a survey too small to show anything, and nothing fetched."""

from __future__ import annotations

import copy
import re
from typing import Any

from service.surveys.html import render
from tests.support.pages import references_outside
from tests.surveys.report_fixtures import HOSTILE_UNIT, UNITS, report

REPORT = report()
MARKUP = "<script>alert('x')</script>"


def charts(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.DOTALL)


def section(html: str, name: str) -> str:
    return re.search(rf'<section id="{name}">(.*?)</section>', html, flags=re.DOTALL).group(1)  # type: ignore[union-attr]


def test_every_text_from_the_report_is_escaped_in_the_page_and_in_the_charts() -> None:
    tampered: dict[str, Any] = copy.deepcopy(REPORT)
    tampered["title"] = tampered["reference"] = MARKUP
    tampered["subscales"][0]["name"] = MARKUP
    tampered["metascales"][0]["name"] = MARKUP
    html = render(tampered)
    assert HOSTILE_UNIT in [g["key"] for g in REPORT["groups"] if g["shown"]]  # the fixture's own unit
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(" in html
    assert all("&lt;script&gt;" in chart for chart in charts(html))  # a meta-scale, a sub-scale or a unit


def test_the_report_is_final_and_says_so() -> None:
    html = render(REPORT)
    assert re.search(r"<title>Engagement survey report", html)
    assert "Final report" in html and "Provisional" not in html


def test_the_questionnaires_notice_stands_in_the_header_before_any_figure() -> None:
    html = render(REPORT)
    notice = html.index('class="notice"')
    assert REPORT["notice"] and REPORT["notice"][:60] in html[notice:notice + 1000]
    assert notice < html.index('<section id="summary">')


def test_suppressed_groups_are_named_by_their_reason_and_never_with_their_head_count() -> None:
    hidden = {g["key"]: g["withheld"] for g in REPORT["groups"] if not g["shown"]}
    assert hidden == {"Dermatology": "fewer_than_min_unit_size", "Radiology": "protects_another_group"}
    groups = section(render(REPORT), "groups")
    below = re.search(r"Not shown: fewer than 5 responses</h3>\s*<ul>(.*?)</ul>", groups, flags=re.DOTALL)
    other = re.search(r"Not shown, so that a smaller group cannot be worked out from the totals</h3>\s*<ul>(.*?)</ul>",
                      groups, flags=re.DOTALL)
    assert below and other
    assert below.group(1) == "<li>Dermatology</li>" and other.group(1) == "<li>Radiology</li>"
    for key in hidden:  # neither a chart nor a heading of its own, so no figure and no count
        assert f"<h3>{key}" not in groups and f"{key}:" not in groups
    assert f"{UNITS['Radiology']} respondents" not in groups


def test_a_withheld_figure_is_a_dash_with_a_note_never_a_number() -> None:
    tampered = copy.deepcopy(REPORT)
    first = REPORT["subscales"][0]["id"]
    tampered["overall"]["subscales"][first] = {"mean": None, "score_100": None, "band": None, "n": None,
                                               "withheld": "protects_another_group"}
    html = render(tampered)
    assert "None" not in html
    row = re.search(rf'<tr class="sub"><td>{REPORT["subscales"][0]["name"]}</td>(.*?)</tr>', html, flags=re.DOTALL)
    assert row and re.findall(r'<td class="n">([^<]*)</td>', row.group(1)) == ["–", "–", "–"]
    assert sum("withheld to keep respondents anonymous" in c for c in charts(html)) == 1  # the sub-scales chart


def test_alignment_in_words_or_why_it_is_not_shown() -> None:
    aligned = section(render(REPORT), "alignment")
    difference = REPORT["alignment"]["difference_100"]
    assert difference < 0
    assert f"Doctors score {abs(difference):.1f} points lower than managers" in aligned
    assert f"Doctors' index {REPORT['alignment']['doctor']['score_100']:.1f}" in aligned
    flipped = copy.deepcopy(REPORT)
    flipped["alignment"]["difference_100"] = 3.04
    assert "Doctors score 3.0 points higher than managers" in section(render(flipped), "alignment")
    none = copy.deepcopy(REPORT)
    none["alignment"] = None
    assert "Not shown: doctors and managers must each be a staff group with at least 5" in section(
        render(none), "alignment")


def test_alpha_is_printed_with_its_conventional_reading() -> None:
    tampered = copy.deepcopy(REPORT)
    ids = [s["id"] for s in REPORT["subscales"]]
    for subscale, value in zip(ids, (0.93, 0.85, 0.72, 0.61, 0.4, None), strict=True):
        tampered["alpha"][subscale] = value
    rows = re.findall(r'<tr><td>[^<]*</td><td class="n">([^<]*)</td><td>([^<]*)</td></tr>',
                      section(render(tampered), "reliability"))
    assert rows == [("0.93", "excellent"), ("0.85", "good"), ("0.72", "acceptable"), ("0.61", "questionable"),
                    ("0.40", "unacceptable"), ("–", "not enough complete answers to compute")]


def test_a_figure_without_scores_is_drawn_as_such_not_as_zero() -> None:
    tampered = copy.deepcopy(REPORT)
    shown = next(g for g in tampered["groups"] if g["key"] == "Surgery")
    first = REPORT["subscales"][0]
    shown["subscales"][first["id"]] = {"mean": None, "score_100": None, "band": None, "n": 0}
    chart = next(c for c in charts(render(tampered)) if "Surgery: the index" in c)
    assert "no scores" in chart and chart.count("no scores") == 1


def test_a_survey_with_too_few_responses_shows_no_figure_at_all() -> None:
    small = report(units={"Surgery": 2, "Radiology": 2})
    assert not small["overall"]["shown"]
    html = render(small)
    assert "No figures are shown: fewer than 5" in html and "4" not in section(html, "summary")
    assert charts(html) == [] and "Engagement index:" not in html
    assert "No unit can be shown." in html


def test_the_page_refers_to_nothing_outside_itself() -> None:
    assert references_outside(render(REPORT)) == []


def test_numbers_are_rounded_for_reading() -> None:
    html = render(REPORT)
    index = REPORT["overall"]["index"]
    assert index["score_100"] != round(index["score_100"], 1)
    assert not re.search(r"\d\.\d{3,}", html)
    assert f"<strong>{index['score_100']:.1f}</strong> on 0–100" in html
