"""What a 360 report reads into its figures: gap flags, self-other agreement, validity, the comments shown,
and development priorities. Pure functions of values the report has already counted."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from service.appraisals.domain.model import FeedbackRubric, Response
from service.rubrics.domain.frameworks import Framework

PRIORITIES = 3


def flag(gap: Fraction | None, threshold: Fraction) -> str | None:
    """`blind_spot` when self − others ≥ threshold, `hidden_strength` when ≤ −threshold, else None."""
    if gap is None:
        return None
    if gap >= threshold:
        return "blind_spot"
    if gap <= -threshold:
        return "hidden_strength"
    return None


def agreement(gap: Fraction | None, others: Fraction | None, rubric: FeedbackRubric) -> str | None:
    """The self-other agreement category of the overall means (None without a self or an others mean):
    `over_estimator` (gap ≥ threshold), `under_estimator` (gap ≤ −threshold), otherwise
    `in_agreement_good` when others ≥ good_cut, else `in_agreement_poor`."""
    if gap is None or others is None:
        return None
    if gap >= rubric.gap_threshold:
        return "over_estimator"
    if gap <= -rubric.gap_threshold:
        return "under_estimator"
    return "in_agreement_good" if others >= rubric.good_cut else "in_agreement_poor"


def validity(rubric: FeedbackRubric, counts: Mapping[str, int]) -> dict[str, Any]:
    """Valid when the distinct non-self raters (withheld ones included) reach `min_raters` and every group
    reaches its minimum; otherwise the reasons, as codes and sentences (never how many did respond: that
    would count a withheld group)."""
    reasons: list[dict[str, str]] = []
    non_self = sum(c for g, c in counts.items() if g != "self")
    if non_self < rubric.min_raters:
        reasons.append({"code": "too_few_raters",
                        "detail": f"fewer than {rubric.min_raters} colleagues responded"})
    for group in rubric.groups.values():
        if counts[group.id] < group.min:
            reasons.append({"code": "group_below_minimum", "group": group.id,
                            "detail": f"{group.label}: fewer than {group.min} responded"})
    return {"valid": not reasons, "reasons": reasons}


def withheld_reason(any_withheld: bool, k: int) -> str | None:
    if not any_withheld:
        return None
    return (f"responses from groups with fewer than {k} people are too few to keep their answers anonymous, "
            "so they are left out of every figure and comment")


def comments(appraisal_id: str, responses: Sequence[Response], shown_group: Callable[[str], str],
             counted_raters: int, k_comments: int) -> list[dict[str, Any]]:
    """The comments shown: none until `k_comments` non-self raters are counted; then every comment of the
    counted raters (and of self), labelled with the shown group it came from (`other_colleagues` for the
    pool), never with a rater, in an order shuffled with the appraisal id as seed. The shuffle starts
    from an order of the comments' own content, so neither submission order nor raters show through."""
    if counted_raters < k_comments:
        return []
    shown = [{"text": text, "group": shown_group(r.group), "item_id": None if key == "general" else key}
             for r in responses for key, text in r.comments.items() if text.strip()]
    shown.sort(key=lambda c: (c["item_id"] or "", c["group"], c["text"]))
    random.Random(appraisal_id).shuffle(shown)
    return shown


def _element_order(element_id: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in element_id.split("."))


def priorities(elements: Sequence[dict[str, Any]], framework: Framework,
               activities: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The three elements with the lowest others' mean (ties by element id), with the element's definition
    and its development activities; elements without an others' mean are not candidates."""
    rated = [e for e in elements if e["others"] is not None and e["others"]["mean"] is not None]
    lowest = sorted(rated, key=lambda e: (e["others"]["mean"], _element_order(e["id"])))[:PRIORITIES]
    out = []
    for e in lowest:
        element = framework.elements.get(e["id"])
        out.append({"element_id": e["id"], "name": e["name"], "others": e["others"],
                    "definition": element.definition if element else "",
                    "activities": [dict(a) for a in activities.get(e["id"], [])]})
    return out

