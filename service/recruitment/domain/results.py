"""Recruitment scoring's outputs: the result of each criterion, station and candidate.

Immutable named tuples: a candidate is scored on every write, building one per criterion and station,
and a named tuple is built in under half the time of a frozen dataclass (bench/bench_mechanisms.py).
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from service.recruitment.domain.model import Moderation, Reason


class CriterionResult(NamedTuple):
    criterion_id: str
    weight: Fraction
    marks: dict[str, int]
    aggregate: Fraction | None
    flagged: bool
    moderation: Moderation | None = None

    @property
    def moderated(self) -> bool:
        return self.moderation is not None


class StationResult(NamedTuple):
    station_id: str
    score: Fraction | None
    max: Fraction
    scorecards: int
    required: int
    criteria: tuple[CriterionResult, ...]
    # What the candidate's result takes from each station, worked out once with the station's criteria:
    individual_marks: tuple[int, ...]  # every panellist's mark at the station, criterion by criterion
    flag_reasons: tuple[Reason, ...]  # the reasons of its flagged criteria, in criterion order


class Result(NamedTuple):
    candidate_ref: str
    status: str  # incomplete | needs_moderation | complete
    score: Fraction | None
    max_score: Fraction
    percent: Fraction | None
    raw_total: int
    raw_max: int
    composite: Fraction | None
    appointable: bool | None
    reasons: tuple[Reason, ...]
    stations: tuple[StationResult, ...]

    def station_score(self, station_id: str) -> Fraction | None:
        return next((s.score for s in self.stations if s.station_id == station_id), None)
