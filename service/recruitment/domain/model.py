"""Recruitment scoring's inputs: the rubric as scoring reads it (with its per-station plans) and a
candidate's scorecards, moderations and components; a reason (the outputs are in results.py)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from service.numbers import Number, exact, exact_sum, number_text

# --- the rubric, as the scoring needs it ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    criteria: tuple[str, ...]
    panellists: int


@dataclass(frozen=True, slots=True)
class Rule:
    """An appointability rule: its kind (the reason code when it fails), value and, for some kinds, a count."""

    kind: str
    value: Fraction
    count: int | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a result is not complete or not appointable: a machine-readable code and a sentence."""

    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class CriterionPlan:
    id: str
    weight: Fraction
    weight_num: int  # weight × the station's weight_denominator: an integer
    flag_reason: Reason  # the reason given while the criterion is flagged (shared: Reasons are immutable)


@dataclass(frozen=True, slots=True)
class StationPlan:
    """A station with its criteria's weights as integers over a common denominator, so that
    station_score(s) = Σ_c weight(c) × aggregate(s,c) can be summed in integers."""

    station: Station
    criteria: tuple[CriterionPlan, ...]
    weight_denominator: int
    max: Fraction


@dataclass(frozen=True)
class PanelRubric:
    scale_min: int
    scale_max: int
    weights: Mapping[str, Fraction]
    stations: tuple[Station, ...]
    aggregation: str
    threshold: Fraction
    rules: tuple[Rule, ...]
    tie_break: tuple[str, ...]
    components: Mapping[str, Fraction]  # id -> weight

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> PanelRubric:
        rules = []
        for entry in doc["appointability"]:
            (kind, value), = entry.items()
            if kind == "max_marks_at_or_below":
                rules.append(Rule(kind, exact(value["value"]), int(value["count"])))
            else:
                rules.append(Rule(kind, exact(value)))
        return cls(
            scale_min=doc["scale"]["min"], scale_max=doc["scale"]["max"],
            weights={c["id"]: exact(c["weight"]) for c in doc["criteria"]},
            stations=tuple(Station(s["id"], tuple(s["criteria"]), s["panellists"]) for s in doc["stations"]),
            aggregation=doc["aggregation"], threshold=exact(doc["disagreement_threshold"]),
            rules=tuple(rules), tie_break=tuple(doc["tie_break"]),
            components={c["id"]: exact(c["weight"]) for c in doc["components"]},
        )

    def station(self, station_id: str) -> Station | None:
        return self._stations_by_id.get(station_id)

    @cached_property
    def _stations_by_id(self) -> dict[str, Station]:
        return {s.id: s for s in self.stations}

    @cached_property
    def max_score(self) -> Fraction:
        return exact_sum(self.station_max.values())

    @cached_property
    def percent_weight(self) -> Fraction:
        """The composite's weight on the panel percent: 1 − Σ the components' weights."""
        return 1 - exact_sum(self.components.values())

    @cached_property
    def spread_threshold(self) -> int:
        """The disagreement threshold for integer marks: a spread reaches it exactly when it reaches this."""
        return math.ceil(self.threshold)

    @cached_property
    def station_max(self) -> dict[str, Fraction]:
        """station_max(s) = Σ_c weight(c) × scale.max."""
        return {s.id: exact_sum(self.weights[c] for c in s.criteria) * self.scale_max for s in self.stations}

    @cached_property
    def station_plans(self) -> tuple[StationPlan, ...]:
        """What scoring needs of each station, worked out once per rubric (see StationPlan)."""
        plans = []
        threshold = number_text(self.threshold)
        for s in self.stations:
            weights = [self.weights[c] for c in s.criteria]
            denominator = math.lcm(*(w.denominator for w in weights))
            criteria = tuple(CriterionPlan(c, w, w.numerator * (denominator // w.denominator), Reason(
                "needs_moderation", f"marks for {c} at station {s.id} differ by {threshold} or more and are not "
                                    "moderated")) for c, w in zip(s.criteria, weights, strict=True))
            plans.append(StationPlan(s, criteria, denominator, self.station_max[s.id]))
        return tuple(plans)


# --- inputs --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scorecard:
    station_id: str
    panellist_ref: str
    marks: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Moderation:
    station_id: str
    criterion_id: str
    mark: Fraction
    reason: str = ""
    moderator_ref: str = ""


@dataclass(frozen=True)
class CandidateInput:
    candidate_ref: str
    scorecards: Sequence[Scorecard] = ()
    moderations: Sequence[Moderation] = ()
    components: Mapping[str, Number] = field(default_factory=dict)
