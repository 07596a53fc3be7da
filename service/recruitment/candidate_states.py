"""A candidate's state as read in one snapshot, and the states of the candidates this process wrote last,
so the next write to one needs no read."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from fractions import Fraction
from typing import Any, NamedTuple

import asyncpg

from service.recruitment.domain.model import CandidateInput, Moderation, Scorecard
from service.recruitment.domain.results import Result


class CandidateState(NamedTuple):
    """A candidate as read in one snapshot (the candidate_state query): its campaign, its own fields and
    revision, every scorecard and moderation, and the status and digest of its stored result. A named
    tuple: one is made per write."""

    campaign: dict[str, Any]
    candidate_id: uuid.UUID
    candidate_ref: str
    components: dict[str, Any]
    revision: int
    scorecards: list[Scorecard]
    moderations: dict[tuple[str, str], dict[str, Any]]  # (station, criterion) -> the stored moderation
    result_status: str | None
    digest: str | None
    # The result of this very state as this process scored it, and its JSON (None when read): a change
    # scores and renders again only the stations it touches and takes the others from them.
    result: Result | None = None
    result_json: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> CandidateState:
        campaign = {"id": row["campaign_id"], "reference": row["reference"], "rubric_id": row["rubric_id"],
                    "rubric_version": row["rubric_version"], "rubric_hash": row["rubric_hash"],
                    "status": row["status"]}
        mods = {(s, c): {"mark": mark, "reason": reason, "moderator_ref": who, "created_at": at}
                for s, c, mark, reason, who, at in row["moderations"]}
        return cls(campaign, row["id"], row["candidate_ref"], row["components"], row["revision"],
                   [Scorecard(s, p, marks) for s, p, marks in row["scorecards"]], mods,
                   row["result_status"], row["digest"])

    def scoring_input(self, scorecards: list[Scorecard] | None = None,
                      moderations: dict[tuple[str, str], dict[str, Any]] | None = None) -> CandidateInput:
        mods = self.moderations if moderations is None else moderations
        return CandidateInput(self.candidate_ref, self.scorecards if scorecards is None else scorecards,
                              [Moderation(s, c, Fraction(m["mark"]), m["reason"], m["moderator_ref"])
                               for (s, c), m in mods.items()], self.components)


StateKey = tuple[uuid.UUID, uuid.UUID, str]  # organisation, campaign, candidate ref


class StateCache:
    """Only a hint: a write from a state that is no longer current (another process, or a candidate PUT,
    changed the candidate) is refused by the revision guard, and the state is read again. Bounded; the
    least recently used state goes first. A kept state, with the result scored for it, takes about 10-20 KB
    (st3-interview, 12 scorecards): at most 10-20 MB at the default size."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._states: OrderedDict[StateKey, CandidateState] = OrderedDict()

    def get(self, key: StateKey) -> CandidateState | None:
        state = self._states.get(key)
        if state is not None:
            self._states.move_to_end(key)
        return state

    def put(self, key: StateKey, state: CandidateState) -> None:
        self._states[key] = state
        self._states.move_to_end(key)
        if len(self._states) > self.size:
            self._states.popitem(last=False)

    def forget(self, key: StateKey) -> None:
        self._states.pop(key, None)

    def after_write(self, key: StateKey, before: CandidateState, scored: CandidateInput, result: Result,
                    result_json: dict[str, Any], digest: str) -> None:
        """Keep the state a successful write left: the state before with the scored input's scorecards, the
        next revision, and the result (with its JSON) and digest written."""
        self.put(key, before._replace(revision=before.revision + 1, scorecards=list(scored.scorecards),
                                      result_status=result.status, digest=digest, result=result,
                                      result_json=result_json))
