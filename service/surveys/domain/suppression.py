"""What a survey's report releases: one plan for both breakdowns, the organisation and alignment (pure).

Readers can read the report by unit and by staff group, so everything of one survey is planned together, as
margins of the unit × staff-group table (service/disclosure/margins.py), measure by measure: the head count
(`respondents`), each sub-scale, each meta-scale and the index.

1. **Too few.** A group (or the organisation) whose figure of a measure would rest on 1 … `min_unit_size`−1
   respondents has none (`fewer_than_min_unit_size`); a group whose head count is hidden has no figure.
2. **Parts before wholes.** A meta-scale figure is hidden where one of its sub-scales' is, the index where a
   meta-scale's is (`protects_another_group`): a whole beside all but one of its parts would give that part.
3. **No combination isolates fewer than `min_unit_size`.** For each measure, over the figures' sums (weights:
   respondents who have the score) and over their `n` (weights: respondents), the lightest set of people a
   combination of the released figures rests on must be 0 or ≥ `min_unit_size`: remainders (organisation −
   shown groups), the unit against the staff-group breakdown, alignment. And within respondents: a
   meta-scale's figure beside its sub-scales' figures can cancel some respondents out (the index likewise
   beside the meta-scales: wholes.py), so each such combination is weighed by the respondents it rests on,
   over the groups where the whole and its parts it needs are released. While a combination rests on too
   few, one more group is hidden for that
   measure (`protects_another_group`): of the groups next to the cut (its cells' units and staff groups,
   and those on its side), then of the others, the smallest (by respondents, then unit before staff group,
   then key) whose hiding leaves no lighter cut; else the smallest next to the cut; else the organisation.

Each step hides something, so the plan ends; hiding everything is always safe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from service.disclosure.margins import Cell, Cut, Margins, discloses
from service.surveys.domain.figures import Tally
from service.surveys.domain.scoring import Plan
from service.surveys.domain.wholes import Combination, Signature, combinations

RESPONDENTS, INDEX = "respondents", "index"
FEWER, PROTECTS = "fewer_than_min_unit_size", "protects_another_group"
Group = tuple[str, str]  # ("unit" | "staff_group", key), or ORGANISATION
ORGANISATION: Group = ("organisation", "")


@dataclass
class Release:
    """Per measure, why each group (or the organisation) is hidden; everything else is released."""

    hidden: dict[str, dict[Group, str]] = field(default_factory=dict)

    def reason(self, measure: str, group: Group) -> str | None:
        return self.hidden[measure].get(group)

    def to_json(self) -> dict[str, list[list[str]]]:
        return {m: [[kind, key, why] for (kind, key), why in sorted(hidden.items())]
                for m, hidden in self.hidden.items()}

    @classmethod
    def from_json(cls, stored: dict[str, list[list[str]]]) -> Release:
        return cls({m: {(kind, key): why for kind, key, why in rows} for m, rows in stored.items()})

    def margins(self, measure: str, units: frozenset[str], staff_groups: frozenset[str]) -> Margins:
        hidden = self.hidden[measure]
        return Margins(frozenset(u for u in units if ("unit", u) not in hidden),
                       frozenset(s for s in staff_groups if ("staff_group", s) not in hidden),
                       ORGANISATION not in hidden)


@dataclass
class Table:
    """The survey's cells, and the weights each check reads from them."""

    cells: Mapping[Cell, Tally]
    patterns: Mapping[Cell, Counter[Signature]]
    plan: Plan
    _rests_on: dict[Combination, dict[Cell, int]] = field(default_factory=dict)

    units: frozenset[str] = field(init=False)
    staff_groups: frozenset[str] = field(init=False)
    sizes: dict[Group, int] = field(init=False)  # respondents of each unit and staff group

    def __post_init__(self) -> None:
        self.units = frozenset(u for u, _ in self.cells)
        self.staff_groups = frozenset(s for _, s in self.cells)
        self.sizes = {}
        for (unit, staff_group), t in self.cells.items():
            for group in (("unit", unit), ("staff_group", staff_group)):
                self.sizes[group] = self.sizes.get(group, 0) + t.respondents

    def weights(self, of: Callable[[Tally], int]) -> dict[Cell, int]:
        return {c: of(t) for c, t in self.cells.items()}

    def people(self, measure: str) -> dict[Cell, int]:
        """Per cell, the respondents a figure of the measure is made from."""
        if measure == RESPONDENTS:
            return self.weights(lambda t: t.respondents)
        n = self.plan.measures.index(measure)
        return self.weights(lambda t: t.counts[n])

    def parts(self, measure: str) -> tuple[str, ...]:
        """The measures a measure's score is the mean of (and the head count, which every figure needs)."""
        subscales = [m for m in self.plan.measures if m.startswith("subscale:")]
        metascales = [m for m in self.plan.measures if m.startswith("metascale:")]
        if measure == RESPONDENTS:
            return ()
        if measure == INDEX:
            return (RESPONDENTS, *metascales)
        if measure.startswith("metascale:"):
            members = self.plan.metascale_subscales[metascales.index(measure)]
            return (RESPONDENTS, *(subscales[n] for n in members))
        return (RESPONDENTS,)

    def rests_on(self, combination: Combination) -> dict[Cell, int]:
        """Per cell, the respondents a combination of a whole with its parts rests on (worked out once)."""
        if combination not in self._rests_on:
            self._rests_on[combination] = combination.weights(self.patterns)
        return self._rests_on[combination]


