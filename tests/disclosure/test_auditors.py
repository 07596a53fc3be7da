"""The auditors' decisions on small hand-made releases, and the survey auditor's minimum cut against
Stoer–Wagner's on random tables."""

from __future__ import annotations

import random

import networkx as nx

from service.disclosure.margins import Margins, _graph, _min_cut, _parts, discloses, lightest_cut
from service.disclosure.positions import Released, audit

MANAGERS = {("Management", "manager"): 10, ("Surgery", "doctor"): 20, ("Surgery", "manager"): 1}


def margins(rows: set[str], columns: set[str], total: bool = True) -> Margins:
    return Margins(frozenset(rows), frozenset(columns), total)


def test_one_breakdown_alone_isolates_no_one() -> None:
    assert discloses(MANAGERS, margins({"Management", "Surgery"}, set()), 5) is None
    assert discloses(MANAGERS, margins(set(), {"manager", "doctor"}), 5) is None


def test_both_breakdowns_together_isolate_the_manager_in_surgery() -> None:
    cut = discloses(MANAGERS, margins({"Management", "Surgery"}, {"manager", "doctor"}), 5)
    assert cut is not None and cut.weight == 1 and cut.crossing == {("Surgery", "manager")}
    # managers − Management alone (no total, no doctors) is the same person
    assert discloses(MANAGERS, margins({"Management"}, {"manager"}, total=False), 5) is not None
    # hiding both staff groups leaves nothing to combine
    assert discloses(MANAGERS, margins({"Management", "Surgery"}, set()), 5) is None


def test_a_remainder_of_two_people_is_isolated_and_one_of_five_is_not() -> None:
    cells = {("Ward A", "d"): 1, ("Ward B", "d"): 1, ("Surgery", "d"): 20, ("Medicine", "d"): 18}
    cut = discloses(cells, margins({"Surgery", "Medicine"}, set()), 5)
    assert cut is not None and cut.weight == 2 and cut.crossing == {("Ward A", "d"), ("Ward B", "d")}
    assert discloses(cells, margins({"Surgery"}, set()), 5) is None  # organisation − Surgery: 20 people
    assert discloses(cells, margins({"Surgery", "Medicine"}, set(), total=False), 5) is None  # no total


def test_the_minimum_cut_is_stoer_wagners_on_random_tables() -> None:
    rng = random.Random(20261207)
    checked = 0
    for _ in range(1500):
        rows = [f"u{n}" for n in range(rng.randint(1, 9))]
        columns = [f"s{n}" for n in range(rng.randint(1, 6))]
        weights = {(r, c): rng.choice((0, 0, 1, 2, 3, 7, 20)) for r in rows for c in columns}
        released = margins({r for r in rows if rng.random() < 0.7}, {c for c in columns if rng.random() < 0.7},
                           rng.random() < 0.6)
        graph, _ = _graph(weights, released)
        for part in _parts(graph):
            if len(part) < 2:
                continue
            weight, side = _min_cut(graph, part)
            reference = nx.Graph()
            reference.add_weighted_edges_from((a, b, w) for a in part for b, w in graph[a].items())
            assert weight == nx.stoer_wagner(reference)[0]
            assert 0 < len(side) < len(part)
            assert sum(w for a in side for b, w in graph[a].items() if b not in side) == weight
            checked += 1
        cut = lightest_cut(weights, released)
        assert cut is None or sum(weights[c] for c in cut.crossing) == cut.weight
    assert checked > 1000


def test_the_360_auditor_finds_an_item_recovered_from_an_element_less_its_other_item() -> None:
    # Three peers; on item a only p1 rated. Figures: the peers' item b, and their element (a and b) pooled.
    blocks = [frozenset({("p1", "a"), ("p2", "a"), ("p3", "a")}), frozenset({("p1", "b"), ("p2", "b"), ("p3", "b")})]
    rated = {("p1", "a"): True, ("p2", "a"): False, ("p3", "a"): False} | {(p, "b"): True for p in ("p1", "p2", "p3")}
    peers = {"p1", "p2", "p3"}
    leaky = [Released("items.b.peer", frozenset({1})), Released("elements.e.peer", frozenset({0, 1}))]
    finding = audit(leaky, blocks, rated, peers, 3)
    assert finding is not None and finding.rule == "ratings of fewer than k raters are determined"
    assert finding.figures == ("elements.e.peer",)  # the figure that holds the lone rating
    # The element made of item b alone (a's lone rating in no figure) gives nothing.
    assert audit([Released("items.b.peer", frozenset({1})), Released("elements.e.peer", frozenset({1}))],
                 blocks, rated, peers, 3) is None
    # Named raters are known to the reader: their answers never count as disclosed.
    assert audit(leaky, blocks, rated, set(), 3) is None
