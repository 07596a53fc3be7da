"""The changes a candidate can undergo (a scorecard, a moderation, its own fields): each one's check
against the rubric, its effect on the scoring input, its audit row, how it is stored, and the state it
leaves. `usecases.change_candidate` applies them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol
from urllib.parse import quote

from service.audit import store as audit
from service.numbers import json_number
from service.recruitment.candidate_states import CandidateState
from service.recruitment.domain.model import CandidateInput, PanelRubric, Scorecard
from service.recruitment.domain.scoring import aggregate
from service.rubrics.catalogue import RubricVersion
from service.tenants.domain.callers import Caller
from service.web.problems import FieldError, ValidationFailed


def audit_name(campaign_id: uuid.UUID, candidate_ref: str, *parts: str) -> str:
    """How audit events name a candidate, `{campaign_id}/{candidate_ref}`, or one of its scorecards or
    moderations, `…/{station_id}/{panellist_ref or criterion_id}`: references percent-encoded, as in URLs."""
    return "/".join([str(campaign_id), *(quote(p, safe="") for p in (candidate_ref, *parts))])


def object_id(state: CandidateState, *parts: str) -> str:
    return audit_name(state.campaign["id"], state.candidate_ref, *parts)


class Change(Protocol):
    """One change to a candidate: its check against the rubric, its effect on the scoring input, its audit
    row, how it is stored (a `kind` of store.CandidateWrite with its `change` fields) and the state it leaves."""

    kind: str

    def check(self, rubric: PanelRubric, version: RubricVersion) -> None: ...
    def scoring_input(self, state: CandidateState) -> CandidateInput: ...
    def audit(self, who: Caller, state: CandidateState, rubric: PanelRubric,
              version: RubricVersion) -> dict[str, Any]: ...
    def parameters(self) -> dict[str, Any]: ...

    # Whether the candidate's state once written is the state before with the scored input's scorecards
    # (so a process may keep it); else it must be read again.
    keeps_state: bool
    # The stations whose scoring inputs (scorecards, moderations) the change alters.
    stations: tuple[str, ...]


@dataclass(frozen=True)
class ScorecardPut:
    station_id: str
    panellist_ref: str
    body: dict[str, Any]
    kind: str = "scorecard"
    keeps_state: bool = True

    @property
    def stations(self) -> tuple[str, ...]:
        return (self.station_id,)

    def replaces(self, state: CandidateState) -> bool:
        station_id, panellist_ref = self.station_id, self.panellist_ref
        return any(c.station_id == station_id and c.panellist_ref == panellist_ref for c in state.scorecards)

    def check(self, rubric: PanelRubric, version: RubricVersion) -> None:
        station = rubric.station(self.station_id)
        if station is None:
            raise ValidationFailed(f"This station is not in rubric {version.id}", errors=[FieldError(
                f"is not a station of {version.id} (stations: {', '.join(s.id for s in rubric.stations)})",
                parameter="station_id")])
        criteria, marks, low, high = station.criteria, self.body["marks"], rubric.scale_min, rubric.scale_max
        errors = [FieldError("is required: every criterion of the station must be marked", pointer=f"/marks/{c}")
                  for c in criteria if c not in marks]
        errors += [FieldError(f"is not a criterion of this station (criteria: {', '.join(criteria)})",
                              pointer=f"/marks/{c}") for c in marks if c not in criteria]
        errors += [FieldError(f"must be from {low} to {high} (got {m})", pointer=f"/marks/{c}")
                   for c, m in marks.items() if c in criteria and not low <= m <= high]
        errors += [FieldError("is not a criterion of this station", pointer=f"/evidence/{c}")
                   for c in self.body.get("evidence", {}) if c not in criteria]
        if errors:
            raise ValidationFailed("The scorecard is not valid for this station", errors=errors)

    def scoring_input(self, state: CandidateState) -> CandidateInput:
        station_id, panellist_ref = self.station_id, self.panellist_ref
        others = [c for c in state.scorecards if c.station_id != station_id or c.panellist_ref != panellist_ref]
        return state.scoring_input(scorecards=[*others, Scorecard(station_id, panellist_ref, self.body["marks"])])

    def audit(self, who: Caller, state: CandidateState, rubric: PanelRubric, version: RubricVersion) -> dict[str, Any]:
        # `before` (the whole scorecard replaced, evidence and comment included) is read by the write itself.
        return audit.entry(who, "scorecard.replaced" if self.replaces(state) else "scorecard.submitted",
                           "scorecard", object_id(state, self.station_id, self.panellist_ref),
                           rubric=version.pin, after=self.body)

    def parameters(self) -> dict[str, Any]:
        return {"station_id": self.station_id, "panellist_ref": self.panellist_ref, "marks": self.body["marks"],
                "evidence": self.body.get("evidence", {}), "comment": self.body.get("comment")}


@dataclass(frozen=True)
class ModerationPost:
    body: dict[str, Any]  # station_id, criterion_id, mark, reason, moderator_ref
    kind: str = "moderation"
    keeps_state: bool = False  # the stored moderation carries the time it was written

    @property
    def stations(self) -> tuple[str, ...]:
        return (self.body["station_id"],)

    @property
    def key(self) -> tuple[str, str]:
        return self.body["station_id"], self.body["criterion_id"]

    def check(self, rubric: PanelRubric, version: RubricVersion) -> None:
        station = rubric.station(self.body["station_id"])
        errors = []
        if station is None:
            errors.append(FieldError(f"is not a station of {version.id}", pointer="/station_id"))
        elif self.body["criterion_id"] not in station.criteria:
            errors.append(FieldError(f"is not a criterion of station {station.id}", pointer="/criterion_id"))
        if not rubric.scale_min <= self.body["mark"] <= rubric.scale_max:
            errors.append(FieldError(f"must be from {rubric.scale_min} to {rubric.scale_max}", pointer="/mark"))
        if errors:
            raise ValidationFailed("The moderation is not valid for this rubric", errors=errors)

    def scoring_input(self, state: CandidateState) -> CandidateInput:
        return state.scoring_input(moderations={**state.moderations, self.key: self.body})

    def audit(self, who: Caller, state: CandidateState, rubric: PanelRubric, version: RubricVersion) -> dict[str, Any]:
        station_id, criterion_id = self.key
        previous = state.moderations.get(self.key)
        marks = [c.marks[criterion_id] for c in state.scorecards
                 if c.station_id == station_id and criterion_id in c.marks]
        before = Fraction(previous["mark"]) if previous else aggregate(marks, rubric.aggregation)
        return audit.entry(who, "moderation.recorded", "moderation",
                           object_id(state, station_id, criterion_id), rubric=version.pin,
                           before={"moderation": previous, "aggregate": json_number(before)},
                           after={"moderation": self.body})

    def parameters(self) -> dict[str, Any]:
        return {name: self.body[name] for name in ("station_id", "criterion_id", "mark", "reason", "moderator_ref")}


@dataclass(frozen=True)
class CandidateFieldsSaved:
    """The candidate's own fields, already upserted in the caller's transaction: audit it and rescore."""

    created: bool
    body: dict[str, Any]
    kind: str = "fields"
    keeps_state: bool = False
    stations: tuple[str, ...] = ()  # only its components change, if anything

    def check(self, rubric: PanelRubric, version: RubricVersion) -> None:
        return None

    def scoring_input(self, state: CandidateState) -> CandidateInput:
        return state.scoring_input()

    def audit(self, who: Caller, state: CandidateState, rubric: PanelRubric, version: RubricVersion) -> dict[str, Any]:
        return audit.entry(who, "candidate.created" if self.created else "candidate.updated", "candidate",
                           object_id(state), rubric=version.pin,
                           after={"candidate_ref": state.candidate_ref, **self.body})

    def parameters(self) -> dict[str, Any]:
        return {}
