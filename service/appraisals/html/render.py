"""The 360 report as one self-contained HTML page (inline styles and SVG, no scripts, nothing fetched), made
from the report JSON alone: `render(report)`. This module turns the report's codes and numbers into the
words and rows the template prints; charts.py draws the charts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from service.appraisals.html import charts
from service.report_svg import Marker

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_TEMPLATE = _ENV.get_template("report.html.j2")

POOL = "other_colleagues"
NOT_GROUPS = {"withheld"}  # keys of `raters` that are not a group
AGREEMENT = {
    "over_estimator": "Rates themselves higher than colleagues do (over-estimator)",
    "under_estimator": "Rates themselves lower than colleagues do (under-estimator)",
    "in_agreement_good": "Rates themselves much as colleagues do, and colleagues' ratings are good "
                         "(in agreement, good)",
    "in_agreement_poor": "Rates themselves much as colleagues do, and colleagues' ratings are not yet good "
                         "(in agreement, lower ratings)",
    None: "Not available: there is no self-assessment or no colleague rating to compare",
}
FLAG = {"blind_spot": "Blind spot", "hidden_strength": "Hidden strength"}


def render(report: Mapping[str, Any]) -> str:
    """The whole HTML page of a report."""
    scale = charts.Scale(report["scale"]["min"], report["scale"]["max"], report["scale"]["labels"])
    raters = report["raters"]
    shown = report["overall"]["groups"]
    groups = [(g, raters[g]["label"], charts.group_marker(n))
              for n, g in enumerate(g for g in raters if g in shown)]
    label = {g: v["label"] for g, v in raters.items() if g not in NOT_GROUPS}
    elements = report["elements"]
    items = report["items"]
    domains = [{**d, "chart": charts.element_bars([e for e in elements if e["domain_id"] == d["id"]], groups, scale,
                                                  f"{d['name']}: others' mean per element, each group and self"),
                "elements": [{**e, "questions": [i for i in items if i["element_id"] == e["id"]]}
                             for e in elements if e["domain_id"] == d["id"]]}
               for d in report["domains"]]
    return _TEMPLATE.render(
        r=report, scale_labels=_scale_labels(report["scale"]),
        rater_rows=_rater_rows(raters, report["thresholds"]["k"]), pool=raters.get(POOL), label=label, groups=groups,
        agreement=AGREEMENT[report["agreement"]],
        profile=charts.domain_profile(report["domains"], scale), domains=domains,
        flagged={flag: [("Element", e["name"], e) for e in elements if e["flag"] == flag]
                 + [("Question", i["text"], i) for i in items if i["flag"] == flag] for flag in FLAG},
        element_names={e["id"]: e["name"] for e in elements},
        comments=_comments(report["comments"], label, {i["id"]: i["text"] for i in items}),
        num=_num, signed=_signed, gap_words=_gap_words, flag_words=FLAG, by_group=_by_group)


def _num(value: float | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def _signed(value: float | None) -> str:
    """A gap with its sign: +0.78, −0.33 (a true minus sign), 0.00."""
    if value is None:
        return "–"
    text = f"{abs(value):.2f}"
    return text if text == "0.00" else ("+" if value > 0 else "−") + text


def _gap_words(entry: Mapping[str, Any]) -> str:
    """The gap (self − others) of an entry in words."""
    gap = entry["gap"]
    if gap is None:
        return "no gap (there is no self rating or no colleague rating)"
    if _signed(gap) == "0.00":
        return "self and colleagues agree"
    return f"self {abs(gap):.2f} points {'above' if gap > 0 else 'below'} colleagues"


def _by_group(entry: Mapping[str, Any], groups: list[tuple[str, str, Marker]]) -> str:
    """Each shown group's mean of an entry, in words: "Peers 3.77 · Supervisor 4.00"."""
    figures = entry["groups"]
    return " · ".join(f"{label} {_num(figures[g]['mean']) if figures.get(g) else '–'}" for g, label, _ in groups)


def _scale_labels(scale: Mapping[str, Any]) -> list[tuple[int, str]]:
    return [(v, scale["labels"].get(str(v), "")) for v in range(scale["min"], scale["max"] + 1)]


def _rater_rows(raters: Mapping[str, Any], k: int) -> list[tuple[str, int | str, str]]:
    """(label, responses, how the group is shown) for each rubric group and, last, the pooled group. A group's
    count is printed only where the report gives it (never for a group too small to show on its own)."""
    rows: list[tuple[str, int | str, str]] = []
    for g, v in raters.items():
        if g in NOT_GROUPS or g == POOL:
            continue
        if v.get("count") == 0:
            status = "No responses"
        elif v["shown"]:
            status = "Shown as its own group"
        elif v.get("reason") == "pooled":
            status = f"Too few to show alone: combined into “{raters[POOL]['label']}”"
        else:
            status = "Too few to keep anonymous: left out of every figure and comment"
        rows.append((v["label"], v.get("count", f"fewer than {k}"), status))
    pool = raters.get(POOL)
    if pool:
        rows.append((pool["label"], pool.get("count", f"fewer than {k}"),
                     "Shown as one group" if pool["shown"] else
                     "Too few even combined: left out of every figure and comment"))
    return rows


def _comments(comments: list[dict[str, Any]], label: Mapping[str, str],
              item_text: Mapping[str, str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The comments by group (in the rubric's order of groups), general comments before those on a question."""
    by_group: dict[str, list[dict[str, Any]]] = {g: [] for g in label}
    for c in comments:
        by_group.setdefault(c["group"], []).append({**c, "item_text": item_text.get(c["item_id"] or "", "")})
    return [(label.get(g, g), sorted(cs, key=lambda c: c["item_id"] is not None))
            for g, cs in by_group.items() if cs]
