"""The auditor of a survey's release (pure): reads what the reports actually say, in both breakdowns, and
decides whether any combination of it rests on 1 … `min_unit_size`−1 respondents.

It shares nothing with the plan that made the reports (suppression.py): the released margins of each measure
are read from the report JSON (a figure that is not `withheld` is released; alignment releases the doctors'
and managers' index figures), then weighed against the cells' true counts with
service/disclosure/margins.py: for each measure over the respondents who have the score and over all
respondents (what `n` tells), and for each meta-scale and the index, over what is released of it and of
all its parts, against the respondents whose score is made from only some of its parts (the whole less the
mean of its parts rests on them alone). Alpha is checked to rest on at least `min_unit_size` complete
respondents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.disclosure.margins import Cut, Margins, discloses
from service.disclosure.positions import Finding
from service.surveys.domain.report import Tallies
from service.surveys.domain.scoring import Plan
from service.surveys.domain.wholes import combinations

RESPONDENTS, INDEX = "respondents", "index"
DOCTORS, MANAGERS = "doctor", "manager"


def audit(tallies: Tallies, plan: Plan, reports: Mapping[str, Mapping[str, Any]], min_size: int) -> Finding | None:
    """None when nothing released in `reports` (by breakdown: "unit" and "staff_group") says anything about
    fewer than `min_size` respondents; otherwise the first finding."""
    released = {m: _released(reports, m) for m in (RESPONDENTS, *plan.measures)}
    heads = {c: t.respondents for c, t in tallies.cells.items()}
    for measure, margins in released.items():
        have = heads if measure == RESPONDENTS else {
            c: t.counts[plan.measures.index(measure)] for c, t in tallies.cells.items()}
        for weights, what in ((have, "sums"), (heads, "counts")):
            cut = discloses(weights, margins, min_size)
            if cut is not None:
                return Finding(f"{what} of {measure} over {cut.weight} respondent(s) are determined", _cells(cut))
    for combination in combinations(plan):
        together = Margins.common([released[m] for m in (combination.whole, *combination.parts)])
        cut = discloses(combination.weights(tallies.patterns), together, min_size)
        if cut is not None:
            return Finding(f"{combination.whole} beside {', '.join(combination.parts)} rests on {cut.weight} "
                           "respondent(s)", _cells(cut))
    for subscale, value in reports["unit"]["alpha"].items():
        sums = tallies.alpha[[m.removeprefix("subscale:") for m in plan.measures].index(subscale)]
        if value is not None and sums.n < min_size:
            return Finding(f"alpha of {subscale} rests on {sums.n} respondent(s)", ())
    return None


def _cells(cut: Cut) -> tuple[str, ...]:
    return tuple(sorted(f"{u}/{s}" for u, s in cut.crossing))


def _figure(entry: Mapping[str, Any], measure: str) -> Mapping[str, Any] | None:
    if not entry.get("shown"):
        return None
    if measure == RESPONDENTS:
        return entry
    if measure == INDEX:
        return entry["index"]
    kind, _, ident = measure.partition(":")
    return entry[kind + "s"][ident]


def _is_released(entry: Mapping[str, Any], measure: str) -> bool:
    figure = _figure(entry, measure)
    return figure is not None and "withheld" not in figure


def _released(reports: Mapping[str, Mapping[str, Any]], measure: str) -> Margins:
    rows = frozenset(g["key"] for g in reports["unit"]["groups"] if _is_released(g, measure))
    columns = {g["key"] for g in reports["staff_group"]["groups"] if _is_released(g, measure)}
    if measure == INDEX:
        for report in reports.values():
            if report["alignment"] is not None:
                columns |= {DOCTORS, MANAGERS}
    total = any(_is_released(r["overall"], measure) for r in reports.values())
    return Margins(rows, frozenset(columns), total)
