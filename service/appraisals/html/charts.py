"""The inline SVG charts of the 360 report page: the domain profile (self against others per domain) and the
element bars (others' mean with a marker for each shown group and for self). Pure functions from report
entries to SVG markup; every text from the report is escaped here."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from service import report_svg as svg
from service.report_svg import Marker

WIDTH = svg.WIDTH
NAME_WIDTH = 220  # the column of element and domain names
PLOT = (NAME_WIDTH + 40, WIDTH - 40)  # x of the scale's min and max (room for the end tick labels)
FONT, LINE, MUTED = svg.FONT, svg.LINE, svg.MUTED
OTHERS_COLOUR = "#0072B2"  # Okabe-Ito blue
BAR_COLOUR = "#A9CDEB"  # a light tint of it, under the markers

SELF = Marker("diamond", "#D55E00", hollow=True)  # Okabe-Ito vermillion; hollow, so an equal mean shows through
GROUP_MARKERS = (Marker("circle", "#0072B2"), Marker("square", "#009E73"), Marker("triangle", "#CC79A7"),
                 Marker("triangle_down", "#E69F00"), Marker("circle", "#000000", hollow=True))


def group_marker(index: int) -> Marker:
    return GROUP_MARKERS[index % len(GROUP_MARKERS)]


@dataclass(frozen=True, slots=True)
class Scale:
    min: int
    max: int
    labels: Mapping[str, str]

    def x(self, value: float) -> float:
        left, right = PLOT
        return left + (value - self.min) / (self.max - self.min or 1) * (right - left)


def _mean(figure: Mapping[str, Any] | None) -> float | None:
    return None if figure is None else figure["mean"]


def _number(value: float | None) -> str:
    return "no ratings" if value is None else f"{value:.2f}"


def _axis(scale: Scale, top: float, bottom: float) -> Markup:
    """Tick lines down the plot, each labelled at the top with its number and the scale's own word."""
    parts = []
    for value in range(scale.min, scale.max + 1):
        x = scale.x(value)
        parts.append(Markup('<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#ccc"/>').format(
            x, top + 30, bottom))
        parts.append(svg.text(x, top + 11, str(value), size=11, anchor="middle", weight="bold"))
        parts.append(svg.text(x, top + 25, scale.labels.get(str(value), ""), size=11, anchor="middle"))
    return svg.join(parts)


def _no_ratings(y: float) -> Markup:
    return svg.text(PLOT[0] + 8, y + 4, "no ratings", fill=MUTED, style="italic")


def domain_profile(domains: Sequence[Mapping[str, Any]], scale: Scale) -> Markup:
    """Per domain, self (a hollow diamond) and others (a dot) on the scale, joined by a line; a domain without
    ratings says so instead."""
    others_marker = Marker("circle", OTHERS_COLOUR)
    key, top = svg.legend([(SELF, "Self"), (others_marker, "Others (all colleagues)")])
    y, rows = top + 36, []
    for d in domains:
        own, others = _mean(d["self"]), _mean(d["others"])
        names, lines = svg.wrapped(0, y + 12, d["name"], NAME_WIDTH)
        rows += [names, svg.text(0, y + 12 + lines * LINE, f"Self {_number(own)} · Others {_number(others)}", size=11,
                              fill=MUTED)]
        cy = y + (lines + 1) * LINE / 2 + 4
        if own is not None and others is not None:
            rows.append(Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#888" '
                               'stroke-width="3"/>').format(scale.x(own), cy, scale.x(others), cy))
        if others is not None:
            rows.append(svg.marker(others_marker, scale.x(others), cy, 6.5))
        if own is not None:
            rows.append(svg.marker(SELF, scale.x(own), cy, 7))
        if own is None and others is None:
            rows.append(_no_ratings(cy))
        y += (lines + 1) * LINE + 12
    return svg.svg(y, key + _axis(scale, top, y) + svg.join(rows),
                   "Domain profile: self and others on the rating scale")


def element_bars(elements: Sequence[Mapping[str, Any]], groups: Sequence[tuple[str, str, Marker]],
                 scale: Scale, title: str) -> Markup:
    """Per element, a bar to the others' mean, with a marker for each shown group's mean and one for self
    (markers are set a little apart vertically so that equal means stay visible). `groups`: (id, label, marker)
    of every shown non-self group."""
    key, top = svg.legend([(BAR_COLOUR, "Others (all colleagues)"), *((m, label) for _, label, m in groups),
                       (SELF, "Self")])
    y, rows = top + 36, []
    for e in elements:
        lines = len(textwrap.wrap(e["name"], svg.chars(NAME_WIDTH)))
        height = max(lines * LINE, 34)
        cy = y + height / 2
        rows.append(svg.wrapped(0, cy + 4 - (lines - 1) * LINE / 2, e["name"], NAME_WIDTH)[0])
        others = _mean(e["others"])
        if others is None:
            rows.append(_no_ratings(cy))
        else:
            rows.append(Markup('<rect x="{}" y="{:.1f}" width="{:.1f}" height="18" fill="{}"/>').format(
                PLOT[0], cy - 9, max(scale.x(others) - PLOT[0], 2), BAR_COLOUR))
        means = [(m, _mean(e["groups"].get(g))) for g, _, m in groups] + [(SELF, _mean(e["self"]))]
        for n, (m, mean) in enumerate(means):
            if mean is not None:
                rows.append(svg.marker(m, scale.x(mean), cy + (n - (len(means) - 1) / 2) * 5, 5))
        y += height + 10
    return svg.svg(y, key + _axis(scale, top, y) + svg.join(rows), title)
