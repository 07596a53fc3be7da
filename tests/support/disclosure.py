"""An attacker's check of released survey figures, written apart from the service's auditor and by another
method: brute force over the cells of the unit × staff-group table, with exact ranks.

Every released figure of a measure is a sum over a set of cells (a unit's row, a staff group's column, the
whole table). Whoever reads them all knows every linear combination. A set S of cells holding 1 …
threshold−1 people is exposed when some combination is non-zero on S and zero on every other non-empty
cell: exactly when dropping S's columns lowers the rank of the figures × cells matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

import flint

Cell = tuple[str, str]


def exposed(released: Iterable[frozenset[Cell]], people: Mapping[Cell, int], threshold: int
            ) -> tuple[Cell, ...] | None:
    """The first set of cells of 1 … threshold−1 people that the released sums isolate, or None."""
    cells = sorted(c for c, n in people.items() if n > 0)
    rows = [r for r in released if r]
    if not rows or not cells:
        return None
    full = _rank(rows, cells)
    small = [c for c in cells if people[c] < threshold]
    for size in range(1, threshold):
        for chosen in combinations(small, size):
            if sum(people[c] for c in chosen) < threshold and _rank(rows, [c for c in cells if c not in chosen]) < full:
                return chosen
    return None


def _rank(rows: list[frozenset[Cell]], cells: list[Cell]) -> int:
    if not cells:
        return 0
    return flint.fmpz_mat([[1 if c in r else 0 for c in cells] for r in rows]).rank()


def released_sets(reports: Mapping[str, Mapping[str, Any]], cells: Iterable[Cell], measure: str
                  ) -> list[frozenset[Cell]]:
    """The cell sets whose sums of `measure` the reports (by "unit" and "staff_group") release: each shown
    group's figure that is not withheld, the organisation's, and alignment's doctors and managers."""
    cells = list(cells)
    out = []

    def figure(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
        if not entry["shown"]:
            return None
        if measure == "respondents":
            return entry
        if measure == "index":
            return entry["index"]
        kind, _, ident = measure.partition(":")
        return entry[kind + "s"][ident]

    for by, position in (("unit", 0), ("staff_group", 1)):
        report = reports[by]
        f = figure(report["overall"])
        if f is not None and "withheld" not in f:
            out.append(frozenset(cells))
        for g in report["groups"]:
            f = figure(g)
            if f is not None and "withheld" not in f:
                out.append(frozenset(c for c in cells if c[position] == g["key"]))
        if measure == "index" and report["alignment"] is not None:
            out += [frozenset(c for c in cells if c[1] == s) for s in ("doctor", "manager")]
    return out
