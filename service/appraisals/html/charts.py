"""The inline SVG charts of the 360 report page: the domain profile (self against others per domain) and the
element bars (others' mean with a marker for each shown group and for self). Pure functions from report
entries to SVG markup; every text from the report is escaped here."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

WIDTH = 680  # the A4 content width in CSS px: every chart's viewBox is this wide
NAME_WIDTH = 220  # the column of element and domain names
PLOT = (NAME_WIDTH + 40, WIDTH - 40)  # x of the scale's min and max (room for the end tick labels)
FONT = 12
LINE = 15
CHAR = 0.56  # a sans-serif character's average width, in font sizes (to wrap names and lay out legends)
OTHERS_COLOUR = "#0072B2"  # Okabe-Ito blue
BAR_COLOUR = "#A9CDEB"  # a light tint of it, under the markers
MUTED = "#555"


@dataclass(frozen=True, slots=True)
class Marker:
    """How one set of raters is drawn: a shape and a colour (colour-blind-safe, and told apart by shape too)."""

    shape: str  # circle | square | triangle | triangle_down | diamond
    colour: str
    hollow: bool = False


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


def _text(x: float, y: float, text: str, *, size: float = FONT, anchor: str = "start", fill: str = "#1a1a1a",
          weight: str = "normal", style: str = "normal") -> Markup:
    return Markup('<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="{}" fill="{}" font-weight="{}" '
                  'font-style="{}">{}</text>').format(x, y, size, anchor, fill, weight, style, text)


def _join(parts: Sequence[Markup]) -> Markup:
    return Markup("").join(parts)


def _chars(width: float, size: float = FONT) -> int:
    """How many characters fit on a line `width` px wide."""
    return max(8, int(width / (size * CHAR)))


def _wrapped(x: float, y: float, text: str, width: float, size: float = FONT) -> tuple[Markup, int]:
    """A text wrapped to `width` px as stacked lines, and how many lines it took."""
    lines = textwrap.wrap(text, _chars(width, size)) or [""]
    return _join([_text(x, y + n * LINE, line, size=size) for n, line in enumerate(lines)]), len(lines)


def marker(m: Marker, x: float, y: float, r: float = 5.5) -> Markup:
    paint = (m.colour if not m.hollow else "none", m.colour if m.hollow else "#fff", 2 if m.hollow else 1)
    if m.shape == "circle":
        return Markup('<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}" stroke="{}" stroke-width="{}"/>').format(
            x, y, r, *paint)
    if m.shape == "square":
        return Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}" stroke="{}" '
                      'stroke-width="{}"/>').format(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, *paint)
    points = {"diamond": [(0, -1.3), (1.1, 0), (0, 1.3), (-1.1, 0)],
              "triangle": [(0, -1.2), (1.15, 0.9), (-1.15, 0.9)],
              "triangle_down": [(0, 1.2), (1.15, -0.9), (-1.15, -0.9)]}[m.shape]
    path = " ".join(f"{x + dx * r:.1f},{y + dy * r:.1f}" for dx, dy in points)
    return Markup('<path d="M{}Z" fill="{}" stroke="{}" stroke-width="{}"/>').format(path, *paint)


def legend(entries: Sequence[tuple[Marker | str, str]], y: float = 4) -> tuple[Markup, float]:
    """A legend laid out in rows across the chart: each entry a marker (or a bar's colour) and its label.
    Returns the markup and the height it takes."""
    parts, x, row = [], 0.0, 0
    for key, label in entries:
        width = 22 + len(label) * FONT * CHAR + 18
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        cy = y + row * 20 + 8
        if isinstance(key, Marker):
            parts.append(marker(key, x + 8, cy))
        else:
            parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="16" height="12" fill="{}"/>').format(
                x, cy - 6, key))
        parts.append(_text(x + 22, cy + 4, label))
        x += width
    return _join(parts), (row + 1) * 20 + 4


def _axis(scale: Scale, top: float, bottom: float) -> Markup:
    """Tick lines down the plot, each labelled at the top with its number and the scale's own word."""
    parts = []
    for value in range(scale.min, scale.max + 1):
        x = scale.x(value)
        parts.append(Markup('<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#ccc"/>').format(
            x, top + 30, bottom))
        parts.append(_text(x, top + 11, str(value), size=11, anchor="middle", weight="bold"))
        parts.append(_text(x, top + 25, scale.labels.get(str(value), ""), size=11, anchor="middle"))
    return _join(parts)


def _svg(height: float, body: Markup, title: str) -> Markup:
    return Markup('<svg class="chart" viewBox="0 0 {0} {1:.0f}" width="{0}" height="{1:.0f}" role="img" '
                  'aria-label="{2}"><title>{2}</title>{3}</svg>').format(WIDTH, height, title, body)


def _no_ratings(y: float) -> Markup:
    return _text(PLOT[0] + 8, y + 4, "no ratings", fill=MUTED, style="italic")


def domain_profile(domains: Sequence[Mapping[str, Any]], scale: Scale) -> Markup:
    """Per domain, self (a hollow diamond) and others (a dot) on the scale, joined by a line; a domain without
    ratings says so instead."""
    others_marker = Marker("circle", OTHERS_COLOUR)
    key, top = legend([(SELF, "Self"), (others_marker, "Others (all colleagues)")])
    y, rows = top + 36, []
    for d in domains:
        own, others = _mean(d["self"]), _mean(d["others"])
        names, lines = _wrapped(0, y + 12, d["name"], NAME_WIDTH)
        rows += [names, _text(0, y + 12 + lines * LINE, f"Self {_number(own)} · Others {_number(others)}", size=11,
                              fill=MUTED)]
        cy = y + (lines + 1) * LINE / 2 + 4
        if own is not None and others is not None:
            rows.append(Markup('<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="#888" '
                               'stroke-width="3"/>').format(scale.x(own), cy, scale.x(others), cy))
        if others is not None:
            rows.append(marker(others_marker, scale.x(others), cy, 6.5))
        if own is not None:
            rows.append(marker(SELF, scale.x(own), cy, 7))
        if own is None and others is None:
            rows.append(_no_ratings(cy))
        y += (lines + 1) * LINE + 12
    return _svg(y, key + _axis(scale, top, y) + _join(rows), "Domain profile: self and others on the rating scale")


def element_bars(elements: Sequence[Mapping[str, Any]], groups: Sequence[tuple[str, str, Marker]],
                 scale: Scale, title: str) -> Markup:
    """Per element, a bar to the others' mean, with a marker for each shown group's mean and one for self
    (markers are set a little apart vertically so that equal means stay visible). `groups`: (id, label, marker)
    of every shown non-self group."""
    key, top = legend([(BAR_COLOUR, "Others (all colleagues)"), *((m, label) for _, label, m in groups),
                       (SELF, "Self")])
    y, rows = top + 36, []
    for e in elements:
        lines = len(textwrap.wrap(e["name"], _chars(NAME_WIDTH)))
        height = max(lines * LINE, 34)
        cy = y + height / 2
        rows.append(_wrapped(0, cy + 4 - (lines - 1) * LINE / 2, e["name"], NAME_WIDTH)[0])
        others = _mean(e["others"])
        if others is None:
            rows.append(_no_ratings(cy))
        else:
            rows.append(Markup('<rect x="{}" y="{:.1f}" width="{:.1f}" height="18" fill="{}"/>').format(
                PLOT[0], cy - 9, max(scale.x(others) - PLOT[0], 2), BAR_COLOUR))
        means = [(m, _mean(e["groups"].get(g))) for g, _, m in groups] + [(SELF, _mean(e["self"]))]
        for n, (m, mean) in enumerate(means):
            if mean is not None:
                rows.append(marker(m, scale.x(mean), cy + (n - (len(means) - 1) / 2) * 5, 5))
        y += height + 10
    return _svg(y, key + _axis(scale, top, y) + _join(rows), title)
