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
part has a minimum cut below the threshold. The graph is bipartite and one side is usually small (a handful of
staff groups), so a part's minimum cut is found by placing that side's nodes every possible way and letting
each node of the other side take its cheaper side; a part with many nodes on both sides goes to
Stoer–Wagner (networkx).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

    @staticmethod
    def common(each: Sequence[Margins]) -> Margins:
        """What all of these release (the figures a combination of several measures can use)."""
        return Margins(frozenset.intersection(*(m.rows for m in each)),
                       frozenset.intersection(*(m.columns for m in each)), all(m.total for m in each))


@dataclass(frozen=True, slots=True)
class Cut:
    """A set of cells that released figures isolate: the people it rests on, and the rows and columns on one
    side of it (`None` as a key stands for every unreleased row or column)."""

    weight: int
    side: frozenset[tuple[str, str | None]]
    crossing: frozenset[Cell]


Node = tuple[str, str | None]
Graph = dict[Node, dict[Node, int]]
ENUMERATED = 12  # a part with at most this many nodes on its smaller side is cut by enumeration


def _graph(weights: Mapping[Cell, int], released: Margins) -> tuple[Graph, dict[tuple[Node, Node], list[Cell]]]:
    """Rows and columns as nodes (every unreleased row one node, every unreleased column another, the two one
    node when the total is not released), an edge per non-empty cell between its row and its column; and the
    cells of each edge."""
    def row(key: str) -> Node:
        if key in released.rows:
            return ("row", key)
        return UNRELEASED_ROWS if released.total else UNRELEASED_COLUMNS

    def column(key: str) -> Node:
        return ("column", key) if key in released.columns else UNRELEASED_COLUMNS

    graph: Graph = {}
    cells: dict[tuple[Node, Node], list[Cell]] = {}
    for (r, c), weight in weights.items():
        a, b = row(r), column(c)
        if weight <= 0 or a == b:
            continue
        graph.setdefault(a, {})[b] = graph.get(a, {}).get(b, 0) + weight
        graph.setdefault(b, {})[a] = graph[a][b]
        cells.setdefault((a, b), []).append((r, c))
        cells.setdefault((b, a), []).append((r, c))
    return graph, cells


def _parts(graph: Graph) -> list[list[Node]]:
    """The connected parts of the graph, each in a fixed order."""
    seen: set[Node] = set()
    parts = []
    for start in sorted(graph, key=str):
        if start in seen:
            continue
        part, queue = [], [start]
        seen.add(start)
        while queue:
            node = queue.pop()
            part.append(node)
            for other in graph[node]:
                if other not in seen:
                    seen.add(other)
                    queue.append(other)
        parts.append(sorted(part, key=str))
    return parts


def _min_cut(graph: Graph, part: list[Node]) -> tuple[int, frozenset[Node]]:
    """The minimum cut of a connected part of the graph, and the nodes on one side of it.

    The graph is nearly bipartite (rows against columns; only the node of unreleased rows and columns, when the
    total is not released, meets both). So the nodes are split into a small set S that is placed every
    possible way (the first always on side A) and the rest, no two of them adjacent, each of which then goes
    where it cuts less, on its own; the cut is the edges crossing within S plus each other node's cheaper
    side. When everything lands on side A, the cheapest non-empty cut moves one other node over (its whole
    degree). A part whose S would be large goes to Stoer–Wagner."""
    rows = [n for n in part if n[0] in ("row", "rows")]
    columns = [n for n in part if n[0] not in ("row", "rows")]
    small, large = (rows, columns) if len(rows) <= len(columns) else (columns, rows)
    joined = [n for n in large if any(other in large for other in graph[n])]
    chosen = small + [n for n in joined if n not in small]
    free = [n for n in large if n not in joined]
    if len(chosen) > ENUMERATED or not free:
        sub = nx.Graph()
        sub.add_weighted_edges_from((a, b, w) for a in part for b, w in graph[a].items())
        weight, (side, _) = nx.stoer_wagner(sub)
        return weight, frozenset(side)
    best: tuple[int, frozenset[Node]] | None = None
    for mask in range(1 << (len(chosen) - 1)):
        on_b = {chosen[i + 1] for i in range(len(chosen) - 1) if mask >> i & 1}
        side_a = {n for n in chosen if n not in on_b}
        total = sum(w for a in side_a for b, w in graph[a].items() if b in on_b)
        for node in free:
            to_b = sum(w for other, w in graph[node].items() if other in on_b)
            to_a = sum(graph[node].values()) - to_b
            if to_b <= to_a:
                side_a.add(node)
                total += to_b
            else:
                total += to_a
        if not on_b:  # everything on one side: the lightest single node moved over
            moved = min(free, key=lambda n: (sum(graph[n].values()), str(n)))
            total, side_a = sum(graph[moved].values()), {moved}
        if best is None or total < best[0]:
            best = (total, frozenset(side_a))
    assert best is not None
    return best


def _cut(cells: dict[tuple[Node, Node], list[Cell]], side: frozenset[Node], weight: int) -> Cut:
    crossing = frozenset(c for (a, b), edge in cells.items() if a in side and b not in side for c in edge)
    return Cut(weight, side, crossing)


def lightest_cut(weights: Mapping[Cell, int], released: Margins) -> Cut | None:
    """The lightest non-empty set of people that a combination of the released figures rests on, or None when
    no combination rests on anyone (every figure released is a sum of whole parts no combination splits)."""
    graph, cells = _graph(weights, released)
    best: Cut | None = None
    for part in _parts(graph):
        if len(part) < 2:
            continue
        weight, side = _min_cut(graph, part)
        if best is None or weight < best.weight:
            best = _cut(cells, side, weight)
    return best


def discloses(weights: Mapping[Cell, int], released: Margins, threshold: int) -> Cut | None:
    """A set of 1 … threshold−1 people some combination of the released figures rests on (a disclosure), or
    None when there is none. Planning and auditing a release weigh the same cells and margins many times over,
    so answers are remembered."""
    return _discloses(tuple(sorted((c, w) for c, w in weights.items() if w > 0)), released, threshold)


@lru_cache(maxsize=4096)
def _discloses(weights: tuple[tuple[Cell, int], ...], released: Margins, threshold: int) -> Cut | None:
    cut = lightest_cut(dict(weights), released)
    return cut if cut is not None and cut.weight < threshold else None
