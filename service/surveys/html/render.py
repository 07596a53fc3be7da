"""The survey report as one self-contained HTML page (inline styles and SVG, no scripts, nothing fetched), made
from the report JSON alone: `render(report)`. This module turns the report's numbers into the words and rows
the template prints; charts.py draws the charts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from service.surveys.html import charts

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEMPLATE = _ENV.get_template("report.html.j2")

BREAKDOWN = {"unit": ("unit", "units"), "staff_group": ("staff group", "staff groups")}
# Conventional readings of Cronbach's alpha, from the highest lower bound down.
ALPHA_READINGS = ((0.9, "excellent"), (0.8, "good"), (0.7, "acceptable"), (0.6, "questionable"), (0.5, "poor"))


def render(report: Mapping[str, Any]) -> str:
    """The whole HTML page of a survey report."""
    bands = charts.bands_of(report)
    names = {s["id"]: s["name"] for s in report["subscales"]}
    meta_names = {m["id"]: m["name"] for m in report["metascales"]}
    overall = report["overall"]
    shown = [g for g in report["groups"] if g["shown"]]
    hidden = [g for g in report["groups"] if not g["shown"]]
    one, many = BREAKDOWN[report["by"]]
    return _TEMPLATE.render(
        r=report, one=one, many=many, overall=overall,
        band_colour=lambda label: charts.colour(bands, label),
        profile=charts.band_bars(_rows(overall, report, meta_names, names, subscales=False), bands,
                                 "The organisation's engagement index and meta-scales on 0-100")
        if overall["shown"] else None,
        subscale_chart=charts.band_bars(_subscale_rows(overall, report, names), bands,
                                        "The organisation's sub-scales on 0-100", legend=False)
        if overall["shown"] else None,
        groups=[{**g, "chart": charts.band_bars(_rows(g, report, meta_names, names, subscales=True), bands,
                                                f"{g['key']}: the index and each sub-scale on 0-100",
                                                legend=n == 0)}
                for n, g in enumerate(shown)],
        below=[g["key"] for g in hidden if g["withheld"] == "fewer_than_min_unit_size"],
        complementary=[g["key"] for g in hidden if g["withheld"] != "fewer_than_min_unit_size"],
        subscale_names=names, alignment=_alignment(report["alignment"]),
        alpha=[(names[s], value, _alpha_reading(value)) for s, value in report["alpha"].items()],
        bands=bands, num=_num, scale_labels=_scale_labels(report["scale"]))


def _rows(entry: Mapping[str, Any], report: Mapping[str, Any], meta_names: Mapping[str, str],
          names: Mapping[str, str], *, subscales: bool) -> list[tuple[str, Any, bool]]:
    """The index first (in bold), then the meta-scales, or (for a group) the sub-scales grouped by meta-scale."""
    rows: list[tuple[str, Any, bool]] = [("Engagement index", entry["index"], True)]
    for m in report["metascales"]:
        if subscales:
            rows += [(names[s], entry["subscales"][s], False) for s in m["subscales"]]
        else:
            rows.append((meta_names[m["id"]], entry["metascales"][m["id"]], False))
    return rows


def _subscale_rows(entry: Mapping[str, Any], report: Mapping[str, Any],
                   names: Mapping[str, str]) -> list[tuple[str, Any, bool]]:
    return [(names[s], entry["subscales"][s], False) for m in report["metascales"] for s in m["subscales"]]


def _num(value: float | None, places: int = 1) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def _alignment(alignment: Mapping[str, Any] | None) -> str | None:
    """Doctors against managers in words: "Doctors score 6.2 points lower than managers (on 0-100)"."""
    if alignment is None:
        return None
    diff = alignment["difference_100"]
    if f"{abs(diff):.1f}" == "0.0":
        return "Doctors and managers score the same on the engagement index."
    return (f"Doctors score {abs(diff):.1f} points {'higher' if diff > 0 else 'lower'} than managers on the "
            "engagement index (on 0–100).")


def _alpha_reading(value: float | None) -> str:
    if value is None:
        return "not enough complete answers to compute"
    return next((words for bound, words in ALPHA_READINGS if value >= bound), "unacceptable")


def _scale_labels(scale: Mapping[str, Any]) -> list[tuple[int, str]]:
    return [(v, scale["labels"].get(str(v), "")) for v in range(scale["min"], scale["max"] + 1)]
