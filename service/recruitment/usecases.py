"""Recruitment use cases: a change written to a candidate (with its audit row, recomputed standing and
events; the changes themselves are in changes.py), a candidate's result, and the ranking."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from fractions import Fraction
from typing import Any, NamedTuple
from urllib.parse import quote

import asyncpg
from aiohttp import web

from service import db
from service.db.batches import Batcher
from service.jsontext import dumps_bytes, rfc3339
from service.recruitment import store
from service.recruitment.candidate_states import CandidateState, StateCache
from service.recruitment.changes import Change
from service.recruitment.domain import ranking
from service.recruitment.domain.model import PanelRubric
from service.recruitment.domain.render import render
from service.recruitment.domain.results import Result
from service.recruitment.domain.scoring import score_candidate
from service.rubrics.catalogue import Catalogue, RubricVersion
from service.tenants.domain.callers import Caller
from service.web.problems import Conflict, NotFound
from service.webhooks.events import envelopes

FINALISED = "The campaign is finalised; its scorecards, moderations and candidates can't change"
OPTIMISTIC_ATTEMPTS = 3  # then the candidate is locked, so a write under heavy contention still finishes

Connection = asyncpg.Connection | asyncpg.Pool
CandidateWrites = Batcher[store.CandidateWrite, store.WriteOutcome]
WriteOne = Callable[[store.CandidateWrite], Awaitable[store.WriteOutcome]]


def candidate_json(row: Any) -> dict[str, Any]:
    return {"candidate_ref": row["candidate_ref"], "display_name": row["display_name"],
            "components": row["components"], "created_at": rfc3339(row["created_at"]),
            "updated_at": rfc3339(row["updated_at"])}


async def pinned_rubric(catalogue: Catalogue, conn: Connection, campaign: Any) -> tuple[RubricVersion, PanelRubric]:
    """The rubric version a campaign pins, and the panel rubric scoring reads (made once per version)."""
    version = await catalogue.pinned(conn, campaign)
    return version, version.model(PanelRubric.from_document)


async def campaign_or_404(conn: Connection, who: Caller, campaign_id: uuid.UUID, *, lock: str = "") -> asyncpg.Record:
    """The organisation's campaign (locked as store.campaign says), or 404."""
    campaign = await store.campaign(conn, who.org_id, campaign_id, lock=lock)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


async def open_campaign(conn: asyncpg.Connection, who: Caller, campaign_id: uuid.UUID) -> asyncpg.Record:
    """The campaign, share-locked so it cannot be finalised under this transaction; 409 once finalised."""
    campaign = await campaign_or_404(conn, who, campaign_id, lock="share")
    if campaign["status"] != "open":
        raise Conflict(FINALISED)
    return campaign


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def stored_summary(result: Result, rendered: dict[str, Any], rubric: PanelRubric) -> tuple[dict[str, Any], str]:
    """What is stored of a result (`rendered`: its JSON): its standing (what the ranking reads: its item fields
    as rendered, and the exact values it sorts on) and the digest that tells whether a later result differs."""
    scores = {s.station_id: s.score for s in result.stations}
    exact = {"composite": _fraction_text(result.composite),
             "tie": [_fraction_text(scores[s]) for s in rubric.tie_break]}
    standing = {"candidate_ref": result.candidate_ref, "composite": rendered["composite"],
                "percent": rendered["percent"], "raw_total": result.raw_total, "reasons": rendered["reasons"],
                "station_scores": {s["station_id"]: s["score"] for s in rendered["stations"]}, "exact": exact}
    # The exact values count too: a composite can move beyond the 4 decimal places it is rendered with.
    digest = hashlib.sha256(dumps_bytes(rendered) + b"\n" + dumps_bytes(exact)).hexdigest()
    return standing, digest


# --- writing a change to a candidate ------------------------------------------------------------

class AppliedChange(NamedTuple):
    before: CandidateState  # the state the change was applied to
    result: Result  # the candidate's result with the change


def candidate_writes(pool: asyncpg.Pool) -> CandidateWrites:
    """The batches the optimistic writes of this process are stored in (see db/batches.py)."""
    return Batcher(pool, store.write, key=lambda w: w.candidate_id, group=lambda w: w.org_id)


CANDIDATE_STATES = web.AppKey("candidate_states", StateCache)
CANDIDATE_WRITES = web.AppKey("candidate_writes", CandidateWrites)


async def change_candidate(pool: asyncpg.Pool, writes: CandidateWrites, who: Caller, catalogue: Catalogue,
                           states: StateCache, base_url: str, campaign_id: uuid.UUID, ref: str,
                           change: Change) -> AppliedChange:
    """Apply one change to a candidate and store it with its audit row, the recomputed result and the events.

    Optimistic first: score the state this process kept (or read it), then one guarded write, stored
    with the other requests' in the next batch (no transaction, no lock held while scoring). When other
    writers of the same candidate keep winning, or another transaction holds it or its campaign, lock
    the candidate (waiting for that transaction) and do it once more.
    """
    key = (who.org_id, campaign_id, ref)
    state = states.get(key)
    applied = None
    try:
        for _ in range(OPTIMISTIC_ATTEMPTS):
            if state is None:
                state = await read_state(pool, who, campaign_id, ref, writing=True)
            applied = await score_and_write(pool, who, catalogue, base_url, state, change, writes.submit, states)
            if applied is not None:
                return applied
            state = None
    except Busy:
        pass  # another transaction holds the candidate or its campaign: wait for it, alone
    async with db.transaction(pool) as conn:
        await store.lock(conn, who.org_id, campaign_id, ref)
        state = await read_state(conn, who, campaign_id, ref, writing=True)
        applied = await score_and_write(conn, who, catalogue, base_url, state, change, write_alone(conn), states)
    if applied is None:
        raise RuntimeError("a candidate locked by this transaction changed under it")
    return applied


