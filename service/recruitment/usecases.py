"""Recruitment use cases: writing a change to a candidate (with its audit row, recomputed standing and
events; the changes themselves are in candidate_changes.py), a candidate's result, and the ranking."""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote

import asyncpg
from aiohttp import web

from service import db
from service.db.batches import Batcher
from service.jsontext import dumps_bytes
from service.recruitment import campaign_store as campaigns
from service.recruitment import store
from service.recruitment.changes import Change, Kept, Loaded
from service.recruitment.domain import ranking
from service.recruitment.domain.scoring import (
    CandidateInput,
    PanelRubric,
    Result,
    render,
    score_candidate,
)
from service.rubrics.catalogue import Catalogue, RubricVersion
from service.tenants.domain.callers import Caller
from service.web.problems import Conflict, NotFound
from service.webhooks.events import envelopes

FINALISED = "The campaign is finalised; its scorecards, moderations and candidates can't change"
OPTIMISTIC_ATTEMPTS = 3  # then the candidate is locked, so a write under heavy contention still finishes

_PANELS: dict[tuple[str, int, str], PanelRubric] = {}  # published versions are immutable


def _panel(version: RubricVersion) -> PanelRubric:
    key = (version.id, version.version, version.hash)
    if key not in _PANELS:
        _PANELS[key] = PanelRubric.from_document(version.document)
    return _PANELS[key]


async def pinned(catalogue: Catalogue, conn: asyncpg.Connection | asyncpg.Pool, campaign: asyncpg.Record
                 ) -> tuple[RubricVersion, PanelRubric]:
    version = catalogue.known(campaign["rubric_id"], campaign["rubric_version"]) \
        or await catalogue.version(conn, campaign["rubric_id"], campaign["rubric_version"])
    if version is None or version.hash != campaign["rubric_hash"]:
        raise RuntimeError(f"campaign {campaign['id']} pins a rubric version that is not published")
    return version, _panel(version)


async def campaign_or_404(conn: asyncpg.Connection | asyncpg.Pool, who: Caller, campaign_id: uuid.UUID, *,
                          lock: str = "") -> asyncpg.Record:
    """The organisation's campaign (locked as store.campaigns.campaign says), or 404."""
    campaign = await campaigns.campaign(conn, who.org_id, campaign_id, lock=lock)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign


async def open_campaign(conn: asyncpg.Connection, who: Caller, campaign_id: uuid.UUID) -> asyncpg.Record:
    """The campaign, share-locked so it cannot be finalised under this transaction; 409 once finalised."""
    campaign = await campaign_or_404(conn, who, campaign_id, lock="share")
    if campaign["status"] != "open":
        raise Conflict(FINALISED)
    return campaign


def fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def result_text(rendered: dict[str, Any], earlier: Kept | None = None) -> tuple[bytes, tuple[bytes, ...]]:
    """`dumps_bytes(rendered)`, byte for byte, and the JSON text of each of its stations. A station that is the
    very object it was in `earlier` (render reuses an unchanged station's JSON) keeps the text it had there."""
    stations = rendered["stations"]
    if earlier is not None and len(earlier.station_texts) == len(stations):
        texts = tuple(text if station is before else _kept_text(station) for station, before, text
                      in zip(stations, earlier.rendered["stations"], earlier.station_texts, strict=True))
    else:
        texts = tuple(_kept_text(station) for station in stations)
    # The rest of the document, with its stations' texts put in place of an empty list. `"stations":[` can
    # only be that key: inside a JSON string every quote is escaped.
    rest = dumps_bytes({**rendered, "stations": []})
    at = rest.index(b'"stations":[') + len(b'"stations":[')
    return rest[:at] + b",".join(texts) + rest[at:], texts


def _kept_text(value: Any) -> bytes:
    # orjson's bytes keep the 4 KB buffer they were written in; a text kept with a candidate's state is
    # copied to its own size (a station's text is about 600 bytes).
    return bytes(memoryview(dumps_bytes(value)))


