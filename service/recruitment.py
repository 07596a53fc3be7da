"""Recruitment use cases: the transaction scripts that store panel input, recompute, audit and emit."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from fractions import Fraction
from typing import Any
from urllib.parse import quote

import asyncpg

from .auth import Caller
from .catalogue import Catalogue, RubricVersion
from .domain import ranking
from .domain.recruitment import (
    CandidateInput,
    Moderation,
    PanelRubric,
    Result,
    Scorecard,
    number,
    render,
    round4,
    score_candidate,
)
from .errors import Conflict, NotFound
from .events import emit
from .http import dumps
from .store import campaigns as store

_PANELS: dict[tuple[str, int, str], PanelRubric] = {}  # published versions are immutable


def _panel(version: RubricVersion) -> PanelRubric:
    key = (version.id, version.version, version.hash)
    if key not in _PANELS:
        _PANELS[key] = PanelRubric.from_document(version.document)
    return _PANELS[key]


async def pinned(catalogue: Catalogue, conn: asyncpg.Connection | asyncpg.Pool, campaign: asyncpg.Record
                 ) -> tuple[RubricVersion, PanelRubric]:
    version = await catalogue.version(conn, campaign["rubric_id"], campaign["rubric_version"])
    if version is None or version.hash != campaign["rubric_hash"]:
        raise RuntimeError(f"campaign {campaign['id']} pins a rubric version that is not published")
    return version, _panel(version)


async def open_campaign(conn: asyncpg.Connection, who: Caller, campaign_id: uuid.UUID) -> asyncpg.Record:
    """The campaign, share-locked so it cannot be finalised under this transaction; 409 once finalised."""
    campaign = await store.campaign(conn, who.org_id, campaign_id, lock="share")
    if campaign is None:
        raise NotFound("No such campaign")
    if campaign["status"] != "open":
        raise Conflict("The campaign is finalised; its scorecards, moderations and candidates can't change")
    return campaign


def fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def standing_of(result: Result, rubric: PanelRubric) -> dict[str, Any]:
    """What the ranking reads: its item fields, and the exact values it sorts on."""
    return {"candidate_ref": result.candidate_ref, "composite": round_or_none(result.composite),
            "percent": round_or_none(result.percent), "raw_total": result.raw_total,
            "reasons": [{"code": r.code, "detail": r.detail} for r in result.reasons],
            "station_scores": {s.station_id: number(s.score) for s in result.stations},
            "exact": {"composite": fraction_text(result.composite),
                      "tie": [fraction_text(result.station_score(s)) for s in rubric.tie_break]}}


def round_or_none(value: Fraction | None) -> int | float | None:
    return None if value is None else round4(value)


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


async def recompute(conn: asyncpg.Connection, who: Caller, campaign: Mapping[str, Any], candidate: Mapping[str, Any],
                    version: RubricVersion, rubric: PanelRubric, base_url: str, *,
                    state: Mapping[str, Any] | None = None, written: Scorecard | None = None) -> Result:
    """Score the candidate from what is stored; save and emit events only when the result really changed.

    `campaign` and `candidate` are rows locked by the caller's transaction (see locked_candidate).
    `state` (from store.candidate_state, or read here) may leave out the scorecard `written`.
    """
    if state is None:
        state = await store.candidate_state(conn, candidate["id"])
    cards = [Scorecard(s, p, marks) for s, p, marks in state["scorecards"]]
    if written is not None:
        cards.append(written)
    mods = [Moderation(s, c, Fraction(mark), reason, who_) for s, c, mark, reason, who_ in state["moderations"]]
    result = score_candidate(rubric, CandidateInput(candidate["candidate_ref"], cards, mods,
                                                    candidate["components"]))
    text = dumps(render(result, version.pin))
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest == state["digest"]:
        return result
    await store.save_result(conn, who.org_id, campaign["id"], candidate["id"], status=result.status,
                            appointable=result.appointable, digest=digest, result=text,
                            standing=standing_of(result, rubric))
    data = {"campaign_id": str(campaign["id"]), "campaign_reference": campaign["reference"],
            "candidate_ref": candidate["candidate_ref"], "status": result.status,
            "result_url": f"{base_url}/v1/campaigns/{campaign['id']}/candidates/"
                          f"{quote(candidate['candidate_ref'], safe='')}/result"}
    if state["digest"] is not None:
        await emit(conn, who.org_id, "candidate.result.updated", data)
    if result.status == "needs_moderation" and state["status"] != "needs_moderation":
        await emit(conn, who.org_id, "candidate.moderation_required", data)
    return result


async def locked_candidate(conn: asyncpg.Connection, who: Caller, campaign_id: uuid.UUID, ref: str
                           ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(campaign, candidate) locked for a write; 404 for either missing, 409 when finalised."""
    row = await store.lock_candidate(conn, who.org_id, campaign_id, ref)
    if row is None:
        await open_campaign(conn, who, campaign_id)  # raises 404 / 409 when that is the reason
        raise NotFound(f"No candidate {ref!r} in this campaign; create it with PUT /v1/campaigns/{{campaign_id}}"
                       "/candidates/{candidate_ref}")
    campaign = {"id": row["campaign_id"], "reference": row["reference"], "rubric_id": row["rubric_id"],
                "rubric_version": row["rubric_version"], "rubric_hash": row["rubric_hash"], "status": row["status"]}
    if campaign["status"] != "open":
        raise Conflict("The campaign is finalised; its scorecards, moderations and candidates can't change")
    return campaign, {"id": row["id"], "candidate_ref": row["candidate_ref"], "components": row["components"]}


def ranking_items(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """The ranking JSON items of product.md 5.2 from stored standings."""
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
                      "station_scores": st["station_scores"]})
    return items
