"""A candidate's result as the JSON the API answers, and a ranking as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from service.numbers import json_number, round4
from service.recruitment.domain.model import Moderation
from service.recruitment.domain.results import Result, StationResult


def render(result: Result, rubric_pin: Mapping[str, Any], *,
           earlier: tuple[Result, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The result JSON: exact values as JSON numbers at full precision, percent and composite to 4 places.

    `earlier`, when given, is the result this one was scored from (score_candidate's `earlier`) with its JSON:
    a station taken from it as it was (the very same StationResult) keeps its JSON too.
    """
    if earlier is None:
        stations = [render_station(s) for s in result.stations]
    else:
        before, before_json = earlier
        stations = [kept if s is old else render_station(s)
                    for s, old, kept in zip(result.stations, before.stations, before_json["stations"], strict=True)]
    return {
        "candidate_ref": result.candidate_ref,
        "status": result.status,
        "score": json_number(result.score),
        "max_score": json_number(result.max_score),
        "percent": None if result.percent is None else round4(result.percent),
        "raw_total": result.raw_total,
        "raw_max": result.raw_max,
        "composite": None if result.composite is None else round4(result.composite),
        "appointable": result.appointable,
        "reasons": [{"code": r.code, "detail": r.detail} for r in result.reasons],
        "stations": stations,
        "rubric": dict(rubric_pin),
    }


def render_station(s: StationResult) -> dict[str, Any]:
    return {
        "station_id": s.station_id, "score": json_number(s.score), "max": json_number(s.max),
        "scorecards": s.scorecards, "panellists_required": s.required,
        "criteria": [{"criterion_id": c.criterion_id, "weight": json_number(c.weight), "marks": c.marks,
                      "aggregate": json_number(c.aggregate), "flagged": c.flagged, "moderated": c.moderated,
                      "moderation": None if c.moderation is None else _render_moderation(c.moderation)}
                     for c in s.criteria],
    }


def _render_moderation(m: Moderation) -> dict[str, Any]:
    return {"mark": json_number(m.mark), "reason": m.reason, "moderator_ref": m.moderator_ref}


def ranking_csv(items: Sequence[Mapping[str, Any]], stations: Sequence[str]) -> str:
    """The ranking's items as CSV, one column per station score in the rubric's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["rank", "candidate_ref", "composite", "percent", "raw_total", *[f"station:{s}" for s in stations],
                     "status", "appointable", "reasons"])
    for item in items:
        writer.writerow([
            "" if item["rank"] is None else item["rank"], _csv_safe(item["candidate_ref"]),
            _blank(item["composite"]), _blank(item["percent"]), item["raw_total"],
            *[_blank(item["station_scores"].get(s)) for s in stations], item["status"],
            "" if item["appointable"] is None else str(item["appointable"]).lower(),
            "; ".join(f"{r['code']}: {r['detail']}" for r in item["reasons"])])
    return out.getvalue()


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formula injection in references that came from outside."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
