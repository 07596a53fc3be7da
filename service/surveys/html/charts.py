"""The inline SVG charts of the survey report page: bars on the 0-100 scale coloured by band, with the bands
drawn behind them and a legend of their colours. Pure functions from report figures to SVG markup; every text
from the report is escaped by the drawing primitives."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from service import report_svg as svg

NAME_WIDTH = 230  # the column of measure names
PLOT = (NAME_WIDTH + 10, svg.WIDTH - 60)  # x of 0 and of 100 (room on the right for the value)
ROW = 24
BAR = 14
# Colour-blind-safe (Okabe-Ito), from the lowest band up; more bands than colours reuse them in order.
BAND_COLOURS = ("#D55E00", "#E69F00", "#F0E442", "#56B4E9", "#0072B2", "#009E73", "#CC79A7")


@dataclass(frozen=True, slots=True)
class Band:
    min: float
    label: str
    colour: str


def bands_of(report: Mapping[str, Any]) -> list[Band]:
    return [Band(b["min"], b["label"], BAND_COLOURS[n % len(BAND_COLOURS)]) for n, b in enumerate(report["bands"])]


def colour(bands: Sequence[Band], label: str | None) -> str:
    return next((b.colour for b in bands if b.label == label), "#999")


def x(score: float) -> float:
    left, right = PLOT
    return left + score / 100 * (right - left)


def band_legend(bands: Sequence[Band]) -> tuple[Markup, float]:
    """The bands' colours with their labels and ranges on 0-100."""
    entries = []
    for n, b in enumerate(bands):
        upper = bands[n + 1].min if n + 1 < len(bands) else 100
        entries.append((b.colour, f"{b.label} ({b.min:g}–{upper:g})"))
    return svg.legend(entries)


def _axis(bands: Sequence[Band], top: float, bottom: float) -> Markup:
    """The 0-100 axis at the top, a faint strip of each band's colour behind the bars, and its bounds."""
    parts = []
    for n, b in enumerate(bands):
        upper = bands[n + 1].min if n + 1 < len(bands) else 100
        parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}" '
                            'fill-opacity="0.12"/>').format(x(b.min), top + 18, x(upper) - x(b.min),
                                                            bottom - top - 18, b.colour))
    for value in range(0, 101, 20):
        parts.append(Markup('<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#ccc"/>').format(
            x(value), top + 18, bottom))
        parts.append(svg.text(x(value), top + 12, str(value), size=11, anchor="middle", weight="bold"))
    return svg.join(parts)


def band_bars(rows: Sequence[tuple[str, Mapping[str, Any] | None, bool]], bands: Sequence[Band],
              title: str, *, legend: bool = True) -> Markup:
    """One bar per row to its 0-100 score, coloured by its band, the score and band written beside it; a row
    whose figure has no score, or is withheld, says so. `rows`: (name, figure, emphasised) — an emphasised row
    (the index, whose name is short) is drawn in bold on one line. Without `legend`, the bands' key is left to
    an earlier chart on the page."""
    key, top = band_legend(bands) if legend else (Markup(), 0.0)
    y, parts = top + 26, []
    for name, figure, strong in rows:
        lines = len(textwrap.wrap(name, svg.chars(NAME_WIDTH))) or 1
        height = max(ROW, lines * svg.LINE + 8)
        cy = y + height / 2
        parts.append(svg.text(0, cy + 4, name, weight="bold") if strong
                     else svg.wrapped(0, cy + 4 - (lines - 1) * svg.LINE / 2, name, NAME_WIDTH)[0])
        score = None if figure is None else figure["score_100"]
        if score is None:
            words = "withheld to keep respondents anonymous" if figure and figure.get("withheld") else "no scores"
            parts.append(svg.text(PLOT[0] + 6, cy + 4, words, fill=svg.MUTED, style="italic"))
        else:
            parts.append(Markup('<rect x="{}" y="{:.1f}" width="{:.1f}" height="{}" fill="{}" stroke="#333" '
                                'stroke-width="0.5"/>').format(PLOT[0], cy - BAR / 2, max(x(score) - PLOT[0], 2),
                                                               BAR, colour(bands, figure["band"])))
            parts.append(svg.text(x(score) + 5, cy + 4, f"{score:.0f}", size=11, weight="bold"))
        y += height
    return svg.svg(y + 6, key + _axis(bands, top, y + 4) + svg.join(parts), title)
