"""The auditor of figures pooled over people's answers (360 reports): pure, no I/O.

Every released figure pools some answer positions (a position is one person's answer to one item). A
figure releases the sum of its ratings, their sum of squares, how many there are and how many were N/A,
all sums over its positions. Whoever reads every figure knows each of those sums, so they know every
linear combination of them: the row space of the matrix of figures × positions. Named people's answers
(self, a named supervisor) are taken as known and drop out.

A release discloses something about a set P of anonymous people when some combination of released figures
is a non-zero function of P's answers alone (a rating, a difference of two ratings, a sum of two people's
ratings...), for 1 ≤ |P| < k. That is decided exactly:

1. positions that lie in exactly the same figures form an *atom*: every combination has the same
   coefficient on all of an atom's positions, so an atom is one column. Figures are given as unions of
   disjoint *blocks* of positions (a 360 report's blocks are its cells: one group's answers to one item), so
   positions are grouped block by block: an atom is the blocks of one signature;
2. a combination supported on P's answers can only use atoms all of whose people are in P, so only atoms of
   1 … k−1 people ("small" atoms) can be in one. With none, the release is safe (the common case, checked
   at the cost of grouping positions);
3. otherwise, for each set P of at most k−1 people made of small atoms' people, P is disclosed when dropping
   the columns of the atoms inside P lowers the rank of the matrix: rank(M) > rank(M without them) exactly
   when some row combination is zero outside them and not inside (ranks over the integers, exact, FLINT).

The check runs twice: over every position (what the counts `n` and `n_na` release) and over the rated
positions only (what the means and standard deviations release).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import flint

Position = tuple[str, str]  # (person, item)
MAX_CANDIDATE_SETS = 5000  # beyond this many sets of people to try, the release is refused as undecided


@dataclass(frozen=True, slots=True)
class Released:
    """One released figure: where it appears in the report, and the blocks of answer positions it pools."""

    name: str
    blocks: frozenset[int]


@dataclass(frozen=True, slots=True)
class Finding:
    """Why a release is rejected: the rule broken, and the released figures holding what is disclosed."""

    rule: str
    figures: tuple[str, ...]


def audit(released: Sequence[Released], blocks: Sequence[frozenset[Position]], rated: Mapping[Position, bool],
          anonymous: Collection[str], k: int) -> Finding | None:
    """None when no combination of the released figures says anything about fewer than `k` anonymous people;
    otherwise the first finding. `blocks[b]` are the positions of block b (blocks never share a position);
    `rated[pos]` is False for an N/A answer; people not in `anonymous` are named."""
    seen: set[Position] = set()
    for block in blocks:
        if seen & block:
            return Finding("blocks share answer positions", ())
        seen |= block
    try:
        every = _check(released, blocks, lambda p: p[0] in anonymous, k)
        if every is not None:
            return Finding("counts of fewer than k raters' answers are determined", every)
        ratings = _check(released, blocks, lambda p: p[0] in anonymous and rated.get(p, False), k)
        if ratings is not None:
            return Finding("ratings of fewer than k raters are determined", ratings)
    except Undecided as e:
        return Finding(f"undecided: {e}", ())
    return None


def _check(released: Sequence[Released], blocks: Sequence[frozenset[Position]], unknown: Callable[[Position], bool],
           k: int) -> tuple[str, ...] | None:
    """The figures of a disclosing combination over the positions that are `unknown`, or None."""
    signature: dict[int, list[int]] = {}
    for n, figure in enumerate(released):
        for block in figure.blocks:
            signature.setdefault(block, []).append(n)
    atoms: dict[tuple[int, ...], set[str]] = {}
    for block, rows in signature.items():
        people = {person for person, item in blocks[block] if unknown((person, item))}
        if people:
            atoms.setdefault(tuple(rows), set()).update(people)
    small = [(rows, frozenset(people)) for rows, people in atoms.items() if len(people) < k]
    if not small:
        return None
    columns = list(atoms)
    full = _rank(columns, len(released))
    for people in _candidate_sets(small, k):
        inside = {rows for rows, who in small if who <= people}
        if _rank([c for c in columns if c not in inside], len(released)) < full:
            return tuple(sorted({released[r].name for rows in inside for r in rows}))
    return None


def _candidate_sets(small: list[tuple[tuple[int, ...], frozenset[str]]], k: int) -> list[frozenset[str]]:
    """Every set of at most k−1 people that is a union of small atoms' people (the largest suffice: a set that
    discloses still does with more people added, as long as they stay below k)."""
    people = sorted({p for _, who in small for p in who})
    if len(people) < k:
        return [frozenset(people)]
    found: set[frozenset[str]] = set()
    frontier = {who for _, who in small}
    while frontier:
        found |= frontier
        if len(found) > MAX_CANDIDATE_SETS:
            raise Undecided(f"more than {MAX_CANDIDATE_SETS} sets of people to check")
        frontier = {a | b for a, b in combinations(frontier | found, 2) if len(a | b) < k} - found
    return sorted((s for s in found if not any(s < t for t in found)), key=sorted)


class Undecided(Exception):
    """The auditor could not decide within its bounds: the release is refused like a disclosing one."""


def _rank(columns: list[tuple[int, ...]], rows: int) -> int:
    if not columns:
        return 0
    matrix = flint.fmpz_mat(len(columns), rows)
    for c, members in enumerate(columns):
        for r in members:
            matrix[c, r] = 1
    return matrix.rank()
