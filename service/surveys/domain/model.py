"""An engagement survey rubric as scoring reads it: the scale, items (with their sub-scale and keying),
sub-scales, meta-scales, bands and the smallest group reported; and the checks of one respondent's answers."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from service.numbers import exact


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    text: str
    subscale: str
    reverse: bool


@dataclass(frozen=True, slots=True)
class Subscale:
    id: str
    name: str
    metascale: str


@dataclass(frozen=True, slots=True)
class Metascale:
    id: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Band:
    min: Fraction  # the lowest 0-100 score in the band
    label: str


@dataclass(frozen=True)
class SurveyRubric:
    """The parts of an `engagement_survey` rubric (defaults filled in) that answers and reports depend on."""

    scale_min: int
    scale_max: int
    labels: dict[str, str]  # "1" -> "Strongly disagree"
    allow_na: bool
    na_label: str
    items: tuple[Item, ...]  # in the rubric's order, which is also the order answers are stored in
    subscales: tuple[Subscale, ...]
    metascales: tuple[Metascale, ...]
    bands: tuple[Band, ...]  # ascending lower bounds, the first 0
    min_unit_size: int
    notice: str

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> SurveyRubric:
        s = doc["scale"]
        return cls(
            scale_min=s["min"], scale_max=s["max"], labels={str(k): v for k, v in s.get("labels", {}).items()},
            allow_na=s["allow_na"], na_label=s["na_label"],
            items=tuple(Item(i["id"], i["text"], i["subscale"], i["reverse"]) for i in doc["items"]),
            subscales=tuple(Subscale(x["id"], x["name"], x["metascale"]) for x in doc["subscales"]),
            metascales=tuple(Metascale(m["id"], m["name"], m.get("description", "")) for m in doc["metascales"]),
            bands=tuple(Band(exact(b["min"]), b["label"]) for b in doc["bands"]),
            min_unit_size=doc["min_unit_size"], notice=doc.get("notice", ""))

    def band(self, score_100: Fraction) -> str:
        """The label of the band the 0-100 score falls in: a score exactly on a lower bound is in that band."""
        label = self.bands[0].label
        for band in self.bands:
            if score_100 >= band.min:
                label = band.label
        return label

    def to_100(self, mean: Fraction) -> Fraction:
        return 100 * (mean - self.scale_min) / (self.scale_max - self.scale_min)

    def stored(self, answers: dict[str, int | None]) -> list[int | None]:
        """The answers as stored: one value per item in the rubric's order, None where not answered."""
        return [answers.get(i.id) for i in self.items]

    def answers(self, stored: list[int | None]) -> dict[str, int | None]:
        return {i.id: v for i, v in zip(self.items, stored, strict=True) if v is not None}


def answer_issues(rubric: SurveyRubric, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """What is wrong with a respondent's answers for this rubric, as (JSON pointer, message); empty when they can
    be stored. Items may be left out: a respondent need not answer everything (sub-scales say how much is enough).
    (Types and sizes are the request schema's; these are the rubric's rules.)"""
    items = {i.id for i in rubric.items}
    issues: list[tuple[str, str]] = []
    for item_id, mark in answers.items():
        if item_id not in items:
            issues.append((f"/answers/{item_id}", "is not an item of this survey's rubric"))
        elif mark is None and not rubric.allow_na:
            issues.append((f"/answers/{item_id}", "must be answered or left out: this scale has no "
                                                  f"{rubric.na_label!r}"))
        elif mark is not None and not rubric.scale_min <= mark <= rubric.scale_max:
            issues.append((f"/answers/{item_id}", f"must be between {rubric.scale_min} and {rubric.scale_max}"))
    return issues