def stored_summary(result: Result, rendered: dict[str, Any], text: bytes, rubric: PanelRubric
                   ) -> tuple[dict[str, Any], str]:
    """What is stored of a result (rendered: its JSON, text: that JSON's text, see result_text): its standing
    (what the ranking reads: its item fields as rendered, and the exact values it sorts on) and the digest
    that tells whether a later result differs."""
    scores = {s.station_id: s.score for s in result.stations}
    exact = {"composite": fraction_text(result.composite), "tie": [fraction_text(scores[s]) for s in rubric.tie_break]}
    standing = {"candidate_ref": result.candidate_ref, "composite": rendered["composite"],
                "percent": rendered["percent"], "raw_total": result.raw_total, "reasons": rendered["reasons"],
                "station_scores": {s["station_id"]: s["score"] for s in rendered["stations"]}, "exact": exact}
    # The exact values count too: a composite can move beyond the 4 decimal places it is rendered with.
    digest = hashlib.sha256(text + b"\n" + dumps_bytes(exact)).hexdigest()
    return standing, digest


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


# --- writing a change to a candidate ------------------------------------------------------------

class Saved(NamedTuple):
    loaded: Loaded  # the state the change was applied to
    scored: CandidateInput  # what was scored: the state with the change
    kept: Kept  # its result, the result's JSON and its stations' JSON text
    digest: str

    @property
    def result(self) -> Result:
        return self.kept.result


StateKey = tuple[uuid.UUID, uuid.UUID, str]  # organisation, campaign, candidate ref


