"""What every report page's inline SVG charts are drawn with: the page's width and type sizes, markers that
are told apart by shape as well as colour, legends, wrapped text, and the <svg> element itself. Every text
passed in is escaped here."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 680  # the A4 content width in CSS px: every chart's viewBox is this wide
FONT = 12
LINE = 15
CHAR = 0.56  # a sans-serif character's average width, in font sizes (to wrap names and lay out legends)
MUTED = "#555"


@dataclass(frozen=True, slots=True)
class Marker:
    """How one set of raters is drawn: a shape and a colour (colour-blind-safe, and told apart by shape too)."""

    shape: str  # circle | square | triangle | triangle_down | diamond
    colour: str
    hollow: bool = False


def text(x: float, y: float, words: str, *, size: float = FONT, anchor: str = "start", fill: str = "#1a1a1a",
          weight: str = "normal", style: str = "normal") -> Markup:
    return Markup('<text x="{:.1f}" y="{:.1f}" font-size="{}" text-anchor="{}" fill="{}" font-weight="{}" '
                  'font-style="{}">{}</text>').format(x, y, size, anchor, fill, weight, style, words)


def join(parts: Sequence[Markup]) -> Markup:
    return Markup("").join(parts)


def chars(width: float, size: float = FONT) -> int:
    """How many characters fit on a line `width` px wide."""
    return max(8, int(width / (size * CHAR)))


def wrapped(x: float, y: float, words: str, width: float, size: float = FONT) -> tuple[Markup, int]:
    """A text wrapped to `width` px as stacked lines, and how many lines it took."""
    lines = textwrap.wrap(words, chars(width, size)) or [""]
    return join([text(x, y + n * LINE, line, size=size) for n, line in enumerate(lines)]), len(lines)


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
        parts.append(text(x + 22, cy + 4, label))
        x += width
    return join(parts), (row + 1) * 20 + 4


def svg(height: float, body: Markup, title: str) -> Markup:
    return Markup('<svg class="chart" viewBox="0 0 {0} {1:.0f}" width="{0}" height="{1:.0f}" role="img" '
                  'aria-label="{2}"><title>{2}</title>{3}</svg>').format(WIDTH, height, title, body)
