"""The auditor of figures over a table of people (surveys: units × staff groups): pure, no I/O.

Every person is in one cell of the table (their unit and staff group). A released figure of one measure is a
sum over a whole row (a unit), a whole column (a staff group) or the whole table (the organisation): its
mean and `n` release the sum of the measure over the people in those cells and how many have it. Whoever
reads every figure knows every linear combination of those sums.

Which combinations exist is a graph question, decided exactly. Give each released row u a value a(u) and
each released column s a value b(s); unreleased rows all share one value (the organisation's coefficient,
zero when the total is not released) and unreleased columns the value zero. A combination then weighs cell
(u, s) by a(u) − b(s), and every combination of released figures has this form. So it rests on the people
of the cells whose two ends have different values: the edges cut when the graph of rows and columns (an
edge per non-empty cell, weighted by its people) is split by value. The lightest non-empty such set is a
minimum cut of a connected part of that graph (a cut into two sides loses nothing: merging values only
drops edges). A release discloses something about fewer than `threshold` people exactly when some connected
part has a minimum cut below the threshold. Minimum cuts are Stoer–Wagner's (networkx).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx

Cell = tuple[str, str]  # (row key, column key): (unit, staff group)
UNRELEASED_ROWS = ("rows", None)
UNRELEASED_COLUMNS = ("columns", None)


@dataclass(frozen=True, slots=True)
class Margins:
    """What is released of one measure: the rows and the columns shown, and whether the total is."""

    rows: frozenset[str]
    columns: frozenset[str]
    total: bool


@dataclass(frozen=True, slots=True)
class Cut:
    """A set of cells that released figures isolate: the people it rests on, and the rows and columns on one
    side of it (`None` as a key stands for every unreleased row or column)."""

    weight: int
    side: frozenset[tuple[str, str | None]]
    crossing: frozenset[Cell]


def lightest_cut(weights: Mapping[Cell, int], released: Margins) -> Cut | None:
    """The lightest non-empty set of people that a combination of the released figures rests on, or None when
    no combination rests on anyone (every figure released is a sum of whole parts no combination splits)."""
    def node(kind: str, key: str) -> tuple[str, str | None]:
        if kind == "rows":
            if key in released.rows:
                return ("row", key)
            return UNRELEASED_ROWS if released.total else UNRELEASED_COLUMNS
        return ("column", key) if key in released.columns else UNRELEASED_COLUMNS

    graph = nx.Graph()
    for (row, column), weight in weights.items():
        if weight <= 0:
            continue
        a, b = node("rows", row), node("columns", column)
        if a == b:
            continue
        if graph.has_edge(a, b):
            graph[a][b]["weight"] += weight
            graph[a][b]["cells"].append((row, column))
        else:
            graph.add_edge(a, b, weight=weight, cells=[(row, column)])
    best: Cut | None = None
    for part in sorted(nx.connected_components(graph), key=lambda c: sorted(map(str, c))):
        if len(part) < 2:
            continue
        sub = graph.subgraph(part)
        weight, (side, _) = nx.stoer_wagner(sub)
        if best is None or weight < best.weight:
            one = frozenset(side)
            crossing = frozenset(c for a, b, cells in sub.edges(data="cells") if (a in one) != (b in one)
                                 for c in cells)
            best = Cut(weight, one, crossing)
    return best


def discloses(weights: Mapping[Cell, int], released: Margins, threshold: int) -> Cut | None:
    """The lightest cut when it rests on 1 … threshold−1 people (a disclosure), else None. Planning and
    auditing a release weigh the same cells and margins many times over, so answers are remembered."""
    return _discloses(tuple(sorted((c, w) for c, w in weights.items() if w > 0)), released, threshold)


@lru_cache(maxsize=4096)
def _discloses(weights: tuple[tuple[Cell, int], ...], released: Margins, threshold: int) -> Cut | None:
    cut = lightest_cut(dict(weights), released)
    return cut if cut is not None and cut.weight < threshold else None