class StateCache:
    """The states of the candidates this process wrote last, so the next write to one needs no read.

    Only a hint: a write from a state that is no longer current (another process, or a candidate PUT,
    changed the candidate) is refused by the revision guard, and the state is read again. Bounded; the
    least recently used state goes first. A kept state, with the result scored for it, its JSON and its
    stations' JSON text, takes about 18 KB (st3-interview, 12 scorecards) to 29 KB (6 stations of 4
    criteria, 12 scorecards) of memory: at most 18-29 MB for the default size, more candidates than a
    process's panels mark at once.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._states: OrderedDict[StateKey, Loaded] = OrderedDict()

    def get(self, key: StateKey) -> Loaded | None:
        loaded = self._states.get(key)
        if loaded is not None:
            self._states.move_to_end(key)
        return loaded

    def put(self, key: StateKey, loaded: Loaded) -> None:
        self._states[key] = loaded
        self._states.move_to_end(key)
        if len(self._states) > self.size:
            self._states.popitem(last=False)

    def forget(self, key: StateKey) -> None:
        self._states.pop(key, None)

    def after(self, key: StateKey, change: Change, saved: Saved) -> None:
        """Keep the state a successful write left (its revision is the next one), or forget it."""
        if not change.keeps_state:
            self.forget(key)
        else:
            before = saved.loaded
            self.put(key, before._replace(revision=before.revision + 1, scorecards=list(saved.scored.scorecards),
                                          result_status=saved.result.status, digest=saved.digest, kept=saved.kept))


CandidateWrites = Batcher[store.Write, store.Written]


def candidate_writes(pool: asyncpg.Pool) -> CandidateWrites:
    """The batches the optimistic writes of this process are stored in (see batches.py)."""
    return Batcher(pool, store.write, key=lambda w: w.candidate_id)


CANDIDATE_STATES = web.AppKey("candidate_states", StateCache)
CANDIDATE_WRITES = web.AppKey("candidate_writes", CandidateWrites)


async def change_candidate(pool: asyncpg.Pool, writes: CandidateWrites, who: Caller, catalogue: Catalogue,
                           states: StateCache, base_url: str, campaign_id: uuid.UUID, ref: str,
                           change: Change) -> Saved:
    """Apply one change to a candidate and store it with its audit row, the recomputed result and the events.

    Optimistic first: score the state this process kept (or read it), then one guarded write, stored
    with the other requests' in the next batch (no transaction, no lock held while scoring). When other
    writers of the same candidate keep winning, or another transaction holds it or its campaign, lock
    the candidate (waiting for that transaction) and do it once more.
    """
    key = (who.org_id, campaign_id, ref)
    loaded = states.get(key)
    try:
        for _ in range(OPTIMISTIC_ATTEMPTS):
            if loaded is None:
                loaded = await load(pool, who, campaign_id, ref, writing=True)
            saved = await attempt(pool, who, catalogue, base_url, loaded, change, writes.submit)
            if saved is not None:
                states.after(key, change, saved)
                return saved
            loaded = None
    except Busy:
        pass  # another transaction holds the candidate or its campaign: wait for it, alone
    async with db.transaction(pool) as conn:
        await store.lock(conn, who.org_id, campaign_id, ref)
        saved = await attempt(conn, who, catalogue, base_url, await load(conn, who, campaign_id, ref, writing=True),
                              change, in_transaction(conn))
    if saved is None:
        raise RuntimeError("a candidate locked by this transaction changed under it")
    states.after(key, change, saved)
    return saved


def in_transaction(conn: asyncpg.Connection) -> Callable[[store.Write], Awaitable[store.Written]]:
    """Store a write alone on this connection (in the caller's transaction)."""
    async def write(w: store.Write) -> store.Written:
        written, = await store.write(conn, [w])
        return written
    return write


async def attempt(conn: asyncpg.Connection | asyncpg.Pool, who: Caller, catalogue: Catalogue, base_url: str,
                  loaded: Loaded, change: Change, write: Callable[[store.Write], Awaitable[store.Written]]
                  ) -> Saved | None:
    """Check, score and write once from `loaded` (with `write`); None when the candidate is no longer in
    that state. Inside a transaction that holds the candidate's lock (or its just-upserted row), from a
    state read in it, this always writes.
    """
    if loaded.campaign["status"] != "open":
        raise Conflict(FINALISED)
    version, rubric = await pinned(catalogue, conn, loaded.campaign)
    change.check(rubric, version)
    scored = change.scoring_input(loaded)
    # From a kept state, only the stations the change touches are scored and rendered again.
    earlier = loaded.kept
    result = score_candidate(rubric, scored, reuse=earlier.result if earlier else None, changed=change.stations)
    rendered = render(result, version.pin, reuse=(earlier.result, earlier.rendered) if earlier else None)
    text, station_texts = result_text(rendered, earlier)
    standing, digest = stored_summary(result, rendered, text, rubric)
    changed = digest != loaded.digest
    events = result_events(loaded, result, base_url) if changed else []
    written = await write(store.Write(
        change.kind, campaign_id=loaded.campaign["id"], candidate_id=loaded.candidate_id, revision=loaded.revision,
        audit_entry=change.audit(who, loaded, rubric, version),
        result=(result.status, result.appointable, digest, standing) if changed else None,
        events=envelopes(events), change=change.parameters()))
    if written.busy:
        raise Busy
    if not written.open:
        raise Conflict(FINALISED)
    return Saved(loaded, scored, Kept(result, rendered, station_texts), digest) if written.written else None


class Busy(Exception):
    """A batched write found its candidate or campaign held by another transaction and did not wait."""


async def load(conn: asyncpg.Connection | asyncpg.Pool, who: Caller, campaign_id: uuid.UUID, ref: str, *,
               writing: bool = False) -> Loaded:
    """The candidate's state; 404 when the campaign or the candidate is not there (409 first, when
    `writing` into a finalised campaign)."""
    row = await store.state(conn, who.org_id, campaign_id, ref)
    if row is None:
        campaign = await campaign_or_404(conn, who, campaign_id)
        if writing and campaign["status"] != "open":
            raise Conflict(FINALISED)
        raise NotFound(f"No candidate {ref!r} in this campaign; create it with PUT /v1/campaigns/{{campaign_id}}"
                       "/candidates/{candidate_ref}")
    return Loaded.from_row(row)


async def current_result(conn: asyncpg.Connection, who: Caller, catalogue: Catalogue, campaign_id: uuid.UUID,
                         ref: str) -> dict[str, Any]:
    """The result JSON of product.md 5.2, computed from what is stored now."""
    loaded = await load(conn, who, campaign_id, ref)
    version, rubric = await pinned(catalogue, conn, loaded.campaign)
    return render(score_candidate(rubric, loaded.scoring_input()), version.pin)


def result_events(loaded: Loaded, result: Result, base_url: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of a changed result: `candidate.result.updated` (not for the first result, made when the
    candidate is created) and `candidate.moderation_required` when the candidate enters that status."""
    campaign = loaded.campaign
    data = {**_event_ids(campaign["id"], campaign["reference"], loaded.candidate_ref, base_url),
            "status": result.status}
    events = []
    if loaded.digest is not None:
        events.append(("candidate.result.updated", data))
    if result.status == "needs_moderation" and loaded.result_status != "needs_moderation":
        events.append(("candidate.moderation_required", data))
    return events


@lru_cache(maxsize=4096)
def _event_ids(campaign_id: uuid.UUID, reference: str, candidate_ref: str, base_url: str) -> dict[str, str]:
    """What a candidate's events say of it besides its status (the same on each of its writes; not to be
    changed by the caller)."""
    return {"campaign_id": str(campaign_id), "campaign_reference": reference, "candidate_ref": candidate_ref,
            "result_url": f"{base_url}/v1/campaigns/{campaign_id}/candidates/{quote(candidate_ref, safe='')}/result"}


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