def write_alone(conn: asyncpg.Connection) -> WriteOne:
    """Store a write alone on this connection (in the caller's transaction)."""
    async def write(w: store.CandidateWrite) -> store.WriteOutcome:
        outcome, = await store.write(conn, [w])
        return outcome
    return write


async def score_and_write(conn: Connection, who: Caller, catalogue: Catalogue, base_url: str, state: CandidateState,
                          change: Change, write: WriteOne, states: StateCache | None = None) -> AppliedChange | None:
    """Check, score and write once from `state` (with `write`); None when the candidate is no longer in that
    state. Inside a transaction that holds the candidate's lock (or its just-upserted row), from a state read
    in it, this always writes. A successful write's state is kept in `states` for the next write."""
    if state.campaign["status"] != "open":
        raise Conflict(FINALISED)
    version, rubric = await pinned_rubric(catalogue, conn, state.campaign)
    change.check(rubric, version)
    scored = change.scoring_input(state)
    result = score_candidate(rubric, scored, earlier=state.result, changed=change.stations)
    earlier = None if state.result is None or state.result_json is None else (state.result, state.result_json)
    result_json = render(result, version.pin, earlier=earlier)
    standing, digest = stored_summary(result, result_json, rubric)
    changed = digest != state.digest
    events = result_events(state, result, base_url) if changed else []
    outcome = await write(store.CandidateWrite(
        change.kind, campaign_id=state.campaign["id"], candidate_id=state.candidate_id, revision=state.revision,
        audit_entry=change.audit(who, state, rubric, version),
        result=(result.status, result.appointable, digest, standing) if changed else None,
        events=envelopes(events), change=change.parameters()))
    if outcome.busy:
        raise Busy
    if not outcome.open:
        raise Conflict(FINALISED)
    if not outcome.written:
        return None
    if states is not None:
        key = (who.org_id, state.campaign["id"], state.candidate_ref)
        if change.keeps_state:
            states.after_write(key, state, scored, result, result_json, digest)
        else:
            states.forget(key)
    return AppliedChange(state, result)


class Busy(Exception):
    """A batched write found its candidate or campaign held by another transaction and did not wait."""


async def read_state(conn: Connection, who: Caller, campaign_id: uuid.UUID, ref: str, *,
                     writing: bool = False) -> CandidateState:
    """The candidate's state; 404 when the campaign or the candidate is not there (409 first, when
    `writing` into a finalised campaign)."""
    row = await store.state(conn, who.org_id, campaign_id, ref)
    if row is None:
        campaign = await campaign_or_404(conn, who, campaign_id)
        if writing and campaign["status"] != "open":
            raise Conflict(FINALISED)
        raise NotFound("No candidate with this reference in this campaign; create it with PUT "
                       "/v1/campaigns/{campaign_id}/candidates/{candidate_ref}")
    return CandidateState.from_row(row)


async def current_result(conn: Connection, who: Caller, catalogue: Catalogue, campaign_id: uuid.UUID,
                         ref: str) -> dict[str, Any]:
    """The result JSON, computed from what is stored now."""
    state = await read_state(conn, who, campaign_id, ref)
    version, rubric = await pinned_rubric(catalogue, conn, state.campaign)
    return render(score_candidate(rubric, state.scoring_input()), version.pin)


def result_events(state: CandidateState, result: Result, base_url: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of a changed result: `candidate.result.updated` (not for the first result, made when the
    candidate is created) and `candidate.moderation_required` when the candidate enters that status."""
    campaign = state.campaign
    data = {"campaign_id": str(campaign["id"]), "campaign_reference": campaign["reference"],
            "candidate_ref": state.candidate_ref,
            "result_url": f"{base_url}/v1/campaigns/{campaign['id']}/candidates/"
                          f"{quote(state.candidate_ref, safe='')}/result",
            "status": result.status}
    events = []
    if state.digest is not None:
        events.append(("candidate.result.updated", data))
    if result.status == "needs_moderation" and state.result_status != "needs_moderation":
        events.append(("candidate.moderation_required", data))
    return events


def ranking_items(rows: list[asyncpg.Record], rubric: PanelRubric) -> list[dict[str, Any]]:
    """The ranking's items from stored standings: ranked candidates first, in rank order; each one's
    station scores in the rubric's order of stations (the stored standing, jsonb, keeps no key order)."""
    stations = [s.id for s in rubric.stations]
    standings = [ranking.Standing(
        candidate_ref=r["standing"]["candidate_ref"], status=r["status"], appointable=r["appointable"],
        composite=_fraction(r["standing"]["exact"]["composite"]),
        tie_scores=tuple(_fraction(t) for t in r["standing"]["exact"]["tie"]), row=r["standing"]) for r in rows]
    items = []
    for entry in ranking.rank(standings):
        st = entry.standing.row
        items.append({"rank": entry.rank, "candidate_ref": st["candidate_ref"], "composite": st["composite"],
                      "percent": st["percent"], "raw_total": st["raw_total"], "status": entry.standing.status,
                      "appointable": entry.standing.appointable, "reasons": st["reasons"],
                      "station_scores": {s: st["station_scores"][s] for s in stations if s in st["station_scores"]}})
    return items


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)
