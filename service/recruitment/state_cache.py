"""The states of the candidates this process wrote last, so the next write to one needs no read."""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict

from service.recruitment.changes import CandidateState, Change
from service.recruitment.domain.model import CandidateInput

StateKey = tuple[uuid.UUID, uuid.UUID, str]  # organisation, campaign, candidate ref


class StateCache:
    """Only a hint: a write from a state that is no longer current (another process, or a candidate PUT,
    changed the candidate) is refused by the revision guard, and the state is read again. Bounded; the
    least recently used state goes first."""

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

    def after_write(self, key: StateKey, change: Change, before: CandidateState, scored: CandidateInput,
                    result_status: str, digest: str) -> None:
        """Keep the state a successful write left (its revision is the next one), or forget it."""
        if not change.keeps_state:
            self.forget(key)
            return
        self.put(key, dataclasses.replace(before, revision=before.revision + 1, scorecards=list(scored.scorecards),
                                          result_status=result_status, digest=digest))