def plan_release(table: Table, min_size: int) -> Release:
    """The release of a survey's figures by the rules above."""
    measures = (RESPONDENTS, *table.plan.measures)
    release = Release({m: _too_few(table, m, min_size) for m in measures})
    while _step(table, release, measures, min_size):
        pass
    return release


def _too_few(table: Table, measure: str, min_size: int) -> dict[Group, str]:
    people = table.people(measure)
    hidden: dict[Group, str] = {}
    total = sum(people.values())
    if 0 < total < min_size:
        hidden[ORGANISATION] = FEWER
    for kind, index in (("unit", 0), ("staff_group", 1)):
        sizes: dict[str, int] = {}
        for cell, n in people.items():
            sizes[cell[index]] = sizes.get(cell[index], 0) + n
        hidden |= {(kind, key): FEWER for key, n in sizes.items() if 0 < n < min_size}
    return hidden


def _step(table: Table, release: Release, measures: tuple[str, ...], min_size: int) -> bool:
    """Hide one more thing that the rules require; False when nothing is left to hide."""
    for measure in measures:
        for part in table.parts(measure):
            missing = {g: PROTECTS for g in release.hidden[part] if g not in release.hidden[measure]}
            if missing:
                release.hidden[measure] |= missing
                return True
    for measure in measures:
        margins = _margins(table, release, (measure,))
        for weights in (table.people(measure), table.people(RESPONDENTS)):
            cut = discloses(weights, margins, min_size)
            if cut is not None:
                _hide_one(table, release, measure, weights, cut, min_size)
                return True
    for combination in combinations(table.plan):
        weights = table.rests_on(combination)
        cut = discloses(weights, _margins(table, release, (combination.whole, *combination.parts)), min_size)
        if cut is not None:
            _hide_one(table, release, combination.whole, weights, cut, min_size, also=combination.parts)
            return True
    return False


def _margins(table: Table, release: Release, measures: tuple[str, ...]) -> Margins:
    """What is released of every one of these measures."""
    return Margins.common([release.margins(m, table.units, table.staff_groups) for m in measures])


def _hide_one(table: Table, release: Release, measure: str, weights: dict[Cell, int], cut: Cut, min_size: int,
              also: tuple[str, ...] = ()) -> None:
    """Hide, for `measure`, the group that best removes `cut`: see the module's rule 3. The groups next to the
    cut (its cells' units and staff groups, and those on its side) are tried before the rest."""
    hidden = release.hidden[measure]
    near = {("unit", u) for u, _ in cut.crossing} | {("staff_group", s) for _, s in cut.crossing}
    near |= {("unit" if kind == "row" else "staff_group", key) for kind, key in cut.side if key is not None}
    shown = [("unit", u) for u in table.units] + [("staff_group", s) for s in table.staff_groups]
    candidates = sorted((g for g in shown if g not in hidden),
                        key=lambda g: (g not in near, table.sizes[g], g[0] != "unit", g[1]))
    for group in candidates:
        hidden[group] = PROTECTS
        after = discloses(weights, _margins(table, release, (measure, *also)), min_size)
        if after is None or after.weight > cut.weight:
            return
        del hidden[group]
    hidden[candidates[0] if candidates else ORGANISATION] = PROTECTS
