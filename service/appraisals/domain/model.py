"""A 360 rubric as the report reads it: the scale, the rater groups, the items and the report's thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.numbers import exact


@dataclass(frozen=True, slots=True)
class RaterGroup:
    id: str
    label: str
    anonymous: bool
    min: int
    max: int | None


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    element_id: str


@dataclass(frozen=True, slots=True)
class Scale:
    min: int
    max: int
    labels: dict[str, str]  # "1" -> "Rarely"
    allow_na: bool
    na_label: str

    @property
    def points(self) -> int:
        return self.max - self.min + 1


@dataclass(frozen=True)
class FeedbackRubric:
    """The parts of an `appraisal_360` rubric (defaults filled in) that answers and reports depend on."""

    scale: Scale
    groups: dict[str, RaterGroup]  # in the rubric's order
    items: tuple[Item, ...]
    k: int  # an anonymous group is shown from k raters
    k_comments: int  # comments are shown from k_comments counted non-self raters
    k_dispersion: int  # sd and r_wg are shown from k_dispersion ratings
    min_raters: int  # distinct non-self raters for a valid report
    gap_threshold: Fraction
    good_cut: Fraction

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> FeedbackRubric:
        s = doc["scale"]
        return cls(
            scale=Scale(s["min"], s["max"], {str(k): v for k, v in s.get("labels", {}).items()},
                        s["allow_na"], s["na_label"]),
            groups={g["id"]: RaterGroup(g["id"], g["label"], g["anonymous"], g["min"], g["max"])
                    for g in doc["rater_groups"]},
            items=tuple(Item(i["id"], i["text"], i["element"]) for i in doc["items"]),
            k=doc["k"], k_comments=doc["k_comments"], k_dispersion=doc["k_dispersion"], min_raters=doc["min_raters"],
            gap_threshold=exact(doc["gap_threshold"]), good_cut=exact(doc["good_cut"]))

    def item_ids(self) -> set[str]:
        return {i.id for i in self.items}


@dataclass(frozen=True, slots=True)
class Response:
    """One rater's latest response: `rater` is the pseudonym (never the reference), `answers` maps every
    item to a mark or None ("unable to comment"), `comments` maps item ids or "general" to text."""

    rater: str
    group: str
    answers: dict[str, int | None]
    comments: dict[str, str]


def answer_issues(rubric: FeedbackRubric, group: str, answers: dict[str, Any],
                  comments: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a response for this rubric, as (JSON pointer, message); empty when it can be stored.
    (Types and sizes are the request schema's; these are the rubric's rules.)"""
    issues: list[tuple[str, str]] = []
    if group not in rubric.groups:
        issues.append(("/group", f"is not a rater group of this rubric (one of: {', '.join(rubric.groups)})"))
    items = rubric.item_ids()
    scale = rubric.scale
    for item_id, mark in answers.items():
        if item_id not in items:
            issues.append((f"/answers/{item_id}", "is not an item of this rubric"))
        elif mark is None and not scale.allow_na:
            issues.append((f"/answers/{item_id}", "must be marked: this scale has no 'unable to comment'"))
        elif mark is not None and not scale.min <= mark <= scale.max:
            issues.append((f"/answers/{item_id}", f"must be between {scale.min} and {scale.max}"))
    issues += [(f"/answers/{i.id}", "is missing: every item needs an answer"
                + (" (null for 'unable to comment')" if scale.allow_na else ""))
               for i in rubric.items if i.id not in answers]
    issues += [(f"/comments/{key}", "is not an item of this rubric or \"general\"")
               for key in comments if key != "general" and key not in items]
    return issues
