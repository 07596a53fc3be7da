"""The 360 report: every figure, gap, flag and reading of an appraisal's responses (pure; no I/O).

The order of the work is the order of the rules:

1. who is counted: each rater group's size decides whether it is shown, pooled or withheld
   (service/anonymity.py); withheld raters count in no figure and no comment;
2. ratings: N/A answers count nowhere but in `n_na`; for every shown group, `self` and `others` (all
   shown non-self groups pooled), the ratings of each item, element, domain, HLM dimension and overall
   are pooled (a mean of all the ratings, not a mean of means);
3. readings: gaps (self − others) with `blind_spot` / `hidden_strength`, the self-other agreement
   category, validity, comments, development priorities (readings.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.anonymity import POOL, Visibility, rater_groups
from service.appraisals.domain import readings
from service.appraisals.domain.figures import Ratings, figure, rwg, total
from service.appraisals.domain.model import FeedbackRubric, Response
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
    final: bool
    rubric_pin: dict[str, Any]


ItemRatings = dict[str, Ratings]  # item id -> the ratings of one set of raters


def build_report(appraisal: Appraisal, rubric: FeedbackRubric, framework: Framework, responses: Sequence[Response],
                 *, activities: Mapping[str, list[dict[str, Any]]], hlm: Framework | None) -> dict[str, Any]:
    """The report JSON of an appraisal."""
    counts = dict.fromkeys(rubric.groups, 0)
    for r in responses:
        counts[r.group] += 1
    non_self = {g: c for g, c in counts.items() if g != SELF}
    visibility = rater_groups(non_self, {g: rubric.groups[g].anonymous for g in non_self}, rubric.k)
    counted = visibility.counted()
    by_group = {shown: _item_ratings(rubric, [r for r in responses if r.group in members])
                for shown, members in visibility.shown.items()}
    own = _item_ratings(rubric, [r for r in responses if r.group == SELF]) if counts.get(SELF) else None
    others = {i.id: total(g[i.id] for g in by_group.values()) for i in rubric.items} if by_group else None
    sets = _RaterSets(own, others, by_group)

    elements = _elements(rubric, framework)
    items = [{"id": i.id, "text": i.text, "element_id": i.element_id, **sets.scores([i.id]).json(rubric),
              "rwg": rwg(others[i.id] if others else None, rubric.scale.points)} for i in rubric.items]
    element_entries = [{"id": e, "name": _element_name(framework, e), "domain_id": _domain_of(framework, e),
                        **sets.scores(ids).json(rubric)} for e, ids in elements.items()]
    domains = [{"id": d, "name": framework.domains.get(d, d), **sets.scores(ids).json(rubric)}
               for d, ids in _domains(framework, elements).items()]
    overall = sets.scores([i.id for i in rubric.items])
    counted_raters = sum(c for g, c in non_self.items() if g in counted)
    commenting = [r for r in responses if r.group in counted or r.group == SELF]
    return {
        "appraisal_id": appraisal.id, "subject_ref": appraisal.subject_ref, "cycle": appraisal.cycle,
        "status": "final" if appraisal.final else "provisional",
        "rubric": appraisal.rubric_pin,
        "scale": {"min": rubric.scale.min, "max": rubric.scale.max, "labels": rubric.scale.labels,
                  "allow_na": rubric.scale.allow_na, "na_label": rubric.scale.na_label},
        "raters": _raters(rubric, counts, visibility),
        "overall": overall.json(rubric),
        "domains": domains,
        "elements": element_entries,
        "items": items,
        "agreement": readings.agreement(overall.gap, overall.others_mean, rubric),
        "validity": readings.validity(rubric, counts),
        "comments": readings.comments(appraisal.id, commenting, _shown_group_of(visibility), counted_raters,
                                      rubric.k_comments),
        "priorities": readings.priorities(element_entries, framework, activities),
        "hlm": _hlm(hlm, elements, sets, rubric),
    }


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


@dataclass(frozen=True, slots=True)
class _Scores:
    """The pooled ratings of self, others and each shown group over some items."""

    own: Ratings | None
    others: Ratings | None
    groups: dict[str, Ratings]

    @property
    def others_mean(self) -> Fraction | None:
        return None if self.others is None else self.others.mean

    @property
    def gap(self) -> Fraction | None:
        """self − others; None when either is missing."""
        own = None if self.own is None else self.own.mean
        others = self.others_mean
        return None if own is None or others is None else own - others

    def json(self, rubric: FeedbackRubric) -> dict[str, Any]:
        gap = self.gap
        return {"self": figure(self.own), "others": figure(self.others),
                "groups": {g: figure(r) for g, r in self.groups.items()},
                "gap": json_number(gap), "flag": readings.flag(gap, rubric.gap_threshold)}


@dataclass(frozen=True, slots=True)
class _RaterSets:
    own: ItemRatings | None
    others: ItemRatings | None
    groups: dict[str, ItemRatings]

    def scores(self, item_ids: Sequence[str]) -> _Scores:
        def pooled(ratings: ItemRatings | None) -> Ratings | None:
            return None if ratings is None else total(ratings[i] for i in item_ids)
        return _Scores(pooled(self.own), pooled(self.others),
                       {g: total(r[i] for i in item_ids) for g, r in self.groups.items()})


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
    shown = set(visibility.shown) | {SELF}
    out: dict[str, Any] = {g: {"count": counts[g], "shown": g in shown and counts[g] > 0,
                               "label": rubric.groups[g].label} for g in rubric.groups}
    if visibility.pool:
        out[POOL] = {"count": sum(counts[g] for g in visibility.pool), "shown": visibility.pool_shown,
                     "label": POOL_LABEL, "groups": list(visibility.pool)}
    withheld = sum(counts[g] for g in visibility.withheld)
    out["withheld"] = {"count": withheld, "reason": readings.withheld_reason(withheld, rubric.k)}
    return out


def _hlm(hlm: Framework | None, elements: Mapping[str, list[str]], sets: _RaterSets,
         rubric: FeedbackRubric) -> list[dict[str, Any]]:
    """The results re-expressed as the Healthcare Leadership Model's dimensions, through its crosswalk from MLCF
    elements: a dimension pools the ratings of every item whose element maps to it."""
    if hlm is None:
        return []
    mapped: dict[str, list[str]] = {}
    for element in elements:
        for dimension in hlm.crosswalk.get(element, ()):
            mapped.setdefault(dimension, []).append(element)
    return [{"id": d, "name": name, "elements": mapped[d],
             **sets.scores([i for e in mapped[d] for i in elements[e]]).json(rubric)}
            for d, name in hlm.domains.items() if d in mapped]

