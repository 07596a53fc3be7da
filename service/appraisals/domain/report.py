"""The 360 report: every figure, gap, flag and reading of an appraisal's responses (pure; no I/O).

The order of the work is the order of the rules:

1. who is counted: each rater group's size decides whether it is shown, pooled or withheld
   (service/disclosure/groups.py); withheld raters count in no figure and no comment;
2. which ratings count: a shown anonymous group's ratings of one item count only when at least k of its
   raters gave one (N/A gives none); otherwise they are in no figure (`_RaterSets`);
3. figures: N/A answers count nowhere but in `n_na`; for self, `others` (all shown non-self groups pooled)
   and every shown group, the counting ratings of each item, element, domain, HLM dimension and overall
   are pooled (a mean of all the ratings, not a mean of means); sd only from `k_dispersion` ratings;
4. readings: gaps (self − others) with `blind_spot` / `hidden_strength`, the self-other agreement
   category, validity, comments, development priorities (readings.py);
5. the auditor (service/disclosure/positions.py) checks every released figure together before release.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.appraisals.domain import readings
from service.appraisals.domain.figures import Ratings, figure, rwg, total, withheld
from service.appraisals.domain.model import FeedbackRubric, Response
from service.disclosure.gate import ReleaseRefused
from service.disclosure.groups import POOL, Visibility, rater_groups
from service.disclosure.positions import Released, audit
from service.numbers import json_number
from service.rubrics.domain.frameworks import Framework

POOL_LABEL = "Other colleagues (smaller groups combined)"
SELF = "self"


@dataclass(frozen=True)
class Appraisal:
    """What the report says about the appraisal itself."""

    id: str
    subject_ref: str
    cycle: str
    rubric_pin: dict[str, Any]


ItemRatings = dict[str, Ratings]  # item id -> the ratings of one set of raters


def build_report(appraisal: Appraisal, rubric: FeedbackRubric, framework: Framework, responses: Sequence[Response],
                 *, activities: Mapping[str, list[dict[str, Any]]], hlm: Framework | None) -> dict[str, Any]:
    """The report JSON of a closed appraisal, released only once the auditor has found nothing in it that
    tells about fewer than k anonymous raters (ReleaseRefused otherwise)."""
    counts = dict.fromkeys(rubric.groups, 0)
    for r in responses:
        counts[r.group] += 1
    non_self = {g: c for g, c in counts.items() if g != SELF}
    visibility = rater_groups(non_self, {g: rubric.groups[g].anonymous for g in non_self}, rubric.k)
    counted = visibility.counted()
    members = {shown: [r for r in responses if r.group in groups] for shown, groups in visibility.shown.items()}
    anonymous = {shown: shown == POOL or rubric.groups[shown].anonymous for shown in members}
    own = [r for r in responses if r.group == SELF]
    sets = _RaterSets(rubric, own, members, anonymous)

    elements = _elements(rubric, framework)
    items = [{"id": i.id, "text": i.text, "element_id": i.element_id, **sets.scores(f"items.{i.id}", [i.id]),
              "rwg": sets.rwg(i.id)} for i in rubric.items]
    element_entries = [{"id": e, "name": _element_name(framework, e), "domain_id": _domain_of(framework, e),
                        **sets.scores(f"elements.{e}", ids)} for e, ids in elements.items()]
    domains = [{"id": d, "name": framework.domains.get(d, d), **sets.scores(f"domains.{d}", ids)}
               for d, ids in _domains(framework, elements).items()]
    overall = sets.scores("overall", [i.id for i in rubric.items])
    counted_raters = sum(c for g, c in non_self.items() if g in counted)
    commenting = [r for r in responses if r.group in counted or r.group == SELF]
    report = {
        "appraisal_id": appraisal.id, "subject_ref": appraisal.subject_ref, "cycle": appraisal.cycle,
        "status": "final",
        "rubric": appraisal.rubric_pin,
        "scale": {"min": rubric.scale.min, "max": rubric.scale.max, "labels": rubric.scale.labels,
                  "allow_na": rubric.scale.allow_na, "na_label": rubric.scale.na_label},
        "thresholds": {"k": rubric.k, "k_comments": rubric.k_comments, "k_dispersion": rubric.k_dispersion},
        "raters": _raters(rubric, counts, visibility),
        "overall": overall,
        "domains": domains,
        "elements": element_entries,
        "items": items,
        "agreement": readings.agreement(sets.exact.get("overall.gap"), sets.exact.get("overall.others"), rubric),
        "validity": readings.validity(rubric, counts),
        "comments": readings.comments(appraisal.id, commenting, _shown_group_of(visibility), counted_raters,
                                      rubric.k_comments),
        "priorities": readings.priorities(element_entries, framework, activities),
        "hlm": _hlm(hlm, elements, sets),
    }
    finding = audit(sets.released, sets.blocks, sets.rated,
                    {r.rater for g in members if anonymous[g] for r in members[g]}, rubric.k)
    if finding is not None:
        raise ReleaseRefused(f"Refused by the disclosure auditor: {finding.rule}")
    return report


Cell = tuple[str, str]  # (shown group, item id)


class _RaterSets:
    """The ratings of self and of each shown group, item by item, and the figures pooled from them.

    A cell (a shown anonymous group's ratings of one item) counts only when at least k of its raters gave a
    rating there (N/A gives none); a cell that does not count is in no figure at all, so no combination of
    figures can isolate it. Cells of self and of named groups always count. Every figure made is recorded
    with the answer positions it pools, for the auditor."""

    def __init__(self, rubric: FeedbackRubric, own: list[Response], members: dict[str, list[Response]],
                 anonymous: dict[str, bool]) -> None:
        self.rubric = rubric
        self.own = own
        self.members = members
        self.ratings: dict[Cell, Ratings] = {}
        self.counts: dict[Cell, bool] = {}
        self.rated: dict[tuple[str, str], bool] = {}
        for group, responses in {**members, SELF: own}.items():
            per_item = _item_ratings(rubric, responses)
            for item_id, ratings in per_item.items():
                self.ratings[(group, item_id)] = ratings
                self.counts[(group, item_id)] = not anonymous.get(group, False) or ratings.n >= rubric.k
        for r in [*own, *(r for rs in members.values() for r in rs)]:
            for item_id, mark in r.answers.items():
                self.rated[(r.rater, item_id)] = mark is not None
        self.released: list[Released] = []
        self.block: dict[Cell, int] = {}  # each cell's block of answer positions, for the auditor
        self.blocks: list[frozenset[tuple[str, str]]] = []
        for group, item_id in self.counts:
            self.block[(group, item_id)] = len(self.blocks)
            self.blocks.append(frozenset((r.rater, item_id) for r in (own if group == SELF else members[group])))
        self.exact: dict[str, Fraction | None] = {}

    def pooled(self, name: str, groups: Sequence[str], item_ids: Sequence[str]) -> dict[str, Any] | None:
        """The figure of these groups' counting cells over these items (recorded as released); None when no
        rater is in the groups; withheld when none of their cells counts."""
        raters = [r for g in groups for r in (self.own if g == SELF else self.members[g])]
        if not raters:
            return None
        cells = [(g, i) for g in groups for i in item_ids if self.counts[(g, i)]]
        if not cells:
            return withheld()
        ratings = total(self.ratings[c] for c in cells)
        self.exact[name] = ratings.mean
        self.released.append(Released(name, frozenset(self.block[c] for c in cells)))
        return figure(ratings, self.rubric.k_dispersion)

    def scores(self, name: str, item_ids: Sequence[str]) -> dict[str, Any]:
        """self, others, each shown group, gap and flag of an entry."""
        own = self.pooled(f"{name}.self", [SELF], item_ids) if self.own else None
        others = self.pooled(f"{name}.others", list(self.members), item_ids) if self.members else None
        groups = {g: self.pooled(f"{name}.groups.{g}", [g], item_ids) for g in self.members}
        gap = _difference(self.exact.get(f"{name}.self"), self.exact.get(f"{name}.others"))
        self.exact[f"{name}.gap"] = gap
        return {"self": own, "others": others, "groups": groups, "gap": json_number(gap),
                "flag": readings.flag(gap, self.rubric.gap_threshold)}

    def rwg(self, item_id: str) -> float | None:
        """r_wg of the others' counting ratings of an item, from k_dispersion ratings."""
        cells = [(g, item_id) for g in self.members if self.counts[(g, item_id)]]
        ratings = total(self.ratings[c] for c in cells)
        return rwg(ratings, self.rubric.scale.points) if ratings.n >= self.rubric.k_dispersion else None


def _difference(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return None if a is None or b is None else a - b


def _item_ratings(rubric: FeedbackRubric, responses: Iterable[Response]) -> ItemRatings:
    """Per item, the ratings of these raters (N/A counted apart)."""
    n = dict.fromkeys(rubric.item_ids(), 0)
    sums, squares, na = dict(n), dict(n), dict(n)
    for r in responses:
        for item_id, mark in r.answers.items():
            if mark is None:
                na[item_id] += 1
            else:
                n[item_id] += 1
                sums[item_id] += mark
                squares[item_id] += mark * mark
    return {i: Ratings(n[i], sums[i], squares[i], na[i]) for i in n}


def _elements(rubric: FeedbackRubric, framework: Framework) -> dict[str, list[str]]:
    """Element id -> its items, in the framework's order (elements without items are left out)."""
    items: dict[str, list[str]] = {}
    for item in rubric.items:
        items.setdefault(item.element_id, []).append(item.id)
    order = {e: n for n, e in enumerate(framework.elements)}
    return {e: items[e] for e in sorted(items, key=lambda e: order.get(e, len(order)))}


def _domains(framework: Framework, elements: Mapping[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for element, item_ids in elements.items():
        out.setdefault(_domain_of(framework, element), []).extend(item_ids)
    return out


def _element_name(framework: Framework, element_id: str) -> str:
    element = framework.elements.get(element_id)
    return element.name if element else element_id


def _domain_of(framework: Framework, element_id: str) -> str:
    element = framework.elements.get(element_id)
    return element.domain_id if element else element_id.split(".")[0]


def _shown_group_of(visibility: Visibility) -> Callable[[str], str]:
    label = {member: shown for shown, members in visibility.shown.items() for member in members}
    return lambda group: label.get(group, group)


def _raters(rubric: FeedbackRubric, counts: Mapping[str, int], visibility: Visibility) -> dict[str, Any]:
    """Per rubric group whether it is shown, with its count only when that count is no secret: a named group, or
    an anonymous one shown on its own (so of at least k). A group pooled or withheld is named with its reason."""
    out: dict[str, Any] = {}
    for g, group in rubric.groups.items():
        entry: dict[str, Any] = {"label": group.label}
        if counts[g] == 0:
            entry |= {"count": 0, "shown": False}
        elif g == SELF or g in visibility.shown:
            entry |= {"count": counts[g], "shown": True}
        else:
            entry |= {"shown": False, "reason": "pooled" if visibility.pool_shown and g in visibility.pool
                      else "fewer_than_k"}
        out[g] = entry
    if visibility.pool:
        pool = {"label": POOL_LABEL, "groups": list(visibility.pool)}
        out[POOL] = pool | ({"count": sum(counts[g] for g in visibility.pool), "shown": True} if visibility.pool_shown
                            else {"shown": False, "reason": "fewer_than_k"})
    out["withheld"] = {"groups": list(visibility.withheld),
                       "reason": readings.withheld_reason(bool(visibility.withheld), rubric.k)}
    return out


def _hlm(hlm: Framework | None, elements: Mapping[str, list[str]], sets: _RaterSets) -> list[dict[str, Any]]:
    """The results re-expressed as the Healthcare Leadership Model's dimensions, through its crosswalk from MLCF
    elements: a dimension pools the ratings of every item whose element maps to it."""
    if hlm is None:
        return []
    mapped: dict[str, list[str]] = {}
    for element in elements:
        for dimension in hlm.crosswalk.get(element, ()):
            mapped.setdefault(dimension, []).append(element)
    return [{"id": d, "name": name, "elements": mapped[d],
             **sets.scores(f"hlm.{d}", [i for e in mapped[d] for i in elements[e]])}
            for d, name in hlm.domains.items() if d in mapped]

